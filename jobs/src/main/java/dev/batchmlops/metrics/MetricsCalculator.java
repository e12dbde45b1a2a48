package dev.batchmlops.metrics;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.spark.ColumnNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Computes {@link ClassificationMetrics} from rows with {@code label} and {@code score}: overall
 * and for every value of any number of segment columns, in one Spark job whatever their number.
 *
 * <p>The areas are exact, not binned: rows are counted per segment and distinct score, and a window
 * running down the scores of each segment gives the confusion counts at every threshold. The area
 * under ROC is then the Mann-Whitney statistic with ties counted half, which is what the
 * trapezoidal rule over every distinct threshold gives; the area under PR is the trapezoidal area
 * over the same thresholds, starting at (recall 0, the first threshold's precision). Both equal
 * MLlib's {@code BinaryClassificationEvaluator} with {@code numBins = 0} (no down-sampling) up to
 * floating-point rounding (MetricsCalculatorTest holds them to 1e-9); MLlib's default of 1,000 bins
 * differs from them on larger data.
 */
public final class MetricsCalculator {
  private static final double EPSILON = 1e-15;

  /** The value under which rows with a null segment value are reported. */
  public static final String NULL_SEGMENT = "(null)";

  private static final String COLUMN = "segment_column";
  private static final String VALUE = "segment_value";
  private static final String POSITIVES = "positives_at";
  private static final String NEGATIVES = "negatives_at";
  private static final String TP_CUMULATIVE = "tp_at_or_above";
  private static final String FP_CUMULATIVE = "fp_at_or_above";

  /** The pseudo-column of the all-rows segment; no data column can have an empty name. */
  private static final String OVERALL = "";

  private MetricsCalculator() {}

  /** Metrics overall and per value of each segment column (values in order, nulls "(null)"). */
  public record Segmented(
      ClassificationMetrics overall, Map<String, Map<String, ClassificationMetrics>> byColumn) {}

  public static ClassificationMetrics compute(Dataset<Row> scored, double threshold) {
    return bySegments(scored, List.of(), threshold).overall();
  }

  /** Overall and per segment of every column in {@code segmentColumns}, in one Spark job. */
  public static Segmented bySegments(
      Dataset<Row> scored, List<String> segmentColumns, double threshold) {
    List<Column> segments = new ArrayList<>();
    segments.add(struct(lit(OVERALL).as(COLUMN), lit(OVERALL).as(VALUE)));
    for (String column : segmentColumns) {
      segments.add(
          struct(
              lit(column).as(COLUMN),
              coalesce(ColumnNames.exact(column).cast("string"), lit(NULL_SEGMENT)).as(VALUE)));
    }
    Column positive = col(Scoring.LABEL).equalTo(1.0);
    // Every row once per segment it belongs to, counted per distinct score.
    Dataset<Row> perScore =
        scored
            .select(
                col(Scoring.SCORE),
                positive.as("positive"),
                explode(array(segments.toArray(Column[]::new))).as("s"))
            .groupBy(col("s." + COLUMN).as(COLUMN), col("s." + VALUE).as(VALUE), col(Scoring.SCORE))
            .agg(
                sum(when(col("positive"), 1L).otherwise(0L)).as(POSITIVES),
                sum(when(col("positive"), 0L).otherwise(1L)).as(NEGATIVES));
    WindowSpec fromTheTop =
        Window.partitionBy(COLUMN, VALUE)
            .orderBy(col(Scoring.SCORE).desc())
            .rowsBetween(Window.unboundedPreceding(), Window.currentRow());
    Dataset<Row> perThreshold =
        perScore
            .withColumn(TP_CUMULATIVE, sum(POSITIVES).over(fromTheTop))
            .withColumn(FP_CUMULATIVE, sum(NEGATIVES).over(fromTheTop));
    Column score = col(Scoring.SCORE);
    Column pos = col(POSITIVES);
    Column neg = col(NEGATIVES);
    Column predicted = score.geq(threshold);
    Column precisionHere = col(TP_CUMULATIVE).divide(col(TP_CUMULATIVE).plus(col(FP_CUMULATIVE)));
    Column tpAbove = col(TP_CUMULATIVE).minus(pos);
    Column fpAbove = col(FP_CUMULATIVE).minus(neg);
    // The first threshold's precision stands for recall 0, as MLlib's PR curve starts.
    Column precisionAbove =
        when(tpAbove.plus(fpAbove).equalTo(0), precisionHere)
            .otherwise(tpAbove.divide(tpAbove.plus(fpAbove)));
    List<Row> rows =
        perThreshold
            .groupBy(COLUMN, VALUE)
            .agg(
                sum(when(predicted, pos).otherwise(0L)).as("tp"),
                sum(when(predicted, neg).otherwise(0L)).as("fp"),
                sum(when(predicted, 0L).otherwise(neg)).as("tn"),
                sum(when(predicted, 0L).otherwise(pos)).as("fn"),
                // Log loss with probabilities clipped away from 0 and 1, as is usual.
                sum(pos.multiply(negate(log(greatest(lit(EPSILON), score))))
                        .plus(
                            neg.multiply(
                                negate(log(greatest(lit(EPSILON), lit(1.0).minus(score)))))))
                    .as("log_loss_sum"),
                sum(pos.multiply(pow(score.minus(1.0), 2)).plus(neg.multiply(pow(score, 2))))
                    .as("brier_sum"),
                // Positive/negative pairs ranked wrong (the negative above), and tied pairs.
                sum(pos.multiply(fpAbove)).as("wrong_pairs"),
                sum(pos.multiply(neg)).as("tied_pairs"),
                sum(pos.multiply(precisionHere.plus(precisionAbove)).divide(2.0)).as("pr_sum"))
            .collectAsList();
    ClassificationMetrics overall = null;
    Map<String, Map<String, ClassificationMetrics>> byColumn = new LinkedHashMap<>();
    segmentColumns.forEach(c -> byColumn.put(c, new TreeMap<>()));
    for (Row row : rows) {
      ClassificationMetrics metrics = fromAggregates(row);
      if (row.getString(0).equals(OVERALL)) {
        overall = metrics;
      } else {
        byColumn.get(row.getString(0)).put(row.getString(1), metrics);
      }
    }
    if (overall == null) {
      overall = ClassificationMetrics.empty();
    }
    return new Segmented(overall, byColumn);
  }

  /**
   * The metrics of one segment's sums; the areas NaN (undefined, and never reported) when the rows
   * do not hold both classes, since there is no curve to measure.
   */
  private static ClassificationMetrics fromAggregates(Row row) {
    long tp = row.getAs("tp");
    long fp = row.getAs("fp");
    long tn = row.getAs("tn");
    long fn = row.getAs("fn");
    long rows = tp + fp + tn + fn;
    long positives = tp + fn;
    long negatives = fp + tn;
    double auc = Double.NaN;
    double areaUnderPr = Double.NaN;
    if (positives > 0 && negatives > 0) {
      double pairs = (double) positives * negatives;
      long wrong = row.getAs("wrong_pairs");
      long tied = row.getAs("tied_pairs");
      auc = (pairs - wrong - tied / 2.0) / pairs;
      areaUnderPr = row.<Double>getAs("pr_sum") / positives;
    }
    double precision = ClassificationMetrics.ratio(tp, tp + fp);
    double recall = ClassificationMetrics.ratio(tp, tp + fn);
    double f1 = precision + recall == 0 ? 0.0 : 2 * precision * recall / (precision + recall);
    return new ClassificationMetrics(
        rows,
        positives,
        tp,
        fp,
        tn,
        fn,
        rows == 0 ? 0.0 : row.<Double>getAs("brier_sum") / rows,
        auc,
        areaUnderPr,
        rows == 0 ? 0.0 : row.<Double>getAs("log_loss_sum") / rows,
        ClassificationMetrics.ratio(tp + tn, rows),
        precision,
        recall,
        f1);
  }
}
