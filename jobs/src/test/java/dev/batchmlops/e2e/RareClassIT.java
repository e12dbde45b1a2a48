package dev.batchmlops.e2e;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.support.JobArgs;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.SparkSubmit;
import dev.batchmlops.support.TestSpark;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.junit.jupiter.api.Test;

/**
 * A user's rare class, end to end: 12 positives in 856 rows. Every split gets its allocated
 * positives, every stage that relies on the few says so on the console, and no model is registered
 * on the evidence of two positive test rows.
 */
class RareClassIT {
  @Test
  void twelvePositivesAreSplitEightTwoTwoAndNoModelIsRegisteredOnTwo() throws Exception {
    MlflowTestServer mlflow = MlflowTestServer.shared();
    Path work = Files.createTempDirectory("batchmlops-rare-");
    Path input = work.resolve("landing/rare.csv");
    // Twelve defaulters drawn by a hash of the id: no order or id pattern to leak.
    Dataset<Row> applications = CreditDataGenerator.generate(TestSpark.session(), 856, 11);
    Object[] defaulters =
        applications
            .orderBy(xxhash64(col("application_id"), lit(5)))
            .limit(12)
            .select("application_id")
            .collectAsList()
            .stream()
            .map(row -> row.get(0))
            .toArray();
    applications
        .withColumn("defaulted", when(col("application_id").isin(defaulters), 1).otherwise(0))
        .coalesce(1)
        .write()
        .mode(SaveMode.Overwrite)
        .option("header", "true")
        .csv(input.toString());

    SparkSubmit.Result result =
        SparkSubmit.run(
            work,
            JobArgs.of(
                "run",
                work,
                mlflow.uri(),
                "--input",
                input.toString(),
                "--set",
                "tracking.experiment-prefix=rare-class",
                "--set",
                "register.model-prefix=rare-class",
                // The contract expects a default rate of 5% or more; this data has 1.4%.
                "--set",
                "dataset.positive-share.min=0.01"));

    assertEquals(3, result.exitCode(), result.stdout() + result.stderr());
    Map<String, Long> positives = new TreeMap<>();
    for (Row row :
        TestSpark.session()
            .read()
            .format("delta")
            .load(work.resolve("delta/credit/splits").toString())
            .where(col("defaulted").equalTo(1))
            .groupBy("split")
            .count()
            .collectAsList()) {
      positives.put(row.getString(0), row.getLong(1));
    }
    assertEquals(Map.of("train", 8L, "validation", 2L, "test", 2L), positives);

    // Said plainly where a person looks: the split's warnings, train and evaluate on the console.
    assertTrue(
        result
            .stdout()
            .contains("test: at least 10 positive rows (register.gates.min-test-positives)"),
        result.stdout());
    assertTrue(
        result.stderr().contains("train: the validation split holds only 2 positive rows of"),
        result.stderr());
    assertTrue(
        result.stderr().contains("evaluate: the test split holds only 2 positive rows"),
        result.stderr());
    String line = result.errorLine();
    assertTrue(
        line.contains("min_test_positives (the test split holds 2 positive rows, needs >= 10"),
        line);

    JsonNode versions =
        mlflow.get(
            "/api/2.0/mlflow/model-versions/search?filter="
                + URLEncoder.encode("name='rare-class-credit'", StandardCharsets.UTF_8));
    assertEquals(0, versions.path("model_versions").size(), "nothing registered");
  }
}
