package dev.batchmlops.monitor;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.metrics.ClassificationMetrics;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A fall in AUC counts when it passes the floor and is beyond chance at the batch's size. */
class PerformanceTest {
  /** Metrics of {@code rows} rows, a fifth of them positive, with the given AUC. */
  private static ClassificationMetrics measured(long rows, double auc) {
    long positives = rows / 5;
    return new ClassificationMetrics(
        rows,
        positives,
        positives / 2,
        0,
        rows - positives,
        positives / 2,
        0.1,
        auc,
        0.5,
        0.4,
        0.8,
        0.6,
        0.5,
        0.55);
  }

  private static Performance performance(long rows, double batchAuc, double testAuc) {
    // The test split: 3,000 rows at the same positive share.
    double testError = measured(3000, testAuc).aucStandardError();
    return new Performance("auc", measured(rows, batchAuc), testAuc, testError, List.of());
  }

  @Test
  void theSameFallIsChanceOnAFewRowsAndRealOnMany() {
    assertFalse(performance(200, 0.70, 0.78).fell(0.05), "200 rows: within noise");
    assertTrue(performance(20_000, 0.70, 0.78).fell(0.05), "20,000 rows: beyond chance");
  }

  @Test
  void aFallUnderTheFloorNeverCountsHoweverSure() {
    assertFalse(performance(5_000_000, 0.77, 0.78).fell(0.05));
    assertEquals(0.01, performance(5_000_000, 0.77, 0.78).drop(), 1e-12);
  }

  @Test
  void withoutARecordedTestValueNothingFalls() {
    Performance unknown =
        new Performance("auc", measured(20_000, 0.5), Double.NaN, Double.NaN, List.of());
    assertFalse(unknown.fell(0.05));
    assertTrue(Double.isNaN(unknown.drop()));
  }

  @Test
  void aMetricWithoutAnIntervalIsJudgedOnItsPointEstimate() {
    Performance recall = new Performance("recall", measured(200, 0.7), 0.62, Double.NaN, List.of());
    assertEquals(0.12, recall.drop(), 1e-12);
    assertTrue(recall.fell(0.05));
  }
}
