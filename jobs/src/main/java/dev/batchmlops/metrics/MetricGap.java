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
 * <p>Each gap carries the standard error of the difference between its two groups, taken as
 * independent samples: sqrt(se(highest)^2 + se(lowest)^2). Choosing the two extremes among several
 * groups makes the gap itself an upward-biased estimate; the interval says how far chance alone
 * moves the difference of those two.
 *
 * @param largestGapStandardError the standard error of {@code largestGap}; NaN when the metric has
 *     none (see {@link TaskMetrics#standardError})
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
    double largestGapStandardError,
    String best,
    String worst,
    int groups,
    List<Gap> measures) {

  /** The normal quantile of a two-sided 95% interval. */
  private static final double Z95 = 1.959963984540054;

  public MetricGap {
    measures = measures == null ? List.of() : List.copyOf(measures);
  }

  /**
   * One measure's spread over the groups large enough to judge.
   *
   * @param standardError of the difference between {@code highest} and {@code lowest}
   * @param highest the group where it is largest
   */
  public record Gap(
      String measure, double gap, double standardError, String highest, String lowest) {

    /** The 95% interval's bounds, the lower one at least 0 (a spread is never negative). */
    public double low() {
      return Math.max(0, gap - Z95 * standardError);
    }

    public double high() {
      return gap + Z95 * standardError;
    }
  }

  /** One group's value of one measure, with its standard error. */
  private record Measured(String group, double value, double standardError) {}

  public static MetricGap of(
      String column, String metric, Map<String, ? extends TaskMetrics> groups, long minRows) {
    List<Measured> judged = new ArrayList<>();
    for (var group : groups.entrySet()) {
      double value = group.getValue().metric(metric);
      if (group.getValue().rows() >= minRows && !Double.isNaN(value)) {
        judged.add(new Measured(group.getKey(), value, group.getValue().standardError(metric)));
      }
    }
    if (judged.size() < 2) {
      return new MetricGap(
          column, metric, Double.NaN, Double.NaN, "", "", judged.size(), List.of());
    }
    Gap largest = spread(metric, judged);
    return new MetricGap(
        column,
        metric,
        largest.gap(),
        largest.standardError(),
        largest.highest(),
        largest.lowest(),
        judged.size(),
        measures(groups, minRows));
  }

  /** The gap between the highest and the lowest of at least two groups' values. */
  private static Gap spread(String measure, List<Measured> values) {
    Measured highest = values.get(0);
    Measured lowest = values.get(0);
    for (Measured value : values) {
      if (value.value() > highest.value()) {
        highest = value;
      }
      if (value.value() < lowest.value()) {
        lowest = value;
      }
    }
    return new Gap(
        measure,
        highest.value() - lowest.value(),
        Math.hypot(highest.standardError(), lowest.standardError()),
        highest.group(),
        lowest.group());
  }

  /**
   * The task's fairness measures of each group, by name, with their standard errors: a mean's from
   * the spread of what it averages, a share's or a recall's binomial.
   */
  private static Map<String, Measured> measuresOf(String name, TaskMetrics group) {
    Map<String, Measured> values = new LinkedHashMap<>();
    if (group instanceof RegressionMetrics regression) {
      long n = regression.rows();
      double meanSquare = regression.rmse() * regression.rmse();
      double meanError = regression.meanError();
      double mae = regression.mae();
      values.put(
          "mean_error",
          new Measured(
              name, meanError, Math.sqrt(Math.max(0, meanSquare - meanError * meanError) / n)));
      values.put(
          "mae", new Measured(name, mae, Math.sqrt(Math.max(0, meanSquare - mae * mae) / n)));
    } else if (group instanceof MulticlassMetrics classes) {
      long rows = classes.rows();
      for (MulticlassMetrics.PerClass c : classes.perClass()) {
        String safe = dev.batchmlops.tracking.MetricNames.safe(c.name());
        if (c.support() > 0) {
          values.put("recall." + safe, binomial(name, c.recall(), c.support()));
        }
        if (rows > 0) {
          values.put(
              "predicted_share." + safe, binomial(name, (double) c.predicted() / rows, rows));
        }
      }
    }
    return values;
  }

  private static Measured binomial(String group, double share, long n) {
    return new Measured(group, share, Math.sqrt(share * (1 - share) / n));
  }

  private static List<Gap> measures(Map<String, ? extends TaskMetrics> groups, long minRows) {
    Map<String, List<Measured>> byMeasure = new LinkedHashMap<>();
    for (var group : groups.entrySet()) {
      if (group.getValue().rows() >= minRows) {
        measuresOf(group.getKey(), group.getValue())
            .forEach(
                (measure, value) -> {
                  if (!Double.isNaN(value.value())) {
                    byMeasure.computeIfAbsent(measure, m -> new ArrayList<>()).add(value);
                  }
                });
      }
    }
    List<Gap> gaps = new ArrayList<>();
    byMeasure.forEach(
        (measure, values) -> {
          if (values.size() >= 2) {
            gaps.add(spread(measure, values));
          }
        });
    return gaps;
  }

  /** Whether at least two groups were large enough to compare. */
  public boolean judged() {
    return groups >= 2;
  }

  /** The metric's gap as a {@link Gap}, to report beside the measures. */
  public Gap metricGap() {
    return new Gap(metric, largestGap, largestGapStandardError, best, worst);
  }

  /**
   * The gaps (each with its 95% interval where it has a standard error) and the group count by
   * name, as logged; only the count when nothing was compared.
   */
  public Map<String, Double> asMap() {
    Map<String, Double> values = new LinkedHashMap<>();
    List<Gap> gaps = new ArrayList<>();
    if (judged()) {
      gaps.add(metricGap());
    }
    gaps.addAll(measures);
    for (Gap gap : gaps) {
      values.put(gap.measure() + "_gap", gap.gap());
      if (!Double.isNaN(gap.standardError())) {
        values.put(gap.measure() + "_gap_ci_low", gap.low());
        values.put(gap.measure() + "_gap_ci_high", gap.high());
      }
    }
    values.put("groups", (double) groups);
    return values;
  }
}
