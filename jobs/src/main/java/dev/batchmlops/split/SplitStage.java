package dev.batchmlops.split;

import dev.batchmlops.Json;
import dev.batchmlops.PipelineException;
import dev.batchmlops.audit.AuditAction;
import dev.batchmlops.audit.AuditTrail;
import dev.batchmlops.config.ConfigLoader;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.Severity;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.config.Task;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.quality.Finding;
import dev.batchmlops.quality.HtmlReport;
import dev.batchmlops.quality.QualityReport;
import dev.batchmlops.quality.ReportArtifacts;
import dev.batchmlops.table.DeltaTables;
import dev.batchmlops.table.TableVersion;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits the validated raw version into one Delta table partitioned by split, after checking that
 * every split is non-empty and balanced; the commit records how (for a stratified split that
 * extends an earlier one, which version it extended), and a fingerprint of the result.
 */
public final class SplitStage {
  private static final Logger LOG = LoggerFactory.getLogger(SplitStage.class);

  private SplitStage() {}

  /** Commit metadata keys other stages read back. */
  public static final String METHOD = "method";

  public static final String VALIDATION_FROM = "validation_from";
  public static final String TEST_FROM = "test_from";
  public static final String FINGERPRINT = "fingerprint";

  /** The edges of a regression label's quantile bins, comma-separated. */
  public static final String LABEL_BIN_EDGES = "label_bin_edges";

  /** The split table version written, and the balance verdict (with its warnings). */
  public record Result(TableVersion table, QualityReport report) {}

  public static Result run(PipelineContext context) {
    TableVersion raw = context.state().requireValidatedRaw();
    var config = context.config();
    DatasetContract contract = config.dataset();
    StageConfigs.Split settings = config.split();
    return context.inChildRun(
        "split",
        run -> {
          Dataset<Row> data = context.tables().read(raw);
          run.logInputs(List.of(context.datasetInput("raw", raw, data, "raw")));
          Assignment assignment = assign(context, raw, data);
          Dataset<Row> assigned = assignment.rows().cache();
          Map<String, String> recorded = assignment.how();

          SplitBalance.Result balance =
              SplitBalance.check(
                  assigned,
                  assignment.label(),
                  settings.stratifyBy(),
                  settings.tolerance(),
                  config.register().minTestPositives());
          List<Finding> findings = new ArrayList<>(balance.findings());
          findings.addAll(assignment.findings());
          QualityReport report = new QualityReport("split of " + raw, findings);
          report.warnings().forEach(w -> LOG.warn("split: {}", w));
          run.logParams(recorded);
          run.logMetrics(balance.metrics());
          run.logMetrics(
              Map.of(
                  PipelineContext.ROWS_PROCESSED,
                  Splits.ALL.stream()
                      .mapToDouble(s -> balance.metrics().getOrDefault(s + "_rows", 0.0))
                      .sum()));
          ReportArtifacts.log(
              run,
              "split",
              report,
              recorded,
              new HtmlReport("Split balance: " + contract.name())
                  .table(
                      "Rows and "
                          + (contract.task() == Task.BINARY ? "positive share" : "class shares")
                          + " per split",
                      balance.columns(),
                      balance.table()));
          run.logText("split/balance.json", Json.pretty(balance.rows()));
          if (!report.passed()) {
            assigned.unpersist();
            AuditTrail.of(context)
                .append(
                    AuditAction.SPLIT,
                    Map.of("raw_table", raw.toString()),
                    Map.of("verdict", "refused"),
                    report.summary());
            throw new PipelineException("split of " + raw + " refused: " + report.summary());
          }
          String fingerprint = SplitFingerprint.of(assigned, contract.idColumn());

          Map<String, String> commitInfo = new LinkedHashMap<>();
          commitInfo.put("operation", "split");
          commitInfo.put("source", raw.toString());
          commitInfo.putAll(recorded);
          commitInfo.put(FINGERPRINT, fingerprint);
          commitInfo.put("pipeline_run_id", context.parentRun().runId());
          TableVersion splits =
              context
                  .tables()
                  .write(
                      assigned,
                      context.layout().splitTable(),
                      SaveMode.Overwrite,
                      commitInfo,
                      List.of(Splits.COLUMN),
                      DeltaTables.SchemaChange.REPLACE);
          assigned.unpersist();
          Map<String, String> tags = new LinkedHashMap<>();
          tags.put("batchmlops.raw_version", Long.toString(raw.version()));
          tags.put("batchmlops.splits_version", Long.toString(splits.version()));
          tags.put("batchmlops.split_fingerprint", fingerprint);
          run.setTags(tags);
          context.parentRun().setTags(tags);
          context.updateState(s -> s.withSplits(splits));
          AuditTrail.of(context)
              .append(
                  AuditAction.SPLIT,
                  Map.of("raw_table", raw.toString()),
                  Map.of(
                      "verdict",
                      "passed",
                      "splits_table",
                      splits.toString(),
                      FINGERPRINT,
                      fingerprint),
                  report.summary());
          return new Result(splits, report);
        });
  }

  /**
   * One method's assignment.
   *
   * @param rows the raw rows, each with its split
   * @param how what the assignment depends on and how it was made, for the commit and the run
   * @param label the label's classes the split was stratified (or is checked) by
   * @param findings what the method itself found (strata too small to stratify)
   */
  private record Assignment(
      Dataset<Row> rows, Map<String, String> how, LabelStrata label, List<Finding> findings) {}

  private static Assignment assign(PipelineContext context, TableVersion raw, Dataset<Row> data) {
    var config = context.config();
    StageConfigs.Split settings = config.split();
    Map<String, String> how = new LinkedHashMap<>();
    how.put("ratios", settings.ratios().toString());
    how.put("seed", Long.toString(config.seed()));
    how.put("stratify_by", String.join(",", settings.stratifyBy()));
    if (config.dataset().task() == Task.REGRESSION) {
      how.put("label_bins", Integer.toString(settings.labelBins()));
    }
    return switch (settings.method()) {
      case TIME -> byTime(config.dataset(), settings, data, how);
      case HASH -> {
        String key = settings.keyColumn(config.dataset());
        how.put(METHOD, "hash");
        how.put("key", key);
        yield new Assignment(
            HashSplitter.assign(data, key, config.seed(), settings.ratios()),
            how,
            labelStrata(config.dataset(), settings, data, Map.of(), how),
            List.of());
      }
      case STRATIFIED -> stratified(context, raw, data, how);
    };
  }

  /**
   * The label's strata: for a regression label, its bins cut at the edges the extended split
   * recorded (so appended rows are placed as the earlier ones were), else at the whole's quantiles;
   * the edges used are recorded in {@code how}.
   */
  private static LabelStrata labelStrata(
      DatasetContract contract,
      StageConfigs.Split settings,
      Dataset<Row> data,
      Map<String, String> extended,
      Map<String, String> how) {
    List<Double> edges = List.of();
    if (contract.task() == Task.REGRESSION) {
      String recorded = extended.get(LABEL_BIN_EDGES);
      edges =
          recorded != null
              ? parseEdges(recorded)
              : LabelStrata.Bins.edges(data, contract.label(), settings.labelBins());
      how.put(
          LABEL_BIN_EDGES, String.join(",", edges.stream().map(e -> Double.toString(e)).toList()));
    }
    return LabelStrata.of(contract, settings.entityLabel(), edges);
  }

  private static List<Double> parseEdges(String recorded) {
    return recorded.isEmpty()
        ? List.of()
        : java.util.Arrays.stream(recorded.split(",")).map(Double::valueOf).toList();
  }

  private static Assignment byTime(
      DatasetContract contract,
      StageConfigs.Split settings,
      Dataset<Row> data,
      Map<String, String> how) {
    String eventTime = contract.eventTimeColumn().orElseThrow();
    TimeSplitter.Cutoffs cutoffs =
        settings
            .validationFrom()
            .map(from -> new TimeSplitter.Cutoffs(from, settings.testFrom().orElseThrow()))
            .orElseGet(() -> TimeSplitter.cutoffs(data, eventTime, settings.ratios()));
    how.put(METHOD, "time");
    how.put("event_time_column", eventTime);
    how.put(VALIDATION_FROM, cutoffs.validationFrom().toString());
    how.put(TEST_FROM, cutoffs.testFrom().toString());
    return new Assignment(
        TimeSplitter.assign(data, eventTime, cutoffs),
        how,
        labelStrata(contract, settings, data, Map.of(), how),
        List.of());
  }

  /** Stratified, extending the latest split when the raw table only grew by appends since. */
  private static Assignment stratified(
      PipelineContext context, TableVersion raw, Dataset<Row> data, Map<String, String> how) {
    var config = context.config();
    DatasetContract contract = config.dataset();
    StageConfigs.Split settings = config.split();
    String key = settings.keyColumn(contract);
    how.put(METHOD, "stratified");
    how.put("key", key);
    how.put("entity_label", ConfigLoader.spelling(settings.entityLabel()));
    SplitExtension basis =
        SplitExtension.find(context.tables(), context.layout().splitTable(), raw, how);
    LabelStrata label = labelStrata(contract, settings, data, basis.recorded(), how);
    StratifiedSplitter.Result result =
        StratifiedSplitter.assign(
            data,
            new StratifiedSplitter.Plan(
                key,
                label,
                settings.stratifyBy(),
                config.seed(),
                settings.ratios(),
                // split reads only a validated version
                contract.validatedUnique(key)),
            basis.base().map(context.tables()::read));
    basis.base().ifPresent(b -> how.put(SplitExtension.EXTENDS, b.toString()));
    how.put("basis", basis.reason());
    how.put("units_kept", Long.toString(result.keptUnits()));
    how.put("units_allocated", Long.toString(result.newUnits()));
    return new Assignment(result.assigned(), how, label, smallStrata(result.allocation()));
  }

  /** A warning per stratum with fewer units than splits, naming it and where its units went. */
  private static List<Finding> smallStrata(List<StratumAllocation.Allocated> allocation) {
    List<Finding> findings = new ArrayList<>();
    for (StratumAllocation.Allocated stratum : allocation) {
      if (stratum.tooSmall()) {
        List<String> given =
            StratumAllocation.PRIORITY.stream().filter(s -> stratum.of(s) > 0).toList();
        findings.add(
            Finding.fail(
                stratum.stratum().description(),
                "at least " + Splits.ALL.size() + " units to stratify",
                Severity.WARNING,
                stratum.stratum().units()
                    + (stratum.stratum().units() == 1 ? " unit" : " units")
                    + ", given to "
                    + String.join(" and ", given)));
      }
    }
    return findings;
  }
}
