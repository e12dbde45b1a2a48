package dev.batchmlops.metrics;

import static org.apache.spark.sql.functions.*;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * ROC, precision-recall and calibration curves of scored rows, from one aggregation over 100 score
 * bins (fine enough to draw; the exact AUCs come from {@link MetricsCalculator}).
 */
public final class Curves {
  private static final int BINS = 100;

  private Curves() {}

  /** The three curves as (x, y) points between 0 and 1. */
  public record Points(
      List<double[]> roc, List<double[]> precisionRecall, List<double[]> calibration) {}

  public static Points of(Dataset<Row> scored) {
    // bin -> rows, positives, score sum
    long[][] counts = new long[BINS][2];
    double[] scoreSums = new double[BINS];
    for (Row row :
        scored
            .groupBy(
                least(floor(col(Scoring.SCORE).multiply(BINS)), lit(BINS - 1))
                    .cast("int")
                    .as("bin"))
            .agg(count(lit(1)), sum(col(Scoring.LABEL)), sum(col(Scoring.SCORE)))
            .collectAsList()) {
      int bin = row.getInt(0);
      counts[bin][0] = row.getLong(1);
      counts[bin][1] = (long) row.getDouble(2);
      scoreSums[bin] = row.getDouble(3);
    }
    long positives = 0;
    long rows = 0;
    for (long[] bin : counts) {
      rows += bin[0];
      positives += bin[1];
    }
    long negatives = rows - positives;
    List<double[]> roc = new ArrayList<>();
    List<double[]> pr = new ArrayList<>();
    roc.add(new double[] {0, 0});
    long tp = 0;
    long fp = 0;
    // From the highest scores down: each bin's rows become predicted positive.
    for (int bin = BINS - 1; bin >= 0; bin--) {
      tp += counts[bin][1];
      fp += counts[bin][0] - counts[bin][1];
      if (counts[bin][0] == 0) {
        continue;
      }
      roc.add(
          new double[] {
            ClassificationMetrics.ratio(fp, negatives), ClassificationMetrics.ratio(tp, positives)
          });
      pr.add(
          new double[] {
            ClassificationMetrics.ratio(tp, positives), ClassificationMetrics.ratio(tp, tp + fp)
          });
    }
    List<double[]> calibration = new ArrayList<>();
    for (int decile = 0; decile < 10; decile++) {
      long binRows = 0;
      long binPositives = 0;
      double binScores = 0;
      for (int bin = decile * 10; bin < decile * 10 + 10; bin++) {
        binRows += counts[bin][0];
        binPositives += counts[bin][1];
        binScores += scoreSums[bin];
      }
      if (binRows > 0) {
        calibration.add(new double[] {binScores / binRows, (double) binPositives / binRows});
      }
    }
    return new Points(roc, pr, calibration);
  }
}
