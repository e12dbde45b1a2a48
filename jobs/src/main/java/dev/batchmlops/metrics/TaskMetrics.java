package dev.batchmlops.metrics;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.Map;

/**
 * A task's metrics of scored rows, as a search ranks, the gates compare and MLflow logs them.
 * Stored in the pipeline state without a type field: each kind is told apart by its own fields, so
 * a state written before there were three reads as it did.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.DEDUCTION)
@JsonSubTypes({
  @JsonSubTypes.Type(ClassificationMetrics.class),
  @JsonSubTypes.Type(MulticlassMetrics.class),
  @JsonSubTypes.Type(RegressionMetrics.class)
})
public sealed interface TaskMetrics
    permits ClassificationMetrics, MulticlassMetrics, RegressionMetrics {
  /** The rows measured. */
  long rows();

  /** Every metric under its logged name (auc, rmse, macro_f1, ...). */
  Map<String, Double> asMap();

  /** One metric by its logged name; NaN when this task has no such metric. */
  default double metric(String name) {
    return asMap().getOrDefault(name, Double.NaN);
  }

  /**
   * The standard error of one metric, from these rows alone, where this task knows it (binary: the
   * AUC's; multiclass: every confusion-based one; regression: r2's); NaN otherwise.
   */
  double standardError(String name);
}
