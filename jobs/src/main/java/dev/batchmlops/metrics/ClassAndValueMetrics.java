package dev.batchmlops.metrics;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.config.DatasetContract;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The metrics of a model that predicts the class (multiclass) or the value (regression) itself: no
 * decision threshold, so the same rows always give the same metrics.
 */
public final class ClassAndValueMetrics {
  private ClassAndValueMetrics() {}

  /** The scored rows' metrics, as the contract's task measures them. */
  public static TaskMetrics of(DatasetContract contract, Dataset<Row> scored) {
    return switch (contract.task()) {
      case MULTICLASS -> MulticlassMetrics.compute(scored, contract.labelValues());
      case REGRESSION -> RegressionMetrics.compute(scored);
      case BINARY -> throw binary();
    };
  }

  /** Each value of a segment column's metrics; a null value is its own segment. */
  public static Map<String, TaskMetrics> bySegment(
      DatasetContract contract, Dataset<Row> scored, String column) {
    Column segment =
        coalesce(
            dev.batchmlops.spark.ColumnNames.exact(column).cast("string"),
            lit(MetricsCalculator.NULL_SEGMENT));
    Map<String, TaskMetrics> result = new LinkedHashMap<>();
    switch (contract.task()) {
      case MULTICLASS ->
          result.putAll(MulticlassMetrics.bySegment(scored, contract.labelValues(), segment));
      case REGRESSION -> result.putAll(RegressionMetrics.bySegment(scored, segment));
      case BINARY -> throw binary();
    }
    return result;
  }

  private static IllegalArgumentException binary() {
    return new IllegalArgumentException("a binary model is measured at its decision threshold");
  }
}
