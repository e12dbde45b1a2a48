package dev.batchmlops.monitor;

import java.util.ArrayList;
import java.util.List;

/**
 * When a feature has drifted: its test rejects "same distribution" after the Benjamini-Hochberg
 * correction over all features at once, and its population stability index reaches {@code minPsi}.
 * The first part keeps small batches from flagging noise, the second keeps large batches from
 * flagging differences too small to matter: a fixed p-value cut-off flags nearly everything at 50
 * million rows and nothing at 500.
 *
 * @param falseDiscoveryRate the expected share of flagged features that did not drift
 * @param minPsi the smallest shift worth acting on (0.1 is the usual "moderate shift")
 */
public record DriftRule(double falseDiscoveryRate, double minPsi) {

  /**
   * One feature's counts over its bins, on both sides.
   *
   * @param ordered whether the bins are ordered (numeric quantile bins: tested by Kolmogorov-
   *     Smirnov) or not (categories: tested by chi-square)
   */
  public record FeatureCounts(String feature, boolean ordered, long[] reference, long[] current) {}

  /**
   * One feature's verdict.
   *
   * @param statistic the KS statistic (ordered bins) or the Jensen-Shannon distance (categories)
   * @param pValue the test's p-value before correction
   */
  public record FeatureDrift(
      String feature, double psi, double statistic, double pValue, boolean drifted) {}

  public List<FeatureDrift> judge(List<FeatureCounts> features) {
    double[] pValues = new double[features.size()];
    double[] statistics = new double[features.size()];
    for (int i = 0; i < features.size(); i++) {
      FeatureCounts f = features.get(i);
      if (f.ordered()) {
        statistics[i] = DriftStatistics.ksStatistic(f.reference(), f.current());
        pValues[i] = DriftStatistics.ksPValue(statistics[i], sum(f.reference()), sum(f.current()));
      } else {
        statistics[i] = DriftStatistics.jensenShannonDistance(f.reference(), f.current());
        pValues[i] = DriftStatistics.chiSquarePValue(f.reference(), f.current());
      }
    }
    boolean[] discoveries = DriftStatistics.benjaminiHochberg(pValues, falseDiscoveryRate);
    List<FeatureDrift> verdicts = new ArrayList<>();
    for (int i = 0; i < features.size(); i++) {
      FeatureCounts f = features.get(i);
      double psi = DriftStatistics.psi(f.reference(), f.current());
      verdicts.add(
          new FeatureDrift(
              f.feature(), psi, statistics[i], pValues[i], discoveries[i] && psi >= minPsi));
    }
    return verdicts;
  }

  private static long sum(long[] counts) {
    long total = 0;
    for (long count : counts) {
      total += count;
    }
    return total;
  }
}
