package dev.batchmlops.e2e;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.support.AirflowTestHome;
import dev.batchmlops.support.JobArgs;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.ProjectPaths;
import dev.batchmlops.support.SparkSubmit;
import dev.batchmlops.support.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Airflow DAGs in a real Airflow 3 (`airflow dags test`, tasks running spark-submit against the
 * real MLflow server): they import with their tasks in order; the training DAG registers a model;
 * the scoring DAG branches on the monitor's decision and triggers a retrain on the raw version it
 * judged; a validation error fails the validate task once, without retries, and registers nothing;
 * a task past its timeout stops its job; an MLflow server that does not answer is retried.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AirflowDagsIT {
  private static final List<String> TRAINING_STAGES =
      List.of("ingest", "validate", "split", "leakage", "train", "evaluate", "register");

  private static final String TIMEOUT_DAG = "jobs/src/test/python/timeout_dag";
  private static final SparkSession spark = TestSpark.session();
  private static final MlflowTestServer mlflow = MlflowTestServer.shared();
  private static Path work;
  private static AirflowTestHome airflow;
  private static Path applications;

  @BeforeAll
  static void setUp() throws IOException {
    work = Files.createTempDirectory("batchmlops-airflow-");
    airflow = AirflowTestHome.create(work.resolve("airflow"));
    applications = work.resolve("sources/applications.csv");
    writeCsv(CreditDataGenerator.generate(spark, 3000, 31), applications);
  }

  private static void writeCsv(Dataset<Row> rows, Path path) {
    rows.coalesce(1).write().option("header", "true").mode(SaveMode.Overwrite).csv(path.toString());
  }

  /** The settings a DAG run passes as --set: its own storage, experiment and model names. */
  private static List<String> settings(String name, String trackingUri, String... extra) {
    List<String> settings =
        new ArrayList<>(
            List.of(
                "storage.root=" + work.resolve(name + "/delta"),
                "storage.landing=" + work.resolve(name + "/landing"),
                "tracking.uri=" + trackingUri,
                "tracking.experiment-prefix=airflow-" + name,
                "register.model-prefix=airflow-" + name,
                "train.search.max-trials=2"));
    settings.addAll(List.of(extra));
    return settings;
  }

  private static Map<String, Object> conf(List<String> settings, Object... more) {
    Map<String, Object> conf = new LinkedHashMap<>();
    conf.put("env", "test");
    conf.put("settings", settings);
    for (int i = 0; i < more.length; i += 2) {
      conf.put((String) more[i], more[i + 1]);
    }
    return conf;
  }

  private static JsonNode lastRun(String dagId) throws IOException {
    return lastRun(airflow, dagId);
  }

  private static JsonNode lastRun(AirflowTestHome airflow, String dagId) throws IOException {
    JsonNode runs = airflow.runs(dagId);
    assertTrue(runs.size() > 0, "no run of " + dagId);
    return runs.get(runs.size() - 1);
  }

  private static JsonNode modelVersions(String model) {
    return mlflow.modelVersions(model);
  }

  @Test
  @Order(1)
  void everyDagImportsWithItsTasksInOrder() throws IOException {
    JsonNode found = airflow.dags();
    assertEquals(0, found.path("import_errors").size(), found.path("import_errors").toString());
    JsonNode training = found.path("dags").path("batchmlops_training");
    for (int i = 0; i < TRAINING_STAGES.size(); i++) {
      JsonNode task = training.path("tasks").path(TRAINING_STAGES.get(i));
      assertEquals(TRAINING_STAGES.get(i), task.path("command").asText(), training.toString());
      List<String> next =
          i + 1 < TRAINING_STAGES.size() ? List.of(TRAINING_STAGES.get(i + 1)) : List.of();
      assertEquals(next, listOf(task.path("downstream")), TRAINING_STAGES.get(i));
      assertEquals(AirflowTestHome.RETRIES, task.path("retries").asInt());
      assertTrue(task.path("timeout_seconds").asDouble() > 0, "every stage has a timeout");
    }
    assertEquals(TRAINING_STAGES.size(), training.path("tasks").size());
    assertEquals(1, training.path("max_active_runs").asInt());
    assertEquals("credit", training.path("params").path("dataset").asText());
    assertEquals("local[2]", training.path("params").path("master").asText());

    JsonNode scoring = found.path("dags").path("batchmlops_scoring");
    JsonNode tasks = scoring.path("tasks");
    assertEquals(List.of("monitor"), listOf(tasks.path("score").path("downstream")));
    assertEquals(List.of("decide"), listOf(tasks.path("monitor").path("downstream")));
    assertEquals(
        List.of("healthy", "needs_attention", "retrain"),
        listOf(tasks.path("decide").path("downstream")));
    assertEquals(6, tasks.size(), tasks.toString());
    assertEquals(1, scoring.path("max_active_runs").asInt());
    assertEquals("batchmlops_training", tasks.path("retrain").path("trigger_dag_id").asText());
  }

  @Test
  @Order(2)
  void datasetsCanHaveDagsOfTheirOwnThatRunOnlyThatDataset() throws IOException {
    AirflowTestHome perDataset = airflow.with("BATCHMLOPS_DATASETS", "credit,german-credit");
    JsonNode found = perDataset.dags();
    assertEquals(0, found.path("import_errors").size(), found.path("import_errors").toString());
    List<String> ids = new ArrayList<>();
    found.path("dags").fieldNames().forEachRemaining(ids::add);
    assertEquals(
        List.of(
            "batchmlops_scoring_credit",
            "batchmlops_scoring_german-credit",
            "batchmlops_training_credit",
            "batchmlops_training_german-credit"),
        ids.stream().sorted().toList());
    JsonNode german = found.path("dags").path("batchmlops_scoring_german-credit");
    assertEquals("german-credit", german.path("params").path("dataset").asText());
    assertEquals(
        "batchmlops_training_german-credit",
        german.path("tasks").path("retrain").path("trigger_dag_id").asText(),
        "a retrain trains the same dataset");
    // So that max_active_runs holds per dataset, a DAG refuses another dataset before any task.
    AirflowTestHome.Finished refused =
        perDataset.dagsTest("batchmlops_training_credit", Map.of("dataset", "german-credit"));
    assertNotEquals(0, refused.exitCode());
    assertTrue(
        refused.output().contains("Invalid input for param dataset: 'german-credit' is not one of"),
        refused.output());
  }

  @Test
  @Order(3)
  void aTaskThatRunsPastItsTimeoutStopsItsDriver() throws IOException, InterruptedException {
    // A stand-in checkout whose scripts/submit starts a long-running child, as spark-submit does.
    Path fake = work.resolve("slow-checkout");
    Path submit = fake.resolve("scripts/submit");
    Files.createDirectories(submit.getParent());
    Files.writeString(
        submit,
        "#!/usr/bin/env bash\nsleep 300 &\necho $! > \"$(dirname \"$0\")/child.pid\"\nwait\n");
    submit.toFile().setExecutable(true);
    AirflowTestHome slow =
        airflow
            .with("AIRFLOW__CORE__DAGS_FOLDER", ProjectPaths.root().resolve(TIMEOUT_DAG).toString())
            .with(
                "BATCHMLOPS_DAG_FOLDER",
                ProjectPaths.root().resolve(AirflowTestHome.DAG_FOLDER).toString())
            .with("BATCHMLOPS_HOME", fake.toString());
    AirflowTestHome.Finished run = slow.dagsTest("timeout_check", Map.of());
    assertNotEquals(0, run.exitCode(), run.output());
    assertTrue(run.output().contains("AirflowTaskTimeout"), run.output());
    assertEquals(
        "failed",
        lastRun(slow, "timeout_check").path("tasks").path("train").path("state").asText());
    long child = Long.parseLong(Files.readString(fake.resolve("scripts/child.pid")).strip());
    Thread.sleep(1000);
    assertFalse(
        ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false),
        "the job's process group is stopped with the task");
  }

  @Test
  @Order(4)
  void theTrainingDagRegistersAModel() throws IOException {
    AirflowTestHome.Finished run =
        airflow.dagsTest(
            "batchmlops_training",
            conf(
                settings("loop", mlflow.uri()),
                "dataset",
                "credit",
                "input",
                applications.toString()));
    assertEquals(0, run.exitCode(), run.output());
    JsonNode last = lastRun("batchmlops_training");
    assertEquals("success", last.path("state").asText(), last.toString());
    for (String stage : TRAINING_STAGES) {
      assertEquals("success", last.path("tasks").path(stage).path("state").asText(), stage);
      assertEquals(1, last.path("tasks").path(stage).path("tries").asInt(), stage);
    }
    JsonNode versions = modelVersions("airflow-loop-credit");
    assertEquals(1, versions.size(), versions.toString());
    JsonNode model = mlflow.get("/api/2.0/mlflow/registered-models/get?name=airflow-loop-credit");
    List<String> aliases = new ArrayList<>();
    model
        .path("registered_model")
        .path("aliases")
        .forEach(a -> aliases.add(a.path("alias").asText()));
    assertTrue(aliases.contains("champion"), model.toString());
    assertEquals(
        3000,
        spark
            .read()
            .format("delta")
            .load(work.resolve("loop/delta/credit/raw").toString())
            .count());
  }

  @Test
  @Order(5)
  void theScoringDagTriggersARetrainOnTheRawVersionItsMonitorJudged() throws IOException {
    // A new batch of applications, incomes and loans moved by a standard deviation, lands in raw
    // (a snapshot ingest: version 1 replaces version 0) with its outcomes.
    Path drifted = work.resolve("sources/drifted.csv");
    writeCsv(
        CreditDataGenerator.generate(
            spark,
            3000,
            32,
            1,
            new CreditDataGenerator.Drift(List.of("income", "loan_amount"), 1.0, 0)),
        drifted);
    List<String> ingest =
        JobArgs.of("ingest", work.resolve("loop"), mlflow.uri(), "--input", drifted.toString());
    for (String setting : settings("loop", mlflow.uri())) {
      ingest.addAll(List.of("--set", setting));
    }
    SparkSubmit.Result ingested = SparkSubmit.run(work, ingest);
    assertEquals(0, ingested.exitCode(), ingested.stderr());

    List<String> settings = settings("loop", mlflow.uri(), "monitor.retrain.max-drifted-share=0.1");
    AirflowTestHome.Finished run =
        airflow.dagsTest("batchmlops_scoring", conf(settings, "dataset", "credit"));
    assertEquals(0, run.exitCode(), run.output());
    JsonNode scoring = lastRun("batchmlops_scoring").path("tasks");
    assertEquals("success", scoring.path("score").path("state").asText(), scoring.toString());
    assertEquals("success", scoring.path("monitor").path("state").asText(), scoring.toString());
    assertEquals("success", scoring.path("retrain").path("state").asText(), scoring.toString());
    assertEquals("skipped", scoring.path("healthy").path("state").asText(), scoring.toString());
    assertEquals("skipped", scoring.path("needs_attention").path("state").asText());

    JsonNode retrain = lastRun("batchmlops_training");
    assertEquals("operator_triggered", retrain.path("run_type").asText(), retrain.toString());
    JsonNode conf = retrain.path("conf");
    assertEquals(1, conf.path("raw_version").asInt(-1), "the version the monitor judged: " + conf);
    assertTrue(conf.path("raw_version").isInt(), conf.toString());
    assertEquals("credit", conf.path("dataset").asText());
    assertEquals(settings, listOf(conf.path("settings")));
  }

  private static List<String> listOf(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(value -> values.add(value.asText()));
    return values;
  }

  @Test
  @Order(6)
  void aValidationErrorFailsTheValidateTaskOnceAndRegistersNothing() throws IOException {
    // The contract's positive share: at least 90% defaults, which this data is far from.
    AirflowTestHome.Finished run =
        airflow.dagsTest(
            "batchmlops_training",
            conf(
                settings(
                    "invalid",
                    mlflow.uri(),
                    "dataset.positive-share.min=0.9",
                    "dataset.positive-share.max=1.0"),
                "input",
                applications.toString()));
    assertNotEquals(0, run.exitCode(), "the DAG run failed");
    JsonNode last = lastRun("batchmlops_training");
    assertEquals("failed", last.path("state").asText(), last.toString());
    JsonNode tasks = last.path("tasks");
    assertEquals("success", tasks.path("ingest").path("state").asText(), tasks.toString());
    assertEquals("failed", tasks.path("validate").path("state").asText(), tasks.toString());
    assertEquals(1, tasks.path("validate").path("tries").asInt(), "no retry: " + tasks);
    for (String stage : TRAINING_STAGES.subList(2, TRAINING_STAGES.size())) {
      assertEquals("upstream_failed", tasks.path(stage).path("state").asText(), stage);
    }
    assertTrue(
        run.output()
            .contains("AirflowFailException: validate exited 1 (error): batchmlops: error: "),
        "the one-line reason is in the task's log");
    assertEquals(0, modelVersions("airflow-invalid-credit").size(), "nothing registered");
  }

  @Test
  @Order(7)
  void aTrackingServerThatDoesNotAnswerIsRetried() throws IOException {
    String silent = "http://127.0.0.1:" + MlflowTestServer.freePort();
    AirflowTestHome.Finished run =
        airflow.dagsTest(
            "batchmlops_training",
            conf(settings("silent", silent), "input", applications.toString()));
    assertNotEquals(0, run.exitCode());
    JsonNode tasks = lastRun("batchmlops_training").path("tasks");
    assertEquals("failed", tasks.path("ingest").path("state").asText(), tasks.toString());
    assertEquals(
        1 + AirflowTestHome.RETRIES,
        tasks.path("ingest").path("tries").asInt(),
        "a transient failure is retried: " + tasks);
    assertTrue(
        run.output()
            .contains("ingest exited 75 (retried): batchmlops: error: MLflow tracking server"),
        "the reason is in the task's log");
    assertFalse(Files.exists(work.resolve("silent/delta")), "nothing written");
  }
}
