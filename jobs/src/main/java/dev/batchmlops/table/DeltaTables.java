package dev.batchmlops.table;

import dev.batchmlops.Json;
import dev.batchmlops.PipelineException;
import io.delta.tables.DeltaTable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/** Reads Delta tables at pinned versions and writes them as single commits with metadata. */
public final class DeltaTables {
  private final SparkSession spark;

  public DeltaTables(SparkSession spark) {
    this.spark = spark;
  }

  /**
   * Writes {@code data} as one Delta commit whose user metadata (visible in the table history)
   * holds {@code commitInfo}, and returns the version it created.
   */
  public TableVersion write(
      Dataset<Row> data,
      String path,
      SaveMode mode,
      Map<String, String> commitInfo,
      List<String> partitionColumns) {
    data.write()
        .format("delta")
        .mode(mode)
        .option("userMetadata", Json.compact(new TreeMap<>(commitInfo)))
        .option("overwriteSchema", mode == SaveMode.Overwrite)
        .partitionBy(partitionColumns.toArray(String[]::new))
        .save(path);
    return new TableVersion(path, latestVersion(path));
  }

  public Dataset<Row> read(TableVersion table) {
    requireTable(table.path());
    return spark.read().format("delta").option("versionAsOf", table.version()).load(table.path());
  }

  public long latestVersion(String path) {
    requireTable(path);
    return DeltaTable.forPath(spark, path).history(1).first().<Long>getAs("version");
  }

  /** The user metadata of one commit, as written by {@link #write}. */
  public String commitMetadata(TableVersion table) {
    requireTable(table.path());
    Row row =
        DeltaTable.forPath(spark, table.path())
            .history()
            .where("version = " + table.version())
            .select("userMetadata")
            .first();
    return row.isNullAt(0) ? "" : row.getString(0);
  }

  private void requireTable(String path) {
    if (!DeltaTable.isDeltaTable(spark, path)) {
      throw new PipelineException("no Delta table at " + path);
    }
  }
}
