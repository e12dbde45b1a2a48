package dev.batchmlops.e2e;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.support.JobArgs;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.ProjectPaths;
import dev.batchmlops.support.TestSpark;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The cron wrapper, as cron runs it: two runs for one dataset started at once never overlap (one
 * runs, the other says "already running" and exits 75), every attempt leaves a dated log of which
 * only the newest are kept, and the command's own exit code comes back with its reason.
 */
class ScheduledRunIT {
  private final SparkSession spark = TestSpark.session();

  private record Finished(int exitCode, String output) {}

  private static Process start(Path work, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("scripts/scheduled-run"));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(ProjectPaths.root().toFile())
            .redirectErrorStream(true);
    // As cron starts it: no Spark settings in the environment.
    builder.environment().remove("SPARK_HOME");
    builder.environment().remove("PYSPARK_PYTHON");
    builder.environment().remove("MLFLOW_TRACKING_URI");
    builder.environment().remove("MLOPS_STORAGE_ROOT");
    builder.environment().put("MLOPS_LOG_DIR", work.resolve("logs").toString());
    builder.environment().put("MLOPS_LOCK_DIR", work.resolve("locks").toString());
    builder.environment().put("MLOPS_DRIVER_MEMORY", "1g");
    return builder.start();
  }

  private static Finished finish(Process process) throws Exception {
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Finished(process.waitFor(), output);
  }

  private static String[] ingest(Path work, Path input) {
    return JobArgs.of(
            "ingest",
            work,
            MlflowTestServer.shared().uri(),
            "--set",
            "tracking.experiment-prefix=cron-test",
            "--input",
            input.toString())
        .toArray(String[]::new);
  }

  private static List<Path> logs(Path work) throws IOException {
    try (Stream<Path> files = Files.list(work.resolve("logs/credit"))) {
      return files.sorted().toList();
    }
  }

  @Test
  void twoRunsAtOnceNeverOverlapAndLogsAreKeptAndRotated() throws Exception {
    Path work = Files.createTempDirectory("batchmlops-cron-");
    Path input = work.resolve("sources/applications.csv");
    CreditDataGenerator.generate(spark, 2000, 5)
        .coalesce(1)
        .write()
        .option("header", "true")
        .mode(SaveMode.Overwrite)
        .csv(input.toString());

    Process one = start(work, ingest(work, input));
    Process other = start(work, ingest(work, input));
    Finished first = finish(one);
    Finished second = finish(other);
    Finished ran = first.exitCode() == 0 ? first : second;
    Finished refused = ran == first ? second : first;
    assertEquals(0, ran.exitCode(), first.output() + second.output());
    assertEquals("", ran.output().strip(), "a run that succeeds prints nothing");
    assertEquals(75, refused.exitCode(), refused.output());
    assertTrue(
        refused.output().startsWith("already running: a scheduled run for dataset credit holds "),
        refused.output());
    Path raw = work.resolve("delta/credit/raw");
    assertEquals(1, DeltaTable.forPath(spark, raw.toString()).history().count(), "one commit");
    assertEquals(2000, spark.read().format("delta").load(raw.toString()).count());
    List<Path> attempts = logs(work);
    assertEquals(2, attempts.size(), "a log per attempt: " + attempts);
    assertTrue(
        attempts.stream()
            .anyMatch(
                log -> {
                  try {
                    String text = Files.readString(log);
                    return text.contains(": 2000 of 2000 rows accepted")
                        && text.endsWith("exit 0\n");
                  } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                }),
        "the run's output is in its log");

    // A failure: its exit code and one-line reason come back, and only the newest 2 logs stay.
    Path missing = work.resolve("sources/none.csv");
    Finished failed = finish(start(work, prepend("--keep", "2", ingest(work, missing))));
    assertEquals(1, failed.exitCode(), failed.output());
    assertTrue(
        failed
            .output()
            .startsWith(
                "scheduled-run: ingest for credit exited 1: batchmlops: error: ingest: input path "
                    + missing
                    + " does not exist or cannot be read [pipeline run http://"),
        failed.output());
    assertTrue(failed.output().contains("]; log: " + work.resolve("logs/credit")), failed.output());
    assertEquals(2, logs(work).size(), "the oldest log is gone: " + logs(work));
  }

  private static String[] prepend(String a, String b, String[] rest) {
    List<String> all = new ArrayList<>(List.of(a, b));
    all.addAll(List.of(rest));
    return all.toArray(String[]::new);
  }
}
