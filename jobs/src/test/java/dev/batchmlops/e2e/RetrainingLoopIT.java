package dev.batchmlops.e2e;

import static dev.batchmlops.support.DeltaFiles.dataFiles;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.support.JobArgs;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.Notebooks;
import dev.batchmlops.support.ProjectPaths;
import dev.batchmlops.support.SparkSubmit;
import dev.batchmlops.support.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The loop after registration, through spark-submit against a real MLflow server: train and
 * register on batch 1; score an undrifted batch 2 from a file without labels, then monitor it with
 * its labels from a later file (healthy, measured); score a drifted batch 3 (monitor names the
 * drifted features and recommends retraining); retrain on the appended data, which registers a
 * gated challenger; a version that is not a Spark model is refused; a scoring killed mid-write
 * leaves no partial batch, a monitor killed while it works no monitoring record.
 */
class RetrainingLoopIT {
  private static final long BIG = 150_000;
  private final MlflowTestServer mlflow = MlflowTestServer.shared();
  private final SparkSession spark = TestSpark.session();

  private SparkSubmit.Result job(Path work, String command, String... extra) {
    return SparkSubmit.run(work, jobArgs(work, command, extra));
  }

  private List<String> jobArgs(Path work, String command, String... extra) {
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
    return JobArgs.of(command, work, mlflow.uri(), args.toArray(String[]::new));
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

    // Batch 2, drawn like batch 1, arrives without its outcomes: scored from a file; its
    // outcomes come later in a file of their own, joined by id: healthy, and measured.
    landBatch(work, 1);
    Dataset<Row> arrived =
        spark
            .read()
            .option("header", "true")
            .csv(work.resolve("landing/credit/credit.csv").toString());
    Path unlabelled = work.resolve("arrivals/batch-2.csv");
    arrived.drop("defaulted").write().option("header", "true").csv(unlabelled.toString());
    Path outcomes = work.resolve("arrivals/batch-2-labels.parquet");
    arrived.select("application_id", "defaulted").write().parquet(outcomes.toString());
    SparkSubmit.Result scored = job(work, "score", "--input", unlabelled.toString());
    assertEquals(0, scored.exitCode(), scored.stderr());
    assertTrue(
        scored
            .stdout()
            .contains("scored 3000 rows of " + work.resolve("delta/credit/scoring-inputs") + "@v0"),
        scored.stdout());
    SparkSubmit.Result healthy = job(work, "monitor", "--labels", outcomes.toString());
    assertEquals(0, healthy.exitCode(), healthy.stdout() + healthy.stderr());
    assertTrue(healthy.stdout().contains("monitor: healthy: 0 of "), healthy.stdout());
    assertTrue(healthy.stdout().contains(" on 3000 labelled rows (test "), healthy.stdout());
    JsonNode measured = lastRun("monitor-credit");
    double batchAuc = metric(measured, "batch_auc");
    assertTrue(batchAuc > 0.65 && batchAuc < 0.9, "the batch's AUC, like the test's: " + batchAuc);
    assertTrue(metric(measured, "batch_segment_auc.sex.female") > 0.5);
    assertEquals(0.0, metric(measured, "batch_segments_below_test"), 1e-9);
    assertEquals(3000.0, metric(measured, "rows_processed"), 1e-9);
    assertTrue(tag(measured, "batchmlops.batch_quality").contains(" 0 errors"));

    // Batch 3: income and loan amounts moved by a standard deviation, and the risk means less.
    landBatch(
        work,
        2,
        "generate.drift.features=[income, loan_amount]",
        "generate.drift.shift=1.0",
        "generate.drift.concept=0.6");
    SparkSubmit.Result scoredDrifted = job(work, "score");
    assertEquals(0, scoredDrifted.exitCode(), scoredDrifted.stderr());
    // A monitor killed while it works writes nothing; the next one records the batch once.
    Path monitoring = work.resolve("delta/credit/monitoring");
    long monitored = latestVersion(monitoring);
    SparkSubmit.start(work, jobArgs(work, "monitor"))
        .killWhen(() -> mlflow.hasRunningRun("loop-credit", "monitor-credit"), "monitor started");
    SparkSubmit.Result drifted = job(work, "monitor");
    assertEquals(4, drifted.exitCode(), drifted.stdout() + drifted.stderr());
    assertTrue(
        drifted.stderr().contains("  MLflow run " + mlflow.uri() + "/#/experiments/"),
        "where the evidence is: " + drifted.stderr());
    String line =
        drifted.stdout().lines().filter(l -> l.startsWith("monitor: ")).findFirst().orElseThrow();
    assertTrue(line.startsWith("monitor: retrain recommended: "), line);
    assertTrue(
        line.contains(" features drifted [income, loan_amount], "),
        "those two moved, age and the rest did not: " + line);
    assertTrue(
        line.contains("auc fell ") && line.contains("beyond chance"),
        "the concept shift shows as a fall of the batch's AUC: " + line);
    assertTrue(
        drifted.stdout().lines().anyMatch(l -> l.equals("retrain with  run --raw-version 2")),
        "the data to retrain on, for a scheduler: " + drifted.stdout());

    // The monitoring history holds one row per feature and one for the scores, per batch.
    Dataset<Row> history =
        TestSpark.session()
            .read()
            .format("delta")
            .load(work.resolve("delta/credit/monitoring").toString());
    assertEquals(2, history.select("batch_id").distinct().count());
    assertEquals(monitored + 1, latestVersion(monitoring), "one commit for batch 3");
    assertEquals(
        List.of("income", "loan_amount"),
        history
            .where("drifted and decision = 'retrain recommended' and feature != '__score__'")
            .select("feature")
            .orderBy("feature")
            .as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList());
    assertEquals(
        history
            .where("feature = '__score__' and performance_metric = 'auc' and batch_value > 0.5")
            .count(),
        2,
        "batch 2's outcomes (from the labels file) and batch 3's (in its rows) are measured");
    JsonNode monitorRun = lastRun("monitor-credit");
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

    // A version whose files are not a Spark model: one line, nothing written. (Scoring a batch
    // again writing nothing is PipelineEndToEndIT's.)
    long versions = predictionsVersions(work);
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
                .contains(
                    "holds no sparkml folder: not a Spark model this pipeline logged [MLflow run "
                        + mlflow.uri()),
        refused.errorLine());
    assertEquals(versions, predictionsVersions(work));

    killedScoringLeavesNoPartialBatch(work);
    notebooksShowTheLoop(work, model);
  }

  /**
   * The notebooks a data scientist opens next to the MLflow UI, executed headless on this loop's
   * tables and runs: every cell runs, each renders its figures, and they show what happened.
   */
  private void notebooksShowTheLoop(Path work, String model) throws Exception {
    Path rendered = work.resolve("notebooks");
    Notebooks.Result notebooks =
        Notebooks.execute(
            rendered,
            Map.of(
                "tracking-uri",
                mlflow.uri(),
                "storage-root",
                work.resolve("delta").toString(),
                "dataset",
                "credit",
                "experiment",
                "loop-credit",
                "registered-model",
                model,
                "job-jar",
                ProjectPaths.jobJar().toString()));
    assertEquals(0, notebooks.exitCode(), notebooks.output());
    for (String notebook : List.of("01-data", "02-experiments", "03-monitoring")) {
      JsonNode result = notebooks.summary().path(notebook);
      assertTrue(result.path("figures").asInt() >= 3, notebook + ": " + result);
      assertTrue(
          Notebooks.html(rendered, notebook).split("data:image/png;base64,", -1).length > 3,
          notebook + " renders its figures in its HTML");
    }
    String monitoring = Files.readString(rendered.resolve("03-monitoring.ipynb"));
    assertTrue(monitoring.contains("2 monitored batch(es)"), "both monitored batches");
    assertTrue(
        monitoring.contains("drifted ['income', 'loan_amount']"),
        "the last batch's drifted features");
    // The retrain's version took both aliases; the broken version 3 holds no segment metrics.
    String experiments = Files.readString(rendered.resolve("02-experiments.ipynb"));
    assertTrue(
        experiments.contains("compared per segment: challenger, champion (v2); v1"),
        "the champion compared per segment with the version before it");
  }

  /**
   * A scoring killed (SIGKILL) while it writes predictions leaves no part of the batch; run again,
   * it writes the batch once.
   */
  private void killedScoringLeavesNoPartialBatch(Path work) throws Exception {
    Path big = work.resolve("arrivals/big.csv");
    CreditDataGenerator.generate(spark, BIG, 9)
        .drop("defaulted")
        .write()
        .option("header", "true")
        .csv(big.toString());
    Path predictions = work.resolve("delta/credit/predictions");
    long before = predictionsVersions(work);
    Set<Path> files = dataFiles(predictions);
    SparkSubmit.start(work, jobArgs(work, "score", "--input", big.toString()))
        .killWhen(() -> !dataFiles(predictions).equals(files), "it wrote a prediction file");
    assertTrue(dataFiles(predictions).size() > files.size(), "killed while writing predictions");
    assertEquals(before, predictionsVersions(work), "no commit: no partial batch");

    SparkSubmit.Result rerun = job(work, "score", "--input", big.toString());
    assertEquals(0, rerun.exitCode(), rerun.stderr());
    assertTrue(rerun.stdout().contains("scored " + BIG + " rows of "), rerun.stdout());
    assertEquals(before + 1, predictionsVersions(work));
    Dataset<Row> table = spark.read().format("delta").load(predictions.toString());
    String batch =
        table
            .orderBy(org.apache.spark.sql.functions.col("scored_at").desc())
            .first()
            .getAs("batch_id");
    assertEquals(
        BIG, table.where(org.apache.spark.sql.functions.col("batch_id").equalTo(batch)).count());
    assertEquals(
        BIG,
        table
            .where(org.apache.spark.sql.functions.col("batch_id").equalTo(batch))
            .select("application_id")
            .distinct()
            .count(),
        "each row once");
  }

  private JsonNode lastRun(String name) {
    return mlflow.searchRuns("loop-credit", "attributes.run_name = '" + name + "'").get(0);
  }

  private static long latestVersion(Path table) {
    return io.delta.tables.DeltaTable.forPath(TestSpark.session(), table.toString())
        .history(1)
        .first()
        .getLong(0);
  }

  private static long predictionsVersions(Path work) {
    return io.delta.tables.DeltaTable.forPath(
            TestSpark.session(), work.resolve("delta/credit/predictions").toString())
        .history()
        .count();
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
