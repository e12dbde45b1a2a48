package dev.batchmlops.evaluate;

import java.util.LinkedHashMap;
import java.util.Map;

/** Binary classification metrics of scored rows at one threshold. */
public record ClassificationMetrics(
    long rows,
    long positives,
    double auc,
    double areaUnderPr,
    double logLoss,
    double accuracy,
    double precision,
    double recall,
    double f1) {

  /** The metrics by name, as logged and as gates compare them. */
  public Map<String, Double> asMap() {
    Map<String, Double> values = new LinkedHashMap<>();
    values.put("auc", auc);
    values.put("area_under_pr", areaUnderPr);
    values.put("log_loss", logLoss);
    values.put("accuracy", accuracy);
    values.put("precision", precision);
    values.put("recall", recall);
    values.put("f1", f1);
    values.put("rows", (double) rows);
    values.put("positives", (double) positives);
    return values;
  }
}
