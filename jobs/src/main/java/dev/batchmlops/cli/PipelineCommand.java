package dev.batchmlops.cli;

import dev.batchmlops.PipelineException;
import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.config.Task;
import dev.batchmlops.pipeline.DatasetLock;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.pipeline.StateStore;
import dev.batchmlops.spark.OnDemandSpark;
import dev.batchmlops.table.HadoopFiles;
import dev.batchmlops.table.StorageLayout;
import dev.batchmlops.tracking.MlflowTracker;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A subcommand that runs one or more stages: loads the configuration, checks the tracking server is
 * up before touching any data, opens the pipeline context, runs, and ends the pipeline run.
 */
abstract class PipelineCommand implements Callable<Integer> {
  @Mixin CommonOptions options;
  @Spec CommandSpec spec;

  /** Whether this command starts a new pipeline run rather than adding to the recorded one. */
  boolean startsPipelineRun() {
    return false;
  }

  /** Whether this command is a stage of a training pipeline run (scoring is not). */
  boolean inPipelineRun() {
    return true;
  }

  abstract int execute(PipelineContext context, MlflowTracker tracker);

  /** The tasks ({@code dataset.task}) this command handles; it refuses the others at once. */
  java.util.Set<Task> tasks() {
    return java.util.EnumSet.allOf(Task.class);
  }

  /** For the commands that watch a model: the binary task only, so far. */
  static java.util.Set<Task> binaryOnly() {
    return java.util.EnumSet.of(Task.BINARY);
  }

  /**
   * The MLflow page of the run a failed command had opened, labelled, for its one-line error: where
   * the evidence is (stage runs, their reports, the failed gates).
   */
  java.util.Optional<String> failureLink = java.util.Optional.empty();

  @Override
  public Integer call() {
    PipelineConfig config = options.load();
    Task task = config.dataset().task();
    if (!tasks().contains(task)) {
      // Refused before anything is read or written: never a model for a question not asked.
      throw new PipelineException(
          "dataset.task = "
              + task.label()
              + ": `"
              + spec.name()
              + "` handles "
              + tasks().stream().map(Task::label).toList()
              + " labels so far; ingest through register (and run), and score, handle every"
              + " task");
    }
    MlflowTracker tracker = new MlflowTracker(config.tracking());
    tracker.checkReachable();
    // Started by the first stage code that needs it: register and promote never do.
    var spark = OnDemandSpark.of("batchmlops-" + getClass().getSimpleName());
    StorageLayout layout = StorageLayout.of(config);
    // Scoring runs beside training, except where two writers of one table could both commit.
    if (!inPipelineRun() && layout.concurrentCommitsSafe()) {
      return run(PipelineContext.openWithoutPipelineRun(config, spark, tracker), tracker);
    }
    HadoopFiles files = new HadoopFiles(spark.hadoopConfiguration());
    try (DatasetLock lock =
        DatasetLock.acquire(files, layout.lockFile(), config.dataset().name(), spec.name())) {
      if (!inPipelineRun()) {
        return run(PipelineContext.openWithoutPipelineRun(config, spark, tracker), tracker);
      }
      endAbandonedRuns(lock.tookOverFrom(), files, layout, tracker);
      return run(PipelineContext.open(config, spark, tracker, startsPipelineRun()), tracker);
    }
  }

  /**
   * Runs left RUNNING in the recorded pipeline run belong to no one while this command holds the
   * dataset: a command killed outright, or one that could not end them while MLflow was down. They
   * end as KILLED, so the UI shows what happened to them.
   */
  private static void endAbandonedRuns(
      Optional<DatasetLock.Holder> killed,
      HadoopFiles files,
      StorageLayout layout,
      MlflowTracker tracker) {
    String pipelineRun = new StateStore(files, layout.stateFile()).load().parentRunId();
    int ended = pipelineRun == null ? 0 : tracker.endAbandonedRuns(pipelineRun);
    String runs = ended + " MLflow run(s) left RUNNING now end as KILLED";
    if (killed.isPresent()) {
      System.err.println(
          "batchmlops: "
              + killed.get().describe()
              + " stopped without letting go of the dataset; "
              + (ended == 0 ? "it left no run open" : "its " + runs));
    } else if (ended > 0) {
      System.err.println("batchmlops: " + runs);
    }
  }

  private int run(PipelineContext context, MlflowTracker tracker) {
    boolean succeeded = false;
    try {
      int exitCode = execute(context, tracker);
      succeeded = exitCode == 0;
      if (!succeeded) {
        context
            .failureLink()
            // Continues the line that said why (not registered, ...), which stays the last one.
            .ifPresent(link -> System.err.println("  " + link));
      }
      return exitCode;
    } catch (RuntimeException e) {
      failureLink = context.failureLink();
      throw e;
    } finally {
      context.endPipelineRun(succeeded);
    }
  }
}
