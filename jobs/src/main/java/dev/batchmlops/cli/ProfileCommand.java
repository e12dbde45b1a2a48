package dev.batchmlops.cli;

import dev.batchmlops.PipelineException;
import dev.batchmlops.config.ConfigLoader;
import dev.batchmlops.config.StageConfigs.SourceFormat;
import dev.batchmlops.config.Task;
import dev.batchmlops.ingest.SourceReader;
import dev.batchmlops.profile.ContractDraft;
import dev.batchmlops.spark.SparkSessions;
import dev.batchmlops.table.HadoopFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Onboards a new dataset: profiles a table and writes a draft contract to review. */
@Command(
    name = "profile",
    mixinStandardHelpOptions = true,
    description = {
      "Profile a table with Deequ and write a draft dataset contract.",
      "Deequ's column profiler and constraint suggestion give each column's type, completeness,",
      "values, range and uniqueness; review the draft, then move it to conf/datasets/<name>.conf.",
      "Reads a CSV (header, types inferred), JSON lines, Parquet file or folder, or a Delta table.",
      "Needs no configuration and no MLflow server."
    })
final class ProfileCommand implements Callable<Integer> {
  @Option(names = "--input", required = true, description = "The file, folder or Delta table.")
  String input;

  @Option(names = "--name", required = true, description = "The dataset name.")
  String name;

  @Option(names = "--label", description = "The column to predict.")
  String label;

  @Option(
      names = "--task",
      description =
          "binary, multiclass or regression (default: proposed from the label's type and values).")
  String task;

  @Option(
      names = "--positive-label",
      description = "The label value of the positive class (a binary task).")
  String positiveLabel;

  @Option(names = "--id", description = "The id column (default: the first unique column).")
  String id;

  @Option(
      names = "--output",
      description = "Where to write the draft (default: ./<name>.draft.conf).")
  Path output;

  @Option(names = "--force", description = "Overwrite the output file if it exists.")
  boolean force;

  @Override
  public Integer call() {
    Path target = output != null ? output : Path.of(name + ".draft.conf");
    if (Files.exists(target) && !force) {
      throw new PipelineException("profile: " + target + " exists (pass --force to overwrite it)");
    }
    SparkSession spark = SparkSessions.getOrCreate("batchmlops-profile");
    HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
    if (!files.exists(input)) {
      throw new PipelineException("profile: input " + input + " does not exist");
    }
    ContractDraft.Draft draft;
    try {
      draft =
          ContractDraft.draft(
              read(spark, files),
              new ContractDraft.Options(
                  name,
                  Optional.ofNullable(label),
                  Optional.ofNullable(positiveLabel),
                  Optional.ofNullable(id),
                  Optional.ofNullable(task)
                      .map(t -> ConfigLoader.parseEnum("--task", t, Task.class))));
    } catch (IllegalArgumentException e) {
      throw new PipelineException("profile: " + input + ": " + e.getMessage());
    }
    try {
      Files.writeString(target, draft.text());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    }
    System.out.println("profiled " + draft.rows() + " rows of " + input);
    System.out.println("draft contract " + target.toAbsolutePath());
    return 0;
  }

  private Dataset<Row> read(SparkSession spark, HadoopFiles files) {
    if (files.exists(input.replaceAll("/+$", "") + "/_delta_log")) {
      return spark.read().format("delta").load(input);
    }
    SourceFormat format =
        SourceReader.formatFromName(input)
            .orElseThrow(
                () ->
                    new PipelineException(
                        "profile: cannot tell the format of "
                            + input
                            + " (name it .csv, .json, .jsonl or .parquet)"));
    return switch (format) {
      case CSV -> spark.read().option("header", "true").option("inferSchema", "true").csv(input);
      case JSON -> spark.read().json(input);
      case PARQUET -> spark.read().parquet(input);
      case JDBC -> throw new PipelineException("profile: reads files and Delta tables only");
    };
  }
}
