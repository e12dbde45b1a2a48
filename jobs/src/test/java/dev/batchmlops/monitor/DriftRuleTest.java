package dev.batchmlops.monitor;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The drift rule's calibration, on counts drawn at random (no Spark: a sample is its counts over
 * the reference's ten quantile bins): samples from the same distribution are not flagged at 1,000
 * nor at 1,000,000 rows, over repeated seeds; a shift of a set size is flagged at both sizes.
 */
class DriftRuleTest {
  private static final DriftRule RULE = new DriftRule(0.05, 0.1);
  private static final int FEATURES = 10;
  private static final double[] EVEN = {.1, .1, .1, .1, .1, .1, .1, .1, .1, .1};

  /** A mean shift of about half a standard deviation, as shares of the reference's deciles. */
  private static final double[] SHIFTED = {.03, .04, .06, .08, .09, .11, .13, .14, .15, .17};

  private static long[] draw(SplittableRandom random, double[] shares, int rows) {
    long[] counts = new long[shares.length];
    if (rows > 100_000) {
      // Large samples: each bin's count from its normal approximation, to stay fast.
      for (int i = 0; i < shares.length; i++) {
        double sd = Math.sqrt(rows * shares[i] * (1 - shares[i]));
        counts[i] = Math.max(0, Math.round(rows * shares[i] + sd * gaussian(random)));
      }
      return counts;
    }
    for (int row = 0; row < rows; row++) {
      double u = random.nextDouble();
      int bin = 0;
      for (double cumulative = shares[0]; u > cumulative && bin < shares.length - 1; ) {
        cumulative += shares[++bin];
      }
      counts[bin]++;
    }
    return counts;
  }

  private static double gaussian(SplittableRandom random) {
    return Math.sqrt(-2 * Math.log(1 - random.nextDouble()))
        * Math.cos(2 * Math.PI * random.nextDouble());
  }

  private static List<DriftRule.FeatureCounts> batch(
      SplittableRandom random, int rows, int shiftedFeatures) {
    List<DriftRule.FeatureCounts> features = new ArrayList<>();
    for (int f = 0; f < FEATURES; f++) {
      features.add(
          new DriftRule.FeatureCounts(
              "f" + f,
              f % 2 == 0,
              draw(random, EVEN, rows),
              draw(random, f < shiftedFeatures ? SHIFTED : EVEN, rows)));
    }
    return features;
  }

  private static long flagged(List<DriftRule.FeatureDrift> verdicts) {
    return verdicts.stream().filter(DriftRule.FeatureDrift::drifted).count();
  }

  @Test
  void theSameDistributionIsNotFlaggedAtAThousandOrAMillionRows() {
    for (int rows : new int[] {1_000, 1_000_000}) {
      long falseAlarms = 0;
      for (int seed = 0; seed < 50; seed++) {
        falseAlarms += flagged(RULE.judge(batch(new SplittableRandom(seed), rows, 0)));
      }
      assertEquals(0, falseAlarms, "false alarms over 50 batches of " + rows + " rows");
    }
  }

  @Test
  void aHalfStandardDeviationShiftIsFlaggedAtBothSizesAndOnlyThere() {
    for (int rows : new int[] {1_000, 1_000_000}) {
      for (int seed = 0; seed < 20; seed++) {
        List<DriftRule.FeatureDrift> verdicts =
            RULE.judge(batch(new SplittableRandom(seed), rows, 3));
        for (DriftRule.FeatureDrift verdict : verdicts) {
          boolean shifted = List.of("f0", "f1", "f2").contains(verdict.feature());
          assertEquals(shifted, verdict.drifted(), rows + " rows, seed " + seed + ": " + verdict);
        }
      }
    }
  }

  @Test
  void aSignificantButTinyShiftAtAMillionRowsIsNotDrift() {
    double[] nudged = {.095, .095, .1, .1, .1, .1, .1, .1, .105, .105};
    SplittableRandom random = new SplittableRandom(7);
    DriftRule.FeatureDrift verdict =
        RULE.judge(
                List.of(
                    new DriftRule.FeatureCounts(
                        "income",
                        true,
                        draw(random, EVEN, 1_000_000),
                        draw(random, nudged, 1_000_000))))
            .get(0);
    assertTrue(verdict.pValue() < 1e-6, "significant: " + verdict);
    assertTrue(verdict.psi() < 0.01, "but tiny: " + verdict);
    assertFalse(verdict.drifted(), verdict.toString());
  }
}
