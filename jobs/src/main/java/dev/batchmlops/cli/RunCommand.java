package dev.batchmlops.cli;

import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.config.StageConfigs.SourceFormat;
import dev.batchmlops.evaluate.EvaluateStage;
import dev.batchmlops.generate.GenerateStage;
import dev.batchmlops.ingest.IngestStage;
import dev.batchmlops.leakage.LeakageStage;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.quality.QualityReport;
import dev.batchmlops.register.RegisterStage;
import dev.batchmlops.split.SplitStage;
import dev.batchmlops.table.TableVersion;
import dev.batchmlops.tracking.MlflowTracker;
import dev.batchmlops.train.TrainStage;
import dev.batchmlops.validate.ValidateStage;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The whole pipeline, in order, in one parent run. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run every stage in order, in one MLflow parent run.",
      "generate (unless --input or ingest.source is set), ingest, validate, split, leakage, train,",
      "evaluate, register. With --raw-version or --raw-as-of, replay on that raw table version",
      "instead of generating and ingesting.",
      "Reads every setting the stages read. Exits 3 when the model is not registered."
    })
final class RunCommand extends PipelineCommand {
  @Option(names = "--input", description = "Ingest this raw file instead of generating data.")
  String input;

  @Mixin RawVersionOptions rawVersion;

  @Override
  boolean startsPipelineRun() {
    return true;
  }

  private TableVersion generateAndIngest(PipelineContext context) {
    StageConfigs.Source source = context.config().ingest().source();
    if (input == null && source.path() == null && source.format() != SourceFormat.JDBC) {
      GenerateStage.run(context);
    }
    IngestStage.Result ingested = IngestStage.run(context, Optional.ofNullable(input));
    System.out.println(Reports.ingest(ingested));
    return ingested.table();
  }

  @Override
  int execute(PipelineContext context, MlflowTracker tracker) {
    // A pinned raw version replays the run on data already ingested.
    TableVersion raw = rawVersion.apply(context).orElseGet(() -> generateAndIngest(context));
    QualityReport validation = ValidateStage.run(context);
    SplitStage.Result splits = SplitStage.run(context);
    QualityReport leakage = LeakageStage.run(context);
    TrainStage.run(context);
    EvaluateStage.run(context, tracker.registry());
    RegisterStage.Outcome outcome = RegisterStage.run(context, tracker.registry());

    var config = context.config();
    System.out.println("pipeline run  " + context.parentRun().runId());
    String experiment =
        config.tracking().uri() + "/#/experiments/" + context.parentRun().experimentId();
    System.out.println("MLflow UI     " + experiment + "/runs?workflowType=machine_learning");
    System.out.println("this run      " + context.pipelineRunUrl().orElseThrow());
    System.out.println("raw table     " + raw);
    System.out.println("split table   " + splits.table());
    System.out.println("validation    " + validation.summary() + " (validation/report.html)");
    System.out.println("split         " + splits.report().summary() + " (split/report.html)");
    System.out.println("leakage       " + leakage.summary() + " (leakage/report.html)");
    System.out.println("state file    " + context.stateFile());
    return Reports.registration(outcome);
  }
}
