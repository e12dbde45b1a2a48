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
 */
public record RegressionMetrics(
    long rows,
    double rmse,
    double mae,
    double r2,
    double medianAbsoluteError,
    double meanError,
    double smape)
    implements TaskMetrics {

  /** The scored rows' metrics, in one Spark job; rows without a label are left out. */
  public static RegressionMetrics compute(Dataset<Row> scored) {
    Column label = col(Scoring.LABEL);
    Column error = col(Scoring.PREDICTION).minus(label);
    Column scale = abs(label).plus(abs(col(Scoring.PREDICTION)));
    Row row =
        scored
            .where(label.isNotNull())
            .agg(
                count(lit(1)),
                avg(error.multiply(error)),
                avg(abs(error)),
                var_pop(label),
                percentile(abs(error), lit(0.5)),
                avg(error),
                avg(when(scale.equalTo(0), 0.0).otherwise(abs(error).multiply(2).divide(scale))))
            .first();
    long rows = row.getLong(0);
    if (rows == 0) {
      return new RegressionMetrics(
          0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    double mse = row.getDouble(1);
    double variance = row.getDouble(3);
    return new RegressionMetrics(
        rows,
        Math.sqrt(mse),
        row.getDouble(2),
        variance == 0 ? Double.NaN : 1 - mse / variance,
        row.getDouble(4),
        row.getDouble(5),
        row.getDouble(6));
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
