package dev.batchmlops.validate;

import dev.batchmlops.Json;
import dev.batchmlops.PipelineException;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.table.TableVersion;
import java.util.LinkedHashMap;
import java.util.Map;

/** Checks the pinned raw table version against the contract; an error-level failure stops here. */
public final class ValidateStage {
  private ValidateStage() {}

  public static ValidationReport run(PipelineContext context) {
    TableVersion raw = context.state().requireRaw();
    ValidationReport report =
        context.inChildRun(
            "validate",
            run -> {
              ValidationReport result =
                  ContractValidator.validate(
                      context.tables().read(raw), context.config().dataset());
              run.setTags(
                  Map.of(
                      "batchmlops.raw_version",
                      Long.toString(raw.version()),
                      "batchmlops.validation",
                      result.passed() ? "passed" : "failed"));
              Map<String, Double> metrics = new LinkedHashMap<>();
              metrics.put("rules", (double) result.results().size());
              metrics.put("rules_failed", (double) result.failures().size());
              run.logMetrics(metrics);
              run.logText("validation/report.json", toJson(raw, result));
              return result;
            });
    if (!report.passed()) {
      throw new PipelineException("validation of " + raw + " failed: " + report.summary());
    }
    context.updateState(s -> s.withValidated(raw));
    return report;
  }

  private static String toJson(TableVersion table, ValidationReport report) {
    return Json.pretty(
        Map.of("table", table, "passed", report.passed(), "results", report.results()));
  }
}
