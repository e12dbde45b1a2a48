package dev.batchmlops.train;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.Json;
import dev.batchmlops.PipelineException;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.ModelFamily;
import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.config.Task;
import dev.batchmlops.metrics.ClassAndValueMetrics;
import dev.batchmlops.metrics.PriorBaseline;
import dev.batchmlops.metrics.Scoring;
import dev.batchmlops.metrics.TaskMetrics;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.pipeline.PipelineState.TrainedModel;
import dev.batchmlops.split.Splits;
import dev.batchmlops.table.TableVersion;
import dev.batchmlops.tracking.DatasetInput;
import dev.batchmlops.tracking.LoggedModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Training for a multiclass or a regression label: the task's prior baseline (the training class
 * shares, or the training label's mean or median), a reference model with MLlib's defaults
 * (multinomial logistic regression, or linear regression), then the search over the task's families
 * ranked by its selection metric. Same runs, parameters and saved model as the binary path; no
 * decision threshold, since the model predicts the class or the value itself.
 */
final class ClassAndValueTraining {
  private static final Logger LOG = LoggerFactory.getLogger(ClassAndValueTraining.class);

  private ClassAndValueTraining() {}

  /** What a task's training needs beyond the search: how it measures, and its baselines. */
  record TaskModels(
      java.util.function.Function<Dataset<Row>, TaskMetrics> ofScored,
      ModelFamily reference,
      String referenceName) {
    /** A fitted model's metrics on rows. */
    ModelSearch.Measure measure() {
      return (model, rows) -> ofScored.apply(model.transform(rows));
    }

    static TaskModels of(DatasetContract contract) {
      return switch (contract.task()) {
        case MULTICLASS -> {
          yield new TaskModels(
              scored -> ClassAndValueMetrics.of(contract, scored),
              ModelFamily.LOGISTIC_REGRESSION,
              "multinomial_logistic_regression");
        }
        case REGRESSION ->
            new TaskModels(
                scored -> ClassAndValueMetrics.of(contract, scored),
                ModelFamily.LINEAR_REGRESSION,
                "linear_regression");
        case BINARY -> throw new IllegalArgumentException("binary training has its own stage");
      };
    }
  }

  static TrainedModel run(PipelineContext context) {
    TableVersion splits = context.state().requireLeakageCheckedSplits();
    PipelineConfig config = context.config();
    DatasetContract contract = config.dataset();
    StageConfigs.Train settings = config.train();
    TaskModels task = TaskModels.of(contract);
    Map<String, String> dataTags = new LinkedHashMap<>();
    dataTags.put("batchmlops.splits_version", Long.toString(splits.version()));
    dataTags.put("batchmlops.raw_version", Long.toString(context.state().requireRaw().version()));
    dataTags.put("batchmlops.task", contract.task().label());

    Dataset<Row> table = context.tables().read(splits);
    Dataset<Row> all = Scoring.withLabel(table, contract).where(col(Scoring.LABEL).isNotNull());
    Dataset<Row> train = all.where(col(Splits.COLUMN).equalTo(Splits.TRAIN)).cache();
    Dataset<Row> validation = all.where(col(Splits.COLUMN).equalTo(Splits.VALIDATION)).cache();
    List<DatasetInput> inputs =
        Splits.inputs(context, splits, table, List.of(Splits.TRAIN, Splits.VALIDATION));

    PriorBaseline prior = PriorBaseline.of(contract, settings, train);
    TaskMetrics priorMetrics = task.ofScored().apply(prior.score(validation));
    requireValidationRows(priorMetrics, settings, splits);
    String baselineRunId =
        context.inChildRun(
            "baseline-prior",
            run -> {
              run.logParams(prior.params());
              TrainStage.logMetrics(run, "validation_", priorMetrics);
              run.setTags(dataTags);
              run.logInputs(inputs);
              return run.runId();
            });

    // The feature stages are fitted once, on train only; every trial learns from their output.
    PipelineModel features = FeaturePipeline.build(contract, settings.standardize()).fit(train);
    Column[] kept = {
      col(contract.idColumn()), col(FeaturePipeline.LABEL), col(FeaturePipeline.FEATURES)
    };
    Dataset<Row> trainFeatures = features.transform(train).select(kept).cache();
    Dataset<Row> validationFeatures = features.transform(validation).select(kept).cache();

    String referenceModelPath =
        context.inChildRun(
            "baseline-reference",
            run -> {
              Trial reference = new Trial(0, task.reference(), Map.of());
              var model =
                  ModelSearch.estimator(reference, contract.task(), config.seed())
                      .fit(trainFeatures);
              run.logParams(
                  Map.of("model_type", task.referenceName(), "settings", "MLlib defaults"));
              run.logInputs(inputs);
              TrainStage.logMetrics(
                  run, "validation_", task.measure().of(model, validationFeatures));
              run.setTags(dataTags);
              String path = context.layout().modelDir(run.runId());
              TrainStage.save(FeaturePipeline.withClassifier(features, model, train), path);
              return path;
            });

    TrainedModel candidate =
        context.inChildRun(
            "train",
            run -> {
              List<Trial> trials = SearchPlan.trials(settings, config.seed());
              run.logParams(TrainStage.searchParams(settings, trials.size()));
              run.setTags(dataTags);
              run.logInputs(inputs);
              context.parentRun().logInputs(inputs);
              TrainStage.Progress progress =
                  new TrainStage.Progress(
                      trials.size(), settings.selectionMetric(), settings.lowerIsBetter());
              List<ModelSearch.TrialResult> results =
                  ModelSearch.run(
                      trainFeatures,
                      validationFeatures,
                      contract.idColumn(),
                      trials,
                      settings,
                      config.seed(),
                      task.measure(),
                      result -> {
                        TrainStage.logTrial(context, run, result, dataTags, inputs);
                        progress.report(result);
                      });
              ModelSearch.TrialResult best = ModelSearch.best(results, settings.lowerIsBetter());
              PipelineModel model = FeaturePipeline.withClassifier(features, best.model(), train);
              Map<String, String> params = TrainStage.fittedParams(model);
              params.put("task", contract.task().label());
              params.put("model_type", best.trial().family().key());
              params.put("best_trial", best.trial().name());
              params.put("categorical_features", String.join(",", contract.categoricalFeatures()));
              params.put("numeric_features", String.join(",", contract.numericFeatures()));
              if (contract.task() == Task.MULTICLASS) {
                // The order of the probability vector and of the predicted index.
                params.put("classes", String.join(",", contract.labelValues()));
              }
              run.logParams(params);
              String modelPath = context.layout().modelDir(run.runId());
              LoggedModel logged = TrainStage.logModel(context, run, model, modelPath, params);
              context.parentRun().logModelOutput(logged.modelId());
              Map<String, Double> metrics = new LinkedHashMap<>();
              TrainStage.named(metrics, "train_", best.train());
              TrainStage.named(metrics, "validation_", best.validation());
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
              run.logText("features.json", Json.pretty(TrainStage.featureList(contract)));
              return new TrainedModel(
                  run.runId(),
                  modelPath,
                  logged.source(),
                  logged.modelId(),
                  logged.manifestHash(),
                  baselineRunId,
                  Double.NaN,
                  splits,
                  Double.NaN,
                  "",
                  referenceModelPath);
            });
    trainFeatures.unpersist();
    validationFeatures.unpersist();
    train.unpersist();
    validation.unpersist();
    context.updateState(s -> s.withModel(candidate));
    return candidate;
  }

  /** Without validation rows no trial can be ranked, unless the search ranks by folds of train. */
  private static void requireValidationRows(
      TaskMetrics validation, StageConfigs.Train settings, TableVersion splits) {
    if (validation.rows() == 0 && settings.search().folds() == 0) {
      throw new PipelineException(
          "train: the validation split of "
              + splits
              + " holds no labelled rows, so "
              + settings.selectionMetric()
              + " cannot rank the trials; add rows or rank by cross-validation"
              + " (train.search.folds)");
    }
  }
}
