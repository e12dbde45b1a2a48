package dev.batchmlops.metrics;

import static org.apache.spark.sql.functions.*;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Regression metrics of predicted values against the label, the error being prediction - label.
 *
 * @param rmse the root of the mean squared error
 * @param mae the mean absolute error
 * @param r2 1 - squared error / the label's squared deviation from its mean (as MLlib's {@code
 *     RegressionEvaluator}); NaN when the label does not vary
 * @param medianAbsoluteError the median of the absolute errors (interpolated between the middle
 *     two)
 * @param meanError the bias: above 0 the model over-predicts on average
 * @param smape the symmetric mean absolute percentage error, 2|error| / (|label| + |prediction|),
 *     from 0 to 2; a row whose label and prediction are both 0 is exact and counts 0
 * @param r2StandardError the standard error of {@code r2} by the delta method, from the rows'
 *     squared errors and squared deviations (their variances and covariance); NaN under 2 rows
 */
public record RegressionMetrics(
    long rows,
    double rmse,
    double mae,
    double r2,
    double medianAbsoluteError,
    double meanError,
    double smape,
    double r2StandardError)
    implements TaskMetrics {

  /** The scored rows' metrics, in two Spark jobs; rows without a label are left out. */
  public static RegressionMetrics compute(Dataset<Row> scored) {
    return bySegment(scored, lit("")).getOrDefault("", empty());
  }

  /** The metrics of no rows: all NaN. */
  public static RegressionMetrics empty() {
    double nan = Double.NaN;
    return new RegressionMetrics(0, nan, nan, nan, nan, nan, nan, nan);
  }

  /**
   * Each value of {@code segment}'s metrics: one job for the segments' label means, one for the
   * rest (the deviations from each segment's own mean, so a label near 1e9 keeps its precision).
   */
  public static Map<String, RegressionMetrics> bySegment(Dataset<Row> scored, Column segment) {
    Column label = col(Scoring.LABEL);
    Dataset<Row> labelled =
        scored.where(label.isNotNull()).withColumn(SEGMENT, segment.cast("string"));
    Map<String, Double> means = new LinkedHashMap<>();
    for (Row row : labelled.groupBy(SEGMENT).agg(avg(label)).collectAsList()) {
      means.put(row.getString(0), row.getDouble(1));
    }
    if (means.isEmpty()) {
      return Map.of();
    }
    Column mean = lit(null).cast("double");
    for (var entry : means.entrySet()) {
      mean = when(col(SEGMENT).equalTo(entry.getKey()), entry.getValue()).otherwise(mean);
    }
    Column error = col(Scoring.PREDICTION).minus(label);
    Column squared = error.multiply(error);
    Column deviation = pow(label.minus(mean), 2);
    Column scale = abs(label).plus(abs(col(Scoring.PREDICTION)));
    Map<String, RegressionMetrics> result = new java.util.TreeMap<>();
    for (Row row :
        labelled
            .groupBy(SEGMENT)
            .agg(
                count(lit(1)),
                avg(squared),
                avg(abs(error)),
                avg(deviation),
                percentile(abs(error), lit(0.5)),
                avg(error),
                avg(when(scale.equalTo(0), 0.0).otherwise(abs(error).multiply(2).divide(scale))),
                var_samp(squared),
                var_samp(deviation),
                covar_samp(squared, deviation))
            .collectAsList()) {
      long rows = row.getLong(1);
      double mse = row.getDouble(2);
      double variance = row.getDouble(4);
      double r2 = variance == 0 ? Double.NaN : 1 - mse / variance;
      double r2Error =
          rows < 2 || variance == 0
              ? Double.NaN
              : ratioStandardError(
                  mse, variance, row.getDouble(8), row.getDouble(9), row.getDouble(10), rows);
      result.put(
          row.getString(0),
          new RegressionMetrics(
              rows,
              Math.sqrt(mse),
              row.getDouble(3),
              r2,
              row.getDouble(5),
              row.getDouble(6),
              row.getDouble(7),
              r2Error));
    }
    return result;
  }

  private static final String SEGMENT = "__segment";

  /**
   * The standard error of a / b, the means of two per-row quantities over n rows, by the delta
   * method: what 1 - r2 is, with a the squared error and b the squared deviation.
   */
  static double ratioStandardError(
      double a, double b, double varianceA, double varianceB, double covariance, long n) {
    double ratio = a / b;
    double variance =
        (varianceA - 2 * ratio * covariance + ratio * ratio * varianceB) / (b * b * n);
    return Math.sqrt(Math.max(0, variance));
  }

  /** The standard error of r2; NaN for the other metrics. */
  @Override
  public double standardError(String metric) {
    return "r2".equals(metric) ? r2StandardError : Double.NaN;
  }

  @Override
  public Map<String, Double> asMap() {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("rows", (double) rows);
    metrics.put("rmse", rmse);
    metrics.put("mae", mae);
    metrics.put("r2", r2);
    metrics.put("median_absolute_error", medianAbsoluteError);
    metrics.put("mean_error", meanError);
    metrics.put("smape", smape);
    return metrics;
  }
}
