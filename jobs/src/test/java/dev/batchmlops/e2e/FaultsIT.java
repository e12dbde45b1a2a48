package dev.batchmlops.e2e;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.support.JobArgs;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.SparkSubmit;
import dev.batchmlops.support.TestSpark;
import io.delta.tables.DeltaTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * Faults in the middle of a pipeline, through spark-submit with real process kills and a real
 * MLflow server crash: each stage is run as its own command, as a scheduler runs them, and killed
 * (SIGKILL) once it has started its work, in turn for validate, split, leakage, train, evaluate and
 * register (ingest is IngestCrashIT's, score RetrainingLoopIT's); a whole pipeline started while
 * train works is turned away; the tracking server is killed and restarted while evaluate runs.
 * After each, running the stage again completes it and shows the killed runs as KILLED; in the end
 * the tables hold each piece of work once and the registry one version, the champion.
 */
class FaultsIT {
  private static final String EXPERIMENT = "batchmlops-credit";
  private final MlflowTestServer mlflow = MlflowTestServer.dedicated();

  /**
   * A stage's command line. The faults are the subject, not the model: one trial, and gates that a
   * model of 1,500 rows can pass (the same settings for every stage, as register requires).
   */
  private List<String> job(Path work, String... args) {
    List<String> command = JobArgs.of(args[0], work, mlflow.uri());
    command.addAll(
        List.of(
            "--set",
            "train.search.max-trials=1",
            "--set",
            "register.gates.baseline=prior",
            "--set",
            "register.gates.min-segment-metric=0.0"));
    command.addAll(List.of(args).subList(1, args.length));
    return command;
  }

  /** Whether a run of that name is RUNNING in the dataset's experiment (asked every 250 ms). */
  private boolean running(String runName) {
    pause();
    return mlflow.hasRunningRun(EXPERIMENT, runName);
  }

  private static void pause() {
    try {
      Thread.sleep(250);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private SparkSubmit.Result completes(Path work, String stage) {
    SparkSubmit.Result result = SparkSubmit.run(work, job(work, stage));
    assertEquals(0, result.exitCode(), stage + ": " + result.stdout() + result.stderr());
    return result;
  }

  /** Waits until the stage's run has started, while the process that runs it is alive. */
  private void awaitRun(SparkSubmit.Started process, String stage) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!running(stage)) {
      assertTrue(process.process().isAlive(), stage + " ended before its run started");
      assertTrue(System.nanoTime() < deadline, "no " + stage + " run within 3 minutes");
    }
  }

  /**
   * Kills the stage once its run has started; the re-run takes over the dataset from the killed
   * process, ends the runs it left open as KILLED, and completes the work.
   */
  private void killedThenCompletes(Path work, String stage) throws Exception {
    // A run an interrupted attempt left RUNNING (the server was down when it would have ended it)
    // is not this job's: killed on seeing that one, the job may not yet hold the dataset.
    java.util.Set<String> earlier = runningIds(stage);
    SparkSubmit.start(work, job(work, stage))
        .killWhen(() -> !earlier.containsAll(runningIds(stage)), "the " + stage + " run started");
    assertKilledThenCompletes(work, stage);
  }

  /** The ids of the RUNNING runs of that name (asked every 250 ms). */
  private java.util.Set<String> runningIds(String runName) {
    pause();
    java.util.Set<String> ids = new java.util.HashSet<>();
    mlflow
        .searchRuns(
            EXPERIMENT, "attributes.run_name = '" + runName + "' AND attributes.status = 'RUNNING'")
        .forEach(run -> ids.add(run.path("info").path("run_id").asText()));
    return ids;
  }

  private void assertKilledThenCompletes(Path work, String stage) {
    SparkSubmit.Result rerun = completes(work, stage);
    assertTrue(
        rerun.stderr().contains("`" + stage + "` (pid ")
            && rerun.stderr().contains("stopped without letting go of the dataset"),
        rerun.stderr());
    assertFalse(running(stage), "no " + stage + " run is left RUNNING");
    assertFalse(
        mlflow
            .searchRuns(
                EXPERIMENT,
                "attributes.run_name = '" + stage + "' AND attributes.status = 'KILLED'")
            .isEmpty(),
        "the killed " + stage + " run shows as KILLED");
  }

  private static long latestVersion(Path table) {
    return DeltaTable.forPath(TestSpark.session(), table.toString()).history(1).first().getLong(0);
  }

  @Test
  void killedStagesAndACrashedTrackingServerLeaveEachPieceOfWorkDoneOnce() throws Exception {
    Path work = Files.createTempDirectory("batchmlops-faults-");
    Path input = work.resolve("sources/applications.csv");
    CreditDataGenerator.generate(TestSpark.session(), 1500, 5)
        .coalesce(1)
        .write()
        .option("header", "true")
        .csv(input.toString());
    SparkSubmit.Result ingested =
        SparkSubmit.run(work, job(work, "ingest", "--input", input.toString()));
    assertEquals(0, ingested.exitCode(), ingested.stderr());
    killedThenCompletes(work, "validate");
    killedThenCompletes(work, "split");
    killedThenCompletes(work, "leakage");

    // A whole pipeline started while train works on the dataset is turned away, to retry later.
    // A search of eight trials, so that train still works when the refused run has started up.
    SparkSubmit.Started train =
        SparkSubmit.start(work, job(work, "train", "--set", "train.search.max-trials=8"));
    awaitRun(train, "train");
    SparkSubmit.Result concurrent = SparkSubmit.run(work, job(work, "run"));
    assertEquals(75, concurrent.exitCode(), concurrent.stdout() + concurrent.stderr());
    assertTrue(
        concurrent.errorLine().startsWith("batchmlops: error: dataset 'credit' is busy: `train`"),
        concurrent.errorLine());
    assertTrue(train.process().isAlive(), "train went on");
    train.killWhen(() -> true, "killed");
    SparkSubmit.Result retrained = completes(work, "train");
    assertTrue(retrained.stderr().contains("now end as KILLED"), retrained.stderr());

    // The tracking server crashes while evaluate logs to it, and comes back.
    SparkSubmit.Started evaluate = SparkSubmit.start(work, job(work, "evaluate"));
    awaitRun(evaluate, "evaluate");
    mlflow.crashAndRestart();
    assertTrue(evaluate.process().waitFor(5, TimeUnit.MINUTES));
    SparkSubmit.Result interrupted = evaluate.result();
    assertTrue(
        interrupted.exitCode() == 0
            // Down, the server either times out (our REST calls) or refuses the connection (the
            // MLflow client's): both are the transient exit, to retry later.
            || (interrupted.exitCode() == 75
                && interrupted.errorLine().contains("(transient: retry later)")),
        "fails as transient (or rides it out): " + interrupted.stdout() + interrupted.stderr());
    killedThenCompletes(work, "evaluate");

    // Killed before, during or after it registered: the re-run registers once, or finds its build.
    // Register does little work, and on a fast machine it can end between two polls; then the
    // re-run must find the version it registered rather than register another.
    SparkSubmit.Started register = SparkSubmit.start(work, job(work, "register"));
    if (register.killWhenOrEnded(() -> running("register"), "the register run started")) {
      // Killed while its run was open, the run ends as KILLED; killed after it had closed its run
      // (between two polls), the re-run finds the version it registered.
      SparkSubmit.Result rerun = completes(work, "register");
      assertFalse(running("register"), "no register run is left RUNNING");
      assertTrue(
          rerun.stdout().contains("not registered again: identical to")
              || !mlflow
                  .searchRuns(
                      EXPERIMENT,
                      "attributes.run_name = 'register' AND attributes.status = 'KILLED'")
                  .isEmpty(),
          rerun.stdout() + rerun.stderr());
    } else {
      assertEquals(0, register.result().exitCode(), register.result().stderr());
      SparkSubmit.Result again = completes(work, "register");
      assertTrue(again.stdout().contains("not registered again: identical to"), again.stdout());
    }

    JsonNode versions = mlflow.modelVersions("batchmlops-credit");
    assertEquals(1, versions.size(), "registered once: " + versions);
    assertEquals(
        "1",
        mlflow
            .get("/api/2.0/mlflow/registered-models/alias?name=batchmlops-credit&alias=champion")
            .path("model_version")
            .path("version")
            .asText());

    Path raw = work.resolve("delta/credit/raw");
    Path splits = work.resolve("delta/credit/splits");
    assertEquals(0L, latestVersion(raw), "one ingest");
    List<Row> perVersion =
        TestSpark.session()
            .read()
            .format("delta")
            .load(splits.toString())
            .groupBy("split")
            .count()
            .collectAsList();
    assertEquals(3, perVersion.size(), "train, validation and test");
    assertEquals(
        1500,
        TestSpark.session().read().format("delta").load(splits.toString()).count(),
        "the latest split holds every row once");
  }
}
