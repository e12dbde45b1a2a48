package dev.batchmlops.evaluate;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.train.FeaturePipeline;
import dev.batchmlops.train.Scoring;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Computes {@link ClassificationMetrics} from rows with {@code label} and {@code score}. */
public final class MetricsCalculator {
  private MetricsCalculator() {}

  public static ClassificationMetrics compute(Dataset<Row> scored, double threshold) {
    Row counts = confusionCounts(scored, threshold).first();
    return fromCounts(counts, auc(scored));
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
      double auc = auc(keyed.where(col("segment").equalTo(segment)));
      result.put(segment, fromCounts(counts, auc));
    }
    return result;
  }

  private static Dataset<Row> confusionCounts(Dataset<Row> scored, double threshold) {
    return confusionCounts(scored.groupBy(), threshold);
  }

  private static Dataset<Row> confusionCounts(
      org.apache.spark.sql.RelationalGroupedDataset grouped, double threshold) {
    Column predicted = col(Scoring.SCORE).geq(threshold);
    Column actual = col(FeaturePipeline.LABEL).equalTo(1.0);
    return grouped.agg(
        sum(when(predicted.and(actual), 1L).otherwise(0L)).as("tp"),
        sum(when(predicted.and(not(actual)), 1L).otherwise(0L)).as("fp"),
        sum(when(not(predicted).and(not(actual)), 1L).otherwise(0L)).as("tn"),
        sum(when(not(predicted).and(actual), 1L).otherwise(0L)).as("fn"));
  }

  private static ClassificationMetrics fromCounts(Row row, double auc) {
    long tp = row.getAs("tp");
    long fp = row.getAs("fp");
    long tn = row.getAs("tn");
    long fn = row.getAs("fn");
    long rows = tp + fp + tn + fn;
    double precision = ratio(tp, tp + fp);
    double recall = ratio(tp, tp + fn);
    double f1 = precision + recall == 0 ? 0.0 : 2 * precision * recall / (precision + recall);
    return new ClassificationMetrics(
        rows, tp + fn, auc, ratio(tp + tn, rows), precision, recall, f1);
  }

  /** Area under ROC; 0.5 (no skill) when only one class is present. */
  private static double auc(Dataset<Row> scored) {
    long classes = scored.select(FeaturePipeline.LABEL).distinct().count();
    if (classes < 2) {
      return 0.5;
    }
    return new BinaryClassificationEvaluator()
        .setLabelCol(FeaturePipeline.LABEL)
        .setRawPredictionCol(Scoring.SCORE)
        .setMetricName("areaUnderROC")
        .evaluate(scored);
  }

  private static double ratio(long numerator, long denominator) {
    return denominator == 0 ? 0.0 : (double) numerator / denominator;
  }
}
