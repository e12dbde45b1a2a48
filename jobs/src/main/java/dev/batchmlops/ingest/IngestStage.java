package dev.batchmlops.ingest;

import dev.batchmlops.PipelineException;
import dev.batchmlops.config.StageConfigs.IngestMode;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.table.TableVersion;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/** Lands a raw file in the dataset's raw Delta table as exactly one commit. */
public final class IngestStage {
  private IngestStage() {}

  /** Returns the table version the ingest created. */
  public static TableVersion run(PipelineContext context, String source) {
    if (!context.files().exists(source)) {
      throw new PipelineException(
          "ingest: input path " + source + " does not exist or cannot be read");
    }
    var config = context.config();
    IngestMode mode = config.ingest().mode();
    String checksum = context.files().sha256(source);
    return context.inChildRun(
        "ingest",
        run -> {
          Dataset<Row> data = RawFileReader.read(context.spark(), source, config.dataset());
          Map<String, String> commitInfo = new LinkedHashMap<>();
          commitInfo.put("operation", "ingest");
          commitInfo.put("source", source);
          commitInfo.put("source_sha256", checksum);
          commitInfo.put("mode", mode.name().toLowerCase(Locale.ROOT));
          commitInfo.put("pipeline_run_id", context.parentRun().runId());
          TableVersion table;
          long rows;
          try {
            rows = data.count();
            commitInfo.put("rows", Long.toString(rows));
            table =
                context
                    .tables()
                    .write(
                        data,
                        context.layout().rawTable(),
                        mode == IngestMode.SNAPSHOT ? SaveMode.Overwrite : SaveMode.Append,
                        commitInfo,
                        List.of());
          } catch (Exception e) { // Spark's Scala code throws checked SparkExceptions unannounced
            throw new PipelineException("ingest: cannot load " + source + ": " + rootMessage(e), e);
          }
          run.logParams(Map.of("source", source, "mode", mode.name().toLowerCase(Locale.ROOT)));
          run.logMetrics(Map.of("rows", (double) rows));
          run.setTags(
              Map.of(
                  "batchmlops.source_sha256", checksum,
                  "batchmlops.raw_table", table.path(),
                  "batchmlops.raw_version", Long.toString(table.version())));
          context
              .parentRun()
              .setTags(Map.of("batchmlops.raw_version", Long.toString(table.version())));
          context.updateState(s -> s.withRaw(table));
          return table;
        });
  }

  private static String rootMessage(Throwable error) {
    Throwable cause = error;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    String message =
        cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    return message.lines().findFirst().orElse(message);
  }
}
