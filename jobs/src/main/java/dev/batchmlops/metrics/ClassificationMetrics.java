package dev.batchmlops.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Binary classification metrics of scored rows at one threshold.
 *
 * @param auc NaN when the rows do not hold both classes (see {@link #bothClasses()})
 * @param areaUnderPr NaN likewise
 */
public record ClassificationMetrics(
    long rows,
    long positives,
    long truePositives,
    long falsePositives,
    long trueNegatives,
    long falseNegatives,
    double brier,
    double auc,
    double areaUnderPr,
    double logLoss,
    double accuracy,
    double precision,
    double recall,
    double f1)
    implements TaskMetrics {

  /** The metrics of no rows: every count 0, the areas undefined. */
  public static ClassificationMetrics empty() {
    return new ClassificationMetrics(
        0, 0, 0, 0, 0, 0, 0.0, Double.NaN, Double.NaN, 0.0, 0.0, 0.0, 0.0, 0.0);
  }

  /** Whether the rows hold both classes: without them there is no AUC or area under PR. */
  public boolean bothClasses() {
    return positives > 0 && positives < rows;
  }

  /** Share of rows predicted positive: what demographic parity compares across groups. */
  public double selectionRate() {
    return ratio(truePositives + falsePositives, rows);
  }

  /** numerator / denominator, 0 when there is nothing to divide by. */
  static double ratio(long numerator, long denominator) {
    return denominator == 0 ? 0 : (double) numerator / denominator;
  }

  /** Share of negatives predicted positive. */
  public double falsePositiveRate() {
    return ratio(falsePositives, falsePositives + trueNegatives);
  }

  /**
   * The standard error of the AUC (Hanley and McNeil, 1982): how far a segment's AUC can stray by
   * chance alone, for a confidence interval without resampling.
   */
  public double aucStandardError() {
    long negatives = rows - positives;
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    double q1 = auc / (2 - auc);
    double q2 = 2 * auc * auc / (1 + auc);
    double variance =
        (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc))
            / ((double) positives * negatives);
    return Math.sqrt(Math.max(variance, 0));
  }

  /** The AUC's standard error; NaN for the other metrics. */
  @Override
  public double standardError(String metric) {
    return "auc".equals(metric) ? aucStandardError() : Double.NaN;
  }

  /**
   * The metrics by name, as logged and as gates compare them; the areas under the curves only when
   * they are defined.
   */
  public Map<String, Double> asMap() {
    Map<String, Double> values = new LinkedHashMap<>();
    if (!Double.isNaN(auc)) {
      values.put("auc", auc);
    }
    if (!Double.isNaN(areaUnderPr)) {
      values.put("area_under_pr", areaUnderPr);
    }
    values.put("log_loss", logLoss);
    values.put("accuracy", accuracy);
    values.put("precision", precision);
    values.put("recall", recall);
    values.put("f1", f1);
    values.put("brier", brier);
    // The negative class's own precision, recall and F1 (the fields above are the positive's).
    double negativePrecision = ratio(trueNegatives, trueNegatives + falseNegatives);
    double negativeRecall = ratio(trueNegatives, trueNegatives + falsePositives);
    values.put("negative_precision", negativePrecision);
    values.put("negative_recall", negativeRecall);
    values.put(
        "negative_f1",
        negativePrecision + negativeRecall == 0
            ? 0.0
            : 2 * negativePrecision * negativeRecall / (negativePrecision + negativeRecall));
    values.put("rows", (double) rows);
    values.put("positives", (double) positives);
    values.put("tp", (double) truePositives);
    values.put("fp", (double) falsePositives);
    values.put("tn", (double) trueNegatives);
    values.put("fn", (double) falseNegatives);
    return values;
  }
}
