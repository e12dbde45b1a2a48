package dev.batchmlops.cli;

import dev.batchmlops.evaluate.EvaluateStage;
import dev.batchmlops.generate.GenerateStage;
import dev.batchmlops.ingest.IngestStage;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.register.RegisterStage;
import dev.batchmlops.split.SplitStage;
import dev.batchmlops.tracking.MlflowTracker;
import dev.batchmlops.train.TrainStage;
import dev.batchmlops.validate.ValidateStage;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** One subcommand per stage; each reads what the earlier stages recorded in the pipeline state. */
final class StageCommands {
  private StageCommands() {}

  @Command(
      name = "generate",
      mixinStandardHelpOptions = true,
      description = {
        "Write seeded synthetic credit applications to the landing folder (one CSV or Parquet file).",
        "Reads: generate.rows, generate.format, pipeline.seed, storage.landing."
      })
  static final class Generate extends PipelineCommand {
    @Override
    boolean startsPipelineRun() {
      return true;
    }

    @Override
    int execute(PipelineContext context, MlflowTracker tracker) {
      System.out.println("generated " + GenerateStage.run(context));
      return 0;
    }
  }

  @Command(
      name = "ingest",
      mixinStandardHelpOptions = true,
      description = {
        "Load a source (CSV, JSON lines, Parquet file or folder, or a JDBC table) into the dataset's",
        "raw Delta table as one commit; rows that do not fit the contract go to the quarantine table.",
        "The same content twice is written once. Reads: ingest.*, storage.root, the contract's columns;",
        "the input defaults to ingest.source.path, else the file `generate` landed last."
      })
  static final class Ingest extends PipelineCommand {
    @Option(
        names = "--input",
        description = "A file or folder to ingest (.csv, .json, .jsonl or .parquet).")
    String input;

    @Override
    boolean startsPipelineRun() {
      return true;
    }

    @Override
    int execute(PipelineContext context, MlflowTracker tracker) {
      IngestStage.Result result = IngestStage.run(context, Optional.ofNullable(input));
      System.out.println(Reports.ingest(result));
      return 0;
    }
  }

  @Command(
      name = "validate",
      mixinStandardHelpOptions = true,
      description = {
        "Check the last ingested raw table version (or the one pinned with --raw-version or",
        "--raw-as-of) against the dataset contract with Deequ.",
        "Reads: the dataset contract (dataset.*). Exits non-zero naming each failed column and rule."
      })
  static final class Validate extends PipelineCommand {
    @Mixin RawVersionOptions rawVersion;

    @Override
    int execute(PipelineContext context, MlflowTracker tracker) {
      rawVersion.apply(context);
      System.out.println("validation: " + ValidateStage.run(context).summary());
      return 0;
    }
  }

  @Command(
      name = "split",
      mixinStandardHelpOptions = true,
      description = {
        "Split the validated raw table version into train, validation and test (one Delta table).",
        "Reads: split.train, split.validation, split.test, pipeline.seed, dataset.id-column."
      })
  static final class Split extends PipelineCommand {
    @Override
    int execute(PipelineContext context, MlflowTracker tracker) {
      System.out.println("split " + SplitStage.run(context));
      return 0;
    }
  }

  @Command(
      name = "train",
      mixinStandardHelpOptions = true,
      description = {
        "Fit the feature pipeline and logistic regression, and the prior baseline, on the train split.",
        "Reads: train.*, evaluate.threshold, the dataset contract's features."
      })
  static final class Train extends PipelineCommand {
    @Override
    int execute(PipelineContext context, MlflowTracker tracker) {
      System.out.println("trained model " + TrainStage.run(context).artifactUri());
      return 0;
    }
  }

  @Command(
      name = "evaluate",
      mixinStandardHelpOptions = true,
      description = {
        "Score the test split with the candidate and the baseline, overall and per segment.",
        "Reads: evaluate.threshold, dataset.segment-columns."
      })
  static final class Evaluate extends PipelineCommand {
    @Override
    int execute(PipelineContext context, MlflowTracker tracker) {
      System.out.println("test metrics " + EvaluateStage.run(context).candidate());
      return 0;
    }
  }

  @Command(
      name = "register",
      mixinStandardHelpOptions = true,
      description = {
        "Register the evaluated candidate if it beats the baseline; move `champion` if it beats the champion.",
        "Reads: register.*. Exits 3 when the candidate is not registered."
      })
  static final class Register extends PipelineCommand {
    @Override
    int execute(PipelineContext context, MlflowTracker tracker) {
      return Reports.registration(RegisterStage.run(context, tracker.registry()));
    }
  }
}
