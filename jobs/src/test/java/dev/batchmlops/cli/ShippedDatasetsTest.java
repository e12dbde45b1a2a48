package dev.batchmlops.cli;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchmlops.split.SplitExtension;
import dev.batchmlops.split.SplitStage;
import dev.batchmlops.support.Cli;
import dev.batchmlops.support.JobArgs;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.ProjectPaths;
import dev.batchmlops.support.PythonModels;
import dev.batchmlops.support.TestSpark;
import dev.batchmlops.table.Commit;
import dev.batchmlops.table.DeltaTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The real datasets of each task that ship in {@code data/}, with their reviewed contracts in
 * {@code conf/datasets/}: ingested and validated through the command line as a user runs them.
 */
class ShippedDatasetsTest {
  @TempDir Path temp;

  private Cli.Outcome command(Path work, String dataset, String command, String... extra) {
    List<String> args =
        JobArgs.of(command, work, MlflowTestServer.shared().uri(), "--dataset", dataset);
    args.addAll(List.of(extra));
    return Cli.execute(args.toArray(String[]::new));
  }

  /**
   * The built-in generator's other targets for the same applicants, under their shipped contracts:
   * {@code generate} lands the contract's target and its rows pass that contract.
   */
  @ParameterizedTest
  @CsvSource({"credit-grade, risk_grade", "credit-rate, interest_rate"})
  void theGeneratedApplicantsPassTheContractOfEachTarget(String dataset, String target)
      throws Exception {
    Path work = Files.createDirectories(temp.resolve(dataset));
    Cli.Outcome generated = command(work, dataset, "generate", "--set", "generate.rows=1500");
    assertEquals(0, generated.exitCode(), generated.stderr());
    Cli.Outcome ingested = command(work, dataset, "ingest");
    assertEquals(0, ingested.exitCode(), ingested.stderr());
    Dataset<Row> raw =
        TestSpark.session()
            .read()
            .format("delta")
            .load(work.resolve("delta/" + dataset + "/raw").toString());
    assertEquals(1500, raw.count(), "every row ingested, none quarantined");
    assertEquals(target, raw.columns()[raw.columns().length - 1]);
    assertFalse(List.of(raw.columns()).contains("defaulted"), "the contract's target only");
    Cli.Outcome validated = command(work, dataset, "validate");
    assertEquals(0, validated.exitCode(), validated.stdout() + validated.stderr());
    assertTrue(validated.stdout().contains(" checks, 0 errors, "), validated.stdout());
  }

  @ParameterizedTest
  @CsvSource({
    "penguins, penguins/penguins.csv, 344, multiclass, 0, leakage.max_feature_macro_auc, macro_f1,"
        + " false, macro_f1",
    // 19 machines repeat another's vendor, hardware and performance: other models, whose names
    // Weka's file leaves out (a warning, which the data's README explains).
    "computer-hardware, computer-hardware/machines.csv, 209, regression, 1,"
        + " leakage.max_feature_rank_r2, rmse, true, r2"
  })
  void eachTasksDatasetPassesItsContract(
      String dataset,
      String file,
      long rows,
      String task,
      int warnings,
      String strongest,
      String selectionMetric,
      boolean lowerIsBetter,
      String registrationMetric)
      throws Exception {
    Path work = Files.createDirectories(temp.resolve(dataset));
    String input = ProjectPaths.root().resolve("data").resolve(file).toString();
    Cli.Outcome ingested = command(work, dataset, "ingest", "--input", input);
    assertEquals(0, ingested.exitCode(), ingested.stderr());
    assertEquals(
        rows,
        TestSpark.session()
            .read()
            .format("delta")
            .load(work.resolve("delta/" + dataset + "/raw").toString())
            .count(),
        "every row ingested, none quarantined");
    Cli.Outcome validated = command(work, dataset, "validate");
    assertEquals(0, validated.exitCode(), validated.stdout() + validated.stderr());
    assertTrue(
        validated.stdout().contains(" checks, 0 errors, " + warnings + " warnings"),
        validated.stdout());

    Cli.Outcome split = command(work, dataset, "split");
    assertEquals(0, split.exitCode(), split.stdout() + split.stderr());
    Dataset<Row> splits =
        TestSpark.session()
            .read()
            .format("delta")
            .load(work.resolve("delta/" + dataset + "/splits").toString());
    assertEquals(rows, splits.count(), "every row in one split");
    assertEquals(3, splits.select("split").distinct().count());

    Cli.Outcome leakage = command(work, dataset, "leakage");
    assertEquals(0, leakage.exitCode(), leakage.stdout() + leakage.stderr());
    assertTrue(leakage.stdout().contains(" checks, 0 errors, "), leakage.stdout());
    // The strongest feature's score in the task's own terms, well above chance and below a leak.
    List<Double> strongestScores =
        MlflowTestServer.shared()
            .searchRuns("batchmlops-" + dataset, "attributes.run_name = 'leakage'")
            .stream()
            .flatMap(
                run ->
                    java.util.stream.StreamSupport.stream(
                        run.path("data").path("metrics").spliterator(), false))
            .filter(metric -> metric.path("key").asText().equals(strongest))
            .map(metric -> metric.path("value").asDouble())
            .toList();
    assertFalse(strongestScores.isEmpty(), strongest + " logged");
    assertTrue(
        strongestScores.stream().allMatch(v -> v > 0.6 && v < 0.95), strongestScores.toString());

    Cli.Outcome train = command(work, dataset, "train");
    assertEquals(0, train.exitCode(), train.stdout() + train.stderr());
    List<JsonNode> searches =
        MlflowTestServer.shared()
            .searchRuns("batchmlops-" + dataset, "attributes.run_name = 'train'");
    assertEquals(1, searches.size(), "one search");
    Map<String, Double> searched = metrics(searches.get(0));
    Map<String, Double> prior =
        metrics(
            MlflowTestServer.shared()
                .searchRuns("batchmlops-" + dataset, "attributes.run_name = 'baseline-prior'")
                .get(0));
    // The search's model beats the prior baseline on validation by the task's own metric.
    assertTrue(
        lowerIsBetter
            ? searched.get("validation_" + selectionMetric)
                < 0.8 * prior.get("validation_" + selectionMetric)
            : searched.get("validation_" + selectionMetric)
                > prior.get("validation_" + selectionMetric) + 0.2,
        selectionMetric + ": search " + searched + " prior " + prior);

    // Evaluated and gated in the task's terms, then registered as the first champion.
    Cli.Outcome evaluate = command(work, dataset, "evaluate");
    assertEquals(0, evaluate.exitCode(), evaluate.stdout() + evaluate.stderr());
    assertTrue(evaluate.stdout().contains("gates         register: "), evaluate.stdout());
    JsonNode evaluation =
        MlflowTestServer.shared()
            .searchRuns("batchmlops-" + dataset, "attributes.run_name = 'evaluate'")
            .get(0);
    Map<String, Double> tested = metrics(evaluation);
    if (dataset.equals("penguins")) {
      // Each island and sex of 20 test rows or more, with its interval.
      assertTrue(
          tested.keySet().stream().anyMatch(k -> k.startsWith("test_macro_f1_ci_low.island.")),
          tested.toString());
    }
    List<String> plots = new java.util.ArrayList<>();
    MlflowTestServer.shared()
        .get(
            "/api/2.0/mlflow/artifacts/list?run_id="
                + evaluation.path("info").path("run_id").asText()
                + "&path=evaluation/plots")
        .path("files")
        .forEach(f -> plots.add(f.path("path").asText().replace("evaluation/plots/", "")));
    assertEquals(
        task.equals("multiclass")
            ? List.of("class-f1.png", "confusion-matrix.png", "segments-metric.png")
            : List.of("errors.png", "predicted-actual.png", "segments-metric.png"),
        plots.stream().sorted().toList());
    assertTrue(
        tested.get("test_" + registrationMetric)
            > tested.get("prior_test_" + registrationMetric) + 0.3,
        "beats the prior on test: " + tested);
    assertTrue(tested.containsKey("reference_test_" + registrationMetric), tested.toString());
    Cli.Outcome register = command(work, dataset, "register");
    assertEquals(0, register.exitCode(), register.stdout() + register.stderr());
    JsonNode versions = MlflowTestServer.shared().modelVersions("batchmlops-" + dataset);
    assertEquals(1, versions.size(), versions.toString());
    Map<String, String> tags = new java.util.TreeMap<>();
    versions
        .get(0)
        .path("tags")
        .forEach(t -> tags.put(t.path("key").asText(), t.path("value").asText()));
    assertEquals(task, tags.get("task"));
    assertFalse(tags.containsKey("decision_threshold"), "no threshold: " + tags);
    assertEquals(
        tested.get("test_" + registrationMetric),
        Double.parseDouble(tags.get("test_" + registrationMetric)),
        1e-9);
    // The error monitoring will judge a fall by (0 for penguins, classified without a mistake).
    assertTrue(
        Double.parseDouble(tags.get("test_" + registrationMetric + "_se")) >= 0, tags.toString());
    JsonNode model =
        MlflowTestServer.shared()
            .get("/api/2.0/mlflow/registered-models/get?name=batchmlops-" + dataset)
            .path("registered_model");
    List<String> champions = new java.util.ArrayList<>();
    model
        .path("aliases")
        .forEach(
            alias -> {
              if (alias.path("alias").asText().equals("champion")) {
                champions.add(alias.path("version").asText());
              }
            });
    assertEquals(List.of("1"), champions, model.toString());

    // The registered version, loaded in Python as a data scientist would, predicts as Java does.
    Dataset<Row> testRows =
        TestSpark.session()
            .read()
            .format("delta")
            .load(work.resolve("delta/" + dataset + "/splits").toString())
            .where(col("split").equalTo("test"));
    Path parquet = work.resolve("test-rows.parquet");
    testRows.write().parquet(parquet.toString());
    String idColumn = dataset.equals("penguins") ? "row_id" : "machine_id";
    // Multiclass: the probability of the predicted class, which the class and all the rest decide.
    org.apache.spark.sql.Column predicted =
        task.equals("multiclass")
            ? org.apache.spark.sql.functions.array_max(
                org.apache.spark.ml.functions.vector_to_array(col("probability"), "float64"))
            : col("prediction");
    Map<String, Double> java = new java.util.HashMap<>();
    for (Row row :
        org.apache.spark.ml.PipelineModel.load(tags.get("model_path"))
            .transform(testRows)
            .select(col(idColumn).cast("string"), predicted.cast("double"))
            .collectAsList()) {
      java.put(row.getString(0), row.getDouble(1));
    }
    PythonModels.Loaded python =
        PythonModels.load(
            MlflowTestServer.shared().uri(),
            "models:/batchmlops-" + dataset + "/1",
            parquet,
            idColumn,
            task.equals("multiclass")
                ? "array_max(vector_to_array(col('probability')))"
                : "col('prediction')",
            work);
    assertEquals(java.keySet(), python.predictions().keySet());
    java.forEach(
        (id, value) ->
            assertEquals(value, python.predictions().get(id), 1e-9, "prediction of " + id));
    // As a pyfunc, through the task's signature: the value, or the index of the metadata's class.
    assertEquals(task, python.metadata().path("task").asText());
    assertEquals("prediction", python.signature().path("outputs").path(0).path("name").asText());
    Map<String, Double> javaPrediction = new java.util.HashMap<>();
    for (Row row :
        org.apache.spark.ml.PipelineModel.load(tags.get("model_path"))
            .transform(testRows)
            .select(col(idColumn).cast("string"), col("prediction"))
            .collectAsList()) {
      javaPrediction.put(row.getString(0), row.getDouble(1));
    }
    assertEquals(javaPrediction.keySet(), python.pyfuncPredictions().keySet());
    javaPrediction.forEach(
        (id, value) ->
            assertEquals(value, python.pyfuncPredictions().get(id), 1e-9, "pyfunc of " + id));
    if (task.equals("multiclass")) {
      List<String> classes = new java.util.ArrayList<>();
      python.metadata().path("classes").forEach(c -> classes.add(c.asText()));
      assertEquals(List.of("Adelie", "Chinstrap", "Gentoo"), classes);
      // A missing integer is NaN to pandas: the signature makes the flipper length a double.
      JsonNode flipper = null;
      for (JsonNode column : python.signature().path("inputs")) {
        if (column.path("name").asText().equals("flipper_length_mm")) {
          flipper = column;
        }
      }
      assertEquals("double", flipper.path("type").asText(), python.signature().toString());
    }

    // Scored with the champion (the raw table's latest version): what the task predicts, per row.
    Cli.Outcome score = command(work, dataset, "score");
    assertEquals(0, score.exitCode(), score.stdout() + score.stderr());
    Dataset<Row> predictions =
        TestSpark.session()
            .read()
            .format("delta")
            .load(work.resolve("delta/" + dataset + "/predictions").toString());
    assertEquals(rows, predictions.count(), "every raw row scored once");
    Map<String, Row> scored = new HashMap<>();
    predictions.collectAsList().forEach(row -> scored.put(row.getAs(idColumn).toString(), row));
    if (task.equals("multiclass")) {
      List<String> classes = List.of("Adelie", "Chinstrap", "Gentoo");
      javaPrediction.forEach(
          (id, index) ->
              assertEquals(
                  classes.get(index.intValue()),
                  scored.get(id).getAs("prediction"),
                  "the class by name of " + id));
      for (Row row : scored.values()) {
        Map<String, Double> probabilities = row.getJavaMap(row.fieldIndex("class_probabilities"));
        assertEquals(Set.copyOf(classes), probabilities.keySet());
        assertEquals(
            1.0, probabilities.values().stream().mapToDouble(Double::doubleValue).sum(), 1e-9);
        assertEquals(probabilities.get(row.<String>getAs("prediction")), row.getAs("score"));
      }
    } else {
      javaPrediction.forEach(
          (id, value) ->
              assertEquals(
                  value, scored.get(id).<Double>getAs("prediction"), 1e-9, "the value of " + id));
      assertFalse(List.of(predictions.columns()).contains("threshold"), "no threshold");
    }

    Cli.Outcome monitor = command(work, dataset, "monitor");
    assertEquals(1, monitor.exitCode(), monitor.stderr());
    assertEquals(
        List.of(
            "batchmlops: error: dataset.task = "
                + task
                + ": `monitor` handles [binary] labels so far; ingest through register (and run),"
                + " and score, handle every task"),
        monitor.errorLines());
  }

  private static Map<String, Double> metrics(JsonNode run) {
    Map<String, Double> metrics = new java.util.TreeMap<>();
    run.path("data")
        .path("metrics")
        .forEach(m -> metrics.put(m.path("key").asText(), m.path("value").asDouble()));
    return metrics;
  }

  /**
   * A batch of machines appended to the regression data: the split extends the earlier one, every
   * earlier machine keeps its split, and the new ones are placed in the label bins the first split
   * recorded, not in bins recomputed from the grown table.
   */
  @Test
  void anAppendedBatchIsPlacedInTheLabelBinsTheFirstSplitRecorded() throws Exception {
    Path work = Files.createDirectories(temp.resolve("appended"));
    String dataset = "computer-hardware";
    String append = "ingest.mode=append";
    Path machines = ProjectPaths.root().resolve("data/computer-hardware/machines.csv");
    assertEquals(0, command(work, dataset, "ingest", "--input", machines.toString()).exitCode());
    assertEquals(0, command(work, dataset, "validate").exitCode());
    assertEquals(0, command(work, dataset, "split").exitCode());

    // Three fast machines: bins recomputed from 212 rows would have moved every edge.
    Path batch = work.resolve("new-machines.csv");
    Files.writeString(
        batch,
        String.join(
            "\n",
            Files.readAllLines(machines).get(0),
            "M210,amdahl,23,16000,64000,64,16,32,1150",
            "M211,amdahl,23,32000,64000,128,32,64,1238",
            "M212,ibm,26,16000,32000,64,16,24,1144",
            ""));
    Cli.Outcome ingested =
        command(work, dataset, "ingest", "--input", batch.toString(), "--set", append);
    assertEquals(0, ingested.exitCode(), ingested.stderr());
    assertEquals(0, command(work, dataset, "validate").exitCode());
    Cli.Outcome split = command(work, dataset, "split");
    assertEquals(0, split.exitCode(), split.stdout() + split.stderr());

    String splitTable = work.resolve("delta/" + dataset + "/splits").toString();
    List<Commit> commits = new DeltaTables(TestSpark.session()).history(splitTable);
    Map<String, String> first = commits.get(commits.size() - 1).metadata();
    Map<String, String> extended = commits.get(0).metadata();
    assertTrue(extended.containsKey(SplitExtension.EXTENDS), extended.toString());
    assertEquals("209", extended.get("units_kept"));
    assertEquals("3", extended.get("units_allocated"));
    assertEquals("5", first.get("label_bins"));
    assertEquals(4, first.get(SplitStage.LABEL_BIN_EDGES).split(",").length, first.toString());
    assertEquals(first.get(SplitStage.LABEL_BIN_EDGES), extended.get(SplitStage.LABEL_BIN_EDGES));
    Dataset<Row> before =
        TestSpark.session()
            .read()
            .format("delta")
            .option("versionAsOf", commits.get(commits.size() - 1).version())
            .load(splitTable)
            .select("machine_id", "split");
    Dataset<Row> after =
        TestSpark.session().read().format("delta").load(splitTable).select("machine_id", "split");
    assertEquals(212, after.count());
    assertEquals(0, before.except(after).count(), "every earlier machine keeps its split");
  }
}
