package dev.batchmlops.split;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.PipelineException;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.table.DeltaTables;
import dev.batchmlops.table.TableVersion;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/** Splits the validated raw table version into one Delta table partitioned by split. */
public final class SplitStage {
  private SplitStage() {}

  public static TableVersion run(PipelineContext context) {
    TableVersion raw = context.state().requireValidatedRaw();
    var config = context.config();
    return context.inChildRun(
        "split",
        run -> {
          Dataset<Row> assigned =
              HashSplitter.assign(
                  context.tables().read(raw),
                  config.dataset().idColumn(),
                  config.seed(),
                  config.split());
          Map<String, Double> metrics = balance(assigned, config.dataset().isPositive());
          for (String split :
              List.of(HashSplitter.TRAIN, HashSplitter.VALIDATION, HashSplitter.TEST)) {
            if (metrics.getOrDefault(split + "_rows", 0.0) == 0.0) {
              throw new PipelineException(
                  "split: the "
                      + split
                      + " split of "
                      + raw
                      + " is empty; add rows or change split ratios");
            }
          }
          Map<String, String> commitInfo = new LinkedHashMap<>();
          commitInfo.put("operation", "split");
          commitInfo.put("source", raw.toString());
          commitInfo.put("method", "hash(" + config.dataset().idColumn() + ", seed)");
          commitInfo.put(
              "ratios",
              config.split().train()
                  + "/"
                  + config.split().validation()
                  + "/"
                  + config.split().test());
          commitInfo.put("seed", Long.toString(config.seed()));
          commitInfo.put("pipeline_run_id", context.parentRun().runId());
          TableVersion splits =
              context
                  .tables()
                  .write(
                      assigned,
                      context.layout().splitTable(),
                      SaveMode.Overwrite,
                      commitInfo,
                      List.of(HashSplitter.SPLIT_COLUMN),
                      DeltaTables.SchemaChange.REPLACE);
          run.logParams(
              Map.of(
                  "train_ratio", Double.toString(config.split().train()),
                  "validation_ratio", Double.toString(config.split().validation()),
                  "test_ratio", Double.toString(config.split().test()),
                  "seed", Long.toString(config.seed()),
                  "method", "hash"));
          run.logMetrics(metrics);
          run.setTags(
              Map.of(
                  "batchmlops.raw_version", Long.toString(raw.version()),
                  "batchmlops.splits_version", Long.toString(splits.version())));
          context
              .parentRun()
              .setTags(Map.of("batchmlops.splits_version", Long.toString(splits.version())));
          context.updateState(s -> s.withSplits(splits));
          return splits;
        });
  }

  /** Rows and positive-label share per split, in one aggregation. */
  static Map<String, Double> balance(Dataset<Row> assigned, Column positive) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    for (Row row :
        assigned
            .groupBy(HashSplitter.SPLIT_COLUMN)
            .agg(
                count(lit(1)).as("rows"),
                avg(when(positive, 1.0).otherwise(0.0)).as("positive_share"))
            .collectAsList()) {
      String split = row.getString(0);
      metrics.put(split + "_rows", (double) row.getLong(1));
      metrics.put(split + "_positive_share", row.isNullAt(2) ? 0.0 : row.getDouble(2));
    }
    return metrics;
  }
}
