package dev.batchmlops.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How much worse a model serves the worst group of one protected column than its best, in one
 * metric (higher is better): the fairness measure of a model that predicts a class among many or a
 * value, where parity of a positive prediction has no meaning. Groups under the minimum rows are
 * left out; with fewer than two left, nothing is compared and the gap is NaN.
 *
 * @param best the group with the highest value; empty when not judged
 * @param worst the group with the lowest
 * @param measures the task's own fairness measures, each as a gap between groups (not gated):
 *     regression the mean error (who is over- or under-predicted) and the MAE; multiclass per class
 *     the recall (equal opportunity) and the share predicted as that class (demographic parity)
 */
public record MetricGap(
    String column,
    String metric,
    double largestGap,
    String best,
    String worst,
    int groups,
    List<Gap> measures) {

  public MetricGap {
    measures = measures == null ? List.of() : List.copyOf(measures);
  }

  /**
   * One measure's spread over the groups large enough to judge.
   *
   * @param highest the group where it is largest
   */
  public record Gap(String measure, double gap, String highest, String lowest) {}

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
    if (judged < 2) {
      return new MetricGap(column, metric, Double.NaN, "", "", judged, List.of());
    }
    return new MetricGap(
        column, metric, high - low, best, worst, judged, measures(groups, minRows));
  }

  /** The task's fairness measures of each group, by name. */
  private static Map<String, Double> measuresOf(TaskMetrics group) {
    Map<String, Double> values = new LinkedHashMap<>();
    if (group instanceof RegressionMetrics regression) {
      values.put("mean_error", regression.meanError());
      values.put("mae", regression.mae());
    } else if (group instanceof MulticlassMetrics classes) {
      long rows = classes.rows();
      for (MulticlassMetrics.PerClass c : classes.perClass()) {
        String name = dev.batchmlops.tracking.MetricNames.safe(c.name());
        if (c.support() > 0) {
          values.put("recall." + name, c.recall());
        }
        values.put("predicted_share." + name, rows == 0 ? 0 : (double) c.predicted() / rows);
      }
    }
    return values;
  }

  private static List<Gap> measures(Map<String, ? extends TaskMetrics> groups, long minRows) {
    Map<String, String[]> extremes = new LinkedHashMap<>();
    Map<String, double[]> range = new LinkedHashMap<>();
    for (var group : groups.entrySet()) {
      if (group.getValue().rows() < minRows) {
        continue;
      }
      measuresOf(group.getValue())
          .forEach(
              (measure, value) -> {
                if (Double.isNaN(value)) {
                  return;
                }
                double[] seen =
                    range.computeIfAbsent(
                        measure,
                        m -> new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0});
                String[] named = extremes.computeIfAbsent(measure, m -> new String[2]);
                if (value < seen[0]) {
                  seen[0] = value;
                  named[1] = group.getKey();
                }
                if (value > seen[1]) {
                  seen[1] = value;
                  named[0] = group.getKey();
                }
                seen[2]++;
              });
    }
    List<Gap> gaps = new ArrayList<>();
    range.forEach(
        (measure, seen) -> {
          if (seen[2] >= 2) {
            String[] named = extremes.get(measure);
            gaps.add(new Gap(measure, seen[1] - seen[0], named[0], named[1]));
          }
        });
    return gaps;
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
    measures.forEach(gap -> values.put(gap.measure() + "_gap", gap.gap()));
    values.put("groups", (double) groups);
    return values;
  }
}
