package dev.batchmlops.metrics;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FairnessTest {
  /** A group's metrics from its confusion counts alone. */
  private static ClassificationMetrics group(long tp, long fp, long tn, long fn) {
    long rows = tp + fp + tn + fn;
    return new ClassificationMetrics(
        rows, tp + fn, tp, fp, tn, fn, 0, 0.7, 0.5, 0.5, 0, 0, (double) tp / (tp + fn), 0);
  }

  @Test
  void gapsBetweenTheBestAndWorstTreatedGroups() {
    Map<String, ClassificationMetrics> groups = new LinkedHashMap<>();
    // female: 30 of 100 predicted positive, TPR 20/25, FPR 10/75
    groups.put("female", group(20, 10, 65, 5));
    // male: 50 of 100 predicted positive, TPR 30/40, FPR 20/60
    groups.put("male", group(30, 20, 40, 10));
    // too few rows to count
    groups.put("other", group(1, 0, 0, 0));
    Fairness fairness = Fairness.of("sex", groups, 50);
    assertEquals(2, fairness.groups());
    assertEquals(0.2, fairness.demographicParityDifference(), 1e-12);
    assertEquals(0.8 - 0.75, fairness.equalOpportunityDifference(), 1e-12);
    assertEquals(20.0 / 60 - 10.0 / 75, fairness.equalizedOddsDifference(), 1e-12);
    assertEquals(0.3 / 0.5, fairness.disparateImpactRatio(), 1e-12);
    assertEquals(0.2, fairness.largestGap(), 1e-12);
  }

  @Test
  void oneJudgedGroupIsNothingToCompareNotAGapOfZero() {
    Fairness fairness = Fairness.of("sex", Map.of("female", group(20, 10, 65, 5)), 50);
    assertFalse(fairness.judged());
    assertTrue(Double.isNaN(fairness.largestGap()));
    assertEquals(Map.of("groups", 1.0), fairness.asMap(), "no measure is reported");
  }
}
