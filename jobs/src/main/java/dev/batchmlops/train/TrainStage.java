package dev.batchmlops.train;

import static org.apache.spark.sql.functions.col;

import dev.batchmlops.Json;
import dev.batchmlops.PipelineException;
import dev.batchmlops.config.ColumnSpec;
import dev.batchmlops.config.ConfigLoader;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.ModelFamily;
import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.metrics.ClassificationMetrics;
import dev.batchmlops.metrics.MetricsCalculator;
import dev.batchmlops.metrics.Scoring;
import dev.batchmlops.metrics.TaskMetrics;
import dev.batchmlops.metrics.ThresholdChoice;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.pipeline.PipelineState.TrainedModel;
import dev.batchmlops.split.SplitBalance;
import dev.batchmlops.split.Splits;
import dev.batchmlops.table.TableVersion;
import dev.batchmlops.tracking.DatasetInput;
import dev.batchmlops.tracking.LoggedModel;
import dev.batchmlops.tracking.TrackedRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.param.ParamPair;
import org.apache.spark.ml.param.Params;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains on the training split: the prior baseline, a reference logistic regression with MLlib's
 * defaults, then a hyperparameter search whose best trial, with the feature stages, becomes the
 * candidate, saved and logged to MLflow in the Spark flavour layout.
 *
 * <p>Runs: {@code baseline-prior}, {@code baseline-reference} and {@code train} under the pipeline
 * run; one {@code trial-NN-<family>} run per trial under {@code train}.
 */
public final class TrainStage {
  private static final Logger LOG = LoggerFactory.getLogger(TrainStage.class);

  /** Column parameters are the same for every trial: not worth a column in the UI. */
  private static final Set<String> COLUMN_PARAMS =
      Set.of("featuresCol", "labelCol", "predictionCol", "probabilityCol", "rawPredictionCol");

  private TrainStage() {}

  public static TrainedModel run(PipelineContext context) {
    if (context.config().dataset().task() != dev.batchmlops.config.Task.BINARY) {
      // No threshold to choose, no positive rate: the task's own baselines and metrics.
      return ClassAndValueTraining.run(context);
    }
    TableVersion splits = context.state().requireLeakageCheckedSplits();
    PipelineConfig config = context.config();
    DatasetContract contract = config.dataset();
    StageConfigs.Train settings = config.train();
    double threshold = config.evaluate().threshold().fixed();
    Map<String, String> dataTags = new LinkedHashMap<>();
    dataTags.put("batchmlops.splits_version", Long.toString(splits.version()));
    dataTags.put("batchmlops.raw_version", Long.toString(context.state().requireRaw().version()));

    Dataset<Row> table = context.tables().read(splits);
    Dataset<Row> all = Scoring.withLabel(table, contract);
    Dataset<Row> train = all.where(col(Splits.COLUMN).equalTo(Splits.TRAIN)).cache();
    Dataset<Row> validation = all.where(col(Splits.COLUMN).equalTo(Splits.VALIDATION)).cache();

    List<DatasetInput> inputs =
        Splits.inputs(context, splits, table, List.of(Splits.TRAIN, Splits.VALIDATION));
    double rate = Scoring.positiveRate(train);
    ClassificationMetrics prior =
        MetricsCalculator.compute(Scoring.scorePrior(validation, rate), threshold);
    Map<String, String> evidence =
        validationEvidence(prior, settings, config.register().minTestPositives(), splits);
    TrainedModel baseline =
        context.inChildRun(
            "baseline-prior",
            run -> {
              run.logParams(Map.of("model_type", "prior", "positive_rate", Double.toString(rate)));
              logMetrics(run, "validation_", prior);
              run.setTags(dataTags);
              run.logInputs(inputs);
              return new TrainedModel(
                  null, null, null, null, null, run.runId(), rate, splits, threshold, "", null);
            });

    // The feature stages are fitted once, on train only; every trial learns from their output.
    PipelineModel features = FeaturePipeline.build(contract, settings.standardize()).fit(train);
    Column[] kept = {
      col(contract.idColumn()), col(FeaturePipeline.LABEL), col(FeaturePipeline.FEATURES)
    };
    Dataset<Row> trainFeatures = features.transform(train).select(kept).cache();
    Dataset<Row> validationFeatures = features.transform(validation).select(kept).cache();

    // Saved with the feature stages, so that evaluate scores it on the test split: the baseline
    // the candidate must beat (register.gates.baseline = reference).
    String referenceModelPath =
        context.inChildRun(
            "baseline-reference",
            run -> {
              Trial reference = new Trial(0, ModelFamily.LOGISTIC_REGRESSION, Map.of());
              var model = ModelSearch.classifier(reference, config.seed()).fit(trainFeatures);
              run.logParams(
                  Map.of("model_type", "logistic_regression", "settings", "MLlib defaults"));
              run.logInputs(inputs);
              logMetrics(
                  run,
                  "validation_",
                  MetricsCalculator.compute(Scoring.score(model, validationFeatures), threshold));
              run.setTags(dataTags);
              String path = context.layout().modelDir(run.runId());
              save(FeaturePipeline.withClassifier(features, model, train), path);
              return path;
            });

    TrainedModel candidate =
        context.inChildRun(
            "train",
            run -> {
              List<Trial> trials = SearchPlan.trials(settings, config.seed());
              run.logParams(searchParams(settings, trials.size()));
              run.setTags(dataTags);
              run.setTags(evidence);
              run.logInputs(inputs);
              context.parentRun().logInputs(inputs);
              Progress progress =
                  new Progress(trials.size(), settings.selectionMetric(), settings.lowerIsBetter());
              List<ModelSearch.TrialResult> results =
                  ModelSearch.run(
                      trainFeatures,
                      validationFeatures,
                      contract.idColumn(),
                      trials,
                      settings,
                      config.seed(),
                      ModelSearch.atThreshold(threshold),
                      result -> {
                        logTrial(context, run, result, dataTags, inputs);
                        progress.report(result);
                      });
              ModelSearch.TrialResult best = ModelSearch.best(results, settings.lowerIsBetter());
              PipelineModel model = FeaturePipeline.withClassifier(features, best.model(), train);
              Map<String, String> params = fittedParams(model);
              params.put("model_type", best.trial().family().key());
              params.put("best_trial", best.trial().name());
              params.put("categorical_features", String.join(",", contract.categoricalFeatures()));
              params.put("numeric_features", String.join(",", contract.numericFeatures()));
              run.logParams(params);
              // The decision threshold, chosen on validation for the chosen model.
              Dataset<Row> validationScored =
                  Scoring.score(best.model(), validationFeatures).cache();
              ThresholdChoice decision =
                  ThresholdChoice.choose(validationScored, config.evaluate().threshold());
              if (!decision.ruleMet()) {
                LOG.warn("train: {}", decision.description());
              }
              Map<String, String> thresholdParams =
                  Map.of(
                      "decision_threshold_rule",
                      ConfigLoader.spelling(config.evaluate().threshold().rule()),
                      "decision_threshold_choice",
                      decision.description());
              run.logParams(thresholdParams);
              String modelPath = context.layout().modelDir(run.runId());
              Map<String, String> modelParams = new LinkedHashMap<>(params);
              modelParams.putAll(thresholdParams);
              LoggedModel logged = logModel(context, run, model, modelPath, modelParams);
              // The pipeline run's row in the UI links the model and its data too.
              context.parentRun().logModelOutput(logged.modelId());
              // The model's metrics, on the run and (MLflow 3) on its logged model.
              Map<String, Double> metrics = new LinkedHashMap<>();
              named(metrics, "train_", best.train());
              named(metrics, "validation_", best.validation());
              metrics.put("decision_threshold", decision.threshold());
              named(
                  metrics,
                  "validation_at_threshold_",
                  MetricsCalculator.compute(validationScored, decision.threshold()));
              validationScored.unpersist();
              run.logModelMetrics(logged.modelId(), metrics);
              run.logMetrics(
                  Map.of(
                      PipelineContext.ROWS_PROCESSED,
                      (double) trainFeatures.count() + best.validation().rows()));
              LOG.info(
                  "search chose {} {}: validation {} {}",
                  best.trial().name(),
                  best.trial().describe(),
                  settings.selectionMetric(),
                  String.format(Locale.ROOT, "%.4f", best.score()));
              run.logText("config/resolved.json", config.resolvedJson());
              run.logText("features.json", Json.pretty(featureList(contract)));
              return new TrainedModel(
                  run.runId(),
                  modelPath,
                  logged.source(),
                  logged.modelId(),
                  logged.manifestHash(),
                  baseline.baselineRunId(),
                  baseline.baselinePositiveRate(),
                  splits,
                  decision.threshold(),
                  decision.description(),
                  referenceModelPath);
            });
    trainFeatures.unpersist();
    validationFeatures.unpersist();
    train.unpersist();
    validation.unpersist();
    context.updateState(s -> s.withModel(candidate));
    return candidate;
  }

  /**
   * Whether the validation split can rank the trials: without both classes it cannot (unless the
   * search ranks by folds of train), which stops the run; with fewer positives than the minimum it
   * can, unreliably, which is said on the console and tagged on the train run.
   */
  static Map<String, String> validationEvidence(
      ClassificationMetrics validation,
      StageConfigs.Train settings,
      long minPositives,
      TableVersion splits) {
    long positives = validation.positives();
    String counts = positives + " positive rows of " + validation.rows();
    if (!validation.bothClasses() && settings.search().folds() == 0) {
      throw new PipelineException(
          "train: the validation split of "
              + splits
              + " holds "
              + counts
              + ", so "
              + settings.selectionMetric()
              + " cannot rank the trials; split with split.method = stratified, add rows, or rank"
              + " by cross-validation (train.search.folds)");
    }
    boolean reliable = settings.search().folds() >= 2 || positives >= minPositives;
    if (!reliable) {
      LOG.warn(
          "train: the validation split holds only {} (fewer than {} = {}): the {} that chooses"
              + " among the trials is unreliable",
          counts,
          SplitBalance.MIN_POSITIVES_KEY,
          minPositives,
          settings.selectionMetric());
    }
    return Map.of(
        "batchmlops.validation_positives",
        Long.toString(positives),
        "batchmlops.selection_reliable",
        Boolean.toString(reliable));
  }

  /** One run per trial, under the search's run: its hyperparameters, metrics and data tags. */
  static void logTrial(
      PipelineContext context,
      TrackedRun search,
      ModelSearch.TrialResult result,
      Map<String, String> dataTags,
      List<DatasetInput> inputs) {
    context.inNestedRun(
        search,
        result.trial().name(),
        trialRun -> {
          Map<String, String> params = classifierParams(result.model().parent());
          params.put("model_family", result.trial().family().key());
          params.put("trial", Integer.toString(result.trial().number()));
          trialRun.logParams(params);
          logMetrics(trialRun, "train_", result.train());
          logMetrics(trialRun, "validation_", result.validation());
          Map<String, Double> extra = new LinkedHashMap<>();
          result.crossValidated().ifPresent(cv -> extra.put("cv_score", cv));
          extra.put("score", result.score());
          extra.put("fit_seconds", result.millis() / 1000.0);
          trialRun.logMetrics(extra);
          Map<String, String> tags = new LinkedHashMap<>(dataTags);
          tags.put("batchmlops.model_family", result.trial().family().key());
          trialRun.setTags(tags);
          trialRun.logInputs(inputs);
          return null;
        });
  }

  /** Console progress for long searches: trial n of N, the best so far, the time spent. */
  static final class Progress {
    private final int total;
    private final String metric;
    private final boolean lowerIsBetter;
    private final long started = System.nanoTime();
    private int done;
    private ModelSearch.TrialResult best;

    Progress(int total, String metric, boolean lowerIsBetter) {
      this.total = total;
      this.metric = metric;
      this.lowerIsBetter = lowerIsBetter;
    }

    synchronized void report(ModelSearch.TrialResult result) {
      done++;
      if (best == null || ModelSearch.best(List.of(best, result), lowerIsBetter) == result) {
        best = result;
      }
      LOG.info(
          String.format(
              Locale.ROOT,
              "trial %d/%d %s %s: %s %.4f | best %.4f (%s) | %ds elapsed",
              done,
              total,
              result.trial().name(),
              result.trial().describe(),
              metric,
              result.score(),
              best.score(),
              best.trial().name(),
              (System.nanoTime() - started) / 1_000_000_000L));
    }
  }

  static Map<String, String> searchParams(StageConfigs.Train settings, int trials) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("selection_metric", settings.selectionMetric());
    params.put("search_strategy", settings.search().strategy().name().toLowerCase(Locale.ROOT));
    params.put("max_trials", Integer.toString(settings.search().maxTrials()));
    params.put("trials", Integer.toString(trials));
    params.put("folds", Integer.toString(settings.search().folds()));
    params.put("parallelism", Integer.toString(settings.search().parallelism()));
    params.put("standardize", Boolean.toString(settings.standardize()));
    params.put(
        "model_families",
        String.join(",", settings.models().stream().map(m -> m.family().key()).toList()));
    return params;
  }

  /** A classifier's hyperparameters under their MLlib names, the same in every trial. */
  private static Map<String, String> classifierParams(Params classifier) {
    Map<String, String> params = new LinkedHashMap<>();
    for (ParamPair<?> pair : classifier.extractParamMap().toList()) {
      String name = pair.param().name();
      if (!COLUMN_PARAMS.contains(name)) {
        params.put(name, paramValue(pair.value()));
      }
    }
    return params;
  }

  /** Every parameter of every fitted stage of the chosen pipeline, named stage.param. */
  static Map<String, String> fittedParams(PipelineModel model) {
    Map<String, String> params = new LinkedHashMap<>();
    for (var stage : model.stages()) {
      String prefix = stage.getClass().getSimpleName().replace("Model", "");
      for (ParamPair<?> pair : stage.extractParamMap().toList()) {
        String value = paramValue(pair.value());
        // Unset output columns default to names made from the stage's random uid.
        if (value.length() <= 500 && !value.contains(stage.uid())) {
          params.put(prefix + "." + pair.param().name(), value);
        }
      }
    }
    return params;
  }

  private static String paramValue(Object value) {
    return value instanceof String[] values ? String.join(",", values) : String.valueOf(value);
  }

  /** The features the model reads, with their contract type and how they are encoded. */
  static List<Map<String, String>> featureList(DatasetContract contract) {
    return contract.features().stream()
        .map(
            (ColumnSpec f) ->
                Map.of(
                    "name", f.name(),
                    "type", f.type().name().toLowerCase(Locale.ROOT),
                    "encoding",
                        f.type().isNumeric()
                            ? "median-imputed numeric"
                            : "indexed (unseen values kept) and one-hot encoded"))
        .toList();
  }

  static void logMetrics(TrackedRun run, String prefix, TaskMetrics metrics) {
    run.logMetrics(named(new LinkedHashMap<>(), prefix, metrics));
  }

  /** Adds the metrics to {@code into} under their logged names: validation_auc. */
  static Map<String, Double> named(Map<String, Double> into, String prefix, TaskMetrics metrics) {
    metrics.asMap().forEach((name, value) -> into.put(prefix + name, value));
    return into;
  }

  static void save(PipelineModel model, String path) {
    try {
      model.write().overwrite().save(path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save the model to " + path, e);
    }
  }

  /**
   * Saves the model next to the tables, then logs it: the run's {@code model} artifact in MLflow's
   * Spark flavour layout and, on MLflow 3, a logged model with its parameters.
   */
  static LoggedModel logModel(
      PipelineContext context,
      TrackedRun run,
      PipelineModel model,
      String modelPath,
      Map<String, String> params) {
    save(model, modelPath);
    return run.logModel(
        "model",
        "spark",
        params,
        (folder, modelId) -> {
          context.files().copyToLocal(modelPath, folder.resolve(SparkModelPackage.MODEL_DATA));
          SparkModelPackage.describe(
              folder,
              run.runId(),
              modelId,
              context.spark().version(),
              ModelSignature.of(context.config().dataset()));
        });
  }
}
