package dev.batchmlops.monitor;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;

/**
 * Drift statistics between a reference and a current sample, each given as counts over the same
 * bins (quantile bins of the reference for a numeric feature, its categories for a categorical
 * one): what one aggregation over each side yields for every feature at once.
 */
public final class DriftStatistics {
  /** Added to every bin's share, so an empty bin does not make the PSI infinite. */
  private static final double SMOOTHING = 1e-4;

  private DriftStatistics() {}

  /** Population stability index: the sum over bins of (current - reference) x ln(current / ref). */
  public static double psi(long[] reference, long[] current) {
    double[] p = shares(reference);
    double[] q = shares(current);
    double psi = 0;
    for (int i = 0; i < p.length; i++) {
      double r = p[i] + SMOOTHING;
      double c = q[i] + SMOOTHING;
      psi += (c - r) * Math.log(c / r);
    }
    return psi;
  }

  /**
   * The Kolmogorov-Smirnov statistic on ordered bins: the largest gap between the two cumulative
   * shares at a bin edge (exact for the binned data; for the raw values, at most one bin's share
   * below it).
   */
  public static double ksStatistic(long[] reference, long[] current) {
    double[] p = shares(reference);
    double[] q = shares(current);
    double cp = 0;
    double cq = 0;
    double largest = 0;
    for (int i = 0; i < p.length; i++) {
      cp += p[i];
      cq += q[i];
      largest = Math.max(largest, Math.abs(cp - cq));
    }
    return largest;
  }

  /**
   * The two-sample KS test's p-value for statistic {@code d}, from Kolmogorov's limit distribution
   * at sqrt(n m / (n + m)) d (SciPy's {@code kstwobign}): slightly conservative for samples of a
   * few dozen rows, exact in the limit.
   */
  public static double ksPValue(double d, long referenceRows, long currentRows) {
    if (referenceRows == 0 || currentRows == 0) {
      return 1;
    }
    // Kolmogorov's limit distribution at sqrt(n m / (n + m)) d.
    double n = (double) referenceRows * currentRows / (referenceRows + currentRows);
    return Math.min(1, Math.max(0, kolmogorovTail(Math.sqrt(n) * d)));
  }

  /** P(K > lambda) for Kolmogorov's distribution: 2 sum (-1)^(k-1) exp(-2 k^2 lambda^2). */
  private static double kolmogorovTail(double lambda) {
    if (lambda < 0.2) {
      return 1;
    }
    double sum = 0;
    for (int k = 1; k <= 100; k++) {
      double term = Math.exp(-2.0 * k * k * lambda * lambda);
      sum += (k % 2 == 1 ? 1 : -1) * term;
      if (term < 1e-12) {
        break;
      }
    }
    return 2 * sum;
  }

  /**
   * Pearson's chi-square test of homogeneity on the 2 x k table of counts: the p-value that both
   * samples come from one distribution over the bins (bins empty on both sides are left out).
   */
  public static double chiSquarePValue(long[] reference, long[] current) {
    long referenceRows = Arrays.stream(reference).sum();
    long currentRows = Arrays.stream(current).sum();
    long total = referenceRows + currentRows;
    if (referenceRows == 0 || currentRows == 0) {
      return 1;
    }
    double statistic = 0;
    int bins = 0;
    for (int i = 0; i < reference.length; i++) {
      long column = reference[i] + current[i];
      if (column == 0) {
        continue;
      }
      bins++;
      double expectedReference = (double) column * referenceRows / total;
      double expectedCurrent = (double) column * currentRows / total;
      statistic += Math.pow(reference[i] - expectedReference, 2) / expectedReference;
      statistic += Math.pow(current[i] - expectedCurrent, 2) / expectedCurrent;
    }
    if (bins < 2) {
      return 1;
    }
    return 1 - new ChiSquaredDistribution(bins - 1).cumulativeProbability(statistic);
  }

  /** The Jensen-Shannon distance (base 2, between 0 and 1) between the two distributions. */
  public static double jensenShannonDistance(long[] reference, long[] current) {
    double[] p = shares(reference);
    double[] q = shares(current);
    double divergence = 0;
    for (int i = 0; i < p.length; i++) {
      double m = (p[i] + q[i]) / 2;
      if (p[i] > 0) {
        divergence += 0.5 * p[i] * Math.log(p[i] / m);
      }
      if (q[i] > 0) {
        divergence += 0.5 * q[i] * Math.log(q[i] / m);
      }
    }
    return Math.sqrt(Math.max(0, divergence / Math.log(2)));
  }

  /**
   * Benjamini-Hochberg at false discovery rate {@code q}: which of the p-values are discoveries, so
   * that testing many features at once does not flag some by chance alone.
   */
  public static boolean[] benjaminiHochberg(double[] pValues, double q) {
    int m = pValues.length;
    Integer[] order =
        IntStream.range(0, m)
            .boxed()
            .sorted(Comparator.comparingDouble(i -> pValues[i]))
            .toArray(Integer[]::new);
    int largest = -1;
    for (int rank = 0; rank < m; rank++) {
      if (pValues[order[rank]] <= q * (rank + 1) / m) {
        largest = rank;
      }
    }
    boolean[] rejected = new boolean[m];
    for (int rank = 0; rank <= largest; rank++) {
      rejected[order[rank]] = true;
    }
    return rejected;
  }

  private static double[] shares(long[] counts) {
    double total = Arrays.stream(counts).sum();
    double[] shares = new double[counts.length];
    for (int i = 0; i < counts.length; i++) {
      shares[i] = total == 0 ? 0 : counts[i] / total;
    }
    return shares;
  }
}
