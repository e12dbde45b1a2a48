package dev.batchmlops.validate;

import com.amazon.deequ.analyzers.Analyzer;
import com.amazon.deequ.analyzers.Completeness;
import com.amazon.deequ.analyzers.Maximum;
import com.amazon.deequ.analyzers.Mean;
import com.amazon.deequ.analyzers.Minimum;
import com.amazon.deequ.analyzers.Size;
import com.amazon.deequ.metrics.Metric;
import dev.batchmlops.config.AnomalyRule;
import dev.batchmlops.config.ColumnSpec;
import dev.batchmlops.config.DatasetContract;
import java.util.LinkedHashMap;
import java.util.Map;
import scala.Option;

/**
 * The metrics every validation computes and keeps in the history, whatever the rules: the row
 * count, each column's completeness, and mean, minimum and maximum of each numeric column. Anomaly
 * rules watch these; MLflow shows them as {@code data.<metric>.<column>}.
 */
final class DataMetrics {
  private DataMetrics() {}

  /** Each metric's analyzer, by its MLflow name, in contract order. */
  static Map<String, Analyzer<?, Metric<?>>> of(DatasetContract contract) {
    Map<String, Analyzer<?, Metric<?>>> analyzers = new LinkedHashMap<>();
    analyzers.put("data.size", analyzer(AnomalyRule.Metric.SIZE, null));
    for (ColumnSpec column : contract.columns()) {
      analyzers.put(
          name(AnomalyRule.Metric.COMPLETENESS, column.name()),
          analyzer(AnomalyRule.Metric.COMPLETENESS, column.name()));
      if (column.type().isNumeric()) {
        for (AnomalyRule.Metric metric :
            new AnomalyRule.Metric[] {
              AnomalyRule.Metric.MEAN, AnomalyRule.Metric.MINIMUM, AnomalyRule.Metric.MAXIMUM
            }) {
          analyzers.put(name(metric, column.name()), analyzer(metric, column.name()));
        }
      }
    }
    return analyzers;
  }

  static Analyzer<?, Metric<?>> analyzer(AnomalyRule rule) {
    return analyzer(rule.metric(), rule.column().orElse(null));
  }

  private static String name(AnomalyRule.Metric metric, String column) {
    return "data." + metric.name().toLowerCase(java.util.Locale.ROOT) + "." + column;
  }

  @SuppressWarnings("unchecked")
  private static Analyzer<?, Metric<?>> analyzer(AnomalyRule.Metric metric, String column) {
    Object analyzer =
        switch (metric) {
          case SIZE -> new Size(Option.empty());
          case COMPLETENESS -> new Completeness(column, Option.empty(), Option.empty());
          case MEAN -> new Mean(column, Option.empty());
          case MINIMUM -> new Minimum(column, Option.empty(), Option.empty());
          case MAXIMUM -> new Maximum(column, Option.empty(), Option.empty());
        };
    return (Analyzer<?, Metric<?>>) analyzer;
  }
}
