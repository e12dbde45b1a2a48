package dev.batchmlops.metrics;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.config.Task;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The prior baseline, what a model must beat to have learned anything: for each row the same
 * prediction, made from the training label alone.
 *
 * @param params what it predicts, as MLflow parameters
 */
public record PriorBaseline(Map<String, String> params, Column prediction, Column probability) {
  /** Scores rows as the prior does. */
  public Dataset<Row> score(Dataset<Row> rows) {
    Dataset<Row> scored = rows.withColumn(Scoring.PREDICTION, prediction);
    return probability == null ? scored : scored.withColumn(Scoring.PROBABILITY, probability);
  }

  public static PriorBaseline of(
      DatasetContract contract, StageConfigs.Train settings, Dataset<Row> train) {
    Column label = col(Scoring.LABEL);
    if (contract.task() == Task.REGRESSION) {
      // The mean minimises the squared error, the median the absolute one.
      boolean median = !List.of("rmse", "r2").contains(settings.selectionMetric());
      Row row = train.agg(avg(label), percentile(label, lit(0.5))).first();
      double value = row.isNullAt(0) ? 0 : row.getDouble(median ? 1 : 0);
      return new PriorBaseline(
          Map.of(
              "model_type",
              "prior",
              "prior_statistic",
              median ? "median" : "mean",
              "predicted_value",
              Double.toString(value)),
          lit(value),
          null);
    }
    List<String> classes = contract.labelValues();
    long[] counts = new long[classes.size()];
    for (Row row : train.groupBy(label.cast("int")).count().collectAsList()) {
      counts[row.getInt(0)] = row.getLong(1);
    }
    long rows = java.util.Arrays.stream(counts).sum();
    double[] shares = new double[counts.length];
    int mostCommon = 0;
    Map<String, String> params = new LinkedHashMap<>();
    params.put("model_type", "prior");
    for (int c = 0; c < counts.length; c++) {
      shares[c] = rows == 0 ? 1.0 / counts.length : (double) counts[c] / rows;
      mostCommon = counts[c] > counts[mostCommon] ? c : mostCommon;
      params.put("class_share." + classes.get(c), Double.toString(shares[c]));
    }
    params.put("predicted_class", classes.get(mostCommon));
    Column[] elements =
        java.util.Arrays.stream(shares).mapToObj(share -> lit(share)).toArray(Column[]::new);
    return new PriorBaseline(
        params,
        lit((double) mostCommon),
        org.apache.spark.ml.functions.array_to_vector(array(elements)));
  }
}
