package dev.batchmlops.e2e;

import static dev.batchmlops.support.DeltaFiles.dataFiles;
import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.support.JobArgs;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.SparkSubmit;
import dev.batchmlops.support.TestSpark;
import io.delta.tables.DeltaTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * An ingest killed (SIGKILL) while it writes data files leaves the raw table at its previous
 * version; running it again takes over the lock the killed one left and lands the batch exactly
 * once. Two ingests of one batch started at the same moment commit it once: the dataset's lock
 * turns the second away (Delta's transaction, the next line of defence, is DeltaTablesTest's).
 */
class IngestCrashIT {
  private static final long BIG = 400_000;
  private final SparkSession spark = TestSpark.session();

  private static List<String> ingest(Path work, Path input) {
    // Its own experiment, so the pipeline runs other tests count are theirs alone.
    return JobArgs.of(
        "ingest",
        work,
        MlflowTestServer.shared().uri(),
        "--set",
        "tracking.experiment-prefix=crash-test",
        "--input",
        input.toString());
  }

  @Test
  void killedIngestLeavesThePreviousVersionAndARerunWritesTheBatchOnce() throws Exception {
    Path work = Files.createTempDirectory("batchmlops-crash-");
    Path small = work.resolve("sources/small.csv");
    Path big = work.resolve("sources/big.csv");
    CreditDataGenerator.generate(spark, 1000, 1)
        .coalesce(1)
        .write()
        .option("header", "true")
        .mode(SaveMode.Overwrite)
        .csv(small.toString());
    CreditDataGenerator.generate(spark, BIG, 2)
        .write()
        .option("header", "true")
        .mode(SaveMode.Overwrite)
        .csv(big.toString());
    SparkSubmit.Result first = SparkSubmit.run(work, ingest(work, small));
    assertEquals(0, first.exitCode(), first.stderr());
    Path raw = work.resolve("delta/credit/raw");
    Set<Path> before = dataFiles(raw);

    SparkSubmit.start(work, ingest(work, big))
        .killWhen(() -> !dataFiles(raw).equals(before), "it wrote a data file");

    assertTrue(
        dataFiles(raw).size() > before.size(), "the kill came while data files were written");
    assertEquals(0L, latestVersion(raw), "no commit: the table is at its previous version");
    assertEquals(1000, spark.read().format("delta").load(raw.toString()).collectAsList().size());

    SparkSubmit.Result rerun = SparkSubmit.run(work, ingest(work, big));
    assertEquals(0, rerun.exitCode(), rerun.stderr());
    assertTrue(
        rerun.stderr().contains("stopped without letting go of the dataset"),
        "takes over the killed ingest's lock: " + rerun.stderr());
    assertEquals(1L, latestVersion(raw));
    assertEquals(BIG, spark.read().format("delta").load(raw.toString()).count());

    SparkSubmit.Result again = SparkSubmit.run(work, ingest(work, big));
    assertEquals(0, again.exitCode(), again.stderr());
    assertTrue(again.stdout().contains("already ingested"), again.stdout());
    assertEquals(1L, latestVersion(raw), "no duplicate batch");
  }

  @Test
  void twoIngestsOfOneBatchStartedTogetherAppendItOnce() throws Exception {
    Path work = Files.createTempDirectory("batchmlops-concurrent-");
    Path first = work.resolve("sources/first.csv");
    Path batch = work.resolve("sources/batch.csv");
    CreditDataGenerator.generate(spark, 1000, 3)
        .coalesce(1)
        .write()
        .option("header", "true")
        .csv(first.toString());
    CreditDataGenerator.generate(spark, 2000, 4)
        .coalesce(1)
        .write()
        .option("header", "true")
        .csv(batch.toString());
    assertEquals(0, SparkSubmit.run(work, ingest(work, first)).exitCode());
    List<String> append = new java.util.ArrayList<>(ingest(work, batch));
    append.addAll(List.of("--set", "ingest.mode=append"));

    SparkSubmit.Started one = SparkSubmit.start(work, append);
    SparkSubmit.Started other = SparkSubmit.start(work, append);
    one.process().waitFor();
    other.process().waitFor();
    for (SparkSubmit.Result result : List.of(one.result(), other.result())) {
      // The loser finds the dataset busy (exit 75, to retry), or, had it started after the
      // winner let go, the batch already ingested.
      assertTrue(
          result.exitCode() == 0
              || (result.exitCode() == 75
                  && result.errorLine().contains("dataset 'credit' is busy: `ingest`")),
          result.stdout() + result.stderr());
    }
    Path raw = work.resolve("delta/credit/raw");
    assertEquals(1L, latestVersion(raw), "one commit for the batch");
    assertEquals(3000, spark.read().format("delta").load(raw.toString()).count());
  }

  private long latestVersion(Path table) {
    return DeltaTable.forPath(spark, table.toString()).history(1).first().getLong(0);
  }
}
