package dev.batchmlops.quality;

import dev.batchmlops.Json;
import dev.batchmlops.tracking.TrackedRun;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Logs a quality report to a run: counts as metrics, the verdict as a tag, JSON and HTML files. */
public final class ReportArtifacts {
  private ReportArtifacts() {}

  /**
   * @param stage the metric prefix and artifact folder, for example "validation"
   * @param context extra facts shown in both files (the table version, the thresholds)
   * @param html the page, already holding anything stage-specific; the findings are added last
   */
  public static void log(
      TrackedRun run, String stage, QualityReport report, Map<String, ?> context, HtmlReport html) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put(stage + ".checks", (double) report.findings().size());
    metrics.put(stage + ".errors", (double) report.errors().size());
    metrics.put(stage + ".warnings", (double) report.warnings().size());
    run.logMetrics(metrics);
    run.setTags(Map.of("batchmlops." + stage, report.passed() ? "passed" : "failed"));
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("name", report.name());
    json.put("passed", report.passed());
    json.put("summary", report.summary());
    json.putAll(context);
    json.put("findings", findings(report.findings()));
    run.logText(stage + "/report.json", Json.pretty(json));
    run.logText(stage + "/report.html", html.values("Context", context).findings(report).render());
  }

  private static List<Map<String, Object>> findings(List<Finding> findings) {
    return findings.stream()
        .map(
            f -> {
              Map<String, Object> row = new LinkedHashMap<>();
              row.put("status", f.status());
              row.put("subject", f.subject());
              row.put("check", f.check());
              row.put("severity", f.severity().label());
              row.put("evidence", f.message());
              return row;
            })
        .toList();
  }
}
