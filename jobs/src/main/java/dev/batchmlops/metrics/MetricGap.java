package dev.batchmlops.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How much worse a model serves the worst group of one protected column than its best, in one
 * metric (higher is better): the fairness measure of a model that predicts a class among many or a
 * value, where parity of a positive prediction has no meaning. Groups under the minimum rows are
 * left out; with fewer than two left, nothing is compared and the gap is NaN.
 *
 * @param best the group with the highest value; empty when not judged
 * @param worst the group with the lowest
 */
public record MetricGap(
    String column, String metric, double largestGap, String best, String worst, int groups) {

  public static MetricGap of(
      String column, String metric, Map<String, ? extends TaskMetrics> groups, long minRows) {
    String best = "";
    String worst = "";
    double high = Double.NEGATIVE_INFINITY;
    double low = Double.POSITIVE_INFINITY;
    int judged = 0;
    for (var group : groups.entrySet()) {
      double value = group.getValue().metric(metric);
      if (group.getValue().rows() < minRows || Double.isNaN(value)) {
        continue;
      }
      judged++;
      if (value > high) {
        high = value;
        best = group.getKey();
      }
      if (value < low) {
        low = value;
        worst = group.getKey();
      }
    }
    return judged < 2
        ? new MetricGap(column, metric, Double.NaN, "", "", judged)
        : new MetricGap(column, metric, high - low, best, worst, judged);
  }

  /** Whether at least two groups were large enough to compare. */
  public boolean judged() {
    return groups >= 2;
  }

  /** The gap and the group count by name, as logged; only the count when nothing was compared. */
  public Map<String, Double> asMap() {
    Map<String, Double> values = new LinkedHashMap<>();
    if (judged()) {
      values.put(metric + "_gap", largestGap);
    }
    values.put("groups", (double) groups);
    return values;
  }
}
