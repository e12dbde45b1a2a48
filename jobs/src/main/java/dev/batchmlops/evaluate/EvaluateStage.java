package dev.batchmlops.evaluate;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.Fingerprints;
import dev.batchmlops.Json;
import dev.batchmlops.config.ConfigLoader;
import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.config.Task;
import dev.batchmlops.gates.Gates;
import dev.batchmlops.gates.RegistrationDecision;
import dev.batchmlops.integrity.ModelIntegrity;
import dev.batchmlops.metrics.ClassificationMetrics;
import dev.batchmlops.metrics.Curves;
import dev.batchmlops.metrics.Fairness;
import dev.batchmlops.metrics.MetricGap;
import dev.batchmlops.metrics.MetricsCalculator;
import dev.batchmlops.metrics.MulticlassMetrics;
import dev.batchmlops.metrics.Scoring;
import dev.batchmlops.metrics.TaskMetrics;
import dev.batchmlops.pipeline.Evaluation;
import dev.batchmlops.pipeline.Evaluation.SegmentResult;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.pipeline.PipelineState;
import dev.batchmlops.pipeline.PipelineState.TrainedModel;
import dev.batchmlops.quality.HtmlReport;
import dev.batchmlops.split.SplitBalance;
import dev.batchmlops.split.Splits;
import dev.batchmlops.tracking.DatasetInput;
import dev.batchmlops.tracking.MetricNames;
import dev.batchmlops.tracking.ModelRegistry;
import dev.batchmlops.tracking.TrackedRun;
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
import java.util.OptionalDouble;
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

  /** The registered-version tag naming its task: binary, multiclass or regression. */
  public static final String TASK_TAG = "task";

  /**
   * The registered-version tag that lists a multiclass version's classes (a JSON array), in the
   * order of its probabilities and predicted indices.
   */
  public static final String CLASSES_TAG = "classes";

  /** The registered-version tag that holds the version's decision threshold (binary only). */
  public static final String DECISION_THRESHOLD_TAG = "decision_threshold";

  /** The registered-version tags that keep the test metrics it was registered with: test_auc. */
  public static final String METRIC_TAG_PREFIX = "test_";

  /** The registered-version tag holding the standard error of its test AUC. */
  public static final String AUC_ERROR_TAG = "test_auc_se";

  /** The registered-version tag holding a segment's test AUC ({@code _se} appended: its error). */
  public static String segmentAucTag(String column, String value) {
    return segmentMetricTag("auc", column, value);
  }

  /** The registered-version tag holding a segment's test value of a metric: test_segment_r2.x.y. */
  public static String segmentMetricTag(String metric, String column, String value) {
    return "test_segment_"
        + metric
        + "."
        + MetricNames.safe(column)
        + "."
        + MetricNames.safe(value);
  }

  private static final int MISTAKES_SHOWN = 20;

  /** Metrics that count rows: printed as integers. */
  private static final java.util.Set<String> COUNTS =
      java.util.Set.of("rows", "positives", "tp", "fp", "tn", "fn");

  /** Gates whose value and limit count rows. */
  private static final java.util.Set<String> GATE_COUNTS =
      java.util.Set.of("min_test_positives", "min_test_class_rows", "min_test_rows");

  private static final Logger LOG = LoggerFactory.getLogger(EvaluateStage.class);

  private EvaluateStage() {}

  public static Evaluation run(PipelineContext context, ModelRegistry registry) {
    TrainedModel model = context.state().requireModel();
    PipelineConfig config = context.config();
    TaskEvaluation task = TaskEvaluation.of(config.dataset().task());
    Evaluation evaluation =
        context.inChildRun(
            "evaluate",
            run -> {
              Dataset<Row> splitTable = context.tables().read(model.trainedOn());
              List<DatasetInput> testInput =
                  Splits.inputs(context, model.trainedOn(), splitTable, List.of(Splits.TEST));
              run.logInputs(testInput);
              context.parentRun().logInputs(testInput);
              Dataset<Row> test =
                  Scoring.withLabel(splitTable, config.dataset())
                      .where(col(Splits.COLUMN).equalTo(Splits.TEST));
              Dataset<Row> scored =
                  withIntersections(
                          predict(config, PipelineModel.load(model.modelPath()), test),
                          config.evaluate().intersections())
                      .cache();
              Measured measured = task.measure(context, registry, model, splitTable, test, scored);
              Optional<String> unreliable = task.unreliableEvidence(measured, config);
              unreliable.ifPresent(why -> LOG.warn("evaluate: {}", why));
              List<Map<String, Object>> mistakes = task.mistakes(scored, config, model);
              TaskEvaluation.Drawing drawing = task.gather(scored, config);
              scored.unpersist();
              Map<String, Map<String, Double>> representation = new LinkedHashMap<>();
              for (String column : measured.fairnessColumns()) {
                representation.put(column, representation(splitTable, column));
              }

              // The gates are judged here, once, where the evidence is; register only acts.
              Evaluation result =
                  measured.withDecision(
                      run.runId(),
                      RegistrationDecision.decide(
                          config.register(), gateInputs(context, measured, config)),
                      settingsFingerprint(config));
              run.logMetrics(loggedMetrics(result, representation));
              Map<String, String> tags = new LinkedHashMap<>();
              tags.put("batchmlops.candidate_run_id", model.runId());
              tags.put("batchmlops.splits_version", Long.toString(model.trainedOn().version()));
              tags.put("batchmlops.task", config.dataset().task().label());
              tags.put(
                  "batchmlops.test_evidence", unreliable.isEmpty() ? "sufficient" : "unreliable");
              tags.put(
                  "batchmlops.gate_decision",
                  result.decision().register() ? "register" : "do not register");
              tags.put("batchmlops.gate_reason", result.decision().reason());
              run.setTags(tags);
              List<SegmentResult> worst = worstSegments(result.segments(), config);
              run.logText("evaluation/decision.json", Json.pretty(result.decision()));
              run.logText("evaluation/segments.json", Json.pretty(result.segments()));
              run.logText(
                  "evaluation/fairness.json",
                  Json.pretty(
                      Map.of(
                          "gaps",
                          result.fairness().isEmpty() ? result.metricGaps() : result.fairness(),
                          "representation",
                          representation)));
              run.logText("evaluation/confident-mistakes.json", Json.pretty(mistakes));
              if (result.candidate() instanceof MulticlassMetrics classes) {
                run.logText(
                    "evaluation/confused-classes.json",
                    Json.pretty(classes.mostConfused(ClassAndValueEvaluation.PAIRS_SHOWN)));
              }
              run.logText("evaluation/worst-segments.json", Json.pretty(worst));
              Map<String, Double> headline = new LinkedHashMap<>();
              result.candidate().asMap().forEach((k, v) -> headline.put("test_" + k, v));
              context
                  .tracker()
                  .resumeRun(model.runId())
                  .logModelMetrics(model.loggedModelId(), headline);
              context.parentRun().logMetrics(headline);
              Map<String, byte[]> plots = drawing.plots(result);
              logPlots(run, plots);
              run.logText(
                  "evaluation/report.html",
                  report(config, result, worst, unreliable, model, plots));
              return result;
            });
    context.updateState(s -> s.withEvaluation(evaluation));
    return evaluation;
  }

  /** The model's predictions of the test rows, as the task scores them. */
  static Dataset<Row> predict(PipelineConfig config, PipelineModel model, Dataset<Row> rows) {
    return config.dataset().task() == Task.BINARY
        ? Scoring.score(model, rows)
        : model.transform(rows);
  }

  /**
   * What was measured on the test rows, before the gates judge it.
   *
   * @param evidence the test rows the metrics rest on, as the task counts them
   */
  record Measured(
      TrainedModel model,
      TaskMetrics candidate,
      Gates.Evidence evidence,
      Evaluation.Baseline baseline,
      Evaluation.Champion champion,
      List<SegmentResult> segments,
      List<Fairness> fairness,
      List<MetricGap> metricGaps) {
    Evaluation withDecision(
        String runId, RegistrationDecision decision, String settingsFingerprint) {
      return new Evaluation(
          runId,
          model.runId(),
          model.trainedOn(),
          model.decisionThreshold(),
          candidate,
          baseline,
          champion,
          segments,
          fairness,
          metricGaps,
          decision,
          settingsFingerprint);
    }

    /** The protected columns whose groups were compared. */
    List<String> fairnessColumns() {
      List<String> columns = new ArrayList<>();
      fairness.forEach(f -> columns.add(f.column()));
      metricGaps.forEach(g -> columns.add(g.column()));
      return columns;
    }

    /** Per compared column, its largest gap; NaN when too few groups were large enough. */
    Map<String, Double> gaps() {
      Map<String, Double> gaps = new LinkedHashMap<>();
      fairness.forEach(f -> gaps.put(f.column(), f.judged() ? f.largestGap() : Double.NaN));
      metricGaps.forEach(g -> gaps.put(g.column(), g.largestGap()));
      return gaps;
    }
  }

  /**
   * The candidate, the baselines and the champion on the same test rows, each at its own decision
   * threshold (the baselines at the candidate's); the candidate per segment and its fairness.
   */
  static Measured measure(
      PipelineContext context,
      ModelRegistry registry,
      TrainedModel model,
      Dataset<Row> test,
      Dataset<Row> scored) {
    PipelineConfig config = context.config();
    double threshold = model.decisionThreshold();
    long minRows = config.evaluate().minSegmentRows();
    // The candidate overall and in every segment and intersection: one Spark job.
    MetricsCalculator.Segmented candidateMetrics =
        MetricsCalculator.bySegments(scored, segmentDimensions(config), threshold);
    ClassificationMetrics candidate = candidateMetrics.overall();
    ClassificationMetrics prior =
        MetricsCalculator.compute(
            Scoring.scorePrior(test, model.baselinePositiveRate()), threshold);
    ClassificationMetrics reference =
        readableModel(context, model.referenceModelPath())
            .map(m -> MetricsCalculator.compute(Scoring.score(m, test), threshold))
            .orElse(null);
    Evaluation.Champion champion =
        comparableChampion(context, registry)
            .map(
                version -> {
                  double own = thresholdOf(version, threshold);
                  return champion(
                      context,
                      registry,
                      version,
                      own,
                      m -> MetricsCalculator.compute(Scoring.score(m, test), own));
                })
            .orElse(null);
    List<SegmentResult> segments = new ArrayList<>();
    List<Fairness> fairness = new ArrayList<>();
    for (var byDimension : candidateMetrics.byColumn().entrySet()) {
      String dimension = byDimension.getKey();
      Map<String, ClassificationMetrics> bySegment = byDimension.getValue();
      bySegment.forEach((value, m) -> segments.add(segmentResult(dimension, value, m, minRows)));
      if (config.dataset().protectedColumns().contains(dimension)) {
        fairness.add(Fairness.of(dimension, bySegment, minRows));
      }
    }
    return new Measured(
        model,
        candidate,
        Gates.Evidence.positives(candidate.positives()),
        new Evaluation.Baseline(
            comparedBaseline(config.register(), reference, prior), reference, prior),
        champion,
        segments,
        fairness,
        List.of());
  }

  /**
   * The baseline the candidate is compared with: the configured one, with the prior as a floor (a
   * reference that scores below the prior, or could not be scored, is not the bar).
   */
  static StageConfigs.Baseline comparedBaseline(
      StageConfigs.Register settings, TaskMetrics reference, TaskMetrics prior) {
    if (settings.baseline() == StageConfigs.Baseline.PRIOR || reference == null) {
      return StageConfigs.Baseline.PRIOR;
    }
    double referenceValue = reference.metric(settings.metric());
    double priorValue = prior.metric(settings.metric());
    return Double.isNaN(referenceValue) || priorValue > referenceValue
        ? StageConfigs.Baseline.PRIOR
        : StageConfigs.Baseline.REFERENCE;
  }

  /**
   * The champion, when there is one of this dataset's task: a champion of another task (the
   * contract changed its label) cannot be scored against this label, and is not compared with.
   */
  static Optional<ModelRegistry.ModelVersion> comparableChampion(
      PipelineContext context, ModelRegistry registry) {
    PipelineConfig config = context.config();
    return registry
        .versionByAlias(config.registeredModelName(), ModelRegistry.CHAMPION)
        .filter(
            version -> {
              String task = taskOf(version);
              boolean same = task.equals(config.dataset().task().label());
              if (!same) {
                LOG.warn(
                    "evaluate: the champion v{} predicts a {} label, this contract a {} one: it is"
                        + " not compared with",
                    version.version(),
                    task,
                    config.dataset().task().label());
              }
              return same;
            });
  }

  /**
   * The champion measured on the test rows as it would decide (a binary one at its own threshold),
   * by {@code measure}.
   */
  static Evaluation.Champion champion(
      PipelineContext context,
      ModelRegistry registry,
      ModelRegistry.ModelVersion version,
      double threshold,
      java.util.function.Function<PipelineModel, TaskMetrics> measure) {
    String recorded = version.tags().get(METRIC_TAG_PREFIX + context.config().register().metric());
    String path = version.tags().get(MODEL_PATH_TAG);
    if (path != null && context.files().exists(path)) {
      ModelIntegrity.requireSavedModel(context, registry, version, path);
    }
    return new Evaluation.Champion(
        version.version(),
        threshold,
        readableModel(context, path).map(measure).orElse(null),
        recorded == null ? Double.NaN : Double.parseDouble(recorded));
  }

  /** What the gates read, from what was measured and the data checks the state records. */
  static Gates.Inputs gateInputs(
      PipelineContext context, Measured measured, PipelineConfig config) {
    PipelineState state = context.state();
    String metric = config.register().metric();
    Evaluation.Champion champion = measured.champion();
    OptionalDouble championValue =
        champion == null
            ? OptionalDouble.empty()
            : OptionalDouble.of(
                champion.scoredOnSameRows()
                    ? champion.metrics().metric(metric)
                    : champion.recordedMetric());
    List<Gates.SegmentMetric> segments =
        measured.segments().stream()
            .map(
                segment ->
                    new Gates.SegmentMetric(
                        segment.column(),
                        segment.value(),
                        segment.tooSmall() ? Double.NaN : segment.metrics().metric(metric),
                        segment.rows()))
            .toList();
    Evaluation.Baseline baseline = measured.baseline();
    return new Gates.Inputs(
        measured.candidate().metric(metric),
        baseline.comparedMetrics().metric(metric),
        ConfigLoader.spelling(baseline.compared())
            + (baseline.compared() == config.register().baseline() ? "" : " (the floor)"),
        measured.evidence(),
        championValue,
        champion != null && champion.scoredOnSameRows(),
        segments,
        measured.gaps(),
        state.requireRaw().equals(state.validated()),
        state.requireSplits().equals(state.leakageChecked()),
        config.evaluate().minSegmentRows());
  }

  /**
   * A fingerprint of the settings a decision rests on (the gates' and evaluation's): register
   * refuses a decision made under other ones.
   */
  public static String settingsFingerprint(PipelineConfig config) {
    return Fingerprints.sha256(config.register() + "|" + config.evaluate()).substring(0, 16);
  }

  /** Every metric of the evaluation by its logged name. */
  private static Map<String, Double> loggedMetrics(
      Evaluation evaluation, Map<String, Map<String, Double>> representation) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    evaluation.candidate().asMap().forEach((k, v) -> metrics.put("test_" + k, v));
    metrics.put(PipelineContext.ROWS_PROCESSED, (double) evaluation.candidate().rows());
    evaluation
        .baseline()
        .comparedMetrics()
        .asMap()
        .forEach((k, v) -> metrics.put("baseline_test_" + k, v));
    if (evaluation.baseline().reference() != null) {
      evaluation
          .baseline()
          .reference()
          .asMap()
          .forEach((k, v) -> metrics.put("reference_test_" + k, v));
    }
    evaluation.baseline().prior().asMap().forEach((k, v) -> metrics.put("prior_test_" + k, v));
    if (evaluation.champion() != null && evaluation.champion().scoredOnSameRows()) {
      evaluation
          .champion()
          .metrics()
          .asMap()
          .forEach((k, v) -> metrics.put("champion_test_" + k, v));
    }
    for (SegmentResult segment : evaluation.segments()) {
      String suffix = "." + segment.column() + "." + MetricNames.safe(segment.value());
      metrics.put("test_rows" + suffix, (double) segment.rows());
      if (segment.tooSmall()) {
        metrics.put("test_too_small" + suffix, 1.0);
        continue;
      }
      segment.metrics().asMap().forEach((k, v) -> metrics.put("test_" + k + suffix, v));
      if (!Double.isNaN(segment.low())) {
        metrics.put("test_" + segment.intervalOf() + "_ci_low" + suffix, segment.low());
        metrics.put("test_" + segment.intervalOf() + "_ci_high" + suffix, segment.high());
      }
    }
    for (Fairness column : evaluation.fairness()) {
      column.asMap().forEach((k, v) -> metrics.put("fairness." + column.column() + "." + k, v));
    }
    for (MetricGap column : evaluation.metricGaps()) {
      column.asMap().forEach((k, v) -> metrics.put("fairness." + column.column() + "." + k, v));
    }
    representation.forEach(
        (column, shares) ->
            shares.forEach(
                (k, v) -> metrics.put("fairness." + column + "." + MetricNames.safe(k), v)));
    return metrics;
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
  static List<String> segmentDimensions(PipelineConfig config) {
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
                      .map(
                          c -> coalesce(col(c).cast("string"), lit(MetricsCalculator.NULL_SEGMENT)))
                      .toArray(org.apache.spark.sql.Column[]::new)));
    }
    return result;
  }

  /**
   * Each group's share of the training split and of all rows: a group the model rarely saw in
   * training is one it may serve badly.
   */
  private static Map<String, Double> representation(Dataset<Row> splitTable, String column) {
    List<Row> groups =
        splitTable
            .groupBy(
                coalesce(col(column).cast("string"), lit(MetricsCalculator.NULL_SEGMENT))
                    .as("group"))
            .agg(
                count(lit(1)),
                sum(when(col(Splits.COLUMN).equalTo(Splits.TRAIN), 1L).otherwise(0L)))
            .orderBy("group")
            .collectAsList();
    // The totals are the groups' sums: no second pass over the table.
    long all = groups.stream().mapToLong(row -> row.getLong(1)).sum();
    long train = groups.stream().mapToLong(row -> row.getLong(2)).sum();
    Map<String, Double> shares = new LinkedHashMap<>();
    for (Row row : groups) {
      shares.put("whole_share." + row.getString(0), all == 0 ? 0 : (double) row.getLong(1) / all);
      shares.put(
          "train_share." + row.getString(0), train == 0 ? 0 : (double) row.getLong(2) / train);
    }
    return shares;
  }

  /** Every scored segment, worst first by the registration metric. */
  private static List<SegmentResult> worstSegments(
      List<SegmentResult> segments, PipelineConfig config) {
    String metric = config.register().metric();
    return segments.stream()
        .filter(s -> !s.tooSmall() && !Double.isNaN(s.metrics().metric(metric)))
        .sorted(java.util.Comparator.comparingDouble(s -> s.metrics().metric(metric)))
        .toList();
  }

  /** ROC, PR, calibration, confusion matrix and per-segment AUC with intervals, as PNG. */
  static Map<String, byte[]> plots(
      ClassificationMetrics candidate, Curves.Points curves, List<SegmentResult> segments) {
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
    for (SegmentResult segment : segments) {
      if (!segment.tooSmall() && !Double.isNaN(segment.binaryMetrics().auc())) {
        labels.add(segment.label());
        values.add(segment.binaryMetrics().auc());
        intervals.add(
            Double.isNaN(segment.low()) ? null : new double[] {segment.low(), segment.high()});
      }
    }
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
  /** A registered version's task as its tag names it: binary for versions tagged before tasks. */
  public static String taskOf(ModelRegistry.ModelVersion version) {
    return version.tags().getOrDefault(TASK_TAG, Task.BINARY.label());
  }

  public static double thresholdOf(ModelRegistry.ModelVersion version, double fallback) {
    String recorded = version.tags().get(DECISION_THRESHOLD_TAG);
    return recorded == null ? fallback : Double.parseDouble(recorded);
  }

  /** A saved model, when there is a path and it is readable here. */
  static Optional<PipelineModel> readableModel(PipelineContext context, String path) {
    if (path == null || !context.files().exists(path)) {
      return Optional.empty();
    }
    return Optional.of(PipelineModel.load(path));
  }

  /** A segment's result with an AUC interval; a segment under the minimum is too small to score. */
  public static SegmentResult segmentResult(
      String column, String value, ClassificationMetrics m, long minRows) {
    return segmentResult(column, value, m, "auc", minRows);
  }

  /**
   * A segment's result with a 95% interval of {@code metric} (from its standard error, within the
   * metric's range); a segment under the minimum is too small to score.
   */
  public static SegmentResult segmentResult(
      String column, String value, TaskMetrics m, String metric, long minRows) {
    if (m.rows() < minRows) {
      return new SegmentResult(column, value, m.rows(), null, metric, Double.NaN, Double.NaN);
    }
    double error = m.standardError(metric);
    double estimate = m.metric(metric);
    if (Double.isNaN(error) || Double.isNaN(estimate)) {
      return new SegmentResult(column, value, m.rows(), m, metric, Double.NaN, Double.NaN);
    }
    // r2 has no floor (a model can do worse than the mean); the others are shares.
    double floor = metric.equals("r2") ? Double.NEGATIVE_INFINITY : 0;
    return new SegmentResult(
        column,
        value,
        m.rows(),
        m,
        metric,
        Math.max(floor, estimate - 1.96 * error),
        Math.min(1, estimate + 1.96 * error));
  }

  /** The wrong predictions the model was surest of: what error analysis starts from. */
  static List<Map<String, Object>> confidentMistakes(
      Dataset<Row> scored, PipelineConfig config, double threshold) {
    var label = col(Scoring.LABEL);
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
      mistake.put("label", row.<Double>getAs(Scoring.LABEL));
      mistake.put("score", row.<Double>getAs(Scoring.SCORE));
      rows.add(mistake);
    }
    return rows;
  }

  private static String report(
      PipelineConfig config,
      Evaluation evaluation,
      List<SegmentResult> worst,
      Optional<String> unreliable,
      TrainedModel model,
      Map<String, byte[]> plots) {
    String metric = config.register().metric();
    RegistrationDecision verdict = evaluation.decision();
    List<List<String>> worstRows = new ArrayList<>();
    for (SegmentResult segment : worst.subList(0, Math.min(5, worst.size()))) {
      worstRows.add(
          List.of(
              segment.label(),
              Long.toString(segment.rows()),
              format(segment.metrics().asMap().get(metric))));
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
    Map<String, Double> reference =
        evaluation.baseline().reference() == null
            ? Map.of()
            : evaluation.baseline().reference().asMap();
    Map<String, Double> prior = evaluation.baseline().prior().asMap();
    Map<String, Double> champion =
        evaluation.champion() == null || !evaluation.champion().scoredOnSameRows()
            ? Map.of()
            : evaluation.champion().metrics().asMap();
    List<List<String>> overall = new ArrayList<>();
    for (var entry : evaluation.candidate().asMap().entrySet()) {
      String name = entry.getKey();
      overall.add(
          List.of(
              name,
              format(name, entry.getValue()),
              format(name, reference.get(name)),
              format(name, prior.get(name)),
              format(name, champion.get(name))));
    }
    boolean binary = evaluation.candidate() instanceof ClassificationMetrics;
    List<List<String>> bySegment = new ArrayList<>();
    for (SegmentResult segment : evaluation.segments()) {
      List<String> row = new ArrayList<>();
      row.add(segment.label());
      row.add(Long.toString(segment.rows()));
      row.add(
          segment.tooSmall()
              ? "too small"
              : format(segment.metrics().metric(segment.intervalOf())));
      row.add(
          Double.isNaN(segment.low())
              ? "-"
              : format(segment.low()) + " - " + format(segment.high()));
      if (binary) {
        row.add(segment.tooSmall() ? "-" : format(segment.binaryMetrics().recall()));
      }
      bySegment.add(row);
    }
    String championColumn =
        evaluation.champion() == null
            ? "champion (none)"
            : "champion v" + evaluation.champion().version();
    HtmlReport card =
        new HtmlReport("Model card: " + config.registeredModelName())
            .paragraph(
                (binary
                        ? "Test split, threshold "
                            + String.format(Locale.ROOT, "%.3f", model.decisionThreshold())
                            + " ("
                            + model.thresholdChoice()
                            + "; AUC, area under PR, log loss and Brier do not depend on it)"
                        : "Test split, "
                            + config.dataset().task().label()
                            + " label (the model predicts the "
                            + (config.dataset().task() == Task.MULTICLASS ? "class" : "value")
                            + " itself)")
                    + "; segments under "
                    + config.evaluate().minSegmentRows()
                    + " rows are too small to score. Gates: "
                    + (verdict.register() ? "all passed" : verdict.reason()));
    unreliable.ifPresent(why -> card.paragraph("Unreliable evidence: " + why + "."));
    card.table("Gates", List.of("verdict", "gate", "value", "limit", "detail"), gates)
        .table("Worst segments", List.of("segment", "rows", metric), worstRows)
        .table(
            "Overall",
            List.of("metric", "candidate", "reference", "prior", championColumn),
            overall);
    String intervalOf = binary ? "AUC" : metric;
    card.table(
        "Per segment",
        binary
            ? List.of("segment", "rows", "AUC", "95% interval", "recall")
            : List.of("segment", "rows", metric, "95% interval"),
        bySegment);
    if (binary) {
      List<List<String>> gaps = new ArrayList<>();
      for (Fairness f : evaluation.fairness()) {
        gaps.add(
            List.of(
                f.column(),
                format(f.demographicParityDifference()),
                format(f.equalOpportunityDifference()),
                format(f.equalizedOddsDifference()),
                format(f.disparateImpactRatio()),
                Integer.toString(f.groups())));
      }
      return card.table(
              "Fairness",
              List.of(
                  "protected column",
                  "demographic parity difference",
                  "equal opportunity difference",
                  "equalized odds difference",
                  "disparate impact ratio",
                  "groups compared"),
              gaps)
          .image("ROC curve", plots.get("roc.png"))
          .image("Precision-recall curve", plots.get("precision-recall.png"))
          .image("Calibration", plots.get("calibration.png"))
          .image("Confusion matrix", plots.get("confusion-matrix.png"))
          .image("AUC per segment", plots.get("segments-auc.png"))
          .render();
    }
    if (evaluation.candidate() instanceof MulticlassMetrics classes) {
      List<List<String>> pairs = new ArrayList<>();
      for (var pair : classes.mostConfused(ClassAndValueEvaluation.PAIRS_SHOWN)) {
        pairs.add(
            List.of(
                pair.truth(),
                pair.predicted(),
                Long.toString(pair.rows()),
                format(pair.shareOfTruth())));
      }
      card.table(
          "Most confused classes",
          List.of("true class", "predicted as", "rows", "share of the true class"),
          pairs);
    }
    List<List<String>> gaps = new ArrayList<>();
    for (MetricGap g : evaluation.metricGaps()) {
      gaps.add(
          List.of(
              g.column(),
              metric,
              withInterval(g.metricGap()),
              g.judged() ? g.best() : "-",
              g.judged() ? g.worst() : "-",
              Integer.toString(g.groups())));
      for (MetricGap.Gap measure : g.measures()) {
        gaps.add(
            List.of(
                g.column(),
                measure.measure(),
                withInterval(measure),
                measure.highest() + " (highest)",
                measure.lowest() + " (lowest)",
                Integer.toString(g.groups())));
      }
    }
    return card.table(
            "Fairness",
            List.of(
                "protected column",
                "measure",
                "gap between groups, 95% interval (the first gated)",
                "best group",
                "worst group",
                "groups compared"),
            gaps)
        .image(intervalOf + " per segment", plots.get(ClassAndValueEvaluation.SEGMENTS_PLOT))
        .image("F1 per class", plots.get(ClassAndValueEvaluation.CLASSES_PLOT))
        .image("Confusion matrix", plots.get(ClassAndValueEvaluation.CONFUSION_PLOT))
        .image("Predicted against actual", plots.get(ClassAndValueEvaluation.PREDICTED_PLOT))
        .image("Errors", plots.get(ClassAndValueEvaluation.ERRORS_PLOT))
        .render();
  }

  private static String withInterval(MetricGap.Gap gap) {
    return Double.isNaN(gap.standardError())
        ? format(gap.gap())
        : format(gap.gap()) + " [" + format(gap.low()) + ", " + format(gap.high()) + "]";
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
