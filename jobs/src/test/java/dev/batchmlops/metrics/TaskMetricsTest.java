package dev.batchmlops.metrics;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.support.TestSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The multiclass and regression metrics against MLlib's evaluators, and their standard errors. */
class TaskMetricsTest {
  private static final List<String> CLASSES = List.of("a", "b", "c");

  /** Labels near a million, predictions off by a noise: what loses precision if summed naively. */
  private static Dataset<Row> regressionRows(int rows, long seed) {
    Random random = new Random(seed);
    List<Row> values = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      double label = 1e6 + 100 * random.nextGaussian();
      double prediction = label + 40 * random.nextGaussian() + 5;
      values.add(RowFactory.create(label, prediction, i % 3 == 0 ? "x" : "y"));
    }
    StructType schema =
        new StructType()
            .add(Scoring.LABEL, DataTypes.DoubleType)
            .add(Scoring.PREDICTION, DataTypes.DoubleType)
            .add("group", DataTypes.StringType);
    return TestSpark.session().createDataFrame(values, schema);
  }

  /** Three classes, a model right about two times in three, its probabilities a softmax. */
  private static Dataset<Row> multiclassRows(int rows, long seed) {
    Random random = new Random(seed);
    List<Row> values = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      int label = random.nextInt(3);
      double[] logits = new double[3];
      for (int c = 0; c < 3; c++) {
        logits[c] = random.nextGaussian() + (c == label ? 1.2 : 0);
      }
      double total = 0;
      int predicted = 0;
      for (int c = 0; c < 3; c++) {
        logits[c] = Math.exp(logits[c]);
        total += logits[c];
        predicted = logits[c] > logits[predicted] ? c : predicted;
      }
      values.add(
          RowFactory.create(
              (double) label,
              (double) predicted,
              logits[0] / total,
              logits[1] / total,
              logits[2] / total,
              i % 2 == 0 ? "x" : "y"));
    }
    StructType schema =
        new StructType()
            .add(Scoring.LABEL, DataTypes.DoubleType)
            .add(Scoring.PREDICTION, DataTypes.DoubleType)
            .add("p0", DataTypes.DoubleType)
            .add("p1", DataTypes.DoubleType)
            .add("p2", DataTypes.DoubleType)
            .add("group", DataTypes.StringType);
    return TestSpark.session()
        .createDataFrame(values, schema)
        .withColumn(
            Scoring.PROBABILITY,
            org.apache.spark.ml.functions.array_to_vector(array(col("p0"), col("p1"), col("p2"))));
  }

  private static double mllib(Dataset<Row> scored, String metric) {
    return new RegressionEvaluator()
        .setLabelCol(Scoring.LABEL)
        .setPredictionCol(Scoring.PREDICTION)
        .setMetricName(metric)
        .evaluate(scored);
  }

  private static double mllibMulticlass(Dataset<Row> scored, String metric) {
    return new MulticlassClassificationEvaluator()
        .setLabelCol(Scoring.LABEL)
        .setPredictionCol(Scoring.PREDICTION)
        .setProbabilityCol(Scoring.PROBABILITY)
        .setMetricName(metric)
        .evaluate(scored);
  }

  @Test
  void regressionMetricsAgreeWithMllibOverallAndInEverySegment() {
    Dataset<Row> scored = regressionRows(600, 7).cache();
    RegressionMetrics overall = RegressionMetrics.compute(scored);
    assertEquals(600, overall.rows());
    assertEquals(mllib(scored, "rmse"), overall.rmse(), 1e-9);
    assertEquals(mllib(scored, "mae"), overall.mae(), 1e-9);
    assertEquals(mllib(scored, "r2"), overall.r2(), 1e-9);
    assertEquals(5, overall.meanError(), 5, "the planted bias, within its noise");
    Map<String, RegressionMetrics> bySegment = RegressionMetrics.bySegment(scored, col("group"));
    assertEquals(List.of("x", "y"), List.copyOf(bySegment.keySet()));
    for (String group : bySegment.keySet()) {
      Dataset<Row> rows = scored.where(col("group").equalTo(group));
      assertEquals(mllib(rows, "rmse"), bySegment.get(group).rmse(), 1e-9, group);
      assertEquals(mllib(rows, "r2"), bySegment.get(group).r2(), 1e-9, group);
    }
    assertEquals(200, bySegment.get("x").rows());
  }

  @Test
  void multiclassMetricsAgreeWithMllibOverallAndInEverySegment() {
    Dataset<Row> scored = multiclassRows(900, 11).cache();
    MulticlassMetrics overall = MulticlassMetrics.compute(scored, CLASSES);
    assertEquals(900, overall.rows());
    assertEquals(mllibMulticlass(scored, "accuracy"), overall.accuracy(), 1e-9);
    assertEquals(mllibMulticlass(scored, "f1"), overall.metric("weighted_f1"), 1e-9);
    assertEquals(
        mllibMulticlass(scored, "weightedPrecision"), overall.metric("weighted_precision"), 1e-9);
    assertEquals(
        mllibMulticlass(scored, "weightedRecall"), overall.metric("weighted_recall"), 1e-9);
    assertEquals(mllibMulticlass(scored, "logLoss"), overall.logLoss(), 1e-9);
    // Each class's one-vs-rest AUC is MLlib's exact binary AUC of that class's probability.
    double sum = 0;
    for (int c = 0; c < CLASSES.size(); c++) {
      double auc =
          new org.apache.spark.ml.evaluation.BinaryClassificationEvaluator()
              .setNumBins(0)
              .setLabelCol("is_class")
              .setRawPredictionCol("p" + c)
              .evaluate(
                  scored.withColumn(
                      "is_class", when(col(Scoring.LABEL).equalTo(c), 1.0).otherwise(0.0)));
      assertEquals(auc, overall.classAuc().get(c), 1e-9, "class " + c);
      sum += auc;
    }
    assertEquals(sum / 3, overall.metric("macro_auc"), 1e-9);
    assertTrue(overall.metric("macro_auc") > 0.6, "better than chance");
    Dataset<Row> x = scored.where(col("group").equalTo("x"));
    MulticlassMetrics segment = MulticlassMetrics.bySegment(scored, CLASSES, col("group")).get("x");
    assertEquals(mllibMulticlass(x, "accuracy"), segment.accuracy(), 1e-9);
    assertEquals(mllibMulticlass(x, "logLoss"), segment.logLoss(), 1e-9);
  }

  @Test
  void aBootstrapErrorOfAccuracyMatchesTheBinomialOne() {
    // 1,000 rows, 700 right: the binomial error is sqrt(0.7 x 0.3 / 1000) = 0.0145.
    long[][] confusion = {{300, 20, 30}, {40, 200, 60}, {50, 100, 200}};
    MulticlassMetrics metrics = new MulticlassMetrics(CLASSES, confusion, 0.8);
    double binomial = Math.sqrt(0.7 * 0.3 / 1000);
    double bootstrap = metrics.standardError("accuracy");
    assertEquals(binomial, bootstrap, 0.15 * binomial);
    assertEquals(bootstrap, metrics.standardError("accuracy"), 0.0, "the same counts, the same");
    assertTrue(metrics.standardError("macro_f1") > 0);
    assertTrue(Double.isNaN(metrics.standardError("log_loss")), "not in the matrix");

    // At a million rows the draws are normal, and the error shrinks as one over the root.
    long[][] large = new long[3][3];
    for (int t = 0; t < 3; t++) {
      for (int p = 0; p < 3; p++) {
        large[t][p] = confusion[t][p] * 1000;
      }
    }
    double largeError = new MulticlassMetrics(CLASSES, large, 0.8).standardError("accuracy");
    assertEquals(binomial / Math.sqrt(1000), largeError, 0.15 * binomial / Math.sqrt(1000));
  }

  @Test
  void theDeltaMethodErrorOfR2MatchesItsSpreadOverSamples() {
    // 400 samples of 300 rows: y = x + noise, predicted by x; r2 about 0.8.
    Random random = new Random(3);
    int samples = 400;
    int rows = 300;
    double[] r2s = new double[samples];
    double errors = 0;
    for (int s = 0; s < samples; s++) {
      double[] squared = new double[rows];
      double[] labels = new double[rows];
      for (int i = 0; i < rows; i++) {
        double x = 2 * random.nextGaussian();
        double noise = random.nextGaussian();
        labels[i] = x + noise;
        squared[i] = noise * noise;
      }
      double mean = java.util.Arrays.stream(labels).average().orElseThrow();
      double[] deviation =
          java.util.Arrays.stream(labels).map(y -> (y - mean) * (y - mean)).toArray();
      double mse = java.util.Arrays.stream(squared).average().orElseThrow();
      double variance = java.util.Arrays.stream(deviation).average().orElseThrow();
      r2s[s] = 1 - mse / variance;
      errors +=
          RegressionMetrics.ratioStandardError(
              mse,
              variance,
              sampleVariance(squared),
              sampleVariance(deviation),
              sampleCovariance(squared, deviation),
              rows);
    }
    double spread = Math.sqrt(sampleVariance(r2s));
    assertEquals(spread, errors / samples, 0.15 * spread);
  }

  private static double sampleVariance(double[] values) {
    return sampleCovariance(values, values);
  }

  private static double sampleCovariance(double[] a, double[] b) {
    double meanA = java.util.Arrays.stream(a).average().orElseThrow();
    double meanB = java.util.Arrays.stream(b).average().orElseThrow();
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += (a[i] - meanA) * (b[i] - meanB);
    }
    return sum / (a.length - 1);
  }

  @Test
  void aMetricGapComparesOnlyGroupsLargeEnoughToJudge() {
    Map<String, TaskMetrics> groups = new java.util.LinkedHashMap<>();
    groups.put(
        "a",
        new MulticlassMetrics(CLASSES, new long[][] {{30, 0, 0}, {0, 30, 0}, {0, 0, 30}}, 0.1));
    groups.put(
        "b",
        new MulticlassMetrics(CLASSES, new long[][] {{20, 10, 0}, {0, 30, 0}, {0, 0, 30}}, 0.1));
    groups.put(
        "tiny",
        new MulticlassMetrics(CLASSES, new long[][] {{0, 3, 0}, {0, 0, 3}, {3, 0, 0}}, 0.1));
    MetricGap gap = MetricGap.of("sex", "accuracy", groups, 50);
    assertEquals(2, gap.groups());
    assertEquals(1 - 80.0 / 90, gap.largestGap(), 1e-12);
    assertEquals("a", gap.best());
    assertEquals("b", gap.worst());
    assertFalse(MetricGap.of("sex", "accuracy", Map.of("a", groups.get("a")), 50).judged());
    // The gap's standard error: the two groups' own, as independent samples.
    assertEquals(
        Math.hypot(
            groups.get("a").standardError("accuracy"), groups.get("b").standardError("accuracy")),
        gap.largestGapStandardError(),
        1e-12);
    // Equal opportunity for the first class: recall 1 in a, 2/3 in b, binomial errors.
    MetricGap.Gap recall =
        gap.measures().stream()
            .filter(m -> m.measure().equals("recall." + CLASSES.get(0)))
            .findFirst()
            .orElseThrow();
    assertEquals(1 - 20.0 / 30, recall.gap(), 1e-12);
    assertEquals(Math.sqrt((2.0 / 3) * (1.0 / 3) / 30), recall.standardError(), 1e-12);
    assertEquals(
        Math.max(0, recall.gap() - 1.959963984540054 * recall.standardError()),
        recall.low(),
        1e-12);
    assertTrue(gap.asMap().containsKey("accuracy_gap_ci_low"), gap.asMap().toString());
  }

  @Test
  void aRegressionGapInMeanErrorAndMaeHasTheGroupsStandardErrors() {
    // Group a: errors +1, -1, +1, -1 (mean 0, MAE 1); b: errors 2, 2, 2, 4 (mean 2.5, MAE 2.5).
    RegressionMetrics a = new RegressionMetrics(4, 1.0, 1.0, 0.5, 1.0, 0.0, 0.1, Double.NaN);
    RegressionMetrics b =
        new RegressionMetrics(4, Math.sqrt(7), 2.5, 0.2, 2.0, 2.5, 0.2, Double.NaN);
    MetricGap gap = MetricGap.of("sex", "r2", Map.of("a", a, "b", b), 1);
    MetricGap.Gap meanError =
        gap.measures().stream().filter(m -> m.measure().equals("mean_error")).findFirst().get();
    assertEquals(2.5, meanError.gap(), 1e-12);
    assertEquals("b", meanError.highest());
    // The variance of each group's errors (population form): a 1, b 7 - 6.25 = 0.75.
    assertEquals(Math.sqrt(1.0 / 4 + 0.75 / 4), meanError.standardError(), 1e-12);
    MetricGap.Gap mae =
        gap.measures().stream().filter(m -> m.measure().equals("mae")).findFirst().get();
    assertEquals(1.5, mae.gap(), 1e-12);
    // |errors|: a all 1 (variance 0), b 2, 2, 2, 4 (variance 0.75).
    assertEquals(Math.sqrt(0 + 0.75 / 4), mae.standardError(), 1e-12);
    assertTrue(Double.isNaN(gap.largestGapStandardError()), "r2 has no error without its parts");
  }
}
