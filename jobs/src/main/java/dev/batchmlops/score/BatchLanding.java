package dev.batchmlops.score;

import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.ingest.IngestStage;
import dev.batchmlops.ingest.RawBatch;
import dev.batchmlops.ingest.Screened;
import dev.batchmlops.ingest.SourceReader;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.table.DeltaTables.SchemaChange;
import dev.batchmlops.table.TableVersion;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * The scoring-inputs table: every batch read from a file or a database lands here as one version
 * (an overwrite, so a version is exactly one batch) before it is scored, so that each prediction
 * names the table version it came from, and the same content is never landed, or scored, twice.
 */
public final class BatchLanding {
  static final String OPERATION = "score-input";

  private BatchLanding() {}

  /** Reads the file or folder at {@code path}, or the configured source when it is empty. */
  public static RawBatch read(PipelineContext context, Optional<String> path) {
    var source = context.config().score().source();
    SourceReader reader =
        SourceReader.forScoring(context.spark(), context.files(), context.config().dataset());
    if (path.isEmpty() && source.format() == dev.batchmlops.config.StageConfigs.SourceFormat.JDBC) {
      return reader.readJdbc(source.jdbc(), lastWatermark(context));
    }
    String file = path.orElse(source.path());
    return reader.readFile(file, reader.formatOf(file, source.format()), source.csv());
  }

  /** The version that already holds a batch with this content, if one does. */
  public static Optional<TableVersion> landedBefore(PipelineContext context, String checksum) {
    String table = context.layout().scoringInputsTable();
    if (!context.tables().exists(table)) {
      return Optional.empty();
    }
    return context.tables().history(table).stream()
        .filter(c -> c.pipelineOperation().equals(OPERATION))
        .filter(c -> checksum.equals(c.metadata().get("source_checksum")))
        .map(c -> new TableVersion(table, c.version()))
        .findFirst();
  }

  /** Writes the accepted rows of a screened batch as the table's next version. */
  static TableVersion write(
      PipelineContext context, Screened screened, Dataset<Row> accepted, String runId) {
    RawBatch batch = screened.batch();
    Map<String, String> commitInfo = new LinkedHashMap<>();
    commitInfo.put("operation", OPERATION);
    commitInfo.put("source", batch.source());
    commitInfo.put("source_format", batch.format().name().toLowerCase(Locale.ROOT));
    commitInfo.put("source_checksum", batch.checksum());
    commitInfo.put("rows_read", Long.toString(screened.read()));
    commitInfo.put("rows_accepted", Long.toString(screened.accepted()));
    commitInfo.put("rows_quarantined", Long.toString(screened.quarantined()));
    commitInfo.put("scoring_run_id", runId);
    batch.watermark().ifPresent(w -> commitInfo.put("watermark", w));
    screened.quarantine().ifPresent(q -> commitInfo.put("quarantine", q.toString()));
    return context
        .tables()
        .write(
            accepted,
            context.layout().scoringInputsTable(),
            SaveMode.Overwrite,
            commitInfo,
            List.of(),
            SchemaChange.REPLACE);
  }

  /** The contract a batch to score is checked against. */
  static DatasetContract contract(PipelineContext context) {
    return context.config().dataset().forScoring();
  }

  private static Optional<String> lastWatermark(PipelineContext context) {
    String table = context.layout().scoringInputsTable();
    return context.tables().exists(table)
        ? IngestStage.lastWatermark(context.tables().history(table))
        : Optional.empty();
  }
}
