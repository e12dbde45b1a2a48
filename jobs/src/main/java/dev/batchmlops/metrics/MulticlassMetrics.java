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
 */
public record MulticlassMetrics(List<String> classes, long[][] confusion, double logLoss)
    implements TaskMetrics {

  /** Probabilities below this are clipped, so a confident mistake costs a finite loss. */
  static final double EPSILON = 1e-15;

  /** One class's counts and rates. */
  public record PerClass(
      String name, long support, long predicted, double precision, double recall, double f1) {}

  /** The scored rows' metrics, in one Spark job; rows without a label are left out. */
  public static MulticlassMetrics compute(Dataset<Row> scored, List<String> classes) {
    Column label = col(Scoring.LABEL);
    Column probabilityOfTruth =
        element_at(
            functions.vector_to_array(col(Scoring.PROBABILITY), "float64"),
            label.cast("int").plus(1));
    Column loss = negate(log(greatest(probabilityOfTruth, lit(EPSILON))));
    long[][] confusion = new long[classes.size()][classes.size()];
    double lossSum = 0;
    long rows = 0;
    for (Row row :
        scored
            .where(label.isNotNull())
            .groupBy(label.cast("int"), col(Scoring.PREDICTION).cast("int"))
            .agg(count(lit(1)), sum(loss))
            .collectAsList()) {
      confusion[row.getInt(0)][row.getInt(1)] += row.getLong(2);
      rows += row.getLong(2);
      lossSum += row.getDouble(3);
    }
    return new MulticlassMetrics(
        List.copyOf(classes), confusion, rows == 0 ? Double.NaN : lossSum / rows);
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

  @Override
  public Map<String, Double> asMap() {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("rows", (double) rows());
    metrics.put("accuracy", accuracy());
    metrics.put("log_loss", logLoss);
    metrics.put("macro_precision", macro(PerClass::precision));
    metrics.put("macro_recall", macro(PerClass::recall));
    metrics.put("macro_f1", macro(PerClass::f1));
    metrics.put("weighted_precision", weighted(PerClass::precision));
    metrics.put("weighted_recall", weighted(PerClass::recall));
    metrics.put("weighted_f1", weighted(PerClass::f1));
    for (PerClass c : perClass()) {
      String name = dev.batchmlops.tracking.MetricNames.safe(c.name());
      metrics.put("class_recall." + name, c.recall());
      metrics.put("class_precision." + name, c.precision());
      metrics.put("class_f1." + name, c.f1());
    }
    return metrics;
  }
}
