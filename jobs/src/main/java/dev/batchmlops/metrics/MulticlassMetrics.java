package dev.batchmlops.metrics;

import static org.apache.spark.sql.functions.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Multiclass metrics of predicted classes and class probabilities against the label, the classes
 * being the contract's, in its order (the label and the prediction are their indices).
 *
 * @param classes the class names, by index
 * @param confusion rows by true class, columns by predicted class: counts
 * @param logLoss the mean of -ln p(true class), each probability clipped to [1e-15, 1] (as MLlib)
 * @param classAuc per class, by index, the one-vs-rest AUC of its probability (Mann-Whitney, ties
 *     counted half); NaN for a class without rows or without other rows, and when not measured
 */
public record MulticlassMetrics(
    List<String> classes, long[][] confusion, double logLoss, List<Double> classAuc)
    implements TaskMetrics {

  public MulticlassMetrics {
    classAuc =
        classAuc == null
            ? java.util.Collections.nCopies(classes.size(), Double.NaN)
            : List.copyOf(classAuc);
  }

  /** Counts and a log loss, without the AUCs (a resample of the counts has none). */
  public MulticlassMetrics(List<String> classes, long[][] confusion, double logLoss) {
    this(classes, confusion, logLoss, null);
  }

  /** Probabilities below this are clipped, so a confident mistake costs a finite loss. */
  static final double EPSILON = 1e-15;

  /** One class's counts and rates. */
  public record PerClass(
      String name, long support, long predicted, double precision, double recall, double f1) {}

  /** The scored rows' metrics, in two Spark jobs; rows without a label are left out. */
  public static MulticlassMetrics compute(Dataset<Row> scored, List<String> classes) {
    return bySegment(scored, classes, lit("")).getOrDefault("", empty(classes));
  }

  /** The metrics of no rows. */
  public static MulticlassMetrics empty(List<String> classes) {
    return new MulticlassMetrics(
        List.copyOf(classes), new long[classes.size()][classes.size()], Double.NaN);
  }

  /**
   * Each value of {@code segment}'s metrics, in two Spark jobs (the counts, then the AUCs); rows
   * without a label are left out.
   */
  public static Map<String, MulticlassMetrics> bySegment(
      Dataset<Row> scored, List<String> classes, Column segment) {
    Column label = col(Scoring.LABEL);
    Column probabilityOfTruth =
        element_at(
            functions.vector_to_array(col(Scoring.PROBABILITY), "float64"),
            label.cast("int").plus(1));
    Column loss = negate(log(greatest(probabilityOfTruth, lit(EPSILON))));
    Map<String, long[][]> confusions = new java.util.TreeMap<>();
    Map<String, Double> lossSums = new LinkedHashMap<>();
    for (Row row :
        scored
            .where(label.isNotNull())
            .groupBy(segment.cast("string"), label.cast("int"), col(Scoring.PREDICTION).cast("int"))
            .agg(count(lit(1)), sum(loss))
            .collectAsList()) {
      String key = row.getString(0);
      confusions
              .computeIfAbsent(key, k -> new long[classes.size()][classes.size()])[row.getInt(1)][
              row.getInt(2)] +=
          row.getLong(3);
      lossSums.merge(key, row.getDouble(4), Double::sum);
    }
    Map<String, double[]> aucs = oneVsRestAucs(scored, classes.size(), segment);
    Map<String, MulticlassMetrics> result = new LinkedHashMap<>();
    confusions.forEach(
        (key, confusion) -> {
          MulticlassMetrics counted = new MulticlassMetrics(List.copyOf(classes), confusion, 0);
          double[] auc = aucs.getOrDefault(key, new double[0]);
          List<Double> perClass = new ArrayList<>();
          for (int c = 0; c < classes.size(); c++) {
            perClass.add(c < auc.length ? auc[c] : Double.NaN);
          }
          result.put(
              key,
              new MulticlassMetrics(
                  counted.classes(), confusion, lossSums.get(key) / counted.rows(), perClass));
        });
    return result;
  }

  /**
   * Per segment, each class's one-vs-rest AUC of its probability, exactly: rows are counted per
   * segment, class and distinct probability; a window up the probabilities gives each one the
   * negatives below it, and U = sum of positives x (negatives below + half the tied ones).
   */
  private static Map<String, double[]> oneVsRestAucs(
      Dataset<Row> scored, int classCount, Column segment) {
    Dataset<Row> perProbability =
        scored
            .where(col(Scoring.LABEL).isNotNull())
            .select(
                segment.cast("string").as("s"),
                col(Scoring.LABEL).cast("int").as("truth"),
                posexplode(functions.vector_to_array(col(Scoring.PROBABILITY), "float64")))
            .groupBy(col("s"), col("pos").as("c"), col("col").as("p"))
            .agg(
                sum(when(col("truth").equalTo(col("pos")), 1L).otherwise(0L)).as("positives"),
                sum(when(col("truth").equalTo(col("pos")), 0L).otherwise(1L)).as("negatives"));
    org.apache.spark.sql.expressions.WindowSpec upToHere =
        org.apache.spark.sql.expressions.Window.partitionBy("s", "c")
            .orderBy("p")
            .rowsBetween(org.apache.spark.sql.expressions.Window.unboundedPreceding(), 0);
    Column negativesBelow = sum("negatives").over(upToHere).minus(col("negatives"));
    Map<String, double[]> result = new LinkedHashMap<>();
    for (Row row :
        perProbability
            .withColumn(
                "u", col("positives").multiply(negativesBelow.plus(col("negatives").divide(2.0))))
            .groupBy("s", "c")
            .agg(sum("u"), sum("positives"), sum("negatives"))
            .collectAsList()) {
      double[] auc = result.computeIfAbsent(row.getString(0), k -> new double[classCount]);
      long positives = row.getLong(3);
      long negatives = row.getLong(4);
      auc[row.getInt(1)] =
          positives == 0 || negatives == 0
              ? Double.NaN
              : row.getDouble(2) / ((double) positives * negatives);
    }
    return result;
  }

  /** The mean of the classes' one-vs-rest AUCs, over the classes that have one. */
  public double macroAuc() {
    return classAuc.stream()
        .mapToDouble(Double::doubleValue)
        .filter(a -> !Double.isNaN(a))
        .average()
        .orElse(Double.NaN);
  }

  @Override
  public long rows() {
    long rows = 0;
    for (long[] trueClass : confusion) {
      for (long count : trueClass) {
        rows += count;
      }
    }
    return rows;
  }

  /**
   * One kind of mistake: rows of class {@code truth} predicted as {@code predicted}.
   *
   * @param shareOfTruth those rows' share of all rows of {@code truth}
   */
  public record ConfusedPair(String truth, String predicted, long rows, double shareOfTruth) {}

  /** The mistakes made most often, most rows first: which classes the model mixes up. */
  public List<ConfusedPair> mostConfused(int shown) {
    List<ConfusedPair> pairs = new ArrayList<>();
    List<PerClass> perClass = perClass();
    for (int t = 0; t < classes.size(); t++) {
      for (int p = 0; p < classes.size(); p++) {
        if (t != p && confusion[t][p] > 0) {
          pairs.add(
              new ConfusedPair(
                  classes.get(t),
                  classes.get(p),
                  confusion[t][p],
                  (double) confusion[t][p] / perClass.get(t).support()));
        }
      }
    }
    pairs.sort(
        java.util.Comparator.comparingLong(ConfusedPair::rows)
            .reversed()
            .thenComparing(ConfusedPair::truth)
            .thenComparing(ConfusedPair::predicted));
    return List.copyOf(pairs.subList(0, Math.min(shown, pairs.size())));
  }

  /** Each class's support (true rows), predictions, precision, recall and F1. */
  public List<PerClass> perClass() {
    List<PerClass> result = new ArrayList<>();
    for (int c = 0; c < classes.size(); c++) {
      long support = 0;
      long predicted = 0;
      for (int other = 0; other < classes.size(); other++) {
        support += confusion[c][other];
        predicted += confusion[other][c];
      }
      long correct = confusion[c][c];
      double precision = ClassificationMetrics.ratio(correct, predicted);
      double recall = ClassificationMetrics.ratio(correct, support);
      double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
      result.add(new PerClass(classes.get(c), support, predicted, precision, recall, f1));
    }
    return result;
  }

  public double accuracy() {
    long correct = 0;
    for (int c = 0; c < classes.size(); c++) {
      correct += confusion[c][c];
    }
    return ClassificationMetrics.ratio(correct, rows());
  }

  /** The unweighted mean over the classes that have rows or predictions. */
  public double macro(java.util.function.ToDoubleFunction<PerClass> measure) {
    return perClass().stream()
        .filter(c -> c.support() > 0 || c.predicted() > 0)
        .mapToDouble(measure)
        .average()
        .orElse(Double.NaN);
  }

  /** The mean over classes weighted by their support (as MLlib's weighted measures). */
  public double weighted(java.util.function.ToDoubleFunction<PerClass> measure) {
    long rows = rows();
    return rows == 0
        ? Double.NaN
        : perClass().stream().mapToDouble(c -> measure.applyAsDouble(c) * c.support() / rows).sum();
  }

  /** Bootstrap replicates behind a standard error: enough for its second digit. */
  static final int REPLICATES = 400;

  /** Beyond this many rows a replicate draws each cell from its normal approximation. */
  private static final long EXACT_DRAW_ROWS = 20_000;

  /**
   * A confusion-based metric's standard error, by resampling the rows (the cells of the confusion
   * matrix) with a fixed seed: the same counts always give the same error. NaN for the log loss (it
   * is not in the matrix) and under 2 rows.
   */
  @Override
  public double standardError(String metric) {
    long rows = rows();
    if (rows < 2 || !inTheMatrix(metric)) {
      return Double.NaN;
    }
    int size = classes.size();
    double[] shares = new double[size * size];
    for (int cell = 0; cell < shares.length; cell++) {
      shares[cell] = (double) confusion[cell / size][cell % size] / rows;
    }
    java.util.Random random = new java.util.Random(rows * 31 + size);
    double sum = 0;
    double sumOfSquares = 0;
    int counted = 0;
    for (int replicate = 0; replicate < REPLICATES; replicate++) {
      long[] cells = resample(shares, rows, random);
      long[][] drawn = new long[size][size];
      for (int cell = 0; cell < cells.length; cell++) {
        drawn[cell / size][cell % size] = cells[cell];
      }
      double value = new MulticlassMetrics(classes, drawn, logLoss).metric(metric);
      if (!Double.isNaN(value)) {
        sum += value;
        sumOfSquares += value * value;
        counted++;
      }
    }
    if (counted < 2) {
      return Double.NaN;
    }
    double mean = sum / counted;
    return Math.sqrt(Math.max(0, (sumOfSquares - counted * mean * mean) / (counted - 1)));
  }

  /** Whether a metric is a function of the confusion matrix alone, so a resample of it moves it. */
  private static boolean inTheMatrix(String metric) {
    return !(metric.equals("rows")
        || metric.equals("log_loss")
        || metric.equals("macro_auc")
        || metric.startsWith("class_auc."));
  }

  /** A multinomial draw of {@code rows} over cells with these shares. */
  static long[] resample(double[] shares, long rows, java.util.Random random) {
    long[] cells = new long[shares.length];
    if (rows <= EXACT_DRAW_ROWS) {
      double[] cumulative = new double[shares.length];
      double running = 0;
      for (int cell = 0; cell < shares.length; cell++) {
        running += shares[cell];
        cumulative[cell] = running;
      }
      for (long row = 0; row < rows; row++) {
        double u = random.nextDouble() * running;
        int cell = java.util.Arrays.binarySearch(cumulative, u);
        cell = cell >= 0 ? cell : -cell - 1;
        cells[Math.min(cell, cells.length - 1)]++;
      }
      return cells;
    }
    // Each cell given the ones before it is binomial; at this size, normal.
    long left = rows;
    double shareLeft = 1;
    for (int cell = 0; cell < shares.length && left > 0; cell++) {
      if (cell == shares.length - 1 || shareLeft <= shares[cell]) {
        cells[cell] = left;
        break;
      }
      double p = Math.min(1, shares[cell] / shareLeft);
      double drawn = left * p + random.nextGaussian() * Math.sqrt(left * p * (1 - p));
      cells[cell] = Math.max(0, Math.min(left, Math.round(drawn)));
      left -= cells[cell];
      shareLeft -= shares[cell];
    }
    return cells;
  }

  @Override
  public Map<String, Double> asMap() {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("rows", (double) rows());
    metrics.put("accuracy", accuracy());
    metrics.put("log_loss", logLoss);
    if (!Double.isNaN(macroAuc())) {
      metrics.put("macro_auc", macroAuc());
    }
    metrics.put("macro_precision", macro(PerClass::precision));
    metrics.put("macro_recall", macro(PerClass::recall));
    metrics.put("macro_f1", macro(PerClass::f1));
    metrics.put("weighted_precision", weighted(PerClass::precision));
    metrics.put("weighted_recall", weighted(PerClass::recall));
    metrics.put("weighted_f1", weighted(PerClass::f1));
    List<PerClass> perClass = perClass();
    for (int index = 0; index < perClass.size(); index++) {
      PerClass c = perClass.get(index);
      String name = dev.batchmlops.tracking.MetricNames.safe(c.name());
      metrics.put("class_recall." + name, c.recall());
      metrics.put("class_precision." + name, c.precision());
      metrics.put("class_f1." + name, c.f1());
      double auc = classAuc.get(index);
      if (!Double.isNaN(auc)) {
        metrics.put("class_auc." + name, auc);
      }
    }
    return metrics;
  }
}
