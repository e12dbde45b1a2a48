package dev.batchmlops.metrics;

import static org.apache.spark.sql.functions.*;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Computes {@link ClassificationMetrics} from rows with {@code label} and {@code score}. */
public final class MetricsCalculator {
  private static final double EPSILON = 1e-15;

  private MetricsCalculator() {}

  public static ClassificationMetrics compute(Dataset<Row> scored, double threshold) {
    return withAreas(confusionCounts(scored, threshold).first(), scored);
  }

  /** The same metrics for every value of {@code segmentColumn} (nulls as "(null)"). */
  public static Map<String, ClassificationMetrics> bySegment(
      Dataset<Row> scored, String segmentColumn, double threshold) {
    Dataset<Row> keyed =
        scored.withColumn("segment", coalesce(col(segmentColumn).cast("string"), lit("(null)")));
    Map<String, ClassificationMetrics> result = new LinkedHashMap<>();
    for (Row counts :
        confusionCounts(keyed.groupBy("segment"), threshold).orderBy("segment").collectAsList()) {
      String segment = counts.getString(0);
      result.put(segment, withAreas(counts, keyed.where(col("segment").equalTo(segment))));
    }
    return result;
  }

  private static Dataset<Row> confusionCounts(Dataset<Row> scored, double threshold) {
    return confusionCounts(scored.groupBy(), threshold);
  }

  private static Dataset<Row> confusionCounts(
      org.apache.spark.sql.RelationalGroupedDataset grouped, double threshold) {
    Column predicted = col(Scoring.SCORE).geq(threshold);
    Column actual = col(Scoring.LABEL).equalTo(1.0);
    return grouped.agg(
        sum(when(predicted.and(actual), 1L).otherwise(0L)).as("tp"),
        sum(when(predicted.and(not(actual)), 1L).otherwise(0L)).as("fp"),
        sum(when(not(predicted).and(not(actual)), 1L).otherwise(0L)).as("tn"),
        sum(when(not(predicted).and(actual), 1L).otherwise(0L)).as("fn"),
        // Log loss with probabilities clipped away from 0 and 1, as is usual.
        avg(negate(
                when(actual, log(greatest(lit(EPSILON), col(Scoring.SCORE))))
                    .otherwise(log(greatest(lit(EPSILON), lit(1.0).minus(col(Scoring.SCORE)))))))
            .as("log_loss"),
        avg(pow(col(Scoring.SCORE).minus(col(Scoring.LABEL)), 2)).as("brier"));
  }

  /**
   * The metrics of {@code counts} with the areas under ROC and PR of {@code rows}; NaN (undefined,
   * and never reported) when the rows do not hold both classes, since there is no curve to measure.
   * The counts tell that, so no Spark job is spent on asking.
   */
  private static ClassificationMetrics withAreas(Row counts, Dataset<Row> rows) {
    long tp = counts.getAs("tp");
    long fn = counts.getAs("fn");
    long fp = counts.getAs("fp");
    long tn = counts.getAs("tn");
    boolean bothClasses = tp + fn > 0 && fp + tn > 0;
    return fromCounts(
        counts,
        bothClasses ? areaUnder(rows, "areaUnderROC") : Double.NaN,
        bothClasses ? areaUnder(rows, "areaUnderPR") : Double.NaN);
  }

  private static ClassificationMetrics fromCounts(Row row, double auc, double areaUnderPr) {
    long tp = row.getAs("tp");
    long fp = row.getAs("fp");
    long tn = row.getAs("tn");
    long fn = row.getAs("fn");
    long rows = tp + fp + tn + fn;
    double precision = ClassificationMetrics.ratio(tp, tp + fp);
    double recall = ClassificationMetrics.ratio(tp, tp + fn);
    double f1 = precision + recall == 0 ? 0.0 : 2 * precision * recall / (precision + recall);
    double logLoss = row.isNullAt(row.fieldIndex("log_loss")) ? 0.0 : row.getAs("log_loss");
    double brier = row.isNullAt(row.fieldIndex("brier")) ? 0.0 : row.getAs("brier");
    return new ClassificationMetrics(
        rows,
        tp + fn,
        tp,
        fp,
        tn,
        fn,
        brier,
        auc,
        areaUnderPr,
        logLoss,
        ClassificationMetrics.ratio(tp + tn, rows),
        precision,
        recall,
        f1);
  }

  private static double areaUnder(Dataset<Row> scored, String curve) {
    return new BinaryClassificationEvaluator()
        .setLabelCol(Scoring.LABEL)
        .setRawPredictionCol(Scoring.SCORE)
        .setMetricName(curve)
        .evaluate(scored);
  }
}
