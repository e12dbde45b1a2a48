package dev.batchmlops.train;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchmlops.generate.GenerateStage;
import dev.batchmlops.ingest.IngestStage;
import dev.batchmlops.leakage.LeakageStage;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.pipeline.PipelineState.TrainedModel;
import dev.batchmlops.split.SplitStage;
import dev.batchmlops.split.Splits;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.PythonModels;
import dev.batchmlops.support.TestContexts;
import dev.batchmlops.validate.ValidateStage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search on real tables and a real MLflow server: the run tree, every trial's hyperparameters
 * and metrics, identical results on a re-run, and the logged model loading in Python.
 */
class TrainStageTest {
  private static final List<String> SEARCHED =
      List.of(
          "maxIter",
          "regParam",
          "elasticNetParam",
          "numTrees",
          "maxDepth",
          "minInstancesPerNode",
          "stepSize");
  private final MlflowTestServer mlflow = MlflowTestServer.shared();
  @TempDir Path temp;

  @Test
  void everyTrialIsARunUnderTheSearchAndARerunGivesTheSameMetricsAndModel() throws Exception {
    PipelineContext context = TestContexts.open(temp, Map.of("generate.rows", "1500"));
    GenerateStage.run(context);
    IngestStage.run(context, Optional.empty());
    ValidateStage.run(context);
    SplitStage.run(context);
    LeakageStage.run(context);
    TrainedModel first = TrainStage.run(context);

    List<JsonNode> trials = children(context.parentRun().experimentId(), first.runId());
    assertEquals(4, trials.size(), "the test environment's budget");
    Map<String, String> firstMetrics = new HashMap<>();
    for (JsonNode trial : trials) {
      String family = value(trial, "params", "model_family");
      assertNotNull(family);
      String name = trial.path("info").path("run_name").asText();
      assertTrue(name.matches("trial-0[1-4]-" + family), name);
      for (String param : SEARCHED) {
        boolean searched =
            switch (family) {
              case "logistic-regression" ->
                  List.of("maxIter", "regParam", "elasticNetParam").contains(param);
              case "random-forest" ->
                  List.of("numTrees", "maxDepth", "minInstancesPerNode").contains(param);
              default -> List.of("maxIter", "maxDepth", "stepSize").contains(param);
            };
        if (searched) {
          assertNotNull(value(trial, "params", param), name + " logs " + param);
        }
      }
      for (String metric :
          List.of(
              "validation_auc",
              "validation_area_under_pr",
              "validation_log_loss",
              "train_auc",
              "score")) {
        assertNotNull(value(trial, "metrics", metric), name + " logs " + metric);
      }
      for (String tag :
          List.of(
              "batchmlops.splits_version",
              "batchmlops.raw_version",
              "batchmlops.config_hash",
              "batchmlops.seed",
              "batchmlops.spark_version",
              "batchmlops.delta_version",
              "batchmlops.deequ_version",
              "batchmlops.java_version",
              "batchmlops.git_commit",
              "batchmlops.dataset")) {
        assertNotNull(value(trial, "tags", tag), name + " is tagged " + tag);
      }
      firstMetrics.put(name, value(trial, "metrics", "validation_area_under_pr"));
    }
    assertEquals(
        List.of("logistic-regression", "random-forest", "gradient-boosted-trees"),
        trials.stream()
            .map(t -> value(t, "params", "model_family"))
            .distinct()
            .sorted((a, b) -> order(a) - order(b))
            .toList());

    // The same configuration and data again: the same metrics, the same chosen model.
    TrainedModel again = TrainStage.run(TestContexts.open(temp, Map.of("generate.rows", "1500")));
    Map<String, String> againMetrics = new HashMap<>();
    for (JsonNode trial : children(context.parentRun().experimentId(), again.runId())) {
      againMetrics.put(
          trial.path("info").path("run_name").asText(),
          value(trial, "metrics", "validation_area_under_pr"));
    }
    assertEquals(firstMetrics, againMetrics);
    JsonNode firstRun = run(first.runId());
    JsonNode againRun = run(again.runId());
    assertEquals(value(firstRun, "params", "best_trial"), value(againRun, "params", "best_trial"));
    assertEquals(
        value(firstRun, "metrics", "validation_auc"), value(againRun, "metrics", "validation_auc"));
    assertEquals(params(firstRun), params(againRun), "every fitted parameter is the same");
    assertEquals(
        scores(context, first, "probability"),
        scores(context, again, "probability"),
        "the same model, the same scores");

    assertTheLoggedModelHoldsItsRunParamsAndMetrics(first);
    assertPythonLoadsTheModelAndScoresAsJavaDoes(context, first);
  }

  /** On MLflow 3 the model is a logged model of the train run, ready, with params and metrics. */
  private void assertTheLoggedModelHoldsItsRunParamsAndMetrics(TrainedModel model) {
    assertNotNull(model.loggedModelId(), "an MLflow 3 server keeps logged models");
    JsonNode logged =
        mlflow.get("/api/2.0/mlflow/logged-models/" + model.loggedModelId()).path("model");
    assertEquals(model.runId(), logged.path("info").path("source_run_id").asText());
    assertEquals("LOGGED_MODEL_READY", logged.path("info").path("status").asText());
    assertEquals(model.artifactUri(), logged.path("info").path("artifact_uri").asText());
    Map<String, String> params = new HashMap<>();
    logged
        .path("data")
        .path("params")
        .forEach(p -> params.put(p.path("key").asText(), p.path("value").asText()));
    assertEquals(value(run(model.runId()), "params", "best_trial"), params.get("best_trial"));
    List<String> metrics = new java.util.ArrayList<>();
    logged.path("data").path("metrics").forEach(m -> metrics.add(m.path("key").asText()));
    assertTrue(
        metrics.containsAll(List.of("validation_auc", "decision_threshold")), metrics.toString());
    JsonNode outputs = run(model.runId()).path("outputs").path("model_outputs");
    assertEquals(
        model.loggedModelId(), outputs.path(0).path("model_id").asText(), outputs.toString());
  }

  private void assertPythonLoadsTheModelAndScoresAsJavaDoes(
      PipelineContext context, TrainedModel model) throws Exception {
    Path input = temp.resolve("python-input.parquet");
    testRows(context).write().parquet(input.toString());
    Map<String, Double> java = scores(context, model, "probability");

    // The logged model, as a registered version of it loads (MLflow 3 client).
    PythonModels.Loaded python =
        PythonModels.load(
            mlflow.uri(),
            "models:/" + model.loggedModelId(),
            input,
            "application_id",
            "vector_to_array('probability')[1]",
            temp);
    assertEquals(java.keySet(), python.predictions().keySet());
    java.forEach((id, p) -> assertEquals(p, python.predictions().get(id), 1e-9, "score of " + id));
    // As a pyfunc, through its signature: the contract's features in, the class index out.
    List<String> inputs = new java.util.ArrayList<>();
    python.signature().path("inputs").forEach(c -> inputs.add(c.path("name").asText()));
    assertEquals(
        context.config().dataset().features().stream().map(f -> f.name()).toList(), inputs);
    assertEquals("prediction", python.signature().path("outputs").path(0).path("name").asText());
    assertEquals("binary", python.metadata().path("task").asText());
    assertEquals(
        List.of("0", "1"),
        List.of(
            python.metadata().path("classes").path(0).asText(),
            python.metadata().path("classes").path(1).asText()));
    assertEquals(scores(context, model, "prediction"), python.pyfuncPredictions());
  }

  /**
   * For 40 test rows, by id: the positive class's {@code probability}, or the {@code prediction}.
   */
  private static Map<String, Double> scores(
      PipelineContext context, TrainedModel model, String output) {
    org.apache.spark.sql.Column value =
        output.equals("probability")
            ? functions.vector_to_array(col("probability"), "float64").getItem(1)
            : col(output);
    Map<String, Double> scores = new HashMap<>();
    for (Row row :
        PipelineModel.load(model.modelPath())
            .transform(testRows(context))
            .select(col("application_id"), value)
            .collectAsList()) {
      scores.put(row.getString(0), row.getDouble(1));
    }
    return scores;
  }

  private static Dataset<Row> testRows(PipelineContext context) {
    return context
        .tables()
        .read(context.state().requireSplits())
        .where(col(Splits.COLUMN).equalTo(Splits.TEST))
        .orderBy("application_id")
        .limit(40);
  }

  private static int order(String family) {
    return List.of("logistic-regression", "random-forest", "gradient-boosted-trees")
        .indexOf(family);
  }

  private List<JsonNode> children(String experimentId, String parentRunId) {
    List<JsonNode> runs = new ArrayList<>();
    mlflow
        .post(
            "/api/2.0/mlflow/runs/search",
            "{\"experiment_ids\": [\""
                + experimentId
                + "\"], \"filter\": \"tags.mlflow.parentRunId = '"
                + parentRunId
                + "'\", \"max_results\": 100}")
        .path("runs")
        .forEach(runs::add);
    runs.sort(
        (a, b) ->
            a.path("info")
                .path("run_name")
                .asText()
                .compareTo(b.path("info").path("run_name").asText()));
    return runs;
  }

  private JsonNode run(String runId) {
    return mlflow.get("/api/2.0/mlflow/runs/get?run_id=" + runId).path("run");
  }

  private static Map<String, String> params(JsonNode run) {
    Map<String, String> params = new HashMap<>();
    run.path("data")
        .path("params")
        .forEach(p -> params.put(p.path("key").asText(), p.path("value").asText()));
    return params;
  }

  private static String value(JsonNode run, String list, String key) {
    for (JsonNode entry : run.path("data").path(list)) {
      if (entry.path("key").asText().equals(key)) {
        return entry.path("value").asText();
      }
    }
    return null;
  }
}
