package dev.batchmlops.leakage;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchmlops.PipelineException;
import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.ingest.IngestStage;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.split.SplitStage;
import dev.batchmlops.support.ConfCopies;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.TestContexts;
import dev.batchmlops.support.TestSpark;
import dev.batchmlops.train.TrainStage;
import dev.batchmlops.validate.ValidateStage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SaveMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A label-encoding feature that passes validation is stopped by the leakage stage. */
class LeakageStageTest {
  @TempDir Path temp;

  @Test
  void aLeakyFeatureStopsTheRunBeforeTrainingAndTheReportSaysWhy() {
    Path conf =
        ConfCopies.withCreditContract(
            temp.resolve("conf"),
            "  columns = [\n",
            "  columns = [\n    { name = \"days_past_due\", type = double, role = feature }\n");
    Path file = temp.resolve("sources/leaky.csv");
    CreditDataGenerator.generate(TestSpark.session(), 1000, 5)
        .withColumn("days_past_due", col("defaulted").multiply(30).plus(col("age").divide(1000)))
        .coalesce(1)
        .write()
        .mode(SaveMode.Overwrite)
        .option("header", "true")
        .csv(file.toString());
    PipelineContext context = TestContexts.open(conf, temp, Map.of());
    IngestStage.run(context, Optional.of(file.toString()));
    ValidateStage.run(context);
    SplitStage.run(context);

    PipelineException leak = assertThrows(PipelineException.class, () -> LeakageStage.run(context));
    assertTrue(leak.getMessage().contains("days_past_due: single-feature AUC"), leak.getMessage());
    assertTrue(leak.getMessage().contains("it encodes the label"), leak.getMessage());
    PipelineException refused =
        assertThrows(PipelineException.class, () -> TrainStage.run(context));
    assertTrue(
        refused.getMessage().contains("has not passed the leakage checks"), refused.getMessage());
    assertFalse(Files.exists(temp.resolve("delta/credit/models")), "nothing was trained");

    MlflowTestServer mlflow = MlflowTestServer.shared();
    JsonNode runs =
        mlflow
            .post(
                "/api/2.0/mlflow/runs/search",
                "{\"experiment_ids\": [\""
                    + context.parentRun().experimentId()
                    + "\"], \"filter\": \"tags.mlflow.parentRunId = '"
                    + context.parentRun().runId()
                    + "' and tags.`batchmlops.leakage` = 'failed'\"}")
            .path("runs");
    assertEquals(1, runs.size());
    String runId = runs.get(0).path("info").path("run_id").asText();
    JsonNode files =
        mlflow
            .get("/api/2.0/mlflow/artifacts/list?run_id=" + runId + "&path=leakage")
            .path("files");
    assertEquals(2, files.size(), files.toString());
    boolean aucLogged = false;
    for (JsonNode metric : runs.get(0).path("data").path("metrics")) {
      if (metric.path("key").asText().equals("leakage.auc.days_past_due")) {
        aucLogged = metric.path("value").asDouble() >= 0.95;
      }
    }
    assertTrue(aucLogged, "the leaky feature's AUC is a metric of the leakage run");
  }
}
