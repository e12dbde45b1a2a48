package dev.batchmlops.evaluate;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.Json;
import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.pipeline.PipelineState.Evaluation;
import dev.batchmlops.pipeline.PipelineState.TrainedModel;
import dev.batchmlops.quality.HtmlReport;
import dev.batchmlops.register.Gates;
import dev.batchmlops.register.RegisterStage;
import dev.batchmlops.register.RegistrationDecision;
import dev.batchmlops.split.SplitBalance;
import dev.batchmlops.split.Splits;
import dev.batchmlops.tracking.MetricNames;
import dev.batchmlops.tracking.ModelRegistry;
import dev.batchmlops.tracking.TrackedRun;
import dev.batchmlops.train.FeaturePipeline;
import dev.batchmlops.train.Scoring;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.io.FileUtils;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores the test split with the candidate, the prior baseline and the current champion (on the
 * same rows), overall and per segment, measures fairness per protected column, and logs it all:
 * metrics, {@code evaluation/segments.json}, {@code evaluation/fairness.json}, the most confident
 * mistakes and an HTML report.
 */
public final class EvaluateStage {
  /** The registered-version tag that says where a version's saved model lives. */
  public static final String MODEL_PATH_TAG = "model_path";

  /** The registered-version tag that holds the version's decision threshold. */
  public static final String DECISION_THRESHOLD_TAG = "decision_threshold";

  private static final int MISTAKES_SHOWN = 20;

  /** Metrics that count rows: printed as integers. */
  private static final java.util.Set<String> COUNTS =
      java.util.Set.of("rows", "positives", "tp", "fp", "tn", "fn");

  /** Gates whose value and limit count rows. */
  private static final java.util.Set<String> GATE_COUNTS = java.util.Set.of("min_test_positives");

  private static final Logger LOG = LoggerFactory.getLogger(EvaluateStage.class);

  private EvaluateStage() {}

  public static Evaluation run(PipelineContext context, ModelRegistry registry) {
    TrainedModel model = context.state().requireModel();
    PipelineConfig config = context.config();
    double threshold = model.decisionThreshold();
    long minRows = config.evaluate().minSegmentRows();
    Evaluation evaluation =
        context.inChildRun(
            "evaluate",
            run -> {
              Dataset<Row> splitTable = context.tables().read(model.trainedOn());
              run.logInputs(
                  Splits.inputs(context, model.trainedOn(), splitTable, List.of(Splits.TEST)));
              Dataset<Row> test =
                  Scoring.withLabel(splitTable, config.dataset())
                      .where(col(Splits.COLUMN).equalTo(Splits.TEST));
              Dataset<Row> scored =
                  withIntersections(
                          Scoring.score(PipelineModel.load(model.modelPath()), test),
                          config.evaluate().intersections())
                      .cache();
              ClassificationMetrics candidate = MetricsCalculator.compute(scored, threshold);
              ClassificationMetrics baseline =
                  MetricsCalculator.compute(
                      Scoring.scorePrior(test, model.baselinePositiveRate()), threshold);
              Optional<ModelRegistry.ModelVersion> champion =
                  registry.versionByAlias(config.registeredModelName(), "champion");
              // The champion at its own threshold, as it would decide.
              Map<String, Double> championMetrics =
                  champion
                      .flatMap(
                          v ->
                              championModel(context, v)
                                  .map(
                                      m ->
                                          MetricsCalculator.compute(
                                                  Scoring.score(m, test), thresholdOf(v, threshold))
                                              .asMap()))
                      .orElse(null);

              Map<String, Double> metrics = new LinkedHashMap<>();
              candidate.asMap().forEach((k, v) -> metrics.put("test_" + k, v));
              baseline.asMap().forEach((k, v) -> metrics.put("baseline_test_" + k, v));
              if (championMetrics != null) {
                championMetrics.forEach((k, v) -> metrics.put("champion_test_" + k, v));
              }
              Map<String, Map<String, Map<String, Double>>> segments = new LinkedHashMap<>();
              Map<String, Map<String, Double>> fairness = new LinkedHashMap<>();
              for (String segmentColumn : segmentDimensions(config)) {
                Map<String, ClassificationMetrics> bySegment =
                    MetricsCalculator.bySegment(scored, segmentColumn, threshold);
                Map<String, Map<String, Double>> values = new LinkedHashMap<>();
                bySegment.forEach(
                    (segment, m) -> {
                      Map<String, Double> named = segmentMetrics(m, minRows);
                      values.put(segment, named);
                      named.forEach(
                          (k, v) ->
                              metrics.put(
                                  "test_"
                                      + k
                                      + "."
                                      + segmentColumn
                                      + "."
                                      + MetricNames.safe(segment),
                                  v));
                    });
                segments.put(segmentColumn, values);
                if (config.dataset().protectedColumns().contains(segmentColumn)) {
                  Fairness gaps = Fairness.of(segmentColumn, bySegment, minRows);
                  fairness.put(segmentColumn, gaps.asMap());
                  gaps.asMap()
                      .forEach((k, v) -> metrics.put("fairness." + segmentColumn + "." + k, v));
                }
              }
              fairness.forEach(
                  (column, measures) -> {
                    Map<String, Double> representation =
                        representation(context.tables().read(model.trainedOn()), column);
                    measures.putAll(representation);
                    representation.forEach(
                        (k, v) -> metrics.put("fairness." + column + "." + MetricNames.safe(k), v));
                  });
              List<Map<String, Object>> worst = worstSegments(segments, config.register().metric());
              List<Map<String, Object>> mistakes = confidentMistakes(scored, config, threshold);
              Curves.Points curves = Curves.of(scored);
              scored.unpersist();
              run.logMetrics(metrics);
              Optional<String> unreliable =
                  unreliableEvidence(candidate, config.register().minTestPositives());
              unreliable.ifPresent(why -> LOG.warn("evaluate: {}", why));
              run.setTags(
                  Map.of(
                      "batchmlops.candidate_run_id", model.runId(),
                      "batchmlops.splits_version", Long.toString(model.trainedOn().version()),
                      "batchmlops.test_evidence",
                          unreliable.isEmpty() ? "sufficient" : "unreliable"));
              run.logText("evaluation/segments.json", Json.pretty(segments));
              run.logText("evaluation/fairness.json", Json.pretty(fairness));
              run.logText("evaluation/confident-mistakes.json", Json.pretty(mistakes));
              run.logText("evaluation/worst-segments.json", Json.pretty(worst));
              Map<String, Double> headline = new LinkedHashMap<>();
              candidate.asMap().forEach((k, v) -> headline.put("test_" + k, v));
              context.tracker().resumeRun(model.runId()).logMetrics(headline);
              context.parentRun().logMetrics(headline);
              Evaluation result =
                  new Evaluation(
                      run.runId(),
                      candidate.asMap(),
                      baseline.asMap(),
                      championMetrics,
                      champion.map(ModelRegistry.ModelVersion::version).orElse(null),
                      segments,
                      fairness,
                      model.trainedOn());
              // The gates as `register` will judge them, for the model card.
              RegistrationDecision verdict =
                  RegistrationDecision.decide(
                      config.register(),
                      RegisterStage.gateInputs(
                          context, registry, result, config.register().metric()));
              Map<String, byte[]> plots = plots(candidate, curves, segments);
              logPlots(run, plots);
              run.logText(
                  "evaluation/report.html",
                  report(
                      config,
                      candidate,
                      baseline,
                      championMetrics,
                      segments,
                      fairness,
                      worst,
                      verdict,
                      unreliable,
                      model,
                      plots));
              return result;
            });
    context.updateState(s -> s.withEvaluation(evaluation));
    return evaluation;
  }

  /**
   * Why the test split's metrics are weak evidence, when they are: too few positive rows, or a
   * class missing (no AUC at all).
   */
  static Optional<String> unreliableEvidence(ClassificationMetrics test, long minPositives) {
    if (!test.bothClasses()) {
      return Optional.of(
          "the test split holds "
              + test.positives()
              + " positive rows of "
              + test.rows()
              + ": without both classes there is no AUC, and the gates on it fail");
    }
    if (test.positives() < minPositives) {
      return Optional.of(
          "the test split holds only "
              + test.positives()
              + " positive rows (fewer than "
              + SplitBalance.MIN_POSITIVES_KEY
              + " = "
              + minPositives
              + "): its metrics, and the gates judged on them, rest on too few rows");
    }
    return Optional.empty();
  }

  /** The segment columns, then each configured intersection under its own name. */
  private static List<String> segmentDimensions(PipelineConfig config) {
    List<String> dimensions = new ArrayList<>(config.dataset().segmentColumns());
    config.evaluate().intersections().stream()
        .map(StageConfigs.Evaluate::intersectionName)
        .forEach(dimensions::add);
    return dimensions;
  }

  /** Adds a column per intersection whose value joins the columns' values: female_18-25. */
  private static Dataset<Row> withIntersections(
      Dataset<Row> scored, List<List<String>> intersections) {
    Dataset<Row> result = scored;
    for (List<String> columns : intersections) {
      result =
          result.withColumn(
              StageConfigs.Evaluate.intersectionName(columns),
              concat_ws(
                  "_",
                  columns.stream()
                      .map(c -> coalesce(col(c).cast("string"), lit("(null)")))
                      .toArray(org.apache.spark.sql.Column[]::new)));
    }
    return result;
  }

  /**
   * Each group's share of the training split and of all rows: a group the model rarely saw in
   * training is one it may serve badly.
   */
  private static Map<String, Double> representation(Dataset<Row> splitTable, String column) {
    Map<String, Double> shares = new LinkedHashMap<>();
    Row totals =
        splitTable
            .agg(
                count(lit(1)),
                sum(when(col(Splits.COLUMN).equalTo(Splits.TRAIN), 1L).otherwise(0L)))
            .first();
    long all = totals.getLong(0);
    long train = totals.getLong(1);
    for (Row row :
        splitTable
            .groupBy(coalesce(col(column).cast("string"), lit("(null)")).as("group"))
            .agg(
                count(lit(1)),
                sum(when(col(Splits.COLUMN).equalTo(Splits.TRAIN), 1L).otherwise(0L)))
            .orderBy("group")
            .collectAsList()) {
      shares.put("whole_share." + row.getString(0), all == 0 ? 0 : (double) row.getLong(1) / all);
      shares.put(
          "train_share." + row.getString(0), train == 0 ? 0 : (double) row.getLong(2) / train);
    }
    return shares;
  }

  /** Every scored segment, worst first by the registration metric. */
  private static List<Map<String, Object>> worstSegments(
      Map<String, Map<String, Map<String, Double>>> segments, String metric) {
    List<Map<String, Object>> ranked = new ArrayList<>();
    segments.forEach(
        (column, values) ->
            values.forEach(
                (value, m) -> {
                  if (m.containsKey(metric)) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("segment", column + "=" + value);
                    row.put("rows", m.get("rows"));
                    row.put(metric, m.get(metric));
                    row.put("auc_ci_low", m.get("auc_ci_low"));
                    row.put("auc_ci_high", m.get("auc_ci_high"));
                    ranked.add(row);
                  }
                }));
    ranked.sort(java.util.Comparator.comparingDouble(r -> (Double) r.get(metric)));
    return ranked;
  }

  /** ROC, PR, calibration, confusion matrix and per-segment AUC with intervals, as PNG. */
  private static Map<String, byte[]> plots(
      ClassificationMetrics candidate,
      Curves.Points curves,
      Map<String, Map<String, Map<String, Double>>> segments) {
    Map<String, byte[]> plots = new LinkedHashMap<>();
    List<double[]> diagonal = List.of(new double[] {0, 0}, new double[] {1, 1});
    plots.put(
        "roc.png",
        Charts.lines(
            "ROC curve (AUC " + format3(candidate.auc()) + ")",
            "false positive rate",
            "true positive rate",
            List.of(
                new Charts.Series("candidate", curves.roc(), false),
                new Charts.Series("chance", diagonal, true))));
    double prior = candidate.rows() == 0 ? 0 : (double) candidate.positives() / candidate.rows();
    plots.put(
        "precision-recall.png",
        Charts.lines(
            "Precision-recall (area " + format3(candidate.areaUnderPr()) + ")",
            "recall",
            "precision",
            List.of(
                new Charts.Series("candidate", curves.precisionRecall(), false),
                new Charts.Series(
                    "prior", List.of(new double[] {0, prior}, new double[] {1, prior}), true))));
    plots.put(
        "calibration.png",
        Charts.lines(
            String.format(Locale.ROOT, "Calibration (Brier %.3f)", candidate.brier()),
            "mean predicted probability",
            "observed positive share",
            List.of(
                new Charts.Series("candidate", curves.calibration(), false),
                new Charts.Series("perfect", diagonal, true))));
    plots.put(
        "confusion-matrix.png",
        Charts.confusion(
            "Confusion matrix",
            candidate.truePositives(),
            candidate.falsePositives(),
            candidate.trueNegatives(),
            candidate.falseNegatives()));
    List<String> labels = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    List<double[]> intervals = new ArrayList<>();
    segments.forEach(
        (column, byValue) ->
            byValue.forEach(
                (value, m) -> {
                  if (m.containsKey("auc")) {
                    labels.add(column + "=" + value);
                    values.add(m.get("auc"));
                    intervals.add(
                        m.containsKey("auc_ci_low")
                            ? new double[] {m.get("auc_ci_low"), m.get("auc_ci_high")}
                            : null);
                  }
                }));
    plots.put(
        "segments-auc.png",
        Charts.bars(
            "AUC per segment, with 95% intervals",
            "AUC",
            labels,
            values.stream().mapToDouble(Double::doubleValue).toArray(),
            intervals.toArray(double[][]::new)));
    return plots;
  }

  private static void logPlots(TrackedRun run, Map<String, byte[]> plots) {
    Path folder = null;
    try {
      folder = Files.createTempDirectory("batchmlops-plots-");
      for (Map.Entry<String, byte[]> plot : plots.entrySet()) {
        Files.write(folder.resolve(plot.getKey()), plot.getValue());
      }
      run.logDirectory("evaluation/plots", folder);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the evaluation plots", e);
    } finally {
      if (folder != null) {
        FileUtils.deleteQuietly(folder.toFile());
      }
    }
  }

  /**
   * A registered version's decision threshold; versions from before it was recorded: {@code
   * fallback}.
   */
  private static double thresholdOf(ModelRegistry.ModelVersion version, double fallback) {
    String recorded = version.tags().get(DECISION_THRESHOLD_TAG);
    return recorded == null ? fallback : Double.parseDouble(recorded);
  }

  /** The champion's saved model, when its version says where it is and it is readable. */
  private static Optional<PipelineModel> championModel(
      PipelineContext context, ModelRegistry.ModelVersion version) {
    String path = version.tags().get(MODEL_PATH_TAG);
    if (path == null || !context.files().exists(path)) {
      return Optional.empty();
    }
    return Optional.of(PipelineModel.load(path));
  }

  /** A segment's metrics with its size and an AUC interval; too-small segments say so. */
  private static Map<String, Double> segmentMetrics(ClassificationMetrics m, long minRows) {
    Map<String, Double> named = new LinkedHashMap<>();
    named.put("rows", (double) m.rows());
    if (m.rows() < minRows) {
      named.put("too_small", 1.0);
      return named;
    }
    named.putAll(m.asMap());
    double error = m.aucStandardError();
    if (!Double.isNaN(error)) {
      named.put("auc_ci_low", Math.max(0, m.auc() - 1.96 * error));
      named.put("auc_ci_high", Math.min(1, m.auc() + 1.96 * error));
    }
    return named;
  }

  /** The wrong predictions the model was surest of: what error analysis starts from. */
  private static List<Map<String, Object>> confidentMistakes(
      Dataset<Row> scored, PipelineConfig config, double threshold) {
    var label = col(FeaturePipeline.LABEL);
    var score = col(Scoring.SCORE);
    Dataset<Row> wrong =
        scored
            .where(score.geq(threshold).notEqual(label.equalTo(1.0)))
            .withColumn("confidence", abs(score.minus(label)))
            .orderBy(col("confidence").desc(), col(config.dataset().idColumn()))
            .limit(MISTAKES_SHOWN);
    List<String> shown = new ArrayList<>(List.of(config.dataset().idColumn()));
    shown.addAll(config.dataset().segmentColumns());
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Row row : wrong.collectAsList()) {
      Map<String, Object> mistake = new LinkedHashMap<>();
      for (String column : shown) {
        mistake.put(column, String.valueOf(row.<Object>getAs(column)));
      }
      mistake.put("label", row.<Double>getAs(FeaturePipeline.LABEL));
      mistake.put("score", row.<Double>getAs(Scoring.SCORE));
      rows.add(mistake);
    }
    return rows;
  }

  private static String report(
      PipelineConfig config,
      ClassificationMetrics candidate,
      ClassificationMetrics baseline,
      Map<String, Double> champion,
      Map<String, Map<String, Map<String, Double>>> segments,
      Map<String, Map<String, Double>> fairness,
      List<Map<String, Object>> worst,
      RegistrationDecision verdict,
      Optional<String> unreliable,
      TrainedModel model,
      Map<String, byte[]> plots) {
    String metric = config.register().metric();
    List<List<String>> worstRows = new ArrayList<>();
    for (Map<String, Object> segment : worst.subList(0, Math.min(5, worst.size()))) {
      worstRows.add(
          List.of(
              String.valueOf(segment.get("segment")),
              wholeNumber((Double) segment.get("rows")),
              format((Double) segment.get(metric))));
    }
    List<List<String>> gates = new ArrayList<>();
    for (Gates.Result gate : verdict.gates()) {
      gates.add(
          List.of(
              gate.verdict().label(),
              gate.name(),
              GATE_COUNTS.contains(gate.name()) ? wholeNumber(gate.value()) : format(gate.value()),
              GATE_COUNTS.contains(gate.name())
                  ? wholeNumber(gate.threshold())
                  : format(gate.threshold()),
              gate.detail()));
    }
    List<List<String>> overall = new ArrayList<>();
    for (var entry : candidate.asMap().entrySet()) {
      overall.add(
          List.of(
              entry.getKey(),
              format(entry.getKey(), entry.getValue()),
              format(entry.getKey(), baseline.asMap().get(entry.getKey())),
              champion == null ? "-" : format(entry.getKey(), champion.get(entry.getKey()))));
    }
    List<List<String>> bySegment = new ArrayList<>();
    segments.forEach(
        (column, values) ->
            values.forEach(
                (value, m) ->
                    bySegment.add(
                        List.of(
                            column + "=" + value,
                            wholeNumber(m.get("rows")),
                            m.containsKey("too_small") ? "too small" : format(m.get("auc")),
                            m.containsKey("auc_ci_low")
                                ? format(m.get("auc_ci_low")) + " - " + format(m.get("auc_ci_high"))
                                : "-",
                            m.containsKey("too_small") ? "-" : format(m.get("recall"))))));
    List<List<String>> gaps = new ArrayList<>();
    fairness.forEach(
        (column, m) ->
            gaps.add(
                List.of(
                    column,
                    format(m.get("demographic_parity_difference")),
                    format(m.get("equal_opportunity_difference")),
                    format(m.get("equalized_odds_difference")),
                    format(m.get("disparate_impact_ratio")))));
    HtmlReport card =
        new HtmlReport("Model card: " + config.registeredModelName())
            .paragraph(
                "Test split, threshold "
                    + String.format(Locale.ROOT, "%.3f", model.decisionThreshold())
                    + " ("
                    + model.thresholdChoice()
                    + "; AUC, area under PR, log loss and Brier do not depend on it)"
                    + "; segments under "
                    + config.evaluate().minSegmentRows()
                    + " rows are too small to score. Gates: "
                    + (verdict.register() ? "all passed" : verdict.reason()));
    unreliable.ifPresent(why -> card.paragraph("Unreliable evidence: " + why + "."));
    card.table("Gates", List.of("verdict", "gate", "value", "limit", "detail"), gates)
        .table("Worst segments", List.of("segment", "rows", metric), worstRows);
    return card.table("Overall", List.of("metric", "candidate", "baseline", "champion"), overall)
        .table(
            "Per segment", List.of("segment", "rows", "AUC", "95% interval", "recall"), bySegment)
        .table(
            "Fairness",
            List.of(
                "protected column",
                "demographic parity difference",
                "equal opportunity difference",
                "equalized odds difference",
                "disparate impact ratio"),
            gaps)
        .image("ROC curve", plots.get("roc.png"))
        .image("Precision-recall curve", plots.get("precision-recall.png"))
        .image("Calibration", plots.get("calibration.png"))
        .image("Confusion matrix", plots.get("confusion-matrix.png"))
        .image("AUC per segment", plots.get("segments-auc.png"))
        .render();
  }

  private static String format3(double value) {
    return Double.isNaN(value) ? "undefined" : String.format(Locale.ROOT, "%.3f", value);
  }

  private static String format(Double value) {
    return value == null || value.isNaN() ? "-" : String.format(Locale.ROOT, "%.4f", value);
  }

  /** A metric as the card prints it: counts as integers, the rest to four decimals. */
  private static String format(String metric, Double value) {
    return COUNTS.contains(metric) ? wholeNumber(value) : format(value);
  }

  private static String wholeNumber(Double value) {
    return value == null || value.isNaN() ? "-" : Long.toString(Math.round(value));
  }
}
