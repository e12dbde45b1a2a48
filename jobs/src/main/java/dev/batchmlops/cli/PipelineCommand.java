package dev.batchmlops.cli;

import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.spark.SparkSessions;
import dev.batchmlops.tracking.MlflowTracker;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/**
 * A subcommand that runs one or more stages: loads the configuration, checks the tracking server is
 * up before touching any data, opens the pipeline context, runs, and ends the pipeline run.
 */
abstract class PipelineCommand implements Callable<Integer> {
  @Mixin CommonOptions options;

  /** Whether this command starts a new pipeline run rather than adding to the recorded one. */
  boolean startsPipelineRun() {
    return false;
  }

  /** Whether this command is a stage of a training pipeline run (scoring is not). */
  boolean inPipelineRun() {
    return true;
  }

  abstract int execute(PipelineContext context, MlflowTracker tracker);

  /**
   * The MLflow page of the pipeline run a failed command had opened, for its one-line error: where
   * the evidence is (stage runs, their reports, the failed gates).
   */
  java.util.Optional<String> failedRunUrl = java.util.Optional.empty();

  @Override
  public Integer call() {
    PipelineConfig config = options.load();
    MlflowTracker tracker = new MlflowTracker(config.tracking());
    tracker.checkReachable();
    var spark = SparkSessions.getOrCreate("batchmlops-" + getClass().getSimpleName());
    PipelineContext context =
        inPipelineRun()
            ? PipelineContext.open(config, spark, tracker, startsPipelineRun())
            : PipelineContext.openWithoutPipelineRun(config, spark, tracker);
    boolean succeeded = false;
    try {
      int exitCode = execute(context, tracker);
      succeeded = exitCode == 0;
      if (!succeeded) {
        context
            .pipelineRunUrl()
            // Continues the line that said why (not registered, ...), which stays the last one.
            .ifPresent(url -> System.err.println("  pipeline run " + url));
      }
      return exitCode;
    } catch (RuntimeException e) {
      failedRunUrl = context.pipelineRunUrl();
      throw e;
    } finally {
      context.endPipelineRun(succeeded);
    }
  }
}
