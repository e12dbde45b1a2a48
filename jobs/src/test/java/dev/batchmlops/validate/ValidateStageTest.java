package dev.batchmlops.validate;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchmlops.PipelineException;
import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.ingest.IngestStage;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.split.SplitStage;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.TestContexts;
import dev.batchmlops.support.TestSpark;
import dev.batchmlops.table.TableVersion;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.SaveMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Validation of successive raw versions against the persisted metrics history. */
class ValidateStageTest {
  private final MlflowTestServer mlflow = MlflowTestServer.shared();
  @TempDir Path temp;

  private String csv(String name, long rows, long seed) {
    Path file = temp.resolve("sources").resolve(name);
    CreditDataGenerator.generate(TestSpark.session(), rows, seed)
        .coalesce(1)
        .write()
        .mode(SaveMode.Overwrite)
        .option("header", "true")
        .csv(file.toString());
    return file.toString();
  }

  @Test
  void aRowCountDropBetweenVersionsFailsAndTheRepairIsJudgedAgainstTheLastPassingVersion() {
    PipelineContext context = TestContexts.open(temp, Map.of());
    String raw = temp.resolve("delta/credit/raw").toString();

    IngestStage.run(context, Optional.of(csv("v0.csv", 1000, 1)));
    assertTrue(ValidateStage.run(context).passed());

    IngestStage.run(context, Optional.of(csv("v1.csv", 700, 2)));
    PipelineException dropped =
        assertThrows(PipelineException.class, () -> ValidateStage.run(context));
    assertTrue(
        dropped
            .getMessage()
            .contains(
                "row count: anomaly: drop <= 20% from the last passing run (700 now, 1000 in the"
                    + " last passing run ("
                    + raw
                    + "@v0): -30.0%)"),
        dropped.getMessage());
    assertEquals(new TableVersion(raw, 1), context.state().raw());
    assertNull(context.state().validated(), "v1 did not pass");
    assertThrows(PipelineException.class, () -> SplitStage.run(context), "v1 is not split");

    // 900 rows: within 20% of v0 (passed), though 29% more than v1 (failed) had.
    IngestStage.run(context, Optional.of(csv("v2.csv", 900, 3)));
    assertTrue(ValidateStage.run(context).passed());
    assertEquals(new TableVersion(raw, 2), context.state().validated());

    MetricsHistory history =
        MetricsHistory.persisted(
            TestSpark.session(),
            temp.resolve("delta/credit/_pipeline/metrics-history.json").toString(),
            "credit");
    List<MetricsHistory.Point> passed =
        history.passed(DataMetrics.of(context.config().dataset()).get("data.size"));
    assertEquals(List.of(1000.0, 900.0), passed.stream().map(MetricsHistory.Point::value).toList());
    assertEquals(
        List.of(raw + "@v0", raw + "@v2"),
        passed.stream().map(MetricsHistory.Point::table).toList());

    JsonNode failed = validateRuns(context, "failed");
    assertEquals(1, failed.size());
    JsonNode run = failed.get(0);
    assertEquals(700.0, metric(run, "data.size"));
    assertEquals(1.0, metric(run, "validation.errors"), dropped.getMessage());
    Set<String> files = new HashSet<>();
    mlflow
        .get(
            "/api/2.0/mlflow/artifacts/list?run_id="
                + run.path("info").path("run_id").asText()
                + "&path=validation")
        .path("files")
        .forEach(f -> files.add(f.path("path").asText()));
    assertEquals(Set.of("validation/report.json", "validation/report.html"), files);
    assertEquals(2, validateRuns(context, "passed").size());
  }

  private JsonNode validateRuns(PipelineContext context, String verdict) {
    String filter =
        "tags.mlflow.parentRunId = '"
            + context.parentRun().runId()
            + "' and tags.`batchmlops.validation` = '"
            + verdict
            + "'";
    return mlflow
        .post(
            "/api/2.0/mlflow/runs/search",
            "{\"experiment_ids\": [\""
                + context.parentRun().experimentId()
                + "\"], \"filter\": \""
                + filter.replace("\"", "\\\"")
                + "\"}")
        .path("runs");
  }

  private static double metric(JsonNode run, String key) {
    for (JsonNode metric : run.path("data").path("metrics")) {
      if (metric.path("key").asText().equals(key)) {
        return metric.path("value").asDouble();
      }
    }
    throw new AssertionError("no metric " + key);
  }
}
