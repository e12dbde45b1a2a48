package dev.batchmlops.e2e;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchmlops.support.FreshCopy;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The commands the README tells a user to type, typed as a user types them: in a fresh copy of the
 * checkout (no {@code work/}) with the environment of a new login shell. The settings a test adds
 * are a free port for each MLflow server, so that nothing else listens there, and for the other
 * datasets' runs the test environment's smaller search ({@link #SMALL_SEARCH}). The tests run in
 * order in one copy, as a user would run them one after another.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DemoIT {
  private static final Duration DEMO_LIMIT = Duration.ofMinutes(15);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The environment overlay (MLOPS_ENV, which the demo and every command read) of the runs after
   * the first: {@code conf/env/test.conf}'s four-trial search. The first demo runs as typed; the
   * later ones prove their datasets' paths, not the default search's length again.
   */
  private static final String SMALL_SEARCH = "test";

  private FreshCopy copy;
  private int port;
  private final List<MlflowTestServer> servers = new ArrayList<>();

  @BeforeAll
  void copyTheCheckout() throws IOException {
    copy = FreshCopy.make();
    port = MlflowTestServer.freePort();
    assertFalse(Files.exists(copy.root().resolve("work")), "a fresh copy has no work folder");
  }

  @AfterAll
  void stopTheServersTheScriptsLeftRunning() {
    servers.forEach(MlflowTestServer::stopStartedByTheScripts);
  }

  private FreshCopy.Result demo(Map<String, String> settings) throws IOException {
    return copy.run(settings, DEMO_LIMIT, "scripts/demo");
  }

  /** {@code MLOPS_DATASET=<dataset> scripts/demo}, its search the test environment's. */
  private FreshCopy.Result demoOf(String dataset) throws IOException {
    return demo(
        Map.of(
            "MLOPS_MLFLOW_PORT",
            Integer.toString(port),
            "MLOPS_DATASET",
            dataset,
            "MLOPS_ENV",
            SMALL_SEARCH));
  }

  /** {@code scripts/submit profile}, as onboarding tells a user to type it. */
  private FreshCopy.Result profile(String input, String name, String label) throws IOException {
    return copy.run(
        Map.of(),
        Duration.ofMinutes(5),
        "scripts/submit",
        "profile",
        "--input",
        input,
        "--name",
        name,
        "--label",
        label);
  }

  private MlflowTestServer serverLeftBy(int port, String store) throws IOException {
    MlflowTestServer server =
        MlflowTestServer.startedByTheScripts(port, copy.root().resolve(store));
    servers.add(server);
    return server;
  }

  @Test
  @Order(1)
  void theDemoRunsOnAFreshCopyAndAgain() throws IOException {
    Map<String, String> settings = Map.of("MLOPS_MLFLOW_PORT", Integer.toString(port));
    FreshCopy.Result first = demo(settings);
    assertEquals(0, first.exitCode(), first.stderr());
    MlflowTestServer mlflow = serverLeftBy(port, "work/mlflow");
    assertTrue(first.stderr().contains("starting the MLflow server at http://127.0.0.1:" + port));
    assertTrue(mlflow.getText("/version").startsWith("3."), "the MLflow 3 server of the scripts");

    // The closing lines the README shows.
    String out = first.stdout();
    assertLine(out, "pipeline run  [0-9a-f]{32}");
    assertLine(out, "MLflow UI     http://127\\.0\\.0\\.1:" + port + "/#/experiments/\\d+/runs.*");
    assertLine(out, "raw table     .*/work/delta/credit/raw@v0");
    assertLine(out, "validation    \\d+ checks, 0 errors, \\d+ warnings .*");
    assertLine(
        out,
        "registered model batchmlops-credit version 1 \\(champion\\): first model: registered as"
            + " champion");
    assertLine(
        out,
        "scored 5000 rows of .*/work/delta/credit/raw@v1 with batchmlops-credit version 1 into"
            + " .*/work/delta/credit/predictions@v0 \\(batch [0-9a-f]+\\) in .*");
    assertLine(out, "monitor: .*");
    assertLine(out, "monitor: no retraining needed \\(exit 0\\)");

    // The JVM says nothing on the job's output (class archive, code cache), and the archive the
    // drivers share holds the whole pipeline's classes.
    assertFalse(out.contains("[warning]"), out);
    assertEquals(List.of("run"), classArchivesWrittenBy());

    // What it leaves: the champion on the server, the scored batch, a monitor run.
    JsonNode champion = champion(mlflow, "batchmlops-credit");
    assertEquals("1", champion.path("version").asText());
    assertEquals(5000, predictions("credit").count());
    assertEquals(1, mlflow.searchRuns("batchmlops-credit", monitorRuns()).size());

    // Safe to run again: the same server, both batches found in the raw table, the same build
    // not registered a second time, and the batch not scored twice.
    FreshCopy.Result second = demo(settings);
    assertEquals(0, second.exitCode(), second.stderr());
    assertTrue(
        second.stderr().contains("reusing the MLflow server already running"), second.stderr());
    assertLine(second.stdout(), "already ingested: .*/work/delta/credit/raw@v0 holds .*");
    assertLine(
        second.stdout(), "not registered again: identical to batchmlops-credit version 1 .*");
    assertLine(second.stdout(), "already ingested: .*/work/delta/credit/raw@v1 holds .*");
    assertLine(second.stdout(), "already scored: .*/work/delta/credit/raw@v1 .*");
    assertLine(second.stdout(), "monitor: no retraining needed \\(exit 0\\)");
    JsonNode versions = mlflow.modelVersions("batchmlops-credit");
    assertEquals(1, versions.size(), "one version: " + versions);
    assertEquals("1", champion(mlflow, "batchmlops-credit").path("version").asText());
    assertEquals(5000, predictions("credit").count(), "the batch scored once");
  }

  @Test
  @Order(2)
  void theDemoRunsOnTheGermanCreditData() throws IOException {
    FreshCopy.Result result = demoOf("german-credit");
    assertEquals(0, result.exitCode(), result.stderr());
    // Another dataset in the same folder: the demo finds its server and uses it.
    assertTrue(
        result
            .stderr()
            .contains("reusing the MLflow server already running at http://127.0.0.1:" + port),
        result.stderr());
    MlflowTestServer mlflow = serverLeftBy(port, "work/mlflow");
    assertLine(result.stdout(), "registered model batchmlops-german-credit version 1 .*");
    assertEquals("1", champion(mlflow, "batchmlops-german-credit").path("version").asText());
    assertEquals(1000, predictions("german-credit").count(), "its raw rows scored");
    assertLine(result.stdout(), "monitor: .*\\(exit [045]\\)");
  }

  /**
   * A multiclass dataset as a user brings one: {@code profile} proposes the task, and the demo with
   * the reviewed contract (the shipped {@code conf/datasets/penguins.conf}) registers a champion
   * evaluated in the task's terms and scores the penguins with it.
   */
  @Test
  @Order(3)
  void theDemoRunsAMulticlassDatasetFromItsProfileToAChampion() throws IOException {
    FreshCopy.Result profile = profile("data/penguins/penguins.csv", "penguins", "species");
    assertEquals(0, profile.exitCode(), profile.stderr());
    String proposed = Files.readString(copy.root().resolve("penguins.draft.conf"));
    assertTrue(proposed.contains("task = multiclass"), proposed);
    assertTrue(proposed.contains("\"Chinstrap\""), proposed);

    FreshCopy.Result result = demoOf("penguins");
    assertEquals(0, result.exitCode(), result.stderr());
    assertLine(
        result.stdout(), "registered model batchmlops-penguins version 1 \\(champion\\): .*");
    assertScoredByTheChampion(result, "penguins", 344);
    assertLine(result.stdout(), "dataset.task = multiclass: the demo ends at the scored .*");
    MlflowTestServer mlflow = serverLeftBy(port, "work/mlflow");
    assertEquals("1", champion(mlflow, "batchmlops-penguins").path("version").asText());
    assertTrue(
        List.of(predictions("penguins").columns()).contains("class_probabilities"),
        "every class's probability");

    Evaluation evaluation = evaluation(mlflow, "batchmlops-penguins");
    Map<String, Double> metrics = evaluation.metrics();
    assertTrue(metrics.get("test_macro_f1") > 0.9, metrics.toString());
    assertTrue(metrics.containsKey("test_class_recall.Chinstrap"), metrics.toString());
    assertTrue(
        metrics.keySet().stream().anyMatch(k -> k.startsWith("test_macro_f1_ci_low.sex.")),
        "the task's metric per segment, with its interval: " + metrics);
    assertTrue(
        evaluation.artifacts().contains("evaluation/confused-classes.json"),
        evaluation.artifacts().toString());
    String card = evaluation.card();
    assertTrue(card.contains("Most confused classes") && card.contains("macro_f1"), card);
    assertTrue(card.contains("Confusion matrix"), "the normalized confusion matrix on the card");
    assertFalse(card.contains("threshold "), "nothing binary-only on the card");
  }

  /**
   * A regression dataset the same way: {@code profile} proposes the task from the numeric label,
   * and the demo with the reviewed contract ({@code conf/datasets/computer-hardware.conf})
   * registers a champion that predicts the machines' performance far better than their mean does,
   * and scores the machines with it.
   */
  @Test
  @Order(4)
  void theDemoRunsARegressionDatasetFromItsProfileToAChampion() throws IOException {
    FreshCopy.Result profile =
        profile("data/computer-hardware/machines.csv", "computer-hardware", "relative_performance");
    assertEquals(0, profile.exitCode(), profile.stderr());
    String proposed = Files.readString(copy.root().resolve("computer-hardware.draft.conf"));
    assertTrue(proposed.contains("task = regression"), proposed);

    FreshCopy.Result result = demoOf("computer-hardware");
    assertEquals(0, result.exitCode(), result.stderr());
    assertLine(
        result.stdout(),
        "registered model batchmlops-computer-hardware version 1 \\(champion\\): .*");
    assertScoredByTheChampion(result, "computer-hardware", 209);
    assertLine(result.stdout(), "dataset.task = regression: the demo ends at the scored .*");
    MlflowTestServer mlflow = serverLeftBy(port, "work/mlflow");
    JsonNode champion = champion(mlflow, "batchmlops-computer-hardware");
    assertEquals("1", champion.path("version").asText());
    assertEquals("regression", tag(champion, "task"));

    Evaluation evaluation = evaluation(mlflow, "batchmlops-computer-hardware");
    Map<String, Double> metrics = evaluation.metrics();
    // The prior baseline predicts the training mean (R² about 0); the model explains most of it.
    assertTrue(metrics.get("test_r2") > metrics.get("prior_test_r2") + 0.3, metrics.toString());
    assertTrue(metrics.get("test_rmse") < metrics.get("prior_test_rmse"), metrics.toString());
    assertTrue(metrics.containsKey("reference_test_rmse"), "MLlib's default linear model too");
    assertTrue(
        evaluation.artifacts().contains("evaluation/confident-mistakes.json"),
        "the largest errors with their features: " + evaluation.artifacts());
    String card = evaluation.card();
    assertTrue(card.contains("Predicted against actual") && card.contains("rmse"), card);
    assertFalse(card.contains("Confusion matrix"), "no classes on a regression's card");
    assertFalse(card.contains("threshold "), "nothing binary-only on the card");
  }

  /** The demo scored the raw table's rows with the champion it registered, once each. */
  private void assertScoredByTheChampion(FreshCopy.Result result, String dataset, long rows) {
    assertLine(
        result.stdout(),
        "scored "
            + rows
            + " rows of .*/work/delta/"
            + dataset
            + "/raw@v0 with batchmlops-"
            + dataset
            + " version 1 into .*/work/delta/"
            + dataset
            + "/predictions@v0 .*");
    assertEquals(rows, predictions(dataset).count());
  }

  /** The metrics, artifacts and model card of an experiment's evaluation run. */
  private record Evaluation(Map<String, Double> metrics, List<String> artifacts, String card) {}

  private static Evaluation evaluation(MlflowTestServer mlflow, String experiment) {
    JsonNode run = mlflow.searchRuns(experiment, "attributes.run_name = 'evaluate'").get(0);
    Map<String, Double> metrics = new java.util.TreeMap<>();
    run.path("data")
        .path("metrics")
        .forEach(m -> metrics.put(m.path("key").asText(), m.path("value").asDouble()));
    String runId = run.path("info").path("run_id").asText();
    List<String> artifacts = new ArrayList<>();
    mlflow
        .get("/api/2.0/mlflow/artifacts/list?run_id=" + runId + "&path=evaluation")
        .path("files")
        .forEach(f -> artifacts.add(f.path("path").asText()));
    assertTrue(artifacts.contains("evaluation/report.html"), "the model card: " + artifacts);
    String card =
        mlflow.getText("/get-artifact?run_uuid=" + runId + "&path=evaluation/report.html");
    return new Evaluation(metrics, artifacts, card);
  }

  @Test
  @Order(5)
  void theAuthenticatedDemoTrainsAsThePipelineUserAndPromotesAsTheReleaseUser() throws IOException {
    int authPort = MlflowTestServer.freePort();
    FreshCopy.Result result =
        demo(Map.of("MLOPS_MLFLOW_AUTH", "1", "MLOPS_MLFLOW_PORT", Integer.toString(authPort)));
    assertEquals(0, result.exitCode(), result.stderr());
    MlflowTestServer mlflow = serverLeftBy(authPort, "work/mlflow-auth");
    assertTrue(result.stderr().contains("authentication on"), result.stderr());
    JsonNode champion = champion(mlflow, "batchmlops-credit");
    assertEquals("1", champion.path("version").asText());
    assertEquals("pipeline", tag(champion, "registered_by"));
    assertLine(
        result.stdout(), "champion of batchmlops-credit is now version 1: demo: release review");
    assertLine(result.stdout(), "monitor: no retraining needed \\(exit 0\\)");
    assertLine(result.stdout(), "Sign in as pipeline or release; passwords in .*");
    for (String user : List.of("admin", "pipeline", "release")) {
      String password =
          Files.readString(copy.root().resolve("work/mlflow-auth/secrets").resolve(user)).trim();
      assertFalse(result.stdout().contains(password), user + "'s password in the output");
      assertFalse(result.stderr().contains(password), user + "'s password in the log");
    }
    Dataset<Row> predictions =
        TestSpark.session()
            .read()
            .format("delta")
            .load(copy.root().resolve("work/delta-auth/credit/predictions").toString());
    assertEquals(5000, predictions.count());
  }

  @Test
  @Order(6)
  void theNotebooksBenchAndSubmitCommandsRun() throws IOException {
    // scripts/notebooks: its environment and the jar ready, then JupyterLab itself starts (asked
    // only its version here; the notebooks' execution is RetrainingLoopIT's).
    FreshCopy.Result notebooks =
        copy.run(Map.of(), Duration.ofMinutes(5), "scripts/notebooks", "--version");
    assertEquals(0, notebooks.exitCode(), notebooks.stderr());
    assertTrue(notebooks.stdout().strip().matches("4\\.\\d+\\.\\d+"), notebooks.stdout());

    FreshCopy.Result help = copy.run(Map.of(), Duration.ofMinutes(2), "scripts/submit", "--help");
    assertEquals(0, help.exitCode(), help.stderr());
    assertTrue(help.stdout().contains("Usage: batchmlops"), help.stdout());
    assertTrue(help.stdout().contains("monitor"), help.stdout());
    // Onboarding's worked example, as the README gives it.
    FreshCopy.Result profile = profile("data/german-credit/credit-g.csv", "my-credit", "class");
    assertEquals(0, profile.exitCode(), profile.stderr());
    assertTrue(profile.stdout().contains("profiled 1000 rows of "), profile.stdout());
    String draft = Files.readString(copy.root().resolve("my-credit.draft.conf"));
    assertTrue(draft.contains("name = \"my-credit\""), draft);
    assertTrue(draft.contains("positive-label = \"bad\""), draft);
    // 1,000 rows: the draft cross-validates the search, without which its gates refuse the model.
    assertTrue(draft.contains("\ntrain.search.folds = 5\n"), draft);
    // Reviewed (here: as drafted) and moved into place, the contract runs, against the server the
    // demo left running.
    Files.move(
        copy.root().resolve("my-credit.draft.conf"),
        copy.root().resolve("conf/datasets/my-credit.conf"));
    FreshCopy.Result onboarded =
        copy.run(
            Map.of("MLFLOW_TRACKING_URI", "http://127.0.0.1:" + port, "MLOPS_ENV", SMALL_SEARCH),
            Duration.ofMinutes(10),
            "scripts/submit",
            "run",
            "--dataset",
            "my-credit",
            "--input",
            "data/german-credit/credit-g.csv");
    assertEquals(0, onboarded.exitCode(), onboarded.stderr());
    assertLine(
        onboarded.stdout(), "registered model batchmlops-my-credit version 1 \\(champion\\): .*");
    FreshCopy.Result benchHelp =
        copy.run(Map.of(), Duration.ofMinutes(1), "scripts/bench", "--help");
    assertEquals(0, benchHelp.exitCode(), benchHelp.stderr());
    assertTrue(benchHelp.stdout().contains("--rows"), benchHelp.stdout());

    // The benchmark's driver, its own MLflow server and the bare Spark side, cut to the first two
    // stages: the pipeline's later stages run in every end-to-end test.
    int benchPort = MlflowTestServer.freePort();
    FreshCopy.Result bench =
        copy.run(
            Map.of("MLOPS_BENCH_MLFLOW_PORT", Integer.toString(benchPort)),
            Duration.ofMinutes(10),
            "scripts/bench",
            "--rows",
            "10000",
            "--until",
            "validate");
    serverLeftBy(benchPort, "work/bench/mlflow");
    assertEquals(0, bench.exitCode(), bench.stderr());
    assertLine(bench.stdout(), "total +[0-9.]+ +[0-9.]+ +[0-9.]+.*");
    JsonNode results = JSON.readTree(copy.root().resolve("work/bench/bench-10000.json").toFile());
    assertEquals(10000, results.path("rows").asInt());
    List<String> stages = new ArrayList<>();
    results.path("stages").forEach(stage -> stages.add(stage.path("stage").asText()));
    assertEquals(List.of("ingest", "validate"), stages);
  }

  /** The command that wrote each class archive of the venv's Spark (scripts/lib.sh). */
  private List<String> classArchivesWrittenBy() throws IOException {
    try (Stream<Path> files = Files.list(copy.root().resolve(".venv/jvm"))) {
      List<String> writers = new ArrayList<>();
      for (Path by : files.filter(f -> f.toString().endsWith(".jsa.by")).toList()) {
        assertTrue(
            Files.isRegularFile(Path.of(by.toString().replaceFirst("\\.by$", ""))), by.toString());
        writers.add(Files.readString(by).strip());
      }
      return writers;
    }
  }

  private static String monitorRuns() {
    return "attributes.run_name LIKE 'monitor%'";
  }

  private Dataset<Row> predictions(String dataset) {
    return TestSpark.session()
        .read()
        .format("delta")
        .load(copy.root().resolve("work/delta").resolve(dataset).resolve("predictions").toString());
  }

  private static JsonNode champion(MlflowTestServer mlflow, String model) {
    return mlflow
        .get("/api/2.0/mlflow/registered-models/alias?name=" + model + "&alias=champion")
        .path("model_version");
  }

  private static String tag(JsonNode version, String key) {
    for (JsonNode tag : version.path("tags")) {
      if (tag.path("key").asText().equals(key)) {
        return tag.path("value").asText();
      }
    }
    return null;
  }

  /** Some line of {@code output} matches {@code regex} whole. */
  private static void assertLine(String output, String regex) {
    Pattern pattern = Pattern.compile(regex);
    assertTrue(
        output.lines().anyMatch(line -> pattern.matcher(line).matches()),
        "no line matching " + regex + " in:\n" + output);
  }
}
