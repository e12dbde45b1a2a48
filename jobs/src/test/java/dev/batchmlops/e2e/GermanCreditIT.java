package dev.batchmlops.e2e;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchmlops.support.JobArgs;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.ProjectPaths;
import dev.batchmlops.support.SparkSubmit;
import dev.batchmlops.support.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The whole pipeline on the real Statlog German Credit data, through spark-submit, against an
 * MLflow 2.17 server: the previous server line keeps working (runs, datasets, artifacts, registry,
 * aliases) while the other end-to-end tests use the MLflow 3 server the scripts install.
 */
class GermanCreditIT {
  @Test
  void thePipelineRunsOnTheRealDataAndRegistersAModel() throws Exception {
    MlflowTestServer mlflow = MlflowTestServer.legacy();
    assertTrue(
        mlflow.getText("/version").startsWith("2.17."),
        "the 2.17 server: " + mlflow.getText("/version"));
    Path work = Files.createTempDirectory("batchmlops-german-");
    SparkSubmit.Result result =
        SparkSubmit.run(
            work,
            JobArgs.of(
                "run",
                work,
                mlflow.uri(),
                "--dataset",
                "german-credit",
                "--input",
                ProjectPaths.root().resolve("data/german-credit/credit-g.csv").toString(),
                // What is tested here is the 2.17 server; the contract's cross-validated search
                // runs in DemoIT. The test settings' four trials, ranked on validation, pass.
                "--set",
                "train.search.folds=0"));
    assertEquals(0, result.exitCode(), result.stderr());
    assertEquals(
        1000,
        TestSpark.session()
            .read()
            .format("delta")
            .load(work.resolve("delta/german-credit/raw").toString())
            .count());
    JsonNode champion =
        mlflow
            .get(
                "/api/2.0/mlflow/registered-models/alias?name=batchmlops-german-credit&alias=champion")
            .path("model_version");
    assertEquals("1", champion.path("version").asText());
    double auc = 0;
    for (JsonNode tag : champion.path("tags")) {
      if (tag.path("key").asText().equals("test_auc")) {
        auc = Double.parseDouble(tag.path("value").asText());
      }
    }
    assertTrue(auc > 0.7, "a logistic regression reaches ~0.75 AUC on this data, got " + auc);

    // A 2.17 server keeps no logged models: the train run's model history lists the model, and
    // the version points at the run's model folder.
    JsonNode train =
        mlflow
            .get("/api/2.0/mlflow/runs/get?run_id=" + champion.path("run_id").asText())
            .path("run");
    String history = null;
    for (JsonNode tag : train.path("data").path("tags")) {
      if (tag.path("key").asText().equals("mlflow.log-model.history")) {
        history = tag.path("value").asText();
      }
    }
    assertNotNull(history, "the run's model history");
    assertTrue(history.contains("\"artifact_path\":\"model\""), history);
    assertTrue(champion.path("source").asText().endsWith("/artifacts/model"), champion.toString());
  }
}
