package dev.batchmlops.score;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.batchmlops.Fingerprints;
import dev.batchmlops.PipelineException;
import dev.batchmlops.audit.AuditAction;
import dev.batchmlops.audit.AuditRecord;
import dev.batchmlops.audit.AuditTrail;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.ingest.RawBatch;
import dev.batchmlops.ingest.Screened;
import dev.batchmlops.metrics.Scoring;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.quality.HtmlReport;
import dev.batchmlops.quality.QualityReport;
import dev.batchmlops.quality.ReportArtifacts;
import dev.batchmlops.table.TableVersion;
import dev.batchmlops.tracking.ModelRegistry;
import dev.batchmlops.tracking.ModelRegistry.ModelVersion;
import dev.batchmlops.tracking.TrackedRun;
import dev.batchmlops.validate.ContractValidator;
import dev.batchmlops.validate.MetricsHistory;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Scores a batch, the rows of a raw table version, with a registered model version as the registry
 * holds it (copied through the tracking server, so any machine can score), in its task's terms
 * ({@link PredictionColumns}: a binary version at its decision threshold). The predictions are
 * appended to the predictions table as one commit, written at most once per input and model
 * version: a re-run, or a run killed half-way and started again, never leaves a batch twice or in
 * part.
 */
public final class ScoreStage {
  public static final String BATCH_ID = "batch_id";
  public static final String SCORE = Scoring.SCORE;
  public static final String PREDICTION = "prediction";

  /** The run's metric names for throughput, the same in every scoring run. */
  public static final String ROWS_SCORED = "rows_scored";

  public static final String ROWS_PER_SECOND = "rows_per_second";
  public static final String SECONDS_PER_1000_ROWS = "seconds_per_1000_rows";

  /** The predictions commit's note of the batch's contract checks, which `monitor` reports. */
  public static final String QUALITY = "batch_quality";

  private ScoreStage() {}

  /**
   * What a scoring did.
   *
   * @param batchId null when the source had no rows
   * @param input the table version scored; null when the source had no rows
   * @param written the predictions table version written; empty when the batch had been scored
   *     before with this model version, or the source had no rows
   * @param runId the scoring run in MLflow; null when nothing was scored
   */
  public record Result(
      String batchId,
      ModelVersion model,
      TableVersion input,
      Optional<TableVersion> written,
      long rows,
      double seconds,
      String runId) {
    /** Nothing to do: a file without rows, or a database with none past the watermark. */
    static Result noRows(ModelVersion model) {
      return new Result(null, model, null, Optional.empty(), 0, 0, null);
    }

    public boolean noRows() {
      return input == null;
    }

    public boolean alreadyScored() {
      return input != null && written.isEmpty();
    }
  }

  /** What to score: a table version already written, or a batch to land first. */
  public sealed interface Input permits Input.Table, Input.Source {
    /** The rows a version of the raw (or scoring-inputs) table brought. */
    record Table(TableVersion version) implements Input {}

    /** A file or database batch, read as text; landed in the scoring-inputs table if it fits. */
    record Source(RawBatch batch) implements Input {}
  }

  public static Result run(
      PipelineContext context, ModelRegistry registry, ModelReference reference, Input input) {
    ModelVersion version = reference.resolve(registry);
    if (input instanceof Input.Source source) {
      Optional<TableVersion> landed = BatchLanding.landedBefore(context, source.batch().checksum());
      if (landed.isPresent()) {
        input = new Input.Table(landed.get());
      } else if (source.batch().text().isEmpty()) {
        return Result.noRows(version);
      }
    }
    String predictions = context.layout().predictionsTable();
    Dataset<Row> tableRows = null;
    if (input instanceof Input.Table table) {
      tableRows = batchRows(context, table.version());
      requireColumns(tableRows, context.config().dataset(), table.version());
      String batchId = batchId(table.version(), version);
      if (scoredBefore(context, predictions, batchId)) {
        return new Result(batchId, version, table.version(), Optional.empty(), 0, 0, null);
      }
    }
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("batchmlops.model_name", version.name());
    tags.put("batchmlops.model_version", version.version());
    tags.put("batchmlops.model_run_id", version.runId());
    tags.put("batchmlops.model_reference", reference.toString());
    Input chosen = input;
    Dataset<Row> known = tableRows;
    Result result =
        context.inOwnRun(
            "score-" + context.config().dataset().name(),
            tags,
            run -> {
              long started = System.nanoTime();
              // The model's files are checked before anything of the batch is landed.
              String modelPath = RegisteredModels.localCopy(context, registry, version);
              Checked checked =
                  chosen instanceof Input.Source source
                      ? land(context, run, source.batch())
                      : check(context, run, ((Input.Table) chosen).version(), known);
              return score(context, modelPath, version, checked, started, run);
            });
    result
        .written()
        .ifPresent(
            predictionsVersion ->
                AuditTrail.of(context)
                    .append(
                        AuditAction.SCORING,
                        Map.of(
                            "model",
                            version.name(),
                            AuditRecord.MODEL_VERSION,
                            version.version(),
                            "input",
                            String.valueOf(result.input()),
                            "score_run_id",
                            String.valueOf(result.runId())),
                        Map.of(
                            "predictions_table",
                            predictionsVersion.toString(),
                            BATCH_ID,
                            result.batchId(),
                            "rows_scored",
                            Long.toString(result.rows())),
                        ""));
    return result;
  }

  /** A batch that met the contract: its table version, its rows, and the checks' summary. */
  private record Checked(TableVersion input, Dataset<Row> rows, QualityReport quality) {}

  /** Checks a table version's batch against the contract for scoring. */
  private static Checked check(
      PipelineContext context, TrackedRun run, TableVersion input, Dataset<Row> rows) {
    ContractValidator.Outcome outcome = validate(context, run, rows, input.toString());
    history(context).record(input, run.runId(), true, outcome.computed());
    return new Checked(input, rows, outcome.report());
  }

  /**
   * Screens a source batch (quarantining the rows that do not fit), checks it against the contract,
   * and only then lands it as the scoring-inputs table's next version.
   */
  private static Checked land(PipelineContext context, TrackedRun run, RawBatch batch) {
    var settings = context.config().score();
    DatasetContract contract = BatchLanding.contract(context);
    try (Screened screened = Screened.screen(context, batch, contract, run.runId())) {
      screened.requireQuarantinedShareAtMost(
          settings.maxQuarantineShare(), "score", "the scoring inputs or the predictions");
      Dataset<Row> accepted = screened.acceptedRows(contract);
      ContractValidator.Outcome outcome = validate(context, run, accepted, batch.source());
      TableVersion landed = BatchLanding.write(context, screened, accepted, run.runId());
      history(context).record(landed, run.runId(), true, outcome.computed());
      run.logMetrics(
          Map.of(
              "rows_read", (double) screened.read(),
              "rows_quarantined", (double) screened.quarantined()));
      run.setTags(Map.of("batchmlops.source_checksum", batch.checksum()));
      return new Checked(landed, context.tables().read(landed), outcome.report());
    }
  }

  /**
   * Deequ's checks of the contract for scoring (the label may be missing), with the history of
   * earlier scored batches for the anomaly rules; an error stops the scoring before anything is
   * written.
   */
  private static ContractValidator.Outcome validate(
      PipelineContext context, TrackedRun run, Dataset<Row> rows, String what) {
    DatasetContract contract = BatchLanding.contract(context);
    ContractValidator.Outcome outcome =
        ContractValidator.validate(rows, contract, history(context), "validation of batch " + what);
    run.logMetrics(outcome.metrics());
    ReportArtifacts.log(
        run,
        "validation",
        outcome.report(),
        Map.of("batch", what),
        new HtmlReport("Batch validation: " + contract.name())
            .values("Data metrics", outcome.metrics()));
    if (!outcome.report().passed()) {
      throw new PipelineException(
          "score: the batch "
              + what
              + " breaks the contract, nothing scored: "
              + outcome.report().summary());
    }
    return outcome;
  }

  /** Scored batches' metrics, apart from the training tables' (other sizes, other labels). */
  private static MetricsHistory history(PipelineContext context) {
    return MetricsHistory.persisted(
        context.spark(),
        context.layout().metricsHistory(),
        context.config().dataset().name() + "/scoring");
  }

  private static Result score(
      PipelineContext context,
      String modelPath,
      ModelVersion version,
      Checked checked,
      long started,
      TrackedRun run) {
    DatasetContract contract = context.config().dataset();
    TableVersion input = checked.input();
    String batchId = batchId(input, version);
    run.setTags(Map.of("batchmlops.batch_id", batchId, "batchmlops.input_table", input.toString()));
    PredictionColumns predicted =
        PredictionColumns.of(version, contract, context.config().evaluate().threshold().fixed());
    List<Column> columns = new ArrayList<>(List.of(col(contract.idColumn())));
    columns.addAll(predicted.columns());
    columns.addAll(
        List.of(
            lit(version.name()).as("model_name"),
            lit(version.version()).as("model_version"),
            lit(version.runId()).as("model_run_id"),
            lit(input.path()).as("input_table"),
            lit(input.version()).as("input_version"),
            lit(batchId).as(BATCH_ID),
            lit(Timestamp.from(Instant.now())).as("scored_at")));
    Dataset<Row> scored =
        PipelineModel.load(modelPath)
            .transform(checked.rows())
            .select(columns.toArray(Column[]::new));
    Map<String, String> commitInfo = new LinkedHashMap<>();
    commitInfo.put("operation", "score");
    commitInfo.put(BATCH_ID, batchId);
    commitInfo.put("model", version.name() + "/" + version.version());
    commitInfo.put("input", input.toString());
    commitInfo.put("scoring_run_id", run.runId());
    commitInfo.put(QUALITY, checked.quality().summary());
    Optional<TableVersion> written =
        context
            .tables()
            .appendOnce(scored, context.layout().predictionsTable(), batchId, commitInfo);
    long count = written.map(context.tables()::rowsWritten).orElse(0L);
    double seconds = (System.nanoTime() - started) / 1e9;
    run.logInputs(
        List.of(
            context.datasetInput(
                input.path().equals(context.layout().rawTable()) ? "raw" : "scoring-inputs",
                input,
                checked.rows(),
                "scoring")));
    Map<String, String> params = new LinkedHashMap<>(predicted.params());
    params.put("model", version.name() + "/" + version.version());
    run.logParams(params);
    run.logMetrics(
        Map.of(
            ROWS_SCORED,
            (double) count,
            PipelineContext.ROWS_PROCESSED,
            (double) count,
            ROWS_PER_SECOND,
            seconds == 0 ? 0 : count / seconds,
            SECONDS_PER_1000_ROWS,
            count == 0 ? 0 : seconds * 1000 / count));
    written.ifPresent(
        table ->
            run.setTags(Map.of("batchmlops.predictions_version", Long.toString(table.version()))));
    return new Result(batchId, version, input, written, count, seconds, run.runId());
  }

  /**
   * The rows a raw version's commit brought: for an ingest in append mode, the rows its version
   * holds and the one before does not (by id); otherwise all of them.
   */
  public static Dataset<Row> batchRows(PipelineContext context, TableVersion input) {
    Dataset<Row> rows = context.tables().read(input);
    if (input.version() == 0) {
      return rows;
    }
    boolean appended =
        context.tables().history(input.path()).stream()
            .filter(c -> c.version() == input.version())
            .anyMatch(
                c ->
                    c.pipelineOperation().equals("ingest")
                        && "append".equals(c.metadata().get("mode")));
    if (!appended) {
      return rows;
    }
    String id = context.config().dataset().idColumn();
    Dataset<Row> before =
        context
            .tables()
            .read(new TableVersion(input.path(), input.version() - 1))
            .select(col(id).as("_earlier_id"));
    return rows.join(before, col(id).equalTo(col("_earlier_id")), "left_anti");
  }

  /** One id per input version and model version: what makes a second scoring a no-op. */
  static String batchId(TableVersion input, ModelVersion version) {
    return Fingerprints.sha256(input + "|" + version.name() + "/" + version.version())
        .substring(0, 16);
  }

  /** Every column the model reads must be there; the label need not be. */
  static void requireColumns(Dataset<Row> rows, DatasetContract contract, TableVersion in) {
    List<String> present = List.of(rows.columns());
    List<String> needed = new java.util.ArrayList<>(List.of(contract.idColumn()));
    contract.features().forEach(f -> needed.add(f.name()));
    for (String column : needed) {
      if (!present.contains(column)) {
        throw new PipelineException(
            "score: " + in + " has no column '" + column + "', which the model reads");
      }
    }
  }

  private static boolean scoredBefore(PipelineContext context, String predictions, String batch) {
    if (!context.tables().exists(predictions)) {
      return false;
    }
    return !context
        .tables()
        .read(new TableVersion(predictions, context.tables().latestVersion(predictions)))
        .where(col(BATCH_ID).equalTo(batch))
        .limit(1)
        .isEmpty();
  }
}
