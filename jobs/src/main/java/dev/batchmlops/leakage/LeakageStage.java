package dev.batchmlops.leakage;

import static org.apache.spark.sql.functions.col;

import dev.batchmlops.PipelineException;
import dev.batchmlops.audit.AuditAction;
import dev.batchmlops.audit.AuditTrail;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.quality.Finding;
import dev.batchmlops.quality.HtmlReport;
import dev.batchmlops.quality.QualityReport;
import dev.batchmlops.quality.ReportArtifacts;
import dev.batchmlops.split.SplitStage;
import dev.batchmlops.split.Splits;
import dev.batchmlops.table.TableVersion;
import dev.batchmlops.tracking.MetricNames;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Runs every leakage check on the validated raw version and the splits made from it; an error stops
 * the run before training, and training refuses splits that have not passed.
 */
public final class LeakageStage {
  private LeakageStage() {}

  public static QualityReport run(PipelineContext context) {
    TableVersion raw = context.state().requireValidatedRaw();
    TableVersion splits = context.state().requireSplits();
    DatasetContract contract = context.config().dataset();
    StageConfigs.Leakage settings = context.config().leakage();
    QualityReport report =
        context.inChildRun(
            "leakage",
            run -> {
              Dataset<Row> rawRows = context.tables().read(raw);
              Dataset<Row> splitRows = context.tables().read(splits).cache();
              run.logInputs(Splits.inputs(context, splits, splitRows, Splits.ALL));
              Dataset<Row> train = splitRows.where(col(Splits.COLUMN).equalTo(Splits.TRAIN));
              Map<String, Double> scores = new LinkedHashMap<>();
              List<Finding> findings = new ArrayList<>();
              findings.addAll(LeakageDetector.postOutcomeFeatures(contract));
              findings.addAll(LeakageDetector.targetLeakage(train, contract, settings, scores));
              findings.addAll(
                  LeakageDetector.identifierLeakage(rawRows, contract, settings, scores));
              findings.addAll(LeakageDetector.observedAfterEventTime(rawRows, contract));
              findings.add(
                  LeakageDetector.crossSplitDuplicates(
                      splitRows, contract, Splits.COLUMN, Splits.TRAIN, settings));
              LeakageDetector.entitiesAcrossSplits(splitRows, contract, Splits.COLUMN)
                  .ifPresent(findings::add);
              Map<String, String> how = context.commitMetadata(splits);
              if ("time".equals(how.get(SplitStage.METHOD))) {
                findings.addAll(
                    LeakageDetector.timeOrder(
                        splitRows,
                        how.get("event_time_column"),
                        Splits.COLUMN,
                        LocalDate.parse(how.get(SplitStage.VALIDATION_FROM)),
                        LocalDate.parse(how.get(SplitStage.TEST_FROM))));
              }
              long rowsProcessed = splitRows.count();
              splitRows.unpersist();
              QualityReport result =
                  new QualityReport(
                      "leakage checks of " + splits + " (from " + raw + ")", findings);

              ColumnScore measure = ColumnScore.of(contract, settings);
              Map<String, Double> metrics = new LinkedHashMap<>();
              scores.forEach(
                  (name, score) -> metrics.put(measure.metric() + MetricNames.safe(name), score));
              metrics.put(
                  measure.strongestMetric(),
                  contract.features().stream()
                      .map(f -> scores.getOrDefault(f.name(), measure.chance()))
                      .max(Double::compare)
                      .orElse(measure.chance()));
              metrics.put(PipelineContext.ROWS_PROCESSED, (double) rowsProcessed);
              run.logMetrics(metrics);
              run.setTags(
                  Map.of(
                      "batchmlops.raw_version", Long.toString(raw.version()),
                      "batchmlops.splits_version", Long.toString(splits.version())));
              Map<String, String> facts = new LinkedHashMap<>();
              facts.put("raw table", raw.toString());
              facts.put("split table", splits.toString());
              facts.put("task", contract.task().label());
              facts.put(
                  "error limit (" + measure.name() + ")",
                  Double.toString(measure.limits().error()));
              facts.put(
                  "warning limit (" + measure.name() + ")",
                  Double.toString(measure.limits().warning()));
              facts.put("max-duplicate-share", Double.toString(settings.maxDuplicateShare()));
              ReportArtifacts.log(
                  run,
                  "leakage",
                  result,
                  facts,
                  new HtmlReport("Leakage checks: " + contract.name())
                      .table(
                          "Single-column " + measure.name() + ", strongest first",
                          List.of("column", measure.name()),
                          ranked(scores)));
              return result;
            });
    context
        .parentRun()
        .setTags(Map.of("batchmlops.leakage", report.passed() ? "passed" : "failed"));
    AuditTrail.of(context)
        .appendVerdict(
            AuditAction.LEAKAGE_CHECK,
            Map.of("splits_table", splits.toString()),
            report.passed(),
            report.summary());
    if (!report.passed()) {
      throw new PipelineException("leakage checks of " + splits + " failed: " + report.summary());
    }
    context.updateState(s -> s.withLeakageChecked(splits));
    return report;
  }

  private static List<List<String>> ranked(Map<String, Double> scores) {
    return scores.entrySet().stream()
        .sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()))
        .map(e -> List.of(e.getKey(), String.format(Locale.ROOT, "%.3f", e.getValue())))
        .toList();
  }
}
