package dev.batchmlops.ingest;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.PipelineException;
import dev.batchmlops.audit.AuditAction;
import dev.batchmlops.audit.AuditTrail;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.config.StageConfigs.IngestMode;
import dev.batchmlops.config.StageConfigs.SourceFormat;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.table.Commit;
import dev.batchmlops.table.DeltaTables;
import dev.batchmlops.table.DeltaTables.SchemaChange;
import dev.batchmlops.table.TableVersion;
import dev.batchmlops.tracking.TrackedRun;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SaveMode;

/**
 * Lands a source in the dataset's raw Delta table as exactly one commit.
 *
 * <p>Algorithm:
 *
 * <ol>
 *   <li>check the contract's schema against the existing table: additive changes only where
 *       allowed, anything else fails naming the columns, before any data is read;
 *   <li>read the source as text and fingerprint its content; if the table already holds that
 *       content (the current snapshot, or any appended batch), write nothing and say so;
 *   <li>parse the text into typed rows; rows that do not fit go to the quarantine table with the
 *       raw record and the reason; past the configured share, fail without touching the raw table;
 *   <li>write the accepted rows as one commit whose metadata names the source, its checksum, the
 *       row counts, the schema fingerprint and the pipeline run. A crash before the commit leaves
 *       the table at its previous version, and a re-run then writes the batch once.
 * </ol>
 */
public final class IngestStage {
  private IngestStage() {}

  /** What an ingest did: the version holding the source, and whether it wrote it just now. */
  public record Result(
      TableVersion table,
      boolean written,
      long rowsRead,
      long rowsAccepted,
      long rowsQuarantined) {}

  /** Ingests the configured source, or the file at {@code inputOverride} when given. */
  public static Result run(PipelineContext context, Optional<String> inputOverride) {
    var config = context.config();
    StageConfigs.Ingest settings = config.ingest();
    DeltaTables tables = context.tables();
    String rawPath = context.layout().rawTable();
    SchemaChange schemaChange = checkSchema(context, rawPath);
    // Read once: both the watermark and the idempotency check come from the table's history.
    List<Commit> history = tables.exists(rawPath) ? tables.history(rawPath) : List.of();
    long readVersion = history.isEmpty() ? -1 : history.get(0).version();

    SourceReader reader = new SourceReader(context.spark(), context.files(), config.dataset());
    StageConfigs.Source source = settings.source();
    RawBatch batch;
    if (inputOverride.isEmpty() && source.format() == SourceFormat.JDBC) {
      batch = reader.readJdbc(source.jdbc(), lastWatermark(history));
    } else {
      String path =
          inputOverride.orElseGet(
              () -> source.path() != null ? source.path() : context.state().requireLandedFile());
      batch = reader.readFile(path, reader.formatOf(path, source.format()), source.csv());
    }

    Optional<Commit> existing = alreadyIngested(history, batch.checksum(), settings.mode());
    Result result =
        context.inChildRun(
            "ingest",
            run -> {
              if (existing.isEmpty()) {
                return write(context, batch, schemaChange, readVersion, run);
              }
              TableVersion table = new TableVersion(rawPath, existing.get().version());
              run.setTags(
                  Map.of(
                      "batchmlops.ingest", "skipped: content already in " + table,
                      "batchmlops.source_checksum", batch.checksum(),
                      "batchmlops.raw_version", Long.toString(table.version())));
              recordRaw(context, table);
              return new Result(table, false, 0, 0, 0);
            });
    if (result.written()) {
      AuditTrail.of(context)
          .append(
              AuditAction.INGEST,
              Map.of("source", batch.source(), "source_checksum", batch.checksum()),
              Map.of(
                  "raw_table", result.table().toString(),
                  "rows_accepted", Long.toString(result.rowsAccepted()),
                  "rows_quarantined", Long.toString(result.rowsQuarantined())),
              "");
    }
    return result;
  }

  private static void recordRaw(PipelineContext context, TableVersion table) {
    context.parentRun().setTags(Map.of("batchmlops.raw_version", Long.toString(table.version())));
    context.updateState(s -> s.withRaw(table));
  }

  /**
   * @param readVersion the raw table's version the already-ingested check read (-1: no table)
   */
  private static Result write(
      PipelineContext context,
      RawBatch batch,
      SchemaChange schemaChange,
      long readVersion,
      TrackedRun run) {
    var config = context.config();
    StageConfigs.Ingest settings = config.ingest();
    String runId = context.parentRun().runId();
    try (Screened screened = Screened.screen(context, batch, config.dataset(), runId)) {
      long read = screened.read();
      long quarantined = screened.quarantined();
      long accepted = screened.accepted();
      if (read == 0) {
        if (settings.mode() == IngestMode.APPEND
            && context.tables().exists(context.layout().rawTable())) {
          // An incremental load that finds nothing new is done: the table already holds it all.
          TableVersion current =
              new TableVersion(
                  context.layout().rawTable(),
                  context.tables().latestVersion(context.layout().rawTable()));
          run.setTags(Map.of("batchmlops.ingest", "skipped: no new rows in " + batch.source()));
          recordRaw(context, current);
          return new Result(current, false, 0, 0, 0);
        }
        throw new PipelineException("ingest: " + batch.source() + " has no rows");
      }
      screened.requireQuarantinedShareAtMost(
          settings.maxQuarantineShare(), "ingest", "the raw table");

      Map<String, String> commitInfo = new LinkedHashMap<>();
      commitInfo.put("operation", "ingest");
      commitInfo.put("source", batch.source());
      commitInfo.put("source_format", batch.format().name().toLowerCase(Locale.ROOT));
      commitInfo.put("source_checksum", batch.checksum());
      commitInfo.put("mode", settings.mode().name().toLowerCase(Locale.ROOT));
      commitInfo.put("rows_read", Long.toString(read));
      commitInfo.put("rows_accepted", Long.toString(accepted));
      commitInfo.put("rows_quarantined", Long.toString(quarantined));
      commitInfo.put("schema_fingerprint", SchemaCheck.fingerprint(config.dataset().schema()));
      commitInfo.put("pipeline_run_id", runId);
      batch.watermark().ifPresent(w -> commitInfo.put("watermark", w));
      screened.quarantine().ifPresent(q -> commitInfo.put("quarantine", q.toString()));
      String rawPath = context.layout().rawTable();
      // The same content on top of the same version is one write, decided inside Delta's
      // transaction: two ingests of one batch started together commit it once.
      String writeId = "ingest:" + batch.checksum() + "@" + readVersion;
      Optional<TableVersion> written;
      try {
        written =
            context
                .tables()
                .writeOnce(
                    screened.acceptedRows(config.dataset()),
                    rawPath,
                    settings.mode() == IngestMode.SNAPSHOT ? SaveMode.Overwrite : SaveMode.Append,
                    writeId,
                    commitInfo,
                    schemaChange);
      } catch (io.delta.exceptions.DeltaConcurrentModificationException e) {
        throw new PipelineException(
            "ingest: another writer committed to "
                + rawPath
                + " while this batch was being written; nothing was written by this run: run it"
                + " again (it writes the batch only if the table does not hold it by then)",
            e);
      }
      if (written.isEmpty()) {
        TableVersion current = new TableVersion(rawPath, context.tables().latestVersion(rawPath));
        run.setTags(Map.of("batchmlops.ingest", "skipped: a concurrent run wrote this batch"));
        recordRaw(context, current);
        return new Result(current, false, read, accepted, quarantined);
      }
      TableVersion table = written.get();

      run.logParams(
          Map.of(
              "source", batch.source(),
              "source_format", commitInfo.get("source_format"),
              "mode", commitInfo.get("mode")));
      run.logMetrics(
          Map.of(
              "rows_read",
              (double) read,
              PipelineContext.ROWS_PROCESSED,
              (double) read,
              "rows_accepted",
              (double) accepted,
              "rows_quarantined",
              (double) quarantined));
      Map<String, String> tags = new LinkedHashMap<>();
      tags.put("batchmlops.source_checksum", batch.checksum());
      tags.put("batchmlops.schema_fingerprint", commitInfo.get("schema_fingerprint"));
      tags.put("batchmlops.raw_table", table.path());
      tags.put("batchmlops.raw_version", Long.toString(table.version()));
      run.setTags(tags);
      recordRaw(context, table);
      return new Result(table, true, read, accepted, quarantined);
    }
  }

  /** The schema change this ingest may make; fails naming the columns of an incompatible one. */
  private static SchemaChange checkSchema(PipelineContext context, String rawPath) {
    if (!context.tables().exists(rawPath)) {
      return SchemaChange.NONE;
    }
    SchemaCheck check =
        SchemaCheck.compare(context.tables().schema(rawPath), context.config().dataset().schema());
    if (!check.incompatibilities().isEmpty()) {
      throw new PipelineException(
          "ingest: the contract's schema is incompatible with "
              + rawPath
              + ": "
              + String.join("; ", check.incompatibilities()));
    }
    if (check.addedColumns().isEmpty()) {
      return SchemaChange.NONE;
    }
    if (!context.config().ingest().allowNewColumns()) {
      throw new PipelineException(
          "ingest: the contract adds column(s) "
              + check.addedColumns()
              + " that "
              + rawPath
              + " does not have; set ingest.allow-new-columns = true to add them");
    }
    return SchemaChange.ADD_COLUMNS;
  }

  /**
   * The commit whose content the table already holds: the batches since (and including) the last
   * snapshot make up the current content. A snapshot is skipped only when the table is exactly that
   * snapshot; an append is skipped when any of those batches had the same content.
   */
  static Optional<Commit> alreadyIngested(List<Commit> history, String checksum, IngestMode mode) {
    List<Commit> current = new ArrayList<>();
    for (Commit commit : history) {
      if (commit.pipelineOperation().equals("ingest")) {
        current.add(commit);
        if ("snapshot".equals(commit.metadata().get("mode"))) {
          break;
        }
      }
    }
    List<Commit> candidates =
        mode == IngestMode.SNAPSHOT ? (current.size() == 1 ? current : List.of()) : current;
    return candidates.stream()
        .filter(c -> checksum.equals(c.metadata().get("source_checksum")))
        .findFirst();
  }

  /** The largest watermark a table's commits recorded: where an incremental read resumes. */
  public static Optional<String> lastWatermark(List<Commit> history) {
    return history.stream()
        .map(c -> c.metadata().get("watermark"))
        .filter(w -> w != null)
        .findFirst();
  }
}
