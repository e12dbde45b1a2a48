package dev.batchmlops.validate;

import com.amazon.deequ.anomalydetection.AbsoluteChangeStrategy;
import com.amazon.deequ.anomalydetection.AnomalyDetectionStrategy;
import com.amazon.deequ.anomalydetection.AnomalyDetector;
import com.amazon.deequ.anomalydetection.DataPoint;
import com.amazon.deequ.anomalydetection.OnlineNormalStrategy;
import com.amazon.deequ.anomalydetection.RelativeRateOfChangeStrategy;
import dev.batchmlops.config.AnomalyRule;
import dev.batchmlops.quality.Finding;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import scala.Option;
import scala.collection.JavaConverters;

/**
 * Judges a metric's new value against its history of passing runs with the Deequ strategy the rule
 * names. Pure: no Spark, no repository; the values come in, a finding goes out.
 */
final class AnomalyChecks {
  /** Fewer runs give no meaningful standard deviation. */
  static final int MIN_RUNS_FOR_DEVIATION = 3;

  private AnomalyChecks() {}

  static Finding judge(AnomalyRule rule, double current, List<MetricsHistory.Point> history) {
    String check = "anomaly: " + rule.describe();
    if (history.isEmpty()) {
      return Finding.pass(
          rule.subject(),
          check,
          rule.severity(),
          format(current) + " now; no earlier passing run to compare with");
    }
    if (rule.strategy() == AnomalyRule.Strategy.ONLINE_NORMAL
        && history.size() < MIN_RUNS_FOR_DEVIATION) {
      return Finding.pass(
          rule.subject(),
          check,
          rule.severity(),
          format(current)
              + " now; "
              + history.size()
              + " earlier passing runs, too few to estimate a deviation");
    }
    List<DataPoint<Object>> points = new ArrayList<>();
    for (MetricsHistory.Point point : history) {
      points.add(new DataPoint<>(point.time(), Option.apply((Object) point.value())));
    }
    long now = history.get(history.size() - 1).time() + 1;
    boolean anomalous =
        !new AnomalyDetector(strategy(rule))
            .isNewPointAnomalous(
                JavaConverters.asScalaBuffer(points),
                new DataPoint<>(now, Option.apply((Object) current)))
            .anomalies()
            .isEmpty();
    MetricsHistory.Point last = history.get(history.size() - 1);
    String evidence =
        format(current)
            + " now, "
            + format(last.value())
            + " in the last passing run ("
            + last.table()
            + "): "
            + change(rule.strategy(), current, last.value());
    return anomalous
        ? Finding.fail(rule.subject(), check, rule.severity(), evidence)
        : Finding.pass(rule.subject(), check, rule.severity(), evidence);
  }

  private static String change(AnomalyRule.Strategy strategy, double current, double previous) {
    double difference = current - previous;
    if (strategy == AnomalyRule.Strategy.ABSOLUTE_CHANGE || previous == 0) {
      return (difference >= 0 ? "+" : "") + format(difference);
    }
    return String.format(Locale.ROOT, "%+.1f%%", 100 * difference / previous);
  }

  private static AnomalyDetectionStrategy strategy(AnomalyRule rule) {
    return switch (rule.strategy()) {
      case RELATIVE_CHANGE ->
          new RelativeRateOfChangeStrategy(
              bound(rule.maxDecrease(), -1, 1), bound(rule.maxIncrease(), 1, 1), 1);
      case ABSOLUTE_CHANGE ->
          new AbsoluteChangeStrategy(
              bound(rule.maxDecrease(), -1, 0), bound(rule.maxIncrease(), 1, 0), 1);
      case ONLINE_NORMAL ->
          new OnlineNormalStrategy(
              Option.apply((Object) rule.deviations()),
              Option.apply((Object) rule.deviations()),
              0.0,
              true);
    };
  }

  /** Deequ's bound for a configured limit: offset + sign * limit, or none. */
  private static Option<Object> bound(OptionalDouble limit, int sign, double offset) {
    return limit.isPresent()
        ? Option.apply((Object) (offset + sign * limit.getAsDouble()))
        : Option.empty();
  }

  static String format(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    return String.format(Locale.ROOT, "%.4g", value);
  }
}
