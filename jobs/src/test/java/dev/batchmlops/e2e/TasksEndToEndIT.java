package dev.batchmlops.e2e;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchmlops.support.JobArgs;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.ProjectPaths;
import dev.batchmlops.support.SparkSubmit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A multiclass dataset as a user brings one, through {@code spark-submit} against the real MLflow
 * server: {@code profile} proposes the task, and {@code run} with the reviewed contract (the
 * shipped {@code conf/datasets/penguins.conf}) ends with a registered champion evaluated in the
 * task's terms. (The regression dataset goes the same way through the command line in {@code
 * ShippedDatasetsTest}; one spark-submit proves the packaging for both.)
 */
class TasksEndToEndIT {
  @TempDir Path work;

  private final MlflowTestServer mlflow = MlflowTestServer.shared();

  @Test
  void aMulticlassDatasetGoesFromProfileToARegisteredChampion() throws Exception {
    String penguins = ProjectPaths.root().resolve("data/penguins/penguins.csv").toString();
    Path draft = work.resolve("penguins.draft.conf");
    SparkSubmit.Result profiled =
        SparkSubmit.run(
            work,
            List.of(
                "profile",
                "--input",
                penguins,
                "--name",
                "penguins",
                "--label",
                "species",
                "--output",
                draft.toString()));
    assertEquals(0, profiled.exitCode(), profiled.stderr());
    String proposed = Files.readString(draft);
    assertTrue(proposed.contains("task = multiclass"), proposed);
    assertTrue(proposed.contains("\"Chinstrap\""), proposed);

    SparkSubmit.Result run =
        SparkSubmit.run(
            work,
            JobArgs.of("run", work, mlflow.uri(), "--dataset", "penguins", "--input", penguins));
    assertEquals(0, run.exitCode(), run.stdout() + run.stderr());
    assertTrue(
        run.stdout().contains("registered model batchmlops-penguins version 1 (champion)"),
        run.stdout());

    JsonNode evaluate =
        mlflow.searchRuns("batchmlops-penguins", "attributes.run_name = 'evaluate'").get(0);
    Map<String, Double> metrics = new TreeMap<>();
    evaluate
        .path("data")
        .path("metrics")
        .forEach(m -> metrics.put(m.path("key").asText(), m.path("value").asDouble()));
    assertTrue(metrics.get("test_macro_f1") > 0.9, metrics.toString());
    assertTrue(metrics.containsKey("test_class_recall.Chinstrap"), metrics.toString());
    assertTrue(
        metrics.keySet().stream().anyMatch(k -> k.startsWith("test_macro_f1_ci_low.sex.")),
        "the task's metric per segment, with its interval: " + metrics);
    List<String> artifacts = new java.util.ArrayList<>();
    mlflow
        .get(
            "/api/2.0/mlflow/artifacts/list?run_id="
                + evaluate.path("info").path("run_id").asText()
                + "&path=evaluation")
        .path("files")
        .forEach(f -> artifacts.add(f.path("path").asText()));
    assertTrue(artifacts.contains("evaluation/report.html"), "the model card: " + artifacts);
    assertTrue(artifacts.contains("evaluation/confused-classes.json"), artifacts.toString());
    String card =
        mlflow.getText(
            "/get-artifact?run_uuid="
                + evaluate.path("info").path("run_id").asText()
                + "&path=evaluation/report.html");
    assertTrue(card.contains("Most confused classes") && card.contains("macro_f1"), card);
    assertFalse(card.contains("threshold "), "nothing binary-only on the card");
  }
}
