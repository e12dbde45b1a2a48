package dev.batchmlops.train;

import static org.apache.spark.sql.functions.col;

import dev.batchmlops.evaluate.ClassificationMetrics;
import dev.batchmlops.evaluate.MetricsCalculator;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.pipeline.PipelineState.TrainedModel;
import dev.batchmlops.split.Splits;
import dev.batchmlops.table.TableVersion;
import dev.batchmlops.tracking.TrackedRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.io.FileUtils;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.param.ParamPair;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Fits the candidate pipeline and the prior baseline on the training split, scores both on the
 * validation split, saves the candidate and logs it to MLflow in the Spark flavour layout.
 */
public final class TrainStage {
  private TrainStage() {}

  public static TrainedModel run(PipelineContext context) {
    TableVersion splits = context.state().requireLeakageCheckedSplits();
    var config = context.config();
    Dataset<Row> all = Scoring.withLabel(context.tables().read(splits), config.dataset());
    Dataset<Row> train = all.where(col(Splits.COLUMN).equalTo(Splits.TRAIN)).cache();
    Dataset<Row> validation = all.where(col(Splits.COLUMN).equalTo(Splits.VALIDATION)).cache();
    double threshold = config.evaluate().threshold();

    TrainedModel baseline =
        context.inChildRun(
            "baseline-prior",
            run -> {
              double rate = Scoring.positiveRate(train);
              run.logParams(Map.of("model_type", "prior", "positive_rate", Double.toString(rate)));
              logMetrics(
                  run,
                  "validation_",
                  MetricsCalculator.compute(Scoring.scorePrior(validation, rate), threshold));
              run.setTags(Map.of("batchmlops.splits_version", Long.toString(splits.version())));
              return new TrainedModel(null, null, null, run.runId(), rate, splits);
            });

    TrainedModel candidate =
        context.inChildRun(
            "train-logistic-regression",
            run -> {
              PipelineModel model =
                  FeaturePipeline.build(config.dataset(), config.train()).fit(train);
              run.logParams(params(model, config));
              ClassificationMetrics trainMetrics =
                  MetricsCalculator.compute(Scoring.score(model, train), threshold);
              ClassificationMetrics validationMetrics =
                  MetricsCalculator.compute(Scoring.score(model, validation), threshold);
              logMetrics(run, "train_", trainMetrics);
              logMetrics(run, "validation_", validationMetrics);
              run.setTags(
                  Map.of(
                      "batchmlops.splits_version", Long.toString(splits.version()),
                      "batchmlops.raw_version",
                          Long.toString(context.state().requireRaw().version())));
              String modelPath = context.layout().modelDir(run.runId());
              logModel(context, run, model, modelPath);
              run.logText("config/resolved.json", config.resolvedJson());
              return new TrainedModel(
                  run.runId(),
                  modelPath,
                  run.artifactUri() + "/model",
                  baseline.baselineRunId(),
                  baseline.baselinePositiveRate(),
                  splits);
            });
    train.unpersist();
    validation.unpersist();
    context.updateState(s -> s.withModel(candidate));
    return candidate;
  }

  /** Every parameter of every fitted stage, named stage.param, plus the feature lists. */
  private static Map<String, String> params(
      PipelineModel model, dev.batchmlops.config.PipelineConfig config) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("model_type", "logistic_regression");
    params.put("categorical_features", String.join(",", config.dataset().categoricalFeatures()));
    params.put("numeric_features", String.join(",", config.dataset().numericFeatures()));
    params.put("standardize", Boolean.toString(config.train().standardize()));
    for (var stage : model.stages()) {
      String prefix = stage.getClass().getSimpleName().replace("Model", "");
      for (ParamPair<?> pair : stage.extractParamMap().toList()) {
        String value = String.valueOf(pair.value());
        if (pair.value() instanceof String[] values) {
          value = String.join(",", values);
        }
        if (value.length() <= 500) {
          params.put(prefix + "." + pair.param().name(), value);
        }
      }
    }
    return params;
  }

  static void logMetrics(TrackedRun run, String prefix, ClassificationMetrics metrics) {
    Map<String, Double> named = new LinkedHashMap<>();
    metrics.asMap().forEach((name, value) -> named.put(prefix + name, value));
    run.logMetrics(named);
  }

  /** Saves the model next to the tables, then uploads it as the run's {@code model} artifact. */
  private static void logModel(
      PipelineContext context, TrackedRun run, PipelineModel model, String modelPath) {
    Path packageDir = null;
    try {
      model.write().overwrite().save(modelPath);
      packageDir = Files.createTempDirectory("batchmlops-model-");
      context.files().copyToLocal(modelPath, packageDir.resolve(SparkModelPackage.MODEL_DATA));
      SparkModelPackage.describe(packageDir, run.runId(), context.spark().version());
      run.logDirectory("model", packageDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save the model to " + modelPath, e);
    } finally {
      if (packageDir != null) {
        FileUtils.deleteQuietly(packageDir.toFile());
      }
    }
  }
}
