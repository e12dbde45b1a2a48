package dev.batchmlops.monitor;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.Json;
import dev.batchmlops.PipelineException;
import dev.batchmlops.audit.AuditAction;
import dev.batchmlops.audit.AuditRecord;
import dev.batchmlops.audit.AuditTrail;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.evaluate.EvaluateStage;
import dev.batchmlops.metrics.MetricsCalculator;
import dev.batchmlops.metrics.Scoring;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.score.RegisteredModels;
import dev.batchmlops.score.ScoreStage;
import dev.batchmlops.split.Splits;
import dev.batchmlops.table.Commit;
import dev.batchmlops.table.DeltaTables;
import dev.batchmlops.table.TableVersion;
import dev.batchmlops.tracking.MetricNames;
import dev.batchmlops.tracking.ModelRegistry;
import dev.batchmlops.tracking.ModelRegistry.ModelVersion;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Compares a scored batch with the model's reference, the train split its version was trained on
 * (found through the version's lineage tags): drift per feature, drift of the scores, the scores'
 * quality, and performance when the batch holds labels. Decides whether retraining is due, and
 * records it all: an MLflow run, a JSON and an HTML report, and the monitoring history table.
 */
public final class MonitorStage {
  /** What the scheduler branches on; each has its own exit code. */
  public enum Decision {
    /** Nothing moved beyond its limit. */
    HEALTHY(0),
    /** A limit was passed and retraining is due: run the pipeline on the new raw version. */
    RETRAIN(4),
    /** A limit was passed, but retraining is not due (cooldown, too few new labels, bad scores). */
    ATTENTION(5);

    private final int exitCode;

    Decision(int exitCode) {
      this.exitCode = exitCode;
    }

    public int exitCode() {
      return exitCode;
    }

    public String label() {
      return switch (this) {
        case HEALTHY -> "healthy";
        case RETRAIN -> "retrain recommended";
        case ATTENTION -> "attention, no retrain";
      };
    }
  }

  /** The name the scores' own drift is recorded under, beside the features. */
  public static final String PREDICTION = "__score__";

  /**
   * What monitoring found for one batch.
   *
   * @param batchQuality the summary of the batch's contract checks when it was scored
   * @param performance the batch's metrics against the version's, when labels exist
   */
  public record Result(
      String batchId,
      ModelVersion model,
      TableVersion input,
      long rows,
      List<DriftRule.FeatureDrift> features,
      Map<String, List<String>> unseenCategories,
      DriftRule.FeatureDrift prediction,
      double referencePositiveShare,
      double currentPositiveShare,
      long invalidScores,
      String batchQuality,
      Optional<Performance> performance,
      Decision decision,
      List<String> reasons,
      String runId) {
    Result withRunId(String id) {
      return new Result(
          batchId,
          model,
          input,
          rows,
          features,
          unseenCategories,
          prediction,
          referencePositiveShare,
          currentPositiveShare,
          invalidScores,
          batchQuality,
          performance,
          decision,
          reasons,
          id);
    }

    public long drifted() {
      return features.stream().filter(DriftRule.FeatureDrift::drifted).count();
    }

    /** One line for the console and the scheduler's log. */
    public String summary() {
      String drifted =
          features.stream()
              .filter(DriftRule.FeatureDrift::drifted)
              .map(DriftRule.FeatureDrift::feature)
              .toList()
              .toString();
      String measured =
          performance
              .map(
                  p ->
                      String.format(
                          Locale.ROOT,
                          ", %s %.3f on %d labelled rows (test %.3f)%s",
                          p.metric(),
                          p.value(),
                          p.batch().rows(),
                          p.testValue(),
                          p.segmentsBelow().isEmpty()
                              ? ""
                              : ", below test in "
                                  + p.segmentsBelow().stream()
                                      .map(seg -> seg.batch().label())
                                      .toList()))
              .orElse("");
      return String.format(
          Locale.ROOT,
          "%s: %d of %d features drifted%s, score PSI %.3f%s%s",
          decision.label(),
          drifted(),
          features.size(),
          drifted() == 0 ? "" : " " + drifted,
          prediction.psi(),
          measured,
          reasons.isEmpty() ? "" : "; " + String.join("; ", reasons));
    }
  }

  private MonitorStage() {}

  /**
   * @param requestedBatch the scored batch; empty: the last one
   * @param labelsPath a file of ids and labels for the batch; empty: the labels its rows hold
   */
  public static Result run(
      PipelineContext context,
      ModelRegistry registry,
      Optional<String> requestedBatch,
      Optional<String> labelsPath) {
    var config = context.config();
    StageConfigs.Monitor settings = config.monitor();
    DatasetContract contract = config.dataset();
    String predictionsPath = context.layout().predictionsTable();
    if (!context.tables().exists(predictionsPath)) {
      throw new PipelineException(
          "monitor: no predictions at " + predictionsPath + ": run `score` first");
    }
    Commit scoring = scoringCommit(context, predictionsPath, requestedBatch);
    String batchId = scoring.metadata().get(ScoreStage.BATCH_ID);
    String batchQuality = scoring.metadata().getOrDefault(ScoreStage.QUALITY, "not checked");
    Dataset<Row> batch =
        context
            .tables()
            .read(
                new TableVersion(predictionsPath, context.tables().latestVersion(predictionsPath)))
            .where(col(ScoreStage.BATCH_ID).equalTo(batchId))
            .cache();
    try {
      List<Row> first = batch.limit(1).collectAsList();
      if (first.isEmpty()) {
        throw new PipelineException("monitor: batch " + batchId + " is not in " + predictionsPath);
      }
      Row head = first.get(0);
      String modelName = head.getAs("model_name");
      String modelVersion = head.getAs("model_version");
      ModelVersion version =
          registry
              .version(modelName, modelVersion)
              .orElseThrow(
                  () ->
                      new PipelineException(
                          "monitor: model "
                              + modelName
                              + " version "
                              + modelVersion
                              + " that scored batch "
                              + batchId
                              + " is not in the registry"));
      TableVersion input =
          new TableVersion(head.<String>getAs("input_table"), head.<Long>getAs("input_version"));
      double threshold = head.getAs("threshold");
      TableVersion splits = lineage(version, "splits_table");
      Dataset<Row> reference =
          context.tables().read(splits).where(col(Splits.COLUMN).equalTo(Splits.TRAIN));
      Dataset<Row> current = ScoreStage.batchRows(context, input);

      // Data drift: every feature, one aggregation per side.
      FeatureBins bins =
          FeatureBins.fit(
              reference,
              contract.numericFeatures(),
              contract.categoricalFeatures(),
              settings.bins());
      Map<String, Map<String, Long>> referenceCounts = bins.counts(reference);
      Map<String, Map<String, Long>> currentCounts = bins.counts(current);
      List<DriftRule.FeatureCounts> compared = new ArrayList<>();
      Map<String, List<String>> unseen = new LinkedHashMap<>();
      for (String feature : referenceCounts.keySet()) {
        compared.add(
            bins.compare(feature, referenceCounts.get(feature), currentCounts.get(feature)));
        if (!bins.numeric(feature)) {
          List<String> fresh =
              FeatureBins.unseen(referenceCounts.get(feature), currentCounts.get(feature));
          if (!fresh.isEmpty()) {
            unseen.put(feature, fresh);
          }
        }
      }
      DriftRule rule = new DriftRule(settings.falseDiscoveryRate(), settings.minPsi());
      List<DriftRule.FeatureDrift> features = rule.judge(compared);

      // Prediction drift: the reference scored by the same model, against the batch's scores.
      PipelineModel model =
          PipelineModel.load(RegisteredModels.localCopy(context, registry, version));
      Dataset<Row> referenceScores =
          Scoring.score(model, reference).select(col(Scoring.SCORE)).cache();
      FeatureBins scoreBins =
          FeatureBins.fit(referenceScores, List.of(Scoring.SCORE), List.of(), settings.bins());
      DriftRule.FeatureDrift prediction =
          rule.judge(
                  List.of(
                      scoreBins.compare(
                          PREDICTION,
                          scoreBins.counts(referenceScores).get(Scoring.SCORE),
                          scoreBins.counts(batch).get(Scoring.SCORE))))
              .get(0);
      Row referenceShares =
          referenceScores
              .agg(avg(when(col(Scoring.SCORE).geq(threshold), 1.0).otherwise(0.0)))
              .first();
      referenceScores.unpersist();
      Row currentStats =
          batch
              .agg(
                  count(lit(1)),
                  avg(col(ScoreStage.PREDICTION).cast("double")),
                  sum(
                      when(col(Scoring.SCORE).isNull().or(isnan(col(Scoring.SCORE))), 1L)
                          .otherwise(0L)))
              .first();
      long rows = currentStats.getLong(0);
      double currentShare = currentStats.isNullAt(1) ? 0 : currentStats.getDouble(1);
      double referenceShare = referenceShares.isNullAt(0) ? 0 : referenceShares.getDouble(0);
      long invalidScores = currentStats.getLong(2);

      Optional<Performance> performance =
          performance(context, version, current, batch, threshold, labelsPath);

      List<String> reasons = new ArrayList<>();
      long drifted = features.stream().filter(DriftRule.FeatureDrift::drifted).count();
      double driftedShare = features.isEmpty() ? 0 : (double) drifted / features.size();
      if (driftedShare > settings.maxDriftedShare()) {
        reasons.add(
            String.format(
                Locale.ROOT,
                "%d of %d features drifted (more than monitor.retrain.max-drifted-share = %.2f)",
                drifted,
                features.size(),
                settings.maxDriftedShare()));
      }
      if (prediction.psi() >= settings.maxPredictionPsi()) {
        reasons.add(
            String.format(
                Locale.ROOT,
                "score PSI %.3f reaches monitor.retrain.max-prediction-psi = %.2f",
                prediction.psi(),
                settings.maxPredictionPsi()));
      }
      if (performance.isPresent() && performance.get().fell(settings.maxMetricDrop())) {
        reasons.add(
            String.format(
                Locale.ROOT,
                "%s fell %.3f below the version's test value, beyond chance (more than"
                    + " monitor.retrain.max-metric-drop = %.2f)",
                performance.get().metric(),
                performance.get().drop(),
                settings.maxMetricDrop()));
      }
      Decision decision = Decision.HEALTHY;
      if (invalidScores > 0) {
        reasons.add(invalidScores + " scores are null or NaN: the scoring is broken, not the data");
        decision = Decision.ATTENTION;
      } else if (!reasons.isEmpty()) {
        Optional<String> heldBack = heldBack(context, settings, version);
        if (heldBack.isPresent()) {
          reasons.add("not retraining: " + heldBack.get());
          decision = Decision.ATTENTION;
        } else {
          decision = Decision.RETRAIN;
        }
      }
      Result partial =
          new Result(
              batchId,
              version,
              input,
              rows,
              features,
              unseen,
              prediction,
              referenceShare,
              currentShare,
              invalidScores,
              batchQuality,
              performance,
              decision,
              reasons,
              null);
      return record(context, partial, bins, referenceCounts, currentCounts);
    } finally {
      batch.unpersist();
    }
  }

  /** The predictions commit of the requested batch, or of the last one scored. */
  private static Commit scoringCommit(
      PipelineContext context, String predictionsPath, Optional<String> requested) {
    return context.tables().history(predictionsPath).stream()
        .filter(c -> c.metadata().containsKey(ScoreStage.BATCH_ID))
        .filter(
            c ->
                requested.isEmpty()
                    || requested.get().equals(c.metadata().get(ScoreStage.BATCH_ID)))
        .max(java.util.Comparator.comparingLong(Commit::version))
        .orElseThrow(
            () ->
                new PipelineException(
                    requested
                        .map(b -> "monitor: batch " + b + " is not in " + predictionsPath)
                        .orElse("monitor: " + predictionsPath + " holds no scored batch")));
  }

  private static TableVersion lineage(ModelVersion version, String tag) {
    String value = version.tags().get(tag);
    if (value == null) {
      throw new PipelineException(
          "monitor: model "
              + version.name()
              + " version "
              + version.version()
              + " has no "
              + tag
              + " tag: its reference data is unknown");
    }
    return TableVersion.parse(value);
  }

  /**
   * The batch's metrics at its threshold, overall and per segment, against the version's test
   * values: from the labels file when one is given, else from the labels the batch's rows hold.
   */
  private static Optional<Performance> performance(
      PipelineContext context,
      ModelVersion version,
      Dataset<Row> input,
      Dataset<Row> batch,
      double threshold,
      Optional<String> labelsPath) {
    DatasetContract contract = context.config().dataset();
    String id = contract.idColumn();
    String label = contract.label();
    Dataset<Row> labels;
    if (labelsPath.isPresent()) {
      labels = readLabels(context, labelsPath.get());
    } else if (List.of(input.columns()).contains(label)) {
      labels = input.select(col(id), col(label));
    } else {
      return Optional.empty();
    }
    List<Column> segmentColumns = new ArrayList<>(List.of(col(id).cast("string").as(JOIN_ID)));
    contract.segmentColumns().forEach(c -> segmentColumns.add(col(c)));
    Dataset<Row> labelled =
        Scoring.withLabel(labels.where(col(label).isNotNull()), contract)
            .select(col(id).cast("string").as(JOIN_ID), col(Scoring.LABEL))
            .join(batch.select(col(id).cast("string").as(JOIN_ID), col(Scoring.SCORE)), JOIN_ID)
            .join(input.select(segmentColumns.toArray(Column[]::new)), JOIN_ID)
            .cache();
    try {
      if (labelled.limit(1).isEmpty()) {
        return Optional.empty();
      }
      String metric = context.config().register().metric();
      List<Performance.Segment> segments = new ArrayList<>();
      MetricsCalculator.Segmented measured =
          MetricsCalculator.bySegments(labelled, contract.segmentColumns(), threshold);
      for (String column : contract.segmentColumns()) {
        measured
            .byColumn()
            .get(column)
            .forEach(
                (value, metrics) -> {
                  String tag = EvaluateStage.segmentAucTag(column, value);
                  segments.add(
                      new Performance.Segment(
                          EvaluateStage.segmentResult(
                              column, value, metrics, context.config().evaluate().minSegmentRows()),
                          tagValue(version, tag),
                          tagValue(version, tag + "_se")));
                });
      }
      return Optional.of(
          new Performance(
              metric,
              measured.overall(),
              tagValue(version, EvaluateStage.METRIC_TAG_PREFIX + metric),
              tagValue(version, EvaluateStage.AUC_ERROR_TAG),
              segments));
    } finally {
      labelled.unpersist();
    }
  }

  private static final String JOIN_ID = "_batch_id_text";

  private static double tagValue(ModelVersion version, String tag) {
    String value = version.tags().get(tag);
    return value == null ? Double.NaN : Double.parseDouble(value);
  }

  /** A labels file: the id and label columns, each id once. */
  private static Dataset<Row> readLabels(PipelineContext context, String path) {
    DatasetContract contract = context.config().dataset();
    if (!context.files().exists(path)) {
      throw new PipelineException("monitor: labels file " + path + " does not exist");
    }
    var format =
        dev.batchmlops.ingest.SourceReader.formatFromName(path)
            .orElseThrow(
                () ->
                    new PipelineException(
                        "monitor: cannot tell the format of labels file "
                            + path
                            + " (name it .csv, .json, .jsonl or .parquet)"));
    var reader = context.spark().read();
    Dataset<Row> rows =
        switch (format) {
          case CSV -> reader.option("header", "true").csv(path);
          case JSON -> reader.json(path);
          default -> reader.parquet(path);
        };
    for (String column : List.of(contract.idColumn(), contract.label())) {
      // A labels file names its columns as the source did (tumor-size), or as the tables do.
      String source = contract.column(column).source();
      if (!List.of(rows.columns()).contains(column) && List.of(rows.columns()).contains(source)) {
        rows = rows.withColumnRenamed(source, column);
      }
      if (!List.of(rows.columns()).contains(column)) {
        throw new PipelineException(
            "monitor: labels file " + path + " has no column '" + column + "'");
      }
    }
    Row counts = rows.agg(count(lit(1)), countDistinct(col(contract.idColumn()))).first();
    if (counts.getLong(0) != counts.getLong(1)) {
      throw new PipelineException(
          "monitor: labels file "
              + path
              + " has "
              + (counts.getLong(0) - counts.getLong(1))
              + " repeated ids; give each id one label");
    }
    return rows.select(col(contract.idColumn()), col(contract.label()));
  }

  /**
   * Why retraining is not due although a limit was passed: a recommendation within the cooldown, or
   * too few labelled raw rows that the model was not trained on.
   */
  private static Optional<String> heldBack(
      PipelineContext context, StageConfigs.Monitor settings, ModelVersion version) {
    String history = context.layout().monitoringTable();
    if (context.tables().exists(history)) {
      Instant since = Instant.now().minus(Duration.ofHours(settings.cooldownHours()));
      long recent =
          context
              .tables()
              .read(new TableVersion(history, context.tables().latestVersion(history)))
              .where(
                  col("decision")
                      .equalTo(Decision.RETRAIN.label())
                      .and(col("monitored_at").geq(lit(Timestamp.from(since)))))
              .limit(1)
              .count();
      if (recent > 0) {
        return Optional.of(
            "a retrain was recommended less than monitor.retrain.cooldown-hours = "
                + settings.cooldownHours()
                + " ago");
      }
    }
    String raw = context.layout().rawTable();
    String label = context.config().dataset().label();
    String id = context.config().dataset().idColumn();
    // By id, not by row counts: a snapshot ingest replaces the table, an append grows it.
    long fresh =
        context
            .tables()
            .read(new TableVersion(raw, context.tables().latestVersion(raw)))
            .where(col(label).isNotNull())
            .select(id)
            .join(context.tables().read(lineage(version, "raw_table")).select(id), id, "left_anti")
            .count();
    if (fresh < settings.minNewLabelledRows()) {
      return Optional.of(
          "the raw table holds "
              + fresh
              + " labelled rows the model was not trained on, fewer than"
              + " monitor.retrain.min-new-labelled-rows = "
              + settings.minNewLabelledRows());
    }
    return Optional.empty();
  }

  /** The MLflow run, the reports and one history row per feature and for the scores. */
  private static Result record(
      PipelineContext context,
      Result result,
      FeatureBins bins,
      Map<String, Map<String, Long>> referenceCounts,
      Map<String, Map<String, Long>> currentCounts) {
    ModelVersion version = result.model();
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("batchmlops.model_name", version.name());
    tags.put("batchmlops.model_version", version.version());
    tags.put("batchmlops.batch_id", result.batchId());
    tags.put("batchmlops.input_table", result.input().toString());
    tags.put("batchmlops.monitor_decision", result.decision().label());
    tags.put("batchmlops.monitor_reasons", String.join("; ", result.reasons()));
    tags.put("batchmlops.batch_quality", result.batchQuality());
    return context.inOwnRun(
        "monitor-" + context.config().dataset().name(),
        tags,
        run -> {
          Map<String, Double> metrics = new LinkedHashMap<>();
          for (DriftRule.FeatureDrift f : result.features()) {
            String name = MetricNames.safe(f.feature());
            metrics.put("drift.psi." + name, f.psi());
            metrics.put("drift.statistic." + name, f.statistic());
            metrics.put("drift.p_value." + name, f.pValue());
            metrics.put("drift.drifted." + name, f.drifted() ? 1.0 : 0.0);
          }
          metrics.put("drift.drifted_features", (double) result.drifted());
          metrics.put(
              "drift.drifted_share",
              result.features().isEmpty()
                  ? 0
                  : (double) result.drifted() / result.features().size());
          metrics.put("prediction.psi", result.prediction().psi());
          metrics.put("prediction.ks", result.prediction().statistic());
          metrics.put("prediction.positive_share", result.currentPositiveShare());
          metrics.put("prediction.reference_positive_share", result.referencePositiveShare());
          metrics.put("quality.invalid_scores", (double) result.invalidScores());
          metrics.put("rows", (double) result.rows());
          metrics.put(PipelineContext.ROWS_PROCESSED, (double) result.rows());
          result
              .performance()
              .ifPresent(
                  p -> {
                    p.batch().asMap().forEach((k, v) -> metrics.put("batch_" + k, v));
                    metrics.put("batch_labelled_rows", (double) p.batch().rows());
                    if (!Double.isNaN(p.drop())) {
                      metrics.put("metric_drop", p.drop());
                    }
                    for (Performance.Segment segment : p.segments()) {
                      if (!segment.batch().tooSmall()) {
                        String name =
                            MetricNames.safe(segment.batch().column())
                                + "."
                                + MetricNames.safe(segment.batch().value());
                        metrics.put(
                            "batch_segment_auc." + name, segment.batch().binaryMetrics().auc());
                      }
                    }
                    metrics.put("batch_segments_below_test", (double) p.segmentsBelow().size());
                  });
          run.logMetrics(metrics);
          Result recorded = result.withRunId(run.runId());
          Map<String, Object> report = new LinkedHashMap<>();
          report.put("batch_id", result.batchId());
          report.put("model", version.name() + "/" + version.version());
          report.put("input", result.input().toString());
          report.put("decision", result.decision().label());
          report.put("reasons", result.reasons());
          report.put("features", result.features());
          report.put("unseen_categories", result.unseenCategories());
          report.put("prediction", result.prediction());
          report.put("batch_quality", result.batchQuality());
          report.put("performance", result.performance().orElse(null));
          run.logText("monitoring/report.json", Json.pretty(report));
          run.logText(
              "monitoring/report.html",
              DriftReport.html(context.config(), recorded, bins, referenceCounts, currentCounts));
          writeHistory(context, recorded);
          AuditTrail.of(context)
              .append(
                  AuditAction.MONITORING,
                  Map.of(
                      "batch_id",
                      result.batchId(),
                      "model",
                      version.name(),
                      AuditRecord.MODEL_VERSION,
                      version.version(),
                      "input",
                      result.input().toString(),
                      "monitor_run_id",
                      run.runId()),
                  Map.of("decision", result.decision().label()),
                  String.join("; ", result.reasons()));
          return recorded;
        });
  }

  /** One row per feature and one for the scores, once per batch and model version. */
  private static void writeHistory(PipelineContext context, Result result) {
    StructType schema =
        new StructType()
            .add("batch_id", DataTypes.StringType)
            .add("model_name", DataTypes.StringType)
            .add("model_version", DataTypes.StringType)
            .add("input_table", DataTypes.StringType)
            .add("input_version", DataTypes.LongType)
            .add("feature", DataTypes.StringType)
            .add("psi", DataTypes.DoubleType)
            .add("statistic", DataTypes.DoubleType)
            .add("p_value", DataTypes.DoubleType)
            .add("drifted", DataTypes.BooleanType)
            .add("rows", DataTypes.LongType)
            .add("performance_metric", DataTypes.StringType)
            .add("batch_value", DataTypes.DoubleType)
            .add("test_value", DataTypes.DoubleType)
            .add("decision", DataTypes.StringType)
            .add("reasons", DataTypes.StringType)
            .add("monitoring_run_id", DataTypes.StringType)
            .add("monitored_at", DataTypes.TimestampType);
    Timestamp now = Timestamp.from(Instant.now());
    Optional<Performance> performance = result.performance();
    List<Row> rows = new ArrayList<>();
    List<DriftRule.FeatureDrift> all = new ArrayList<>(result.features());
    all.add(result.prediction());
    for (DriftRule.FeatureDrift f : all) {
      rows.add(
          RowFactory.create(
              result.batchId(),
              result.model().name(),
              result.model().version(),
              result.input().path(),
              result.input().version(),
              f.feature(),
              f.psi(),
              f.statistic(),
              f.pValue(),
              f.drifted(),
              result.rows(),
              performance.map(Performance::metric).orElse(null),
              performance.map(Performance::value).orElse(null),
              performance.map(Performance::testValue).orElse(null),
              result.decision().label(),
              String.join("; ", result.reasons()),
              result.runId(),
              now));
    }
    context
        .tables()
        .writeOnce(
            context.spark().createDataFrame(rows, schema),
            context.layout().monitoringTable(),
            org.apache.spark.sql.SaveMode.Append,
            "monitor-" + result.batchId(),
            Map.of(
                "operation",
                "monitor",
                ScoreStage.BATCH_ID,
                result.batchId(),
                "decision",
                result.decision().label()),
            // A history table written by an earlier release gains the columns added since.
            DeltaTables.SchemaChange.ADD_COLUMNS);
  }
}
