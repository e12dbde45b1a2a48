package dev.batchmlops.validate;

import dev.batchmlops.PipelineException;
import dev.batchmlops.audit.AuditAction;
import dev.batchmlops.audit.AuditTrail;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.quality.HtmlReport;
import dev.batchmlops.quality.QualityReport;
import dev.batchmlops.quality.ReportArtifacts;
import dev.batchmlops.table.TableVersion;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Checks the pinned raw table version against the contract and the metrics history; keeps the
 * metrics in the history, tagged passed or failed; an error-level failure stops here.
 */
public final class ValidateStage {
  private ValidateStage() {}

  public static QualityReport run(PipelineContext context) {
    TableVersion raw = context.state().requireRaw();
    String historyPath = context.layout().metricsHistory();
    MetricsHistory history =
        MetricsHistory.persisted(context.spark(), historyPath, context.config().dataset().name());
    QualityReport report =
        context.inChildRun(
            "validate",
            run -> {
              Dataset<Row> rows = context.tables().read(raw);
              run.logInputs(List.of(context.datasetInput("raw", raw, rows, "raw")));
              ContractValidator.Outcome outcome =
                  ContractValidator.validate(
                      rows, context.config().dataset(), history, "validation of " + raw);
              history.record(raw, run.runId(), outcome.report().passed(), outcome.computed());
              run.setTags(Map.of("batchmlops.raw_version", Long.toString(raw.version())));
              run.logMetrics(outcome.metrics());
              run.logMetrics(
                  Map.of(
                      PipelineContext.ROWS_PROCESSED,
                      outcome.metrics().getOrDefault("data.size", 0.0)));
              Map<String, String> facts = new LinkedHashMap<>();
              facts.put("table", raw.toString());
              facts.put("metrics_history", historyPath);
              ReportArtifacts.log(
                  run,
                  "validation",
                  outcome.report(),
                  facts,
                  new HtmlReport("Data validation: " + context.config().dataset().name())
                      .values("Data metrics", outcome.metrics()));
              return outcome.report();
            });
    context
        .parentRun()
        .setTags(Map.of("batchmlops.validation", report.passed() ? "passed" : "failed"));
    AuditTrail.of(context)
        .appendVerdict(
            AuditAction.VALIDATION,
            Map.of("raw_table", raw.toString()),
            report.passed(),
            report.summary());
    if (!report.passed()) {
      throw new PipelineException("validation of " + raw + " failed: " + report.summary());
    }
    context.updateState(s -> s.withValidated(raw));
    return report;
  }
}
