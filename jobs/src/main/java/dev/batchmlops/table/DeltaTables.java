package dev.batchmlops.table;

import dev.batchmlops.Json;
import dev.batchmlops.PipelineException;
import io.delta.tables.DeltaTable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;

/** Reads Delta tables at pinned versions and writes them as single commits with metadata. */
public final class DeltaTables {
  /** What a write may do to an existing table's schema. */
  public enum SchemaChange {
    /** The data must have the table's schema. */
    NONE,
    /** The data may add columns. */
    ADD_COLUMNS,
    /** The data's schema replaces the table's (only for derived tables, with an overwrite). */
    REPLACE
  }

  private final SparkSession spark;
  private final Map<TableVersion, Dataset<Row>> pinnedFrames =
      new java.util.concurrent.ConcurrentHashMap<>();

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
      List<String> partitionColumns,
      SchemaChange schemaChange) {
    data.write()
        .format("delta")
        .mode(mode)
        .option("userMetadata", Json.compact(new TreeMap<>(commitInfo)))
        .option("mergeSchema", schemaChange == SchemaChange.ADD_COLUMNS)
        .option("overwriteSchema", schemaChange == SchemaChange.REPLACE)
        .partitionBy(partitionColumns.toArray(String[]::new))
        .save(path);
    return new TableVersion(path, latestVersion(path));
  }

  /**
   * Appends {@code data} as one commit that Delta writes at most once for {@code writeId} (an
   * idempotent transaction, txnAppId): a second append with the same id, even a concurrent one,
   * writes nothing. Returns the version written, or empty when the id was written before.
   */
  public Optional<TableVersion> appendOnce(
      Dataset<Row> data, String path, String writeId, Map<String, String> commitInfo) {
    return writeOnce(data, path, SaveMode.Append, writeId, commitInfo, SchemaChange.NONE);
  }

  /**
   * Writes {@code data} as one commit that Delta makes at most once for {@code writeId}: the check
   * is inside Delta's transaction, so of two writers with the same id, even at the same moment, one
   * commits and the other writes nothing (or, when both were already committing, fails with a
   * {@link io.delta.exceptions.DeltaConcurrentModificationException} and leaves the table as the
   * winner wrote it). Returns the version written, or empty when the id was written before.
   */
  public Optional<TableVersion> writeOnce(
      Dataset<Row> data,
      String path,
      SaveMode mode,
      String writeId,
      Map<String, String> commitInfo,
      SchemaChange schemaChange) {
    long before = exists(path) ? latestVersion(path) : -1;
    // Whether this write committed is told by its own token, not by the table having moved: a
    // writer whose id was taken by another could otherwise count a third writer's commit as its
    // own.
    String token = java.util.UUID.randomUUID().toString();
    Map<String, String> info = new TreeMap<>(commitInfo);
    info.put(WRITE_TOKEN, token);
    data.write()
        .format("delta")
        .mode(mode)
        .option("mergeSchema", schemaChange == SchemaChange.ADD_COLUMNS)
        .option("overwriteSchema", schemaChange == SchemaChange.REPLACE)
        .option("txnAppId", writeId)
        .option("txnVersion", 0L)
        .option("userMetadata", Json.compact(info))
        .save(path);
    long after = latestVersion(path);
    if (after == before) {
      return Optional.empty();
    }
    return DeltaTable.forPath(spark, path)
        .history((int) Math.min(Integer.MAX_VALUE, after - before))
        .select("version", "userMetadata")
        .collectAsList()
        .stream()
        .filter(
            row ->
                !row.isNullAt(1)
                    && token.equals(Json.parseStringMap(row.getString(1)).get(WRITE_TOKEN)))
        .findFirst()
        .map(row -> new TableVersion(path, row.getLong(0)));
  }

  /** The commit metadata key of a write's own random token (see {@link #writeOnce}). */
  public static final String WRITE_TOKEN = "write_token";

  public boolean exists(String path) {
    return DeltaTable.isDeltaTable(spark, path);
  }

  public StructType schema(String path) {
    requireTable(path);
    return spark.read().format("delta").load(path).schema();
  }

  /** Every version of the table, newest first, with the pipeline's metadata of each. */
  public List<Commit> history(String path) {
    requireTable(path);
    List<Commit> commits = new ArrayList<>();
    for (Row row :
        DeltaTable.forPath(spark, path)
            .history()
            .select("version", "timestamp", "operation", "userMetadata")
            .orderBy(functions.col("version").desc())
            .collectAsList()) {
      commits.add(
          new Commit(
              row.getLong(0),
              row.getTimestamp(1).toInstant(),
              row.getString(2),
              row.isNullAt(3) ? Map.of() : Json.parseStringMap(row.getString(3))));
    }
    return commits;
  }

  /** The rows a version's commit wrote, from Delta's own count (no scan of the data). */
  public long rowsWritten(TableVersion version) {
    Row row =
        DeltaTable.forPath(spark, version.path())
            .history()
            .where(functions.col("version").equalTo(version.version()))
            .select(functions.col("operationMetrics").getItem("numOutputRows"))
            .first();
    return row.isNullAt(0) ? 0 : Long.parseLong(row.getString(0));
  }

  /** The latest version committed at or before {@code timestamp}. */
  public TableVersion versionAsOf(String path, Instant timestamp) {
    return history(path).stream()
        .filter(c -> !c.timestamp().isAfter(timestamp))
        .findFirst()
        .map(c -> new TableVersion(path, c.version()))
        .orElseThrow(
            () ->
                new PipelineException(
                    "table " + path + " has no version at or before " + timestamp));
  }

  /** The table at a version that must exist. */
  public TableVersion pinned(String path, long version) {
    long latest = latestVersion(path);
    if (version < 0 || version > latest) {
      throw new PipelineException(
          "table " + path + " has no version " + version + " (latest is " + latest + ")");
    }
    return new TableVersion(path, version);
  }

  /**
   * The rows of a pinned version. Resolving a version rebuilds its snapshot from the log (a Spark
   * job); a version never changes, so each is resolved once and its frame handed out again.
   */
  public Dataset<Row> read(TableVersion table) {
    return pinnedFrames.computeIfAbsent(
        table,
        t -> {
          requireTable(t.path());
          return spark.read().format("delta").option("versionAsOf", t.version()).load(t.path());
        });
  }

  public long latestVersion(String path) {
    requireTable(path);
    return DeltaTable.forPath(spark, path).history(1).first().<Long>getAs("version");
  }

  private void requireTable(String path) {
    if (!DeltaTable.isDeltaTable(spark, path)) {
      throw new PipelineException("no Delta table at " + path);
    }
  }
}
