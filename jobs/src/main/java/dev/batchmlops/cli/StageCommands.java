package dev.batchmlops.cli;

import dev.batchmlops.config.Task;
import dev.batchmlops.evaluate.EvaluateStage;
import dev.batchmlops.generate.GenerateStage;
import dev.batchmlops.ingest.IngestStage;
import dev.batchmlops.leakage.LeakageStage;
import dev.batchmlops.monitor.MonitorStage;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.register.Promotion;
import dev.batchmlops.register.RegisterStage;
import dev.batchmlops.score.BatchLanding;
import dev.batchmlops.score.ModelReference;
import dev.batchmlops.score.ScoreStage;
import dev.batchmlops.split.SplitStage;
import dev.batchmlops.table.TableVersion;
import dev.batchmlops.tracking.MlflowTracker;
import dev.batchmlops.train.TrainStage;
import dev.batchmlops.validate.ValidateStage;
import java.util.Optional;
import java.util.Set;
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
        "Write seeded synthetic credit applications to the landing folder.",
        "One CSV or Parquet file; the same seed gives the same file.",
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
        "Land a source in the raw Delta table as one commit.",
        "Sources: a CSV, JSON lines or Parquet file or folder, or a JDBC table or query. Rows that",
        "do not fit the contract go to the quarantine table.",
        "The same content twice is written once. Reads: ingest.*, storage.root, the contract's columns;",
        "the input defaults to ingest.source.path, else the file `generate` landed last.",
        "With --raw-version or --raw-as-of, reads nothing: starts a pipeline run on that version of",
        "the raw table, ingested earlier (a retrain on the data a monitor judged)."
      })
  static final class Ingest extends PipelineCommand {
    @Option(
        names = "--input",
        description = "A file or folder to ingest (.csv, .json, .jsonl or .parquet).")
    String input;

    @Mixin RawVersionOptions rawVersion;

    @Override
    boolean startsPipelineRun() {
      return true;
    }

    @Override
    int execute(PipelineContext context, MlflowTracker tracker) {
      if (rawVersion.pinned() && input != null) {
        throw new dev.batchmlops.PipelineException(
            "ingest: give --input or a raw version (--raw-version, --raw-as-of), not both");
      }
      Optional<TableVersion> pinned = rawVersion.apply(context);
      if (pinned.isPresent()) {
        System.out.println("pinned " + pinned.get() + ": ingested earlier; nothing read");
        return 0;
      }
      IngestStage.Result result = IngestStage.run(context, Optional.ofNullable(input));
      System.out.println(Reports.ingest(result));
      return 0;
    }
  }

  @Command(
      name = "validate",
      mixinStandardHelpOptions = true,
      description = {
        "Check the raw table against the dataset contract with Deequ.",
        "Checks the last ingested version, or the one pinned with --raw-version or --raw-as-of:",
        "every column rule, the label rules of the task (dataset.task), and each anomaly rule",
        "against the metrics of earlier passing validations (kept in",
        "<storage.root>/<dataset>/_pipeline/metrics-history.json).",
        "Reads: the dataset contract (dataset.*). Warnings are reported; an error-level failure exits",
        "non-zero naming each failed column and rule."
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
        "Split the validated raw version into train, validation and test.",
        "Writes one Delta table partitioned by split. By default stratified: every split holds each",
        "class and stratify-by value in the whole's proportion; after appends to the raw table,",
        "earlier rows keep their split. Prints the balance verdict and its warnings.",
        "Reads: split.*, pipeline.seed, register.gates.min-test-positives, the dataset contract's",
        "label, id, entity and segment columns."
      })
  static final class Split extends PipelineCommand {
    @Override
    int execute(PipelineContext context, MlflowTracker tracker) {
      SplitStage.Result split = SplitStage.run(context);
      System.out.println("split " + split.table() + ": " + split.report().summary());
      return 0;
    }
  }

  @Command(
      name = "leakage",
      mixinStandardHelpOptions = true,
      description = {
        "Check the splits for leakage before anything is trained.",
        "Target leakage (each feature alone on the train split: AUC for a binary label, macro",
        "one-vs-rest AUC for multiclass, rank R2 for regression), post-outcome features, the id",
        "and row order predicting the label, features observed after the event time,",
        "validation/test rows identical to training rows, and entities in more than one split.",
        "Reads: leakage.*, the dataset contract. Exits non-zero on an error-level finding."
      })
  static final class Leakage extends PipelineCommand {
    @Override
    int execute(PipelineContext context, MlflowTracker tracker) {
      System.out.println("leakage: " + LeakageStage.run(context).summary());
      return 0;
    }
  }

  @Command(
      name = "train",
      mixinStandardHelpOptions = true,
      description = {
        "Search the model families for the best candidate, on the train split.",
        "Only splits that passed `leakage` are trained on. Also trains the baselines (the training",
        "prior, and MLlib's defaults: logistic regression, multinomial for multiclass, or linear",
        "regression); one MLflow run per trial. A binary model's decision threshold is chosen on",
        "validation by evaluate.threshold-rule.",
        "Reads: train.* (train.multiclass.*, train.regression.* for those tasks), pipeline.seed,",
        "evaluate.threshold*, evaluate.min-precision, min-recall, cost, the contract's features."
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
        "Score the test split with the candidate, the reference and prior baselines and the current",
        "champion. Metrics overall and per segment (with intervals), fairness per protected column,",
        "the most confident mistakes, plots and a model card, in the task's terms (a binary model at",
        "the decision threshold train chose); then judge the registration gates (register.gates, and",
        "register.multiclass or register.regression) once: the decision register acts on.",
        "Reads: evaluate.*, register.*, dataset.segment-columns, dataset.protected-columns."
      })
  static final class Evaluate extends PipelineCommand {
    @Override
    int execute(PipelineContext context, MlflowTracker tracker) {
      var evaluation = EvaluateStage.run(context, tracker.registry());
      System.out.println("test metrics  " + evaluation.candidate().asMap());
      System.out.println(
          "gates         "
              + (evaluation.decision().register() ? "register: " : "do not register: ")
              + evaluation.decision().reason());
      return 0;
    }
  }

  @Command(
      name = "register",
      mixinStandardHelpOptions = true,
      description = {
        "Act on the gate decision evaluate made: register the candidate when it passed every gate;",
        "the champion alias moves to it when register.auto-promote is on and it beats the champion.",
        "Refuses (exit 1) a missing or stale decision: another model or split, changed register.*",
        "or evaluate.* settings, or a champion that moved since; run evaluate again.",
        "Exits 3, naming each failed gate, when the candidate is not registered."
      })
  static final class Register extends PipelineCommand {
    @Override
    int execute(PipelineContext context, MlflowTracker tracker) {
      return Reports.registration(RegisterStage.run(context, tracker.registry()));
    }
  }

  @Command(
      name = "score",
      mixinStandardHelpOptions = true,
      description = {
        "Score a batch with a registered model version, copied from the registry through the",
        "tracking server, in its task's terms (binary: at its decision threshold). The batch",
        "is, the first that applies:",
        "the raw table version given by --raw-version or --raw-as-of (the rows that version's",
        "ingest added); the file or folder given by --input (CSV, JSON lines, Parquet); the",
        "source in score.source (a file, or a database over JDBC with a watermark); else the",
        "latest raw version. A file or database batch is parsed like an ingest (the label may be",
        "missing; rows that do not fit go to the quarantine table with the reason) and lands as",
        "one version of the scoring-inputs table. Every batch is checked against the contract",
        "with Deequ first; an error scores nothing. Appends one commit to the predictions table:",
        "the id; binary: score, prediction (0/1), threshold; multiclass: prediction (the class),",
        "score (its probability), class_probabilities (class to probability); regression:",
        "prediction (the value); then model, input and batch id. The same input scored with",
        "the same version again writes nothing. Each scoring is an MLflow run with rows_scored,",
        "rows_processed, wall_seconds, rows_per_second and seconds_per_1000_rows.",
        "Reads: score.*, dataset.*, evaluate.threshold (for versions without a recorded",
        "threshold), tracking.*."
      })
  static final class Score extends PipelineCommand {
    @Option(
        names = "--model",
        paramLabel = "MODEL",
        description =
            "NAME@ALIAS, NAME/VERSION or NAME (its champion); default: the dataset's champion.")
    String model;

    @Option(
        names = "--input",
        paramLabel = "PATH",
        description = "A file or folder to score (.csv, .json, .jsonl, .parquet).")
    String input;

    @Mixin RawVersionOptions raw;

    @Override
    boolean inPipelineRun() {
      return false;
    }

    @Override
    int execute(PipelineContext context, MlflowTracker tracker) {
      ScoreStage.Input batch = batch(context);
      ScoreStage.Result result =
          ScoreStage.run(
              context,
              tracker.registry(),
              ModelReference.parse(model, context.config().registeredModelName()),
              batch);
      String model = result.model().name() + " version " + result.model().version();
      if (result.noRows()) {
        System.out.println(
            "nothing to score: "
                + ((ScoreStage.Input.Source) batch).batch().source()
                + " has no rows"
                + (input == null
                        && !context.config().score().source().jdbc().watermarkColumn().isEmpty()
                    ? " past the last watermark"
                    : ""));
        return 0;
      }
      if (result.alreadyScored()) {
        System.out.println(
            "already scored: "
                + result.input()
                + " with "
                + model
                + " is batch "
                + result.batchId()
                + " in "
                + context.layout().predictionsTable()
                + "; nothing written");
        return 0;
      }
      System.out.println(
          String.format(
              java.util.Locale.ROOT,
              "scored %d rows of %s with %s into %s (batch %s) in %.1f s, %.0f rows/s",
              result.rows(),
              result.input(),
              model,
              result.written().orElseThrow(),
              result.batchId(),
              result.seconds(),
              result.seconds() == 0 ? 0 : result.rows() / result.seconds()));
      return 0;
    }

    private ScoreStage.Input batch(PipelineContext context) {
      Optional<TableVersion> pinned = raw.resolve(context);
      if (pinned.isPresent()) {
        if (input != null) {
          throw new dev.batchmlops.PipelineException(
              "score: give --input or a raw version (--raw-version, --raw-as-of), not both");
        }
        return new ScoreStage.Input.Table(pinned.get());
      }
      if (input != null || context.config().score().source().configured()) {
        return new ScoreStage.Input.Source(BatchLanding.read(context, Optional.ofNullable(input)));
      }
      String rawTable = context.layout().rawTable();
      if (!context.tables().exists(rawTable)) {
        throw new dev.batchmlops.PipelineException(
            "score: no raw table at "
                + rawTable
                + " and no score.source: give --input, or ingest a batch first");
      }
      return new ScoreStage.Input.Table(
          new TableVersion(rawTable, context.tables().latestVersion(rawTable)));
    }
  }

  @Command(
      name = "monitor",
      mixinStandardHelpOptions = true,
      description = {
        "Compare a scored batch (the last one by default) with its model's reference, the train",
        "split the version was trained on: drift per feature (Kolmogorov-Smirnov or chi-square,",
        "Benjamini-Hochberg over the features, and a PSI floor), drift of the scores, invalid",
        "scores, the batch's contract checks, and performance when labels exist (in the batch or",
        "in --labels), overall and per segment, against the version's test values and their",
        "standard errors; then decide whether to retrain.",
        "Records an MLflow run, monitoring/report.html and .json, and the monitoring table.",
        "Exit codes: 0 healthy, 4 retrain recommended, 5 a limit passed but no retrain due",
        "(cooldown, too few new labelled rows, or invalid scores), 1 an error.",
        "Reads: monitor.*, register.metric."
      })
  static final class Monitor extends PipelineCommand {
    @Override
    Set<Task> tasks() {
      return binaryOnly();
    }

    @Option(names = "--batch", paramLabel = "ID", description = "The scored batch to monitor.")
    String batch;

    @Option(
        names = "--labels",
        paramLabel = "PATH",
        description =
            "A file of the batch's outcomes (the id and label columns; .csv, .json, .parquet),"
                + " joined by id; default: the labels the batch's rows hold, if any.")
    String labels;

    @Override
    boolean inPipelineRun() {
      return false;
    }

    @Override
    int execute(PipelineContext context, MlflowTracker tracker) {
      MonitorStage.Result result =
          MonitorStage.run(
              context, tracker.registry(), Optional.ofNullable(batch), Optional.ofNullable(labels));
      System.out.println("monitor: " + result.summary());
      if (result.decision() == MonitorStage.Decision.RETRAIN) {
        // The data to retrain on: the raw table as the monitor found it, for a scheduler to pass
        // on.
        String raw = context.layout().rawTable();
        System.out.println(
            "retrain with  run --raw-version " + context.tables().latestVersion(raw));
      }
      System.out.println(
          "drift report  monitoring/report.html of run "
              + result.runId()
              + " ("
              + context.config().tracking().uri()
              + ")");
      return result.decision().exitCode();
    }
  }

  @Command(
      name = "promote",
      description = {
        "Move the champion alias to a registered version by hand, with a recorded reason.",
        "The version gets tags promotion_reason, promoted_by, promoted_at, previous_champion;",
        "the audit trail gets the promotion, or the refusal. With promote.release-users set, only",
        "those tracking server users (MLFLOW_TRACKING_USERNAME) may promote.",
        "Reads: promote.*, register.model-prefix, tracking.*, storage.root."
      })
  static final class Promote implements java.util.concurrent.Callable<Integer> {
    @Mixin CommonOptions options;
    @Mixin HelpOption help;

    @Option(names = "--version", required = true, description = "The model version to promote.")
    String version;

    @Option(names = "--reason", required = true, description = "Why, for the record.")
    String reason;

    @Override
    public Integer call() {
      var config = options.load();
      MlflowTracker tracker = new MlflowTracker(config.tracking());
      tracker.checkReachable();
      Promotion.Result result =
          Promotion.promote(
              tracker.registry(),
              Audits.trail(config, tracker, "promote"),
              config.promote(),
              new Promotion.Request(
                  config.registeredModelName(), version, reason, tracker.actor()));
      System.out.println(
          "champion of "
              + config.registeredModelName()
              + " is now version "
              + result.promoted().version()
              + result.previous().map(p -> " (was version " + p.version() + ")").orElse("")
              + ": "
              + reason);
      return 0;
    }
  }
}
