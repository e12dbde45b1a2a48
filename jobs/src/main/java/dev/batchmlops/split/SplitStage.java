package dev.batchmlops.split;

import dev.batchmlops.Json;
import dev.batchmlops.PipelineException;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.quality.HtmlReport;
import dev.batchmlops.quality.QualityReport;
import dev.batchmlops.quality.ReportArtifacts;
import dev.batchmlops.table.DeltaTables;
import dev.batchmlops.table.TableVersion;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * Splits the validated raw version into one Delta table partitioned by split, after checking that
 * every split is non-empty and balanced; the commit records how, and a fingerprint of the result.
 */
public final class SplitStage {
  private SplitStage() {}

  /** Commit metadata keys other stages read back. */
  public static final String METHOD = "method";

  public static final String VALIDATION_FROM = "validation_from";
  public static final String TEST_FROM = "test_from";
  public static final String FINGERPRINT = "fingerprint";

  public static TableVersion run(PipelineContext context) {
    TableVersion raw = context.state().requireValidatedRaw();
    var config = context.config();
    DatasetContract contract = config.dataset();
    StageConfigs.Split settings = config.split();
    return context.inChildRun(
        "split",
        run -> {
          Dataset<Row> data = context.tables().read(raw);
          Map<String, String> how = new LinkedHashMap<>();
          Dataset<Row> assigned;
          if (settings.method() == StageConfigs.SplitMethod.TIME) {
            String eventTime = contract.eventTimeColumn().orElseThrow();
            TimeSplitter.Cutoffs cutoffs =
                settings
                    .validationFrom()
                    .map(from -> new TimeSplitter.Cutoffs(from, settings.testFrom().orElseThrow()))
                    .orElseGet(() -> TimeSplitter.cutoffs(data, eventTime, settings.ratios()));
            assigned = TimeSplitter.assign(data, eventTime, cutoffs);
            how.put(METHOD, "time");
            how.put("event_time_column", eventTime);
            how.put(VALIDATION_FROM, cutoffs.validationFrom().toString());
            how.put(TEST_FROM, cutoffs.testFrom().toString());
          } else {
            String key = settings.keyColumn(contract);
            assigned = HashSplitter.assign(data, key, config.seed(), settings.ratios());
            how.put(METHOD, "hash");
            how.put("key", key);
          }
          how.put("ratios", settings.ratios().toString());
          how.put("seed", Long.toString(config.seed()));
          how.put("stratify_by", String.join(",", settings.stratifyBy()));
          assigned = assigned.cache();

          SplitBalance.Result balance =
              SplitBalance.check(assigned, contract, settings.stratifyBy(), settings.tolerance());
          QualityReport report = new QualityReport("split of " + raw, balance.findings());
          run.logParams(how);
          run.logMetrics(balance.metrics());
          ReportArtifacts.log(
              run,
              "split",
              report,
              how,
              new HtmlReport("Split balance: " + contract.name())
                  .table(
                      "Rows and positive share per split", SplitBalance.COLUMNS, balance.table()));
          run.logText("split/balance.json", Json.pretty(balance.rows()));
          if (!report.passed()) {
            assigned.unpersist();
            throw new PipelineException("split of " + raw + " refused: " + report.summary());
          }
          String fingerprint = SplitFingerprint.of(assigned, contract.idColumn());

          Map<String, String> commitInfo = new LinkedHashMap<>();
          commitInfo.put("operation", "split");
          commitInfo.put("source", raw.toString());
          commitInfo.putAll(how);
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
          return splits;
        });
  }
}
