package dev.batchmlops.cli;

import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.retention.CleanupStage;
import dev.batchmlops.spark.SparkSessions;
import dev.batchmlops.table.Commit;
import dev.batchmlops.table.DeltaTables;
import dev.batchmlops.table.StorageLayout;
import dev.batchmlops.tracking.MlflowTracker;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Commands that look after the dataset's Delta tables rather than run a stage. */
final class TableCommands {
  private TableCommands() {}

  /** The tables `history` can show. */
  enum Table {
    raw,
    quarantine,
    splits,
    scoring_inputs,
    predictions,
    monitoring,
    audit
  }

  @Command(
      name = "history",
      mixinStandardHelpOptions = true,
      description = {
        "Show the versions of a Delta table of the dataset.",
        "Newest first, with what wrote each: source, checksum, row counts, pipeline run.",
        "Reads: storage.root. Needs no MLflow server."
      })
  static final class History implements Callable<Integer> {
    @Mixin CommonOptions options;

    @Option(
        names = "--table",
        defaultValue = "raw",
        description =
            "raw (default), quarantine, splits, scoring-inputs, predictions, monitoring or"
                + " audit.")
    String table;

    @Override
    public Integer call() {
      PipelineConfig config = options.load();
      StorageLayout layout = StorageLayout.of(config);
      String path =
          switch (parse(table)) {
            case raw -> layout.rawTable();
            case quarantine -> layout.quarantineTable();
            case splits -> layout.splitTable();
            case scoring_inputs -> layout.scoringInputsTable();
            case predictions -> layout.predictionsTable();
            case monitoring -> layout.monitoringTable();
            case audit -> layout.auditTable();
          };
      DeltaTables tables = new DeltaTables(SparkSessions.getOrCreate("batchmlops-history"));
      if (!tables.exists(path)) {
        throw new dev.batchmlops.PipelineException(
            "history: no " + table + " table at " + path + " yet");
      }
      System.out.println(path);
      System.out.printf("%-8s %-24s %-10s %s%n", "version", "committed", "operation", "details");
      for (Commit commit : tables.history(path)) {
        System.out.printf(
            "%-8d %-24s %-10s %s%n",
            commit.version(),
            commit.timestamp(),
            commit.pipelineOperation().isEmpty() ? commit.operation() : commit.pipelineOperation(),
            details(commit.metadata()));
      }
      return 0;
    }

    private static Table parse(String name) {
      try {
        return Table.valueOf(name.replace('-', '_'));
      } catch (IllegalArgumentException e) {
        throw new dev.batchmlops.PipelineException(
            "history: no table '"
                + name
                + "'; choose raw, quarantine, splits, scoring-inputs, predictions, monitoring or"
                + " audit");
      }
    }

    private static String details(Map<String, String> metadata) {
      StringBuilder line = new StringBuilder();
      for (String key :
          List.of(
              "source",
              "mode",
              "rows_read",
              "rows_accepted",
              "rows_quarantined",
              "source_checksum",
              "watermark",
              "batch_id",
              "model",
              "input",
              "decision",
              "ratios",
              "seed",
              "pipeline_run_id")) {
        String value = metadata.get(key);
        if (value != null) {
          line.append(key).append('=').append(value).append(' ');
        }
      }
      return line.toString().trim();
    }
  }

  @Command(
      name = "cleanup",
      mixinStandardHelpOptions = true,
      description = {
        "Vacuum the dataset's Delta tables, sparing registered models' data.",
        "Removes files no version has needed for storage.retention-hours, keeping every file",
        "that a table version named in a registered model's lineage tags reads.",
        "Reads: storage.*, tracking.*, register.model-prefix."
      })
  static final class Cleanup implements Callable<Integer> {
    @Mixin CommonOptions options;

    @Option(
        names = "--retain-hours",
        description = "Override storage.retention-hours for this run.")
    Long retainHours;

    @Override
    public Integer call() {
      PipelineConfig config = options.load();
      MlflowTracker tracker = new MlflowTracker(config.tracking());
      tracker.checkReachable();
      long hours = retainHours != null ? retainHours : config.storage().retentionHours();
      List<CleanupStage.Vacuumed> done =
          CleanupStage.run(
              SparkSessions.getOrCreate("batchmlops-cleanup"),
              StorageLayout.of(config),
              tracker.registry(),
              config.registeredModelName(),
              hours);
      Map<String, String> outputs = new java.util.LinkedHashMap<>();
      done.forEach(
          v ->
              outputs.put(
                  v.table(),
                  "retained "
                      + v.retentionHours()
                      + " h"
                      + v.protectedVersion().map(p -> ", protecting " + p).orElse("")));
      Audits.trail(config, tracker, "cleanup")
          .append(
              dev.batchmlops.audit.AuditAction.CLEANUP,
              Map.of("retention_hours", Long.toString(hours)),
              outputs,
              "");
      for (CleanupStage.Vacuumed vacuumed : done) {
        System.out.println(
            "vacuumed "
                + vacuumed.table()
                + " retaining "
                + vacuumed.retentionHours()
                + " h"
                + vacuumed.protectedVersion().map(v -> " (protecting " + v + ")").orElse(""));
      }
      return 0;
    }
  }
}
