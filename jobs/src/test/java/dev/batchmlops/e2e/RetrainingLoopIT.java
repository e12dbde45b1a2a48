package dev.batchmlops.e2e;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchmlops.support.JobArgs;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.SparkSubmit;
import dev.batchmlops.support.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * The loop after registration, through spark-submit against a real MLflow server: train and
 * register on batch 1; score an undrifted batch 2 (monitor: healthy); score a drifted batch 3
 * (monitor names the drifted features and recommends retraining); retrain on the appended data,
 * which registers a gated challenger; scoring batch 3 again writes nothing.
 */
class RetrainingLoopIT {
  private static final String MODEL = "batchmlops-credit";
  private final MlflowTestServer mlflow = MlflowTestServer.shared();

  private SparkSubmit.Result job(Path work, String command, String... extra) {
    // An experiment and a registered model of its own, apart from the other tests' runs.
    List<String> args =
        new ArrayList<>(
            List.of(
                "--set",
                "ingest.mode=append",
                "--set",
                "tracking.experiment-prefix=loop",
                "--set",
                "register.model-prefix=loop"));
    args.addAll(List.of(extra));
    return SparkSubmit.run(
        work, JobArgs.of(command, work, mlflow.uri(), args.toArray(String[]::new)));
  }

  /** Lands batch {@code batch} (with {@code drift} settings) and ingests it as an append. */
  private void landBatch(Path work, int batch, String... drift) {
    List<String> settings = new ArrayList<>(List.of("--set", "generate.batch=" + batch));
    for (String setting : drift) {
      settings.addAll(List.of("--set", setting));
    }
    SparkSubmit.Result generated = job(work, "generate", settings.toArray(String[]::new));
    assertEquals(0, generated.exitCode(), generated.stderr());
    SparkSubmit.Result ingested = job(work, "ingest");
    assertEquals(0, ingested.exitCode(), ingested.stderr());
  }

  @Test
  void aDriftedBatchTriggersARetrainThatRegistersAGatedChallenger() throws Exception {
    Path work = Files.createTempDirectory("batchmlops-loop-");
    String model = "loop-credit";

    SparkSubmit.Result first = job(work, "run");
    assertEquals(0, first.exitCode(), first.stderr());
    assertTrue(first.stdout().contains("registered model " + model + " version 1"), first.stdout());

    // Batch 2, drawn like batch 1: healthy.
    landBatch(work, 1);
    SparkSubmit.Result scored = job(work, "score");
    assertEquals(0, scored.exitCode(), scored.stderr());
    assertTrue(
        scored.stdout().contains("scored 3000 rows of "),
        "only the new batch's rows: " + scored.stdout());
    SparkSubmit.Result healthy = job(work, "monitor");
    assertEquals(0, healthy.exitCode(), healthy.stdout() + healthy.stderr());
    assertTrue(healthy.stdout().contains("monitor: healthy: 0 of "), healthy.stdout());

    // Batch 3: income and loan amounts moved by a standard deviation, and the risk means less.
    landBatch(
        work,
        2,
        "generate.drift.features=[income, loan_amount]",
        "generate.drift.shift=1.0",
        "generate.drift.concept=0.6");
    SparkSubmit.Result scoredDrifted = job(work, "score");
    assertEquals(0, scoredDrifted.exitCode(), scoredDrifted.stderr());
    SparkSubmit.Result drifted = job(work, "monitor");
    assertEquals(4, drifted.exitCode(), drifted.stdout() + drifted.stderr());
    String line =
        drifted.stdout().lines().filter(l -> l.startsWith("monitor: ")).findFirst().orElseThrow();
    assertTrue(line.startsWith("monitor: retrain recommended: "), line);
    assertTrue(line.contains("income") && line.contains("loan_amount"), line);
    assertFalse(line.contains("age,") || line.contains("[age"), "age did not move: " + line);

    // The monitoring history holds one row per feature and one for the scores, per batch.
    Dataset<Row> history =
        TestSpark.session()
            .read()
            .format("delta")
            .load(work.resolve("delta/credit/monitoring").toString());
    assertEquals(2, history.select("batch_id").distinct().count());
    assertEquals(
        List.of("income", "loan_amount"),
        history
            .where("drifted and decision = 'retrain recommended' and feature != '__score__'")
            .select("feature")
            .orderBy("feature")
            .as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList());
    JsonNode monitorRun =
        mlflow
            .post(
                "/api/2.0/mlflow/runs/search",
                "{\"experiment_ids\": [\""
                    + experimentId()
                    + "\"], \"filter\": \"attributes.run_name = 'monitor-credit'\","
                    + " \"order_by\": [\"attributes.start_time DESC\"]}")
            .path("runs")
            .path(0);
    assertEquals("retrain recommended", tag(monitorRun, "batchmlops.monitor_decision"));
    assertEquals(1.0, metric(monitorRun, "drift.drifted.income"), 1e-9);
    assertEquals(0.0, metric(monitorRun, "drift.drifted.age"), 1e-9);

    // The retrain: the ordinary pipeline on the new raw version, through every gate.
    SparkSubmit.Result retrained = job(work, "run", "--raw-version", "2");
    assertEquals(0, retrained.exitCode(), retrained.stdout() + retrained.stderr());
    assertTrue(
        retrained.stdout().contains("registered model " + model + " version 2"),
        retrained.stdout());
    assertEquals(
        "2",
        mlflow
            .get("/api/2.0/mlflow/registered-models/alias?name=" + model + "&alias=challenger")
            .path("model_version")
            .path("version")
            .asText());

    // Batch 3 with version 1 again: already scored, nothing written.
    long versions = predictionsVersions(work);
    SparkSubmit.Result again = job(work, "score", "--raw-version", "2", "--model", model + "/1");
    assertEquals(0, again.exitCode(), again.stderr());
    assertTrue(again.stdout().contains("already scored: "), again.stdout());
    assertEquals(versions, predictionsVersions(work));

    // A version whose files are not a Spark model: one line, nothing written.
    String runId =
        mlflow
            .get("/api/2.0/mlflow/registered-models/alias?name=" + model + "&alias=challenger")
            .path("model_version")
            .path("run_id")
            .asText();
    String artifacts =
        mlflow
            .get("/api/2.0/mlflow/runs/get?run_id=" + runId)
            .path("run")
            .path("info")
            .path("artifact_uri")
            .asText();
    String broken =
        mlflow
            .post(
                "/api/2.0/mlflow/model-versions/create",
                "{\"name\": \""
                    + model
                    + "\", \"source\": \""
                    + artifacts
                    + "/config\", \"run_id\": \""
                    + runId
                    + "\"}")
            .path("model_version")
            .path("version")
            .asText();
    SparkSubmit.Result refused = job(work, "score", "--model", model + "/" + broken);
    assertEquals(1, refused.exitCode(), refused.stderr());
    assertTrue(
        refused.errorLine().startsWith("batchmlops: error: model " + model + " version " + broken)
            && refused
                .errorLine()
                .endsWith("holds no sparkml folder: not a Spark model this" + " pipeline logged"),
        refused.errorLine());
    assertEquals(versions, predictionsVersions(work));
  }

  private static long predictionsVersions(Path work) {
    return io.delta.tables.DeltaTable.forPath(
            TestSpark.session(), work.resolve("delta/credit/predictions").toString())
        .history()
        .count();
  }

  private String experimentId() {
    return mlflow
        .get("/api/2.0/mlflow/experiments/get-by-name?experiment_name=loop-credit")
        .path("experiment")
        .path("experiment_id")
        .asText();
  }

  private static String tag(JsonNode run, String key) {
    for (JsonNode tag : run.path("data").path("tags")) {
      if (tag.path("key").asText().equals(key)) {
        return tag.path("value").asText();
      }
    }
    return null;
  }

  private static double metric(JsonNode run, String key) {
    for (JsonNode metric : run.path("data").path("metrics")) {
      if (metric.path("key").asText().equals(key)) {
        return metric.path("value").asDouble();
      }
    }
    throw new AssertionError("no metric " + key + " in " + run);
  }
}
