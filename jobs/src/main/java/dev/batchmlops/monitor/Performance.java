package dev.batchmlops.monitor;

import dev.batchmlops.metrics.ClassificationMetrics;
import dev.batchmlops.pipeline.Evaluation.SegmentResult;
import java.util.List;

/**
 * A labelled batch's metrics at the version's threshold, against the test values the version was
 * registered with. A fall counts only when it is beyond chance: for the AUC, the difference must
 * exceed {@link #Z} standard errors of the difference (the batch's and the test's, Hanley-McNeil),
 * so a small batch's noise is not a fall and a large batch's trifle is not one either (the drop
 * must also pass the configured floor). Other metrics have no interval here, and their point
 * estimate decides.
 *
 * @param metric the registration metric (register.metric)
 * @param batch the batch's metrics over its labelled rows
 * @param testValue the version's test value of {@code metric}; NaN when not recorded
 * @param testError the version's test AUC standard error; NaN when not recorded
 */
public record Performance(
    String metric,
    ClassificationMetrics batch,
    double testValue,
    double testError,
    List<Segment> segments) {

  /** How many standard errors of the difference make a fall more than chance (one-sided 2.5%). */
  public static final double Z = 1.96;

  public Performance {
    segments = List.copyOf(segments);
  }

  /**
   * One segment's AUC in the batch against the version's test AUC for that segment.
   *
   * @param testAuc NaN when the version recorded none (too small at test, or registered earlier)
   */
  public record Segment(SegmentResult batch, double testAuc, double testError) {
    /** Whether the segment's AUC fell below its test value by more than chance. */
    public boolean below() {
      return !batch.tooSmall()
          && fellBeyondChance(
              testAuc, testError, batch.binaryMetrics().auc(), batch.binaryMetrics());
    }
  }

  public double value() {
    return batch.asMap().getOrDefault(metric, Double.NaN);
  }

  /** How far the batch fell below the test value; NaN when either is unknown. */
  public double drop() {
    return testValue - value();
  }

  /** Whether the fall passes {@code maxDrop} and is beyond chance. */
  public boolean fell(double maxDrop) {
    return drop() > maxDrop
        && (!metric.equals("auc") || fellBeyondChance(testValue, testError, value(), batch));
  }

  public List<Segment> segmentsBelow() {
    return segments.stream().filter(Segment::below).toList();
  }

  private static boolean fellBeyondChance(
      double test, double testError, double value, ClassificationMetrics measured) {
    if (Double.isNaN(test) || Double.isNaN(value)) {
      return false;
    }
    double batchError = measured.aucStandardError();
    double variance =
        (Double.isNaN(batchError) ? 0 : batchError * batchError)
            + (Double.isNaN(testError) ? 0 : testError * testError);
    return variance == 0 ? test > value : (test - value) / Math.sqrt(variance) > Z;
  }
}
