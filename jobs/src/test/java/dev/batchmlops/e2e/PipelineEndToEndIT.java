package dev.batchmlops.e2e;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchmlops.support.HeadlessChromium;
import dev.batchmlops.support.JobArgs;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.PostgresTestServer;
import dev.batchmlops.support.ProjectPaths;
import dev.batchmlops.support.SparkSubmit;
import dev.batchmlops.support.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The whole pipeline through the real spark-submit launcher, against a real MLflow server, on 3,000
 * generated rows; then what users look at: the MLflow runs, artifacts and registry, and the Delta
 * tables. The tests run in order: later ones build on the runs of earlier ones.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineEndToEndIT {
  private static final String MODEL = "batchmlops-credit";
  private static final Set<String> STAGE_RUNS =
      Set.of(
          "generate",
          "ingest",
          "validate",
          "split",
          "leakage",
          "baseline-prior",
          "baseline-reference",
          "train",
          "evaluate",
          "register");

  private final MlflowTestServer mlflow = MlflowTestServer.shared();
  private Path work;
  private SparkSubmit.Result firstRun;

  @BeforeAll
  void runThePipelineOnce() throws IOException {
    work = Files.createTempDirectory("batchmlops-e2e-");
    firstRun = runPipeline(work, mlflow.uri());
  }

  private static SparkSubmit.Result runPipeline(Path work, String trackingUri, String... extra) {
    return SparkSubmit.run(work, JobArgs.of("run", work, trackingUri, extra));
  }

  @Test
  @Order(1)
  void firstRunRegistersTheChampion() {
    assertTrue(
        mlflow.getText("/version").startsWith("3."), "the MLflow 3 server the scripts install");
    assertEquals(0, firstRun.exitCode(), firstRun.stderr());
    assertTrue(
        firstRun.stdout().contains("registered model " + MODEL + " version 1 (champion)"),
        firstRun.stdout());
    assertTrue(firstRun.stdout().contains("validation    "), firstRun.stdout());
    assertTrue(firstRun.stdout().contains(", 0 errors, "), firstRun.stdout());
  }

  @Test
  @Order(2)
  void mlflowHoldsTheParentRunWithAChildPerStage() {
    String experimentId = experimentId();
    JsonNode experiment =
        mlflow
            .get("/api/2.0/mlflow/experiments/get?experiment_id=" + experimentId)
            .path("experiment");
    Map<String, String> experimentTags = new HashMap<>();
    experiment
        .path("tags")
        .forEach(t -> experimentTags.put(t.path("key").asText(), t.path("value").asText()));
    assertEquals(
        "custom_model_development",
        experimentTags.get("mlflow.experimentKind"),
        "MLflow 3's UI opens it on its training runs");
    List<JsonNode> runs = new ArrayList<>();
    mlflow
        .post(
            "/api/2.0/mlflow/runs/search",
            "{\"experiment_ids\": [\"" + experimentId + "\"], \"max_results\": 1000}")
        .path("runs")
        .forEach(runs::add);
    List<JsonNode> parents =
        runs.stream().filter(r -> tag(r, "mlflow.parentRunId") == null).toList();
    assertEquals(1, parents.size(), "one pipeline run so far");
    JsonNode parent = parents.get(0);
    String parentId = parent.path("info").path("run_id").asText();
    assertEquals("FINISHED", parent.path("info").path("status").asText());
    assertEquals("0", tag(parent, "batchmlops.raw_version"));
    assertEquals("0", tag(parent, "batchmlops.splits_version"));
    assertNotNull(tag(parent, "batchmlops.config_hash"));
    assertTrue(
        tag(parent, "mlflow.source.git.commit").matches("[0-9a-f]{40}(-dirty)?"),
        tag(parent, "mlflow.source.git.commit"));
    assertEquals("42", param(parent, "seed"));
    assertTrue(metric(parent, "test_auc") > 0.65, "test AUC " + metric(parent, "test_auc"));

    Map<String, JsonNode> children = new HashMap<>();
    runs.stream()
        .filter(r -> parentId.equals(tag(r, "mlflow.parentRunId")))
        .forEach(r -> children.put(r.path("info").path("run_name").asText(), r));
    assertEquals(STAGE_RUNS, children.keySet());
    children
        .values()
        .forEach(r -> assertEquals("FINISHED", r.path("info").path("status").asText()));

    JsonNode train = children.get("train");
    assertEquals("4", param(train, "trials"), "the test environment's search budget");
    assertTrue(param(train, "best_trial").matches("trial-0[1-4]-" + param(train, "model_type")));
    long trials =
        runs.stream()
            .filter(
                r ->
                    train.path("info").path("run_id").asText().equals(tag(r, "mlflow.parentRunId")))
            .count();
    assertEquals(4, trials, "one run per trial under the search");
    assertEquals("median", param(train, "Imputer.strategy"));
    assertEquals("credit_history,purpose,housing", param(train, "categorical_features"));
    assertTrue(metric(train, "validation_auc") > 0.65);
    assertTrue(metric(train, "test_auc") > 0.65);
    assertEquals("0", tag(train, "batchmlops.splits_version"));
    // The decision threshold, chosen on validation (best F1 by default), not a fixed 0.5.
    double threshold = metric(train, "decision_threshold");
    assertTrue(
        threshold > 0 && threshold < 0.5, "a quarter default: F1 peaks below 0.5, " + threshold);
    assertEquals("max-f1", param(train, "decision_threshold_rule"));
    assertTrue(
        metric(train, "validation_at_threshold_recall") > metric(train, "validation_recall"));

    // The data each run read, as MLflow datasets (the UI's Dataset column): the split's parts
    // with the split's fingerprint as digest, the raw version for validate and split.
    String fingerprint = tag(parent, "batchmlops.split_fingerprint");
    assertEquals(
        Map.of("credit-train", "training", "credit-validation", "validation"),
        datasets(train, fingerprint));
    assertEquals(Map.of("credit-test", "test"), datasets(children.get("evaluate"), fingerprint));
    assertEquals(
        Map.of(
            "credit-train", "training", "credit-validation", "validation", "credit-test", "test"),
        datasets(children.get("leakage"), fingerprint));
    JsonNode rawInput =
        fetched(children.get("validate"))
            .path("inputs")
            .path("dataset_inputs")
            .get(0)
            .path("dataset");
    assertEquals("credit-raw", rawInput.path("name").asText());
    assertEquals("delta_table", rawInput.path("source_type").asText());
    assertTrue(
        rawInput.path("source").asText().contains("\"delta_table_version\":0"),
        rawInput.path("source").asText());
    assertTrue(rawInput.path("schema").asText().contains("\"name\":\"income\""));

    JsonNode baseline = children.get("baseline-prior");
    assertEquals(0.5, metric(baseline, "validation_auc"), 1e-9);

    JsonNode evaluate = children.get("evaluate");
    for (String metric :
        List.of("test_auc", "test_accuracy", "test_precision", "test_recall", "test_f1")) {
      assertNotNull(metricOrNull(evaluate, metric), metric);
    }
    assertNotNull(metricOrNull(evaluate, "test_auc.age_band.51plus"));
    assertNotNull(metricOrNull(evaluate, "test_f1.sex.female"));
    // The baseline is the reference model (MLlib's default logistic regression), the prior a floor.
    assertEquals(0.5, metric(evaluate, "prior_test_auc"), 1e-9);
    assertTrue(metric(evaluate, "reference_test_auc") > 0.65);
    assertEquals(metric(evaluate, "reference_test_auc"), metric(evaluate, "baseline_test_auc"));
    assertEquals("register", tag(evaluate, "batchmlops.gate_decision"));

    JsonNode split = children.get("split");
    assertEquals(
        3000.0,
        metric(split, "train_rows") + metric(split, "validation_rows") + metric(split, "test_rows"),
        1e-9);

    String trainId = train.path("info").path("run_id").asText();
    Set<String> modelFiles = artifacts(trainId, "model");
    assertTrue(
        modelFiles.containsAll(Set.of("model/MLmodel", "model/sparkml", "model/requirements.txt")),
        modelFiles.toString());
    assertTrue(artifacts(trainId, "model/sparkml").contains("model/sparkml/stages"));
    assertTrue(artifacts(parentId, "config").contains("config/resolved.json"));
    assertEquals(
        Set.of(
            "evaluation/decision.json",
            "evaluation/segments.json",
            "evaluation/fairness.json",
            "evaluation/confident-mistakes.json",
            "evaluation/worst-segments.json",
            "evaluation/report.html",
            "evaluation/plots"),
        artifacts(evaluate.path("info").path("run_id").asText(), "evaluation"));
    assertEquals(
        Set.of(
            "evaluation/plots/roc.png",
            "evaluation/plots/precision-recall.png",
            "evaluation/plots/calibration.png",
            "evaluation/plots/confusion-matrix.png",
            "evaluation/plots/segments-auc.png"),
        artifacts(evaluate.path("info").path("run_id").asText(), "evaluation/plots"));
    assertNotNull(metricOrNull(evaluate, "fairness.sex.demographic_parity_difference"));
    assertNotNull(metricOrNull(evaluate, "test_auc_ci_low.sex.female"));
    assertNotNull(metricOrNull(evaluate, "test_rows.sex_x_age_band.female_36-50"), "intersection");
    assertNotNull(metricOrNull(evaluate, "fairness.sex.train_share.female"), "representation");
    assertNotNull(metricOrNull(evaluate, "test_negative_recall"), "per-class metrics");
    JsonNode register = children.get("register");
    assertEquals("passed", tag(register, "batchmlops.gate.min_segment_metric"));
    assertEquals("passed", tag(register, "batchmlops.gate.max_fairness_gap.sex"));
    assertEquals("passed", tag(register, "batchmlops.gate.leakage_passed"));
    JsonNode validate = children.get("validate");
    assertEquals(
        Set.of("validation/report.json", "validation/report.html"),
        artifacts(validate.path("info").path("run_id").asText(), "validation"));
    assertEquals(3000.0, metric(validate, "data.size"), 1e-9);
    assertEquals(0.0, metric(validate, "validation.errors"), 1e-9);
    assertEquals("passed", tag(parent, "batchmlops.validation"));
    JsonNode leakage = children.get("leakage");
    assertEquals(
        Set.of("leakage/report.json", "leakage/report.html"),
        artifacts(leakage.path("info").path("run_id").asText(), "leakage"));
    double strongest = metric(leakage, "leakage.max_feature_auc");
    assertTrue(strongest > 0.5 && strongest < 0.8, "strongest single feature AUC " + strongest);
    assertEquals("passed", tag(parent, "batchmlops.leakage"));

    JsonNode champion = alias("champion");
    assertEquals("1", champion.path("version").asText());
    assertEquals(trainId, champion.path("run_id").asText());
    Map<String, String> versionTags = new HashMap<>();
    champion
        .path("tags")
        .forEach(t -> versionTags.put(t.path("key").asText(), t.path("value").asText()));
    assertEquals(work.resolve("delta/credit/raw").toString() + "@v0", versionTags.get("raw_table"));
    assertEquals(
        work.resolve("delta/credit/splits").toString() + "@v0", versionTags.get("splits_table"));
    assertEquals(parentId, versionTags.get("pipeline_run_id"));
    assertNotNull(versionTags.get("gate.min_segment_metric"), versionTags.toString());
    assertEquals("passed", versionTags.get("leakage_checks"));
    assertEquals(16, versionTags.get("contract_fingerprint").length());
    assertTrue(
        versionTags.get("model_path").endsWith("/models/" + trainId), versionTags.toString());
    assertEquals(
        metric(train, "decision_threshold"),
        Double.parseDouble(versionTags.get("decision_threshold")),
        1e-9,
        "the version carries the threshold it decides at");

    // The model as MLflow 3 keeps it: a logged model of the train run, output of the pipeline
    // run too, that the registered version points at.
    String modelId =
        fetched(train).path("outputs").path("model_outputs").path(0).path("model_id").asText();
    assertTrue(modelId.startsWith("m-"), fetched(train).path("outputs").toString());
    assertTrue(
        champion.path("source").asText().contains("/models/" + modelId + "/"), champion.toString());
    assertEquals(
        modelId,
        fetched(parent).path("outputs").path("model_outputs").path(0).path("model_id").asText());
    JsonNode logged = mlflow.get("/api/2.0/mlflow/logged-models/" + modelId).path("model");
    assertEquals(trainId, logged.path("info").path("source_run_id").asText());
    List<String> modelMetrics = new ArrayList<>();
    logged.path("data").path("metrics").forEach(m -> modelMetrics.add(m.path("key").asText()));
    assertTrue(modelMetrics.contains("test_auc"), "evaluate's test metrics: " + modelMetrics);
    String registrations = "";
    for (JsonNode tag : logged.path("info").path("tags")) {
      if (tag.path("key").asText().equals("mlflow.modelVersions")) {
        registrations = tag.path("value").asText();
      }
    }
    assertTrue(
        registrations.contains("\"name\": \"" + MODEL + "\", \"version\": 1"),
        "the logged model knows the version registered from it: " + registrations);
    assertEquals(
        Map.of(
            "credit-train", "training", "credit-validation", "validation", "credit-test", "test"),
        datasets(parent, fingerprint),
        "the pipeline run's row shows the data too");
  }

  /**
   * What a user sees in the MLflow 3 UI after the first run, in headless Chromium: the link the run
   * prints opens the experiment's training runs (not the GenAI overview), the pipeline run and its
   * train run show their data and model, and the model card renders. Screenshots are kept in
   * target/ui-screenshots.
   */
  @Test
  @Order(2)
  void theMlflowUiShowsTheTrainingRunsWithTheirDataAndModelAndTheModelCard() throws Exception {
    Path shots = ProjectPaths.root().resolve("jobs/target/ui-screenshots");
    String link =
        firstRun
            .stdout()
            .lines()
            .filter(l -> l.startsWith("MLflow UI"))
            .findFirst()
            .orElseThrow(() -> new AssertionError(firstRun.stdout()))
            .substring("MLflow UI".length())
            .trim();
    String experimentId = experimentId();
    String evaluateRunId =
        mlflow
            .post(
                "/api/2.0/mlflow/runs/search",
                "{\"experiment_ids\": [\""
                    + experimentId
                    + "\"], \"filter\": \"attributes.run_name = 'evaluate'\"}")
            .path("runs")
            .path(0)
            .path("info")
            .path("run_id")
            .asText();
    Duration patience = Duration.ofSeconds(90);
    try (HeadlessChromium browser = HeadlessChromium.start()) {
      browser.open(link);
      browser.waitForText(
          patience, "pipeline-credit", "Dataset", "credit-train", "credit-test", "Models");
      browser.screenshot(shots.resolve("1-experiment-runs.png"));
      assertEquals(
          "Runs - Experiment " + experimentId + " - MLflow",
          browser.evaluate("document.title").asText(),
          "the experiment's training runs, not the GenAI overview");

      // The pipeline run's stage runs, under it: train shows its data and its registered model.
      assertTrue(
          browser
              .evaluate(
                  "(() => { const name = [...document.querySelectorAll('a')]"
                      + ".find(a => a.innerText.trim() === 'pipeline-credit');"
                      + " const expander = name && name.closest('[role=gridcell]')"
                      + ".querySelector('button'); if (expander) expander.click();"
                      + " return !!expander; })()")
              .asBoolean(),
          "the pipeline run's row expands");
      String rows = browser.waitForText(patience, "baseline-reference", "evaluate", "register");
      browser.waitForTrue(
          patience,
          "!!document.querySelector('[role=gridcell] a[href*=\"models/"
              + MODEL
              + "/versions/1\"]')");
      browser.screenshot(shots.resolve("2-stage-runs.png"));
      assertTrue(rows.contains("credit-raw"), "validate and split show the raw table: " + rows);

      // The model card, as the evaluate run's artifact view shows it.
      browser.open(
          mlflow.uri()
              + "/#/experiments/"
              + experimentId
              + "/runs/"
              + evaluateRunId
              + "/artifacts/evaluation/report.html");
      browser.waitForText(patience, "report.html", "decision.json");
      String card =
          browser.waitForFramedDocument(
              patience, "Model card: " + MODEL, "beats_baseline", "AUC per segment");
      assertTrue(card.contains("<img"), "the card embeds its plots");
      browser.screenshot(shots.resolve("3-model-card.png"));

      // The registered version names the run it came from.
      browser.open(mlflow.uri() + "/#/models/" + MODEL + "/versions/1");
      browser.waitForText(patience, "Version 1", "Source Run", "train", "champion");
      browser.screenshot(shots.resolve("4-registered-version.png"));
    }
  }

  /**
   * The champion scores the latest raw version from the registry's copy: one commit of predictions
   * at the version's threshold, an MLflow run with throughput; the same batch again writes nothing,
   * and an unknown alias fails in one line.
   */
  @Test
  @Order(3)
  void scoringWithTheChampionWritesEachBatchOnce() {
    SparkSubmit.Result scored = SparkSubmit.run(work, JobArgs.of("score", work, mlflow.uri()));
    assertEquals(0, scored.exitCode(), scored.stderr());
    assertTrue(scored.stdout().contains("scored 3000 rows of "), scored.stdout());
    SparkSession spark = TestSpark.session();
    String predictions = work.resolve("delta/credit/predictions").toString();
    Dataset<Row> table = spark.read().format("delta").load(predictions);
    assertEquals(3000, table.count());
    assertEquals(3000, table.select("application_id").distinct().count());
    Map<String, String> versionTags = new HashMap<>();
    alias("champion")
        .path("tags")
        .forEach(t -> versionTags.put(t.path("key").asText(), t.path("value").asText()));
    double threshold = Double.parseDouble(versionTags.get("decision_threshold"));
    Row first = table.first();
    assertEquals(MODEL, first.getAs("model_name"));
    assertEquals("1", first.getAs("model_version"));
    assertEquals(threshold, (double) first.getAs("threshold"), 1e-12);
    assertEquals(
        0,
        table
            .where(col("prediction").notEqual(when(col("score").geq(threshold), 1).otherwise(0)))
            .count(),
        "predicted at the version's threshold");
    JsonNode run =
        mlflow
            .post(
                "/api/2.0/mlflow/runs/search",
                "{\"experiment_ids\": [\""
                    + experimentId()
                    + "\"], \"filter\": \"attributes.run_name = 'score-credit'\"}")
            .path("runs")
            .path(0);
    assertEquals("1", tag(run, "batchmlops.model_version"));
    assertNull(tag(run, "mlflow.parentRunId"), "a run of its own");
    assertEquals(3000.0, metric(run, "rows_scored"), 1e-9);
    assertTrue(metric(run, "rows_per_second") > 0);
    assertTrue(metric(run, "seconds_per_1000_rows") > 0);
    assertTrue(metric(run, "wall_seconds") > 0);

    SparkSubmit.Result again = SparkSubmit.run(work, JobArgs.of("score", work, mlflow.uri()));
    assertEquals(0, again.exitCode(), again.stderr());
    assertTrue(again.stdout().contains("already scored: "), again.stdout());
    assertEquals(0L, latestVersion(predictions), "nothing written the second time");

    SparkSubmit.Result unknown =
        SparkSubmit.run(
            work, JobArgs.of("score", work, mlflow.uri(), "--model", MODEL + "@nosuch"));
    assertEquals(1, unknown.exitCode(), unknown.stderr());
    assertEquals(
        "batchmlops: error: score: model " + MODEL + " has no alias 'nosuch' (or does not exist)",
        unknown.errorLine());
    assertEquals(0L, latestVersion(predictions));
  }

  private static long latestVersion(String table) {
    return io.delta.tables.DeltaTable.forPath(TestSpark.session(), table)
        .history(1)
        .first()
        .getLong(0);
  }

  @Test
  @Order(3)
  void deltaTablesHoldTheVersionsAndRowsTheRunRecorded() {
    SparkSession spark = TestSpark.session();
    String raw = work.resolve("delta/credit/raw").toString();
    String splits = work.resolve("delta/credit/splits").toString();
    assertEquals(3000, spark.read().format("delta").option("versionAsOf", 0).load(raw).count());
    Row history =
        io.delta.tables.DeltaTable.forPath(spark, raw)
            .history()
            .select("version", "userMetadata")
            .first();
    assertEquals(0L, history.getLong(0));
    assertTrue(history.getString(1).contains("\"operation\":\"ingest\""), history.getString(1));
    List<Row> perSplit =
        spark
            .read()
            .format("delta")
            .option("versionAsOf", 0)
            .load(splits)
            .groupBy("split")
            .count()
            .collectAsList();
    assertEquals(3, perSplit.size());
    assertEquals(3000, perSplit.stream().mapToLong(r -> r.getLong(1)).sum());
  }

  /**
   * A file to score is read like an ingest: without its label, a row that does not parse goes to
   * quarantine with its reason, the rest land once in the scoring-inputs table and are scored once.
   * A file that breaks the contract, or lacks a feature, fails in one line and writes nothing.
   */
  @Test
  @Order(4)
  void scoringAFileChecksItLikeAnIngestAndScoresItOnce() {
    SparkSession spark = TestSpark.session();
    Dataset<Row> arrivals =
        dev.batchmlops.generate.CreditDataGenerator.generate(spark, 500, 77).drop("defaulted");
    String broken = arrivals.orderBy("application_id").first().getAs("application_id");
    Path file = work.resolve("arrivals/applications.csv");
    arrivals
        .withColumn(
            "income",
            when(col("application_id").equalTo(broken), lit("lots"))
                .otherwise(col("income").cast("string")))
        .write()
        .option("header", "true")
        .csv(file.toString());
    String predictions = work.resolve("delta/credit/predictions").toString();
    String inputs = work.resolve("delta/credit/scoring-inputs").toString();
    long before = latestVersion(predictions);

    SparkSubmit.Result scored =
        SparkSubmit.run(work, JobArgs.of("score", work, mlflow.uri(), "--input", file.toString()));
    assertEquals(0, scored.exitCode(), scored.stderr());
    assertTrue(scored.stdout().contains("scored 499 rows of " + inputs + "@v0"), scored.stdout());
    assertEquals(before + 1, latestVersion(predictions));
    Row quarantined =
        spark
            .read()
            .format("delta")
            .load(work.resolve("delta/credit/quarantine").toString())
            .where(col("source").equalTo(file.toString()))
            .first();
    assertEquals("column 'income': 'lots' is not a double", quarantined.getAs("reason"));
    assertTrue(quarantined.<String>getAs("raw_record").contains(broken));

    SparkSubmit.Result again =
        SparkSubmit.run(work, JobArgs.of("score", work, mlflow.uri(), "--input", file.toString()));
    assertEquals(0, again.exitCode(), again.stderr());
    assertTrue(again.stdout().contains("already scored: " + inputs + "@v0"), again.stdout());
    assertEquals(before + 1, latestVersion(predictions));
    assertEquals(0L, latestVersion(inputs), "landed once");

    Path minors = work.resolve("arrivals/minors.csv");
    arrivals.withColumn("age", lit(12)).write().option("header", "true").csv(minors.toString());
    SparkSubmit.Result refused =
        SparkSubmit.run(
            work, JobArgs.of("score", work, mlflow.uri(), "--input", minors.toString()));
    assertEquals(1, refused.exitCode(), refused.stderr());
    assertTrue(
        refused
                .errorLine()
                .startsWith(
                    "batchmlops: error: score: the batch "
                        + minors
                        + " breaks the contract, nothing scored: ")
            && refused.errorLine().contains("age: min >= 18.0"),
        refused.errorLine());

    Path noIncome = work.resolve("arrivals/no-income.csv");
    arrivals.drop("income").write().option("header", "true").csv(noIncome.toString());
    SparkSubmit.Result lacking =
        SparkSubmit.run(
            work, JobArgs.of("score", work, mlflow.uri(), "--input", noIncome.toString()));
    assertEquals(1, lacking.exitCode(), lacking.stderr());
    assertTrue(
        lacking
            .errorLine()
            .startsWith(
                "batchmlops: error: score: "
                    + noIncome
                    + " lacks the contract's column(s) [income]"),
        lacking.errorLine());
    assertEquals(before + 1, latestVersion(predictions), "nothing scored");
    assertEquals(0L, latestVersion(inputs), "nothing landed");
  }

  /**
   * A database source, read incrementally: each scoring takes only the rows past the largest
   * watermark scored so far; with none new, it says so and exits 0.
   */
  @Test
  @Order(5)
  void scoringFromADatabaseTakesOnlyTheRowsPastTheWatermark() {
    SparkSession spark = TestSpark.session();
    PostgresTestServer postgres = PostgresTestServer.shared();
    String table = "arrivals_e2e";
    Dataset<Row> all =
        dev.batchmlops.generate.CreditDataGenerator.generate(spark, 600, 78)
            .drop("defaulted")
            .cache();
    Dataset<Row> early = all.where(col("application_date").lt("2025-01-01"));
    Dataset<Row> late = all.where(col("application_date").geq("2025-01-01"));
    java.util.Properties user = new java.util.Properties();
    user.put("user", PostgresTestServer.USER);
    early.write().mode(SaveMode.Overwrite).jdbc(postgres.jdbcUrl(), table, user);
    String[] source = {
      "--set", "score.source.format=jdbc",
      "--set", "score.source.jdbc.url=" + postgres.jdbcUrl(),
      "--set", "score.source.jdbc.user=" + PostgresTestServer.USER,
      "--set", "score.source.jdbc.table=" + table,
      "--set", "score.source.jdbc.watermark-column=application_date"
    };
    String inputs = work.resolve("delta/credit/scoring-inputs").toString();

    SparkSubmit.Result first =
        SparkSubmit.run(work, JobArgs.of("score", work, mlflow.uri(), source));
    assertEquals(0, first.exitCode(), first.stderr());
    assertTrue(
        first.stdout().contains("scored " + early.count() + " rows of " + inputs), first.stdout());

    late.write().mode(SaveMode.Append).jdbc(postgres.jdbcUrl(), table, user);
    SparkSubmit.Result second =
        SparkSubmit.run(work, JobArgs.of("score", work, mlflow.uri(), source));
    assertEquals(0, second.exitCode(), second.stderr());
    assertTrue(
        second.stdout().contains("scored " + late.count() + " rows of " + inputs), second.stdout());
    assertEquals(
        600,
        spark
            .read()
            .format("delta")
            .load(work.resolve("delta/credit/predictions").toString())
            .where(col("input_table").equalTo(inputs).and(col("input_version").geq(1)))
            .join(all.select("application_id"), "application_id")
            .count(),
        "every row scored once (the file before it was version 0)");

    SparkSubmit.Result none =
        SparkSubmit.run(work, JobArgs.of("score", work, mlflow.uri(), source));
    assertEquals(0, none.exitCode(), none.stderr());
    assertTrue(
        none.stdout().contains("nothing to score: ")
            && none.stdout().contains(" past the last watermark"),
        none.stdout());
    all.unpersist();
  }

  @Test
  @Order(4)
  void secondRunIngestsNothingNewAndKeepsTheChampionItDoesNotBeat() {
    SparkSubmit.Result second = runPipeline(work, mlflow.uri());
    assertEquals(0, second.exitCode(), second.stderr());
    assertTrue(second.stdout().contains("already ingested"), second.stdout());
    assertTrue(
        second
            .stdout()
            .contains(
                "not registered again: identical to "
                    + MODEL
                    + " version 1 (the same raw data version, split, settings and code)"),
        second.stdout());
    assertEquals(1, versionCount(), "a rebuild of version 1 is not registered again");

    // Under other settings it is another build: registered, and kept from the champion it does not
    // beat (the gate decision stands: evaluate's and register's own settings are unchanged).
    SparkSubmit.Result changed =
        SparkSubmit.run(
            work,
            JobArgs.of("register", work, mlflow.uri(), "--set", "tracking.timeout-seconds=11"));
    assertEquals(0, changed.exitCode(), changed.stderr());
    assertTrue(changed.stdout().contains("version 2"), changed.stdout());
    assertEquals(
        "1", alias("champion").path("version").asText(), "same data, same metrics: no promotion");
    assertEquals("2", alias("challenger").path("version").asText());
    assertEquals(2, versionCount());
    assertEquals(
        0L,
        io.delta.tables.DeltaTable.forPath(
                TestSpark.session(), work.resolve("delta/credit/raw").toString())
            .history(1)
            .first()
            .getLong(0),
        "the same generated file is not ingested twice");
  }

  @Test
  @Order(5)
  void unreadableInputFailsWithOneLineAndRegistersNothing() {
    Path missing = work.resolve("no-such-file.csv");
    SparkSubmit.Result result = runPipeline(work, mlflow.uri(), "--input", missing.toString());
    assertEquals(1, result.exitCode(), result.stderr());
    assertTrue(
        result
            .errorLine()
            .startsWith(
                "batchmlops: error: ingest: input path "
                    + missing
                    + " does not exist or cannot be read [pipeline run "
                    + mlflow.uri()
                    + "/#/experiments/"),
        result.errorLine());
    assertEquals(2, versionCount());
  }

  @Test
  @Order(6)
  void silentTrackingServerFailsBeforeWritingAnything() throws IOException {
    Path elsewhere = Files.createTempDirectory("batchmlops-e2e-dead-");
    SparkSubmit.Result result =
        runPipeline(elsewhere, "http://127.0.0.1:" + MlflowTestServer.freePort());
    assertEquals(75, result.exitCode(), "a transient failure: " + result.stderr());
    assertTrue(result.errorLine().contains("did not answer"), result.stderr());
    assertFalse(Files.exists(elsewhere.resolve("delta")));
    assertEquals(2, versionCount(), "nothing registered");
  }

  @Test
  @Order(7)
  void promoteMovesTheChampionByHandWithTheReasonRecorded() {
    SparkSubmit.Result promoted =
        SparkSubmit.run(
            work,
            JobArgs.of(
                "promote",
                work,
                mlflow.uri(),
                "--version",
                "2",
                "--reason",
                "ticket ML-42: approved by the risk committee"));
    assertEquals(0, promoted.exitCode(), promoted.stderr());
    assertTrue(promoted.stdout().contains("is now version 2 (was version 1)"), promoted.stdout());
    JsonNode champion = alias("champion");
    assertEquals("2", champion.path("version").asText());
    Map<String, String> tags = new HashMap<>();
    champion.path("tags").forEach(t -> tags.put(t.path("key").asText(), t.path("value").asText()));
    assertEquals("ticket ML-42: approved by the risk committee", tags.get("promotion_reason"));
    assertEquals("1", tags.get("previous_champion"));

    SparkSubmit.Result missing =
        SparkSubmit.run(
            work, JobArgs.of("promote", work, mlflow.uri(), "--version", "9", "--reason", "x"));
    assertEquals(1, missing.exitCode());
    assertEquals(
        "batchmlops: error: promote: model " + MODEL + " has no version 9", missing.errorLine());

    // The second run's gate decision was made against champion 1: register refuses to act on it.
    SparkSubmit.Result stale = SparkSubmit.run(work, JobArgs.of("register", work, mlflow.uri()));
    assertEquals(1, stale.exitCode(), stale.stderr());
    assertTrue(
        stale
            .errorLine()
            .startsWith(
                "batchmlops: error: register: the champion changed since the gate decision was"
                    + " made (then v1, now v2): run `evaluate` again [pipeline run "),
        stale.errorLine());
    assertEquals(2, versionCount(), "nothing registered");
  }

  @Test
  @Order(8)
  void aFailedGateRegistersNothingAndExitsThreeWithTheGatesInOneLine() {
    SparkSubmit.Result blocked =
        runPipeline(
            work,
            mlflow.uri(),
            "--raw-version",
            "0",
            "--set",
            "register.gates.max-fairness-gap=0",
            "--set",
            "register.gates.min-segment-metric=0.99");
    assertEquals(3, blocked.exitCode(), blocked.stderr());
    String line = blocked.errorLine();
    assertTrue(line.startsWith("batchmlops: model not registered: "), line);
    assertTrue(line.contains("min_segment_metric (worst segment "), line);
    assertTrue(line.contains("max_fairness_gap.sex (largest gap between sex groups "), line);
    assertEquals(2, versionCount(), "nothing registered");
  }

  private String experimentId() {
    return mlflow
        .get("/api/2.0/mlflow/experiments/get-by-name?experiment_name=batchmlops-credit")
        .path("experiment")
        .path("experiment_id")
        .asText();
  }

  /** The run as runs/get returns it, with its inputs. */
  private JsonNode fetched(JsonNode run) {
    return mlflow
        .get("/api/2.0/mlflow/runs/get?run_id=" + run.path("info").path("run_id").asText())
        .path("run");
  }

  /** A run's dataset inputs: name to context, each asserted to carry the digest. */
  private Map<String, String> datasets(JsonNode run, String digest) {
    Map<String, String> contexts = new HashMap<>();
    for (JsonNode input : fetched(run).path("inputs").path("dataset_inputs")) {
      JsonNode dataset = input.path("dataset");
      assertEquals(digest, dataset.path("digest").asText(), dataset.toString());
      String context = "";
      for (JsonNode tag : input.path("tags")) {
        if (tag.path("key").asText().equals("mlflow.data.context")) {
          context = tag.path("value").asText();
        }
      }
      contexts.put(dataset.path("name").asText(), context);
    }
    return contexts;
  }

  private int versionCount() {
    return mlflow.modelVersions(MODEL).size();
  }

  private JsonNode alias(String alias) {
    return mlflow
        .get("/api/2.0/mlflow/registered-models/alias?name=" + MODEL + "&alias=" + alias)
        .path("model_version");
  }

  private Set<String> artifacts(String runId, String path) {
    Set<String> files = new HashSet<>();
    mlflow
        .get("/api/2.0/mlflow/artifacts/list?run_id=" + runId + "&path=" + path)
        .path("files")
        .forEach(f -> files.add(f.path("path").asText()));
    return files;
  }

  private static String tag(JsonNode run, String key) {
    JsonNode entry = entry(run, "tags", key);
    return entry == null ? null : entry.path("value").asText();
  }

  private static String param(JsonNode run, String key) {
    JsonNode entry = entry(run, "params", key);
    return entry == null ? null : entry.path("value").asText();
  }

  private static Double metricOrNull(JsonNode run, String key) {
    JsonNode entry = entry(run, "metrics", key);
    return entry == null ? null : entry.path("value").asDouble();
  }

  /** The entry with this key in one of a run's data lists (tags, params or metrics). */
  private static JsonNode entry(JsonNode run, String list, String key) {
    for (JsonNode entry : run.path("data").path(list)) {
      if (entry.path("key").asText().equals(key)) {
        return entry;
      }
    }
    return null;
  }

  private static double metric(JsonNode run, String key) {
    Double value = metricOrNull(run, key);
    assertNotNull(value, "metric " + key + " of run " + run.path("info").path("run_name").asText());
    return value;
  }
}
