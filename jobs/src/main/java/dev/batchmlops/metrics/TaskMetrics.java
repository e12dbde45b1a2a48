package dev.batchmlops.metrics;

import java.util.Map;

/** A task's metrics of scored rows, as a search ranks and MLflow logs them. */
public interface TaskMetrics {
  /** The rows measured. */
  long rows();

  /** Every metric under its logged name (auc, rmse, macro_f1, ...). */
  Map<String, Double> asMap();
}
