package dev.batchmlops.config;

import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * How far a data metric may move from the runs that passed before, judged by one of Deequ's anomaly
 * detection strategies over the metrics history.
 *
 * @param column the column of a column metric; empty for the row count
 * @param maxDecrease relative-change: the largest allowed drop as a fraction (0.2 = 20%);
 *     absolute-change: the largest allowed drop in the metric's units (0.05 = 5 points of
 *     completeness); empty for no limit
 * @param maxIncrease the same, upwards
 * @param deviations online-normal: how many standard deviations from the running mean are normal
 */
public record AnomalyRule(
    Metric metric,
    Optional<String> column,
    Strategy strategy,
    OptionalDouble maxDecrease,
    OptionalDouble maxIncrease,
    double deviations,
    Severity severity) {

  /** The data metrics the history keeps and anomaly rules can watch. */
  public enum Metric {
    SIZE,
    COMPLETENESS,
    MEAN,
    MINIMUM,
    MAXIMUM;

    public boolean needsColumn() {
      return this != SIZE;
    }

    public String label() {
      return this == SIZE ? "row count" : name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Deequ's strategies: change from the previous passing run, or distance from the running mean.
   */
  public enum Strategy {
    RELATIVE_CHANGE,
    ABSOLUTE_CHANGE,
    ONLINE_NORMAL
  }

  public AnomalyRule {
    if (metric.needsColumn() && column.isEmpty()) {
      throw ConfigException.invalid(
          "dataset.anomalies",
          "metric '" + metric.name().toLowerCase(Locale.ROOT) + "' needs a column");
    }
    if (strategy != Strategy.ONLINE_NORMAL && maxDecrease.isEmpty() && maxIncrease.isEmpty()) {
      throw ConfigException.invalid(
          "dataset.anomalies", metric.label() + ": set max-decrease, max-increase or both");
    }
    if (maxDecrease.orElse(0) < 0 || maxIncrease.orElse(0) < 0 || deviations <= 0) {
      throw ConfigException.invalid(
          "dataset.anomalies", metric.label() + ": limits must be positive");
    }
  }

  /** The metric as people read it: "row count", "completeness of income". */
  public String subject() {
    return column.map(c -> metric.label() + " of " + c).orElse(metric.label());
  }

  /** The rule as people read it, for example "drop <= 20% from the last passing run". */
  public String describe() {
    return switch (strategy) {
      case RELATIVE_CHANGE -> limits("%", 100) + " from the last passing run";
      case ABSOLUTE_CHANGE -> limits("", 1) + " from the last passing run";
      case ONLINE_NORMAL -> "within " + deviations + " standard deviations of passing runs";
    };
  }

  private String limits(String unit, double scale) {
    StringBuilder text = new StringBuilder();
    maxDecrease.ifPresent(d -> text.append("drop <= ").append(format(d * scale)).append(unit));
    maxIncrease.ifPresent(
        i ->
            text.append(text.isEmpty() ? "" : ", ")
                .append("rise <= ")
                .append(format(i * scale))
                .append(unit));
    return text.toString();
  }

  private static String format(double value) {
    return java.math.BigDecimal.valueOf(value)
        .setScale(6, java.math.RoundingMode.HALF_UP)
        .stripTrailingZeros()
        .toPlainString();
  }
}
