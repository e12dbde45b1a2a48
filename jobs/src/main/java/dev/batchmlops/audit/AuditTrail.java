package dev.batchmlops.audit;

import dev.batchmlops.PipelineException;
import dev.batchmlops.pipeline.DatasetLock;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.table.DeltaTables;
import dev.batchmlops.table.HadoopFiles;
import dev.batchmlops.table.StorageLayout;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

/**
 * A dataset's audit table: a Delta table that only ever gets appends, one commit per record. A
 * record's place is claimed inside Delta's transaction (an idempotent write keyed by its sequence
 * number), so of two commands appending at once one takes the place and the other appends after it:
 * the chain never forks. Where Delta's commits are not safe at once (S3), appends also take a short
 * lock.
 */
public final class AuditTrail {
  static final StructType SCHEMA =
      new StructType()
          .add("sequence", DataTypes.LongType, false)
          .add("at", DataTypes.TimestampType, false)
          .add("action", DataTypes.StringType, false)
          .add("actor", DataTypes.StringType, false)
          .add("dataset", DataTypes.StringType, false)
          .add(
              "inputs",
              DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, false),
              false)
          .add(
              "outputs",
              DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, false),
              false)
          .add("reason", DataTypes.StringType, false)
          .add("previous_hash", DataTypes.StringType, false)
          .add("hash", DataTypes.StringType, false);

  /** The input naming the MLflow pipeline run an action was part of. */
  public static final String PIPELINE_RUN = "pipeline_run_id";

  private static final Duration LOCK_PATIENCE = Duration.ofSeconds(60);
  private static final int PLACE_ATTEMPTS = 10;

  private final Supplier<SparkSession> spark;
  private final HadoopFiles files;
  private final StorageLayout layout;
  private final String actor;
  private final Optional<String> pipelineRunId;

  public AuditTrail(
      Supplier<SparkSession> spark, HadoopFiles files, StorageLayout layout, String actor) {
    this(spark, files, layout, actor, Optional.empty());
  }

  private AuditTrail(
      Supplier<SparkSession> spark,
      HadoopFiles files,
      StorageLayout layout,
      String actor,
      Optional<String> pipelineRunId) {
    this.spark = spark;
    this.files = files;
    this.layout = layout;
    this.actor = actor;
    this.pipelineRunId = pipelineRunId;
  }

  /**
   * The trail of the context's dataset, written as the user its tracker acts as; records name the
   * pipeline run the command works in, if any.
   */
  public static AuditTrail of(PipelineContext context) {
    return new AuditTrail(
        context::spark,
        context.files(),
        context.layout(),
        context.tracker().actor(),
        context.pipelineRunId());
  }

  public String table() {
    return layout.auditTable();
  }

  /** Appends what happened as the next record, and returns it. */
  public AuditRecord append(
      AuditAction action, Map<String, String> inputs, Map<String, String> outputs, String reason) {
    Map<String, String> read = new LinkedHashMap<>(inputs);
    pipelineRunId.ifPresent(id -> read.putIfAbsent(PIPELINE_RUN, id));
    AuditRecord.Entry entry =
        new AuditRecord.Entry(action.label(), layout.dataset(), read, outputs, reason);
    if (layout.concurrentCommitsSafe()) {
      return appendInPlace(entry);
    }
    Instant deadline = Instant.now().plus(LOCK_PATIENCE);
    while (true) {
      DatasetLock lock;
      try {
        lock =
            DatasetLock.acquire(
                files, layout.auditLockFile(), layout.dataset(), "audit " + action.label());
      } catch (DatasetLock.BusyException busy) {
        if (Instant.now().isAfter(deadline)) {
          throw busy;
        }
        pause();
        continue;
      }
      try {
        return appendInPlace(entry);
      } finally {
        lock.close();
      }
    }
  }

  /** A check's verdict on what it read: passed or failed, with its summary as the reason. */
  public AuditRecord appendVerdict(
      AuditAction action, Map<String, String> inputs, boolean passed, String summary) {
    return append(action, inputs, Map.of("verdict", passed ? "passed" : "failed"), summary);
  }

  private AuditRecord appendInPlace(AuditRecord.Entry entry) {
    DeltaTables tables = new DeltaTables(spark.get());
    for (int attempt = 0; attempt < PLACE_ATTEMPTS; attempt++) {
      AuditRecord record = AuditRecord.after(last().orElse(null), entry, actor, Instant.now());
      try {
        Optional<?> written =
            tables.appendOnce(
                frame(List.of(record)),
                table(),
                "audit-" + record.sequence(),
                Map.of("audit_sequence", Long.toString(record.sequence())));
        if (written.isPresent()) {
          return record;
        }
      } catch (io.delta.exceptions.DeltaConcurrentModificationException tookThePlace) {
        // Another command appended this sequence number first: go after it.
      }
    }
    throw new PipelineException(
        "cannot append to the audit table "
            + table()
            + ": "
            + PLACE_ATTEMPTS
            + " other commands appended first");
  }

  /** The last record, when the trail has any. */
  public Optional<AuditRecord> last() {
    if (!files.exists(table() + "/_delta_log")) {
      return Optional.empty();
    }
    List<Row> rows =
        spark
            .get()
            .read()
            .format("delta")
            .load(table())
            .orderBy(functions.col("sequence").desc())
            .limit(1)
            .collectAsList();
    return rows.stream().findFirst().map(AuditTrail::record);
  }

  /** Every record, by sequence number (the order they were appended in). */
  public List<AuditRecord> records() {
    if (!files.exists(table() + "/_delta_log")) {
      return List.of();
    }
    List<AuditRecord> records = new ArrayList<>();
    for (Row row :
        spark
            .get()
            .read()
            .format("delta")
            .load(table())
            .orderBy("sequence", "at")
            .collectAsList()) {
      records.add(record(row));
    }
    return records;
  }

  Dataset<Row> frame(List<AuditRecord> records) {
    List<Row> rows = new ArrayList<>();
    for (AuditRecord r : records) {
      rows.add(
          RowFactory.create(
              r.sequence(),
              Timestamp.from(r.at()),
              r.action(),
              r.actor(),
              r.dataset(),
              JavaConverters.mapAsScalaMap(r.inputs()),
              JavaConverters.mapAsScalaMap(r.outputs()),
              r.reason(),
              r.previousHash(),
              r.hash()));
    }
    return spark.get().createDataFrame(rows, SCHEMA);
  }

  static AuditRecord record(Row row) {
    Object at = row.get(row.fieldIndex("at"));
    return new AuditRecord(
        row.getLong(row.fieldIndex("sequence")),
        at instanceof Instant instant ? instant : ((Timestamp) at).toInstant(),
        row.getString(row.fieldIndex("action")),
        row.getString(row.fieldIndex("actor")),
        row.getString(row.fieldIndex("dataset")),
        new LinkedHashMap<>(row.<String, String>getJavaMap(row.fieldIndex("inputs"))),
        new LinkedHashMap<>(row.<String, String>getJavaMap(row.fieldIndex("outputs"))),
        row.getString(row.fieldIndex("reason")),
        row.getString(row.fieldIndex("previous_hash")),
        row.getString(row.fieldIndex("hash")));
  }

  private static void pause() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PipelineException("interrupted while waiting for the audit lock");
    }
  }
}
