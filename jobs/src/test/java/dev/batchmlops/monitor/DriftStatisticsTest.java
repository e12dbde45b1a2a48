package dev.batchmlops.monitor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/**
 * The drift statistics against values computed independently with SciPy 1.17 (numbers in the
 * comments), on one pair of count vectors over ten ordered bins.
 */
class DriftStatisticsTest {
  private static final long[] REFERENCE = {3, 5, 9, 12, 7, 4, 0, 2, 1, 1};
  private static final long[] CURRENT = {1, 2, 4, 6, 9, 10, 6, 3, 2, 1};

  @Test
  void theStatisticsMatchScipy() {
    // ks_2samp(np.repeat(range(10), REFERENCE), np.repeat(range(10), CURRENT)).statistic
    assertEquals(0.3636363636363636, DriftStatistics.ksStatistic(REFERENCE, CURRENT), 1e-12);
    // kstwobign.sf(sqrt(44 * 44 / 88) * d)
    assertEquals(0.0059460112409632625, DriftStatistics.ksPValue(0.3636363636363636, 44, 44), 1e-9);
    // chi2_contingency([REFERENCE, CURRENT] without the empty-on-both bins, correction=False)
    assertEquals(0.07657433439274208, DriftStatistics.chiSquarePValue(REFERENCE, CURRENT), 1e-9);
    // jensenshannon(p, q, base=2)
    assertEquals(
        0.38575204323057016, DriftStatistics.jensenShannonDistance(REFERENCE, CURRENT), 1e-12);
    // sum((q - p) * log((q + 1e-4) / (p + 1e-4))) over the shares
    assertEquals(1.4442786327707369, DriftStatistics.psi(REFERENCE, CURRENT), 1e-12);
  }

  @Test
  void identicalDistributionsShowNoDrift() {
    long[] doubled = new long[REFERENCE.length];
    for (int i = 0; i < doubled.length; i++) {
      doubled[i] = 2 * REFERENCE[i];
    }
    assertEquals(0, DriftStatistics.psi(REFERENCE, doubled), 1e-12);
    assertEquals(0, DriftStatistics.ksStatistic(REFERENCE, doubled), 1e-12);
    assertEquals(1, DriftStatistics.chiSquarePValue(REFERENCE, doubled), 1e-12);
    assertEquals(0, DriftStatistics.jensenShannonDistance(REFERENCE, doubled), 1e-7);
    // kstwobign.sf(sqrt(500) * 0.05)
    assertEquals(0.1640791977266521, DriftStatistics.ksPValue(0.05, 1000, 1000), 1e-9);
  }

  @Test
  void benjaminiHochbergKeepsTheFalseDiscoveryRate() {
    // Sorted: 0.001 <= 0.05 x 1/5, 0.008 <= 0.05 x 2/5, 0.035 > 0.05 x 3/5, 0.039 <= 0.05 x 4/5,
    // 0.6 > 0.05: the largest rank that passes is the fourth, so the four smallest are discoveries
    // (0.035 too, although it misses its own rank's limit: the step-up rule).
    double[] p = {0.035, 0.001, 0.6, 0.039, 0.008};
    assertArrayEquals(
        new boolean[] {true, true, false, true, true}, DriftStatistics.benjaminiHochberg(p, 0.05));
    assertArrayEquals(
        new boolean[] {false, false},
        DriftStatistics.benjaminiHochberg(new double[] {0.2, 0.5}, 0.05));
  }
}
