package dev.batchmlops.e2e;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchmlops.support.JobArgs;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.SparkSubmit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The generator's regression target through spark-submit: the interest rate priced for each
 * applicant ({@code conf/datasets/credit-rate.conf}), generated, then run to a registered champion
 * evaluated per segment with intervals, and for fairness by who is over- or under-priced. (The
 * shipped machines' data, without segments, go through the demo in DemoIT.)
 */
class GeneratedRateIT {
  @Test
  void theRateIsEvaluatedPerSegmentAndForFairnessAndRegisteredAsChampion() throws Exception {
    MlflowTestServer mlflow = MlflowTestServer.shared();
    Path work = Files.createTempDirectory("batchmlops-rate-");
    SparkSubmit.Result generated =
        SparkSubmit.run(
            work,
            JobArgs.of(
                "generate",
                work,
                mlflow.uri(),
                "--dataset",
                "credit-rate",
                "--set",
                "generate.rows=1500"));
    assertEquals(0, generated.exitCode(), generated.stderr());
    SparkSubmit.Result run =
        SparkSubmit.run(work, JobArgs.of("run", work, mlflow.uri(), "--dataset", "credit-rate"));
    assertEquals(0, run.exitCode(), run.stderr());
    assertTrue(
        run.stdout().contains("registered model batchmlops-credit-rate version 1 (champion)"),
        run.stdout());

    JsonNode evaluate =
        mlflow.searchRuns("batchmlops-credit-rate", "attributes.run_name = 'evaluate'").get(0);
    Map<String, Double> metrics = new TreeMap<>();
    evaluate
        .path("data")
        .path("metrics")
        .forEach(m -> metrics.put(m.path("key").asText(), m.path("value").asDouble()));
    // The task's metrics in every segment large enough, each with its interval around it.
    for (String group : new String[] {"sex.female", "sex.male"}) {
      double rmse = metrics.get("test_rmse." + group);
      assertTrue(rmse > 0, group + ": " + metrics);
      assertTrue(metrics.containsKey("test_mae." + group), group + ": " + metrics);
      assertTrue(metrics.containsKey("test_r2." + group), group + ": " + metrics);
    }
    assertTrue(
        metrics.keySet().stream().anyMatch(k -> k.matches("test_[a-z0-9_]+_ci_low\\.region\\..+")),
        "an interval per region: " + metrics);
    // Fairness of a regression: the gap in mean error (bias) and in MAE between the sexes, each
    // with its interval, which holds the gap.
    for (String measure : new String[] {"mean_error", "mae"}) {
      String gap = "fairness.sex." + measure + "_gap";
      assertTrue(metrics.containsKey(gap), gap + " in " + metrics);
      assertTrue(
          metrics.get(gap + "_ci_low") <= metrics.get(gap)
              && metrics.get(gap) <= metrics.get(gap + "_ci_high"),
          measure + ": " + metrics);
    }
    assertFalse(
        metrics.keySet().stream().anyMatch(k -> k.contains("auc") || k.contains("threshold")),
        "nothing binary-only: " + metrics);
  }
}
