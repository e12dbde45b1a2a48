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
        tables.appendOnce(
            spark.range(3).toDF().withColumn("note", org.apache.spark.sql.functions.lit("new")),
            path,
            "batch-c",
            Map.of("operation", "score"),
            DeltaTables.SchemaChange.ADD_COLUMNS);
    assertEquals(3, tables.rowsWritten(wider.orElseThrow()));
    assertEquals(
        127, spark.read().format("delta").load(path).where("note is null").count(), "kept");
  }
}
