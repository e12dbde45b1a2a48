package dev.batchmlops.ingest;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.PipelineException;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.table.DeltaTables.SchemaChange;
import dev.batchmlops.table.TableVersion;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.storage.StorageLevel;

/**
 * A batch parsed against the contract, its rows that do not fit already in the quarantine table
 * with their raw record and reason: what ingest and scoring both do before they write a batch.
 * Holds the parsed rows cached until closed.
 *
 * @param quarantine the quarantine table version holding this batch's rejected rows, if any
 * @param firstReason one reason a row was quarantined, for the error message; null if none was
 */
public record Screened(
    Dataset<Row> parsed,
    RawBatch batch,
    long read,
    long quarantined,
    Optional<TableVersion> quarantine,
    String firstReason)
    implements AutoCloseable {

  /** Parses {@code batch} and writes the rows that do not fit to the quarantine table. */
  public static Screened screen(
      PipelineContext context, RawBatch batch, DatasetContract contract, String runId) {
    Dataset<Row> parsed =
        RecordParser.parse(batch.text(), contract).persist(StorageLevel.MEMORY_AND_DISK());
    // The one pass over the source: later steps read the cached rows.
    Row counts;
    try {
      counts =
          SourceReader.readUnchanged(
              context.files(),
              batch,
              () ->
                  parsed
                      .agg(
                          count(lit(1)),
                          sum(when(col(RecordParser.REASON).isNotNull(), 1L).otherwise(0L)),
                          first(col(RecordParser.REASON), true))
                      .first());
    } catch (Exception e) { // SparkException is checked, yet thrown undeclared
      parsed.unpersist();
      throw e;
    }
    long read = counts.getLong(0);
    long quarantined = read == 0 ? 0 : counts.getLong(1);
    Optional<TableVersion> quarantine =
        quarantined == 0
            ? Optional.empty()
            : Optional.of(quarantine(context, parsed, batch, runId));
    return new Screened(
        parsed, batch, read, quarantined, quarantine, read == 0 ? null : counts.getString(2));
  }

  public long accepted() {
    return read - quarantined;
  }

  /** The rows that fit, with the contract's columns only. */
  public Dataset<Row> acceptedRows(DatasetContract contract) {
    Column[] columns = contract.columns().stream().map(c -> col(c.name())).toArray(Column[]::new);
    return parsed.where(col(RecordParser.REASON).isNull()).select(columns);
  }

  /**
   * Fails when more than {@code limit} of the rows were quarantined.
   *
   * @param stage the command, as error messages start
   * @param untouched what stays as it was, for the message ("the raw table")
   */
  public void requireQuarantinedShareAtMost(double limit, String stage, String untouched) {
    double share = read == 0 ? 0 : (double) quarantined / read;
    if (share > limit) {
      throw new PipelineException(
          String.format(
              Locale.ROOT,
              "%s: %d of %d rows of %s (%.1f%%) do not fit the contract, above the limit of %.1f%%;"
                  + " nothing was written to %s; see %s (first reason: %s)",
              stage,
              quarantined,
              read,
              batch.source(),
              100 * share,
              100 * limit,
              untouched,
              quarantine.orElseThrow(),
              firstReason));
    }
  }

  @Override
  public void close() {
    parsed.unpersist();
  }

  /** Appends the rows that do not fit, with their raw record, reason and source. */
  private static TableVersion quarantine(
      PipelineContext context, Dataset<Row> parsed, RawBatch batch, String runId) {
    Dataset<Row> rows =
        parsed
            .where(col(RecordParser.REASON).isNotNull())
            .select(
                col(RecordParser.RAW_RECORD).as("raw_record"),
                col(RecordParser.REASON).as("reason"),
                lit(batch.source()).as("source"),
                lit(batch.checksum()).as("source_checksum"),
                lit(runId).as("pipeline_run_id"),
                lit(Timestamp.from(Instant.now())).as("quarantined_at"));
    return context
        .tables()
        .write(
            rows,
            context.layout().quarantineTable(),
            SaveMode.Append,
            Map.of("operation", "quarantine", "source", batch.source(), "pipeline_run_id", runId),
            List.of(),
            SchemaChange.NONE);
  }
}
