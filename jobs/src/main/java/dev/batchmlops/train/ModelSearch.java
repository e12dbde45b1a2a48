package dev.batchmlops.train;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.config.ModelFamily;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.metrics.MetricsCalculator;
import dev.batchmlops.metrics.Scoring;
import dev.batchmlops.metrics.TaskMetrics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.Predictor;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Fits every trial's classifier on the featurised training rows and ranks the trials by the
 * selection metric, on the validation split or across k folds of the training split.
 *
 * <p>Algorithm:
 *
 * <ol>
 *   <li>Trials run {@code parallelism} at a time; Spark runs their jobs side by side.
 *   <li>A trial fits its classifier (seeded) on train and scores validation; with folds, it also
 *       fits on k-1 folds and scores the k-th, k times, folds following a hash of the id.
 *   <li>Its score is the mean fold metric with folds, else the validation metric. The best score
 *       wins; a tie goes to the earlier trial, so the choice does not depend on timing.
 * </ol>
 */
public final class ModelSearch {
  private static final String FOLD = "__fold";

  private ModelSearch() {}

  /** How the search measures a fitted model on rows: the task's metrics. */
  @FunctionalInterface
  public interface Measure {
    TaskMetrics of(Transformer model, Dataset<Row> rows);
  }

  /** A binary classifier's metrics at a threshold. */
  public static Measure atThreshold(double threshold) {
    return (model, rows) -> MetricsCalculator.compute(Scoring.score(model, rows), threshold);
  }

  /**
   * What one trial gave.
   *
   * @param crossValidated the mean fold metric, when the search uses folds
   * @param score what trials are ranked by
   */
  public record TrialResult(
      Trial trial,
      Model<?> model,
      TaskMetrics train,
      TaskMetrics validation,
      OptionalDouble crossValidated,
      double score,
      long millis) {}

  /**
   * @param train featurised training rows ({@code features}, {@code label}, the id)
   * @param validation featurised validation rows
   * @param measure the task's metrics of a fitted model on rows (a binary model's: {@link
   *     #atThreshold})
   * @param onTrial told of each trial as it finishes (from the thread that ran it)
   * @return every trial's result, in trial order; the best is {@link #best}
   */
  public static List<TrialResult> run(
      Dataset<Row> train,
      Dataset<Row> validation,
      String idColumn,
      List<Trial> trials,
      StageConfigs.Train settings,
      long seed,
      Measure measure,
      Consumer<TrialResult> onTrial) {
    int folds = settings.search().folds();
    Dataset<Row> folded =
        folds >= 2
            ? train
                .withColumn(
                    FOLD, pmod(xxhash64(col(idColumn).cast("string"), lit(seed + 1)), lit(folds)))
                .cache()
            : train;
    Dataset<Row> trainSample = sample(train, settings.trainMetricsRows(), seed);
    ExecutorService pool = Executors.newFixedThreadPool(settings.search().parallelism());
    try {
      List<Future<TrialResult>> running = new ArrayList<>();
      for (Trial trial : trials) {
        running.add(
            pool.submit(
                () -> {
                  TrialResult result =
                      runTrial(
                          trial, folded, trainSample, validation, settings, folds, seed, measure);
                  onTrial.accept(result);
                  return result;
                }));
      }
      List<TrialResult> results = new ArrayList<>();
      for (Future<TrialResult> result : running) {
        results.add(result.get());
      }
      return results;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("the search was interrupted", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException runtime
          ? runtime
          : new IllegalStateException(e.getCause());
    } finally {
      pool.shutdownNow();
      if (folds >= 2) {
        folded.unpersist();
      }
    }
  }

  /**
   * The trial with the best score (the lowest when {@code lowerIsBetter}: an error or a loss); the
   * earliest among equals; an undefined score is last.
   */
  public static TrialResult best(List<TrialResult> results, boolean lowerIsBetter) {
    return results.stream()
        .max(
            Comparator.comparingDouble((TrialResult r) -> rank(r.score(), lowerIsBetter))
                .thenComparing(r -> -r.trial().number()))
        .orElseThrow(() -> new IllegalArgumentException("no trials"));
  }

  /** A score on a scale where higher is better and undefined is worst. */
  static double rank(double score, boolean lowerIsBetter) {
    if (Double.isNaN(score)) {
      return Double.NEGATIVE_INFINITY;
    }
    return lowerIsBetter ? -score : score;
  }

  /** At most {@code maxRows} of {@code rows}, drawn with the seed (all of them when fewer). */
  static Dataset<Row> sample(Dataset<Row> rows, long maxRows, long seed) {
    long count = rows.count();
    return count <= maxRows ? rows : rows.sample(false, (double) maxRows / count, seed);
  }

  private static TrialResult runTrial(
      Trial trial,
      Dataset<Row> train,
      Dataset<Row> trainSample,
      Dataset<Row> validation,
      StageConfigs.Train settings,
      int folds,
      long seed,
      Measure measure) {
    long started = System.nanoTime();
    Model<?> model = estimator(trial, settings.task(), seed).fit(train);
    TaskMetrics trainMetrics = measure.of(model, trainSample);
    TaskMetrics validationMetrics = measure.of(model, validation);
    OptionalDouble crossValidated = OptionalDouble.empty();
    if (folds >= 2) {
      double sum = 0;
      for (int fold = 0; fold < folds; fold++) {
        Model<?> foldModel =
            estimator(trial, settings.task(), seed).fit(train.where(col(FOLD).notEqual(fold)));
        sum +=
            measure
                .of(foldModel, train.where(col(FOLD).equalTo(fold)))
                .asMap()
                .getOrDefault(settings.selectionMetric(), Double.NaN);
      }
      crossValidated = OptionalDouble.of(sum / folds);
    }
    // NaN when the metric is undefined (a fold without both classes); such a trial ranks last.
    double score =
        crossValidated.orElse(
            validationMetrics.asMap().getOrDefault(settings.selectionMetric(), Double.NaN));
    return new TrialResult(
        trial,
        model,
        trainMetrics,
        validationMetrics,
        crossValidated,
        score,
        (System.nanoTime() - started) / 1_000_000);
  }

  /** The trial's binary classifier: its family, hyperparameters, the pipeline's columns, seed. */
  static ProbabilisticClassifier<?, ?, ?> classifier(Trial trial, long seed) {
    return (ProbabilisticClassifier<?, ?, ?>)
        estimator(trial, dev.batchmlops.config.Task.BINARY, seed);
  }

  /** The trial's estimator for the task: family, hyperparameters, the pipeline's columns, seed. */
  static Predictor<?, ?, ?> estimator(Trial trial, dev.batchmlops.config.Task task, long seed) {
    Predictor<?, ?, ?> estimator = trial.family().newEstimator(task);
    estimator.setFeaturesCol(FeaturePipeline.FEATURES);
    estimator.setLabelCol(FeaturePipeline.LABEL);
    ModelFamily.setSeed(estimator, seed);
    for (Map.Entry<String, Double> param : trial.params().entrySet()) {
      ModelFamily.set(estimator, param.getKey(), param.getValue());
    }
    return estimator;
  }
}
