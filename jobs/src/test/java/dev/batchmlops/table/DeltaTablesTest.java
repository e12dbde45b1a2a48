package dev.batchmlops.table;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.support.TestSpark;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Delta writes the pipeline relies on, on real tables. */
class DeltaTablesTest {
  private final SparkSession spark = TestSpark.session();
  @TempDir Path temp;

  @Test
  void anIdempotentAppendWritesOnceAndCountsItsRowsWithoutAScan() {
    DeltaTables tables = new DeltaTables(spark);
    String path = temp.resolve("predictions").toString();
    Optional<TableVersion> first =
        tables.appendOnce(spark.range(120).toDF(), path, "batch-a", Map.of("operation", "score"));
    assertEquals(Optional.of(new TableVersion(path, 0)), first);
    assertEquals(120, tables.rowsWritten(first.get()));

    assertEquals(
        Optional.empty(),
        tables.appendOnce(spark.range(120).toDF(), path, "batch-a", Map.of("operation", "score")),
        "the same write id again writes nothing");
    Optional<TableVersion> second =
        tables.appendOnce(spark.range(7).toDF(), path, "batch-b", Map.of("operation", "score"));
    assertEquals(7, tables.rowsWritten(second.orElseThrow()));
    assertEquals(127, spark.read().format("delta").load(path).count());

    Optional<TableVersion> wider =
        tables.writeOnce(
            spark.range(3).toDF().withColumn("note", org.apache.spark.sql.functions.lit("new")),
            path,
            org.apache.spark.sql.SaveMode.Append,
            "batch-c",
            Map.of("operation", "score"),
            DeltaTables.SchemaChange.ADD_COLUMNS);
    assertEquals(3, tables.rowsWritten(wider.orElseThrow()));
    assertEquals(
        127, spark.read().format("delta").load(path).where("note is null").count(), "kept");

    // An overwrite with a write id is made once too: a snapshot ingest repeated, or raced.
    Optional<TableVersion> snapshot =
        tables.writeOnce(
            spark.range(5).toDF(),
            path,
            org.apache.spark.sql.SaveMode.Overwrite,
            "snapshot-a",
            Map.of("operation", "ingest"),
            DeltaTables.SchemaChange.REPLACE);
    assertEquals(5, spark.read().format("delta").load(path).count());
    assertEquals(
        Optional.empty(),
        tables.writeOnce(
            spark.range(9).toDF(),
            path,
            org.apache.spark.sql.SaveMode.Overwrite,
            "snapshot-a",
            Map.of("operation", "ingest"),
            DeltaTables.SchemaChange.REPLACE));
    assertEquals(snapshot.orElseThrow().version(), tables.latestVersion(path));
    assertEquals(5, spark.read().format("delta").load(path).count());
  }

  @Test
  void twoWritersOfOneIdAtTheSameMomentCommitItOnce() throws Exception {
    DeltaTables tables = new DeltaTables(spark);
    String path = temp.resolve("raw").toString();
    tables.appendOnce(spark.range(10).toDF(), path, "first", Map.of("operation", "ingest"));
    java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
    java.util.concurrent.Callable<Optional<TableVersion>> write =
        () -> {
          together.await();
          try {
            return tables.appendOnce(
                spark.range(1000).repartition(4).toDF(), path, "batch", Map.of("operation", "x"));
          } catch (io.delta.exceptions.DeltaConcurrentModificationException lost) {
            return Optional.empty();
          }
        };
    java.util.concurrent.ExecutorService writers =
        java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      var one = writers.submit(write);
      var other = writers.submit(write);
      long committed =
          java.util.stream.Stream.of(one.get(), other.get()).flatMap(Optional::stream).count();
      assertEquals(
          1, committed, "one of the two commits, the other finds the id or loses the race");
    } finally {
      writers.shutdownNow();
    }
    assertEquals(1, tables.latestVersion(path));
    assertEquals(1010, spark.read().format("delta").load(path).count());
  }

  @Test
  void aCommitReadFromItsLogFileIsTheOneDeltaReports() {
    DeltaTables tables = new DeltaTables(spark);
    HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
    String path = temp.resolve("splits").toString();
    for (int version = 0; version < 3; version++) {
      tables.write(
          spark.range(10 + version).toDF(),
          path,
          org.apache.spark.sql.SaveMode.Overwrite,
          Map.of("operation", "split", "fingerprint", "f" + version),
          java.util.List.of(),
          DeltaTables.SchemaChange.NONE);
    }
    for (Commit fromDelta : tables.history(path)) {
      Commit fromLog =
          CommitLog.read(files, new TableVersion(path, fromDelta.version())).orElseThrow();
      assertEquals(fromDelta.version(), fromLog.version());
      assertEquals(fromDelta.operation(), fromLog.operation());
      assertEquals(fromDelta.metadata(), fromLog.metadata());
      // Delta's history shows the log file's time; the log holds the commit's own, a moment before.
      assertTrue(
          java.time.Duration.between(fromLog.timestamp(), fromDelta.timestamp()).abs().toSeconds()
              < 5);
    }
    assertEquals(
        "f1",
        CommitLog.read(files, new TableVersion(path, 1))
            .orElseThrow()
            .metadata()
            .get("fingerprint"));
    assertEquals(
        Optional.empty(), CommitLog.read(files, new TableVersion(path, 7)), "no such version");
  }
}
