package dev.batchmlops.support;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A model loaded in Python as a data scientist loads it ({@code mlflow.spark.load_model} from the
 * tracking server, in the project's virtual environment) and applied to rows: what the Java
 * pipeline's predictions must equal.
 */
public final class PythonModels {
  private PythonModels() {}

  /**
   * One number per row, by id: {@code expression} is a PySpark column over the transformed rows
   * (such as {@code col('prediction')}).
   */
  public static Map<String, Double> predictions(
      String trackingUri, String modelUri, Path rows, String idColumn, String expression, Path work)
      throws Exception {
    Path script = work.resolve("predict.py");
    Path log = work.resolve("python.log");
    Files.writeString(
        script,
        String.join(
            "\n",
            "import json, sys",
            "import mlflow.spark",
            "from pyspark.sql import SparkSession",
            "from pyspark.sql.functions import col, array_max",
            "from pyspark.ml.functions import vector_to_array",
            "spark = SparkSession.builder.master('local[1]')"
                + ".config('spark.ui.enabled', 'false').getOrCreate()",
            "model = mlflow.spark.load_model(sys.argv[1])",
            "scored = model.transform(spark.read.parquet(sys.argv[2]))",
            "rows = scored.select(col(sys.argv[3]).cast('string').alias('id'), ("
                + expression
                + ").alias('p')).collect()",
            "print('PREDICTIONS ' + json.dumps({r['id']: r['p'] for r in rows}))",
            ""));
    ProcessBuilder python =
        new ProcessBuilder(
                ProjectPaths.venv().resolve("bin/python").toString(),
                script.toString(),
                modelUri,
                rows.toString(),
                idColumn)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    SparkSubmit.sparkEnvironment(python);
    python.environment().put("MLFLOW_TRACKING_URI", trackingUri);
    Process process = python.start();
    assertTrue(process.waitFor(5, TimeUnit.MINUTES), "python finished");
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertEquals(0, process.exitValue(), output);
    String json =
        output
            .lines()
            .filter(l -> l.startsWith("PREDICTIONS "))
            .findFirst()
            .orElseThrow(() -> new AssertionError(output))
            .substring("PREDICTIONS ".length());
    Map<String, Double> predictions = new HashMap<>();
    new ObjectMapper()
        .readTree(json)
        .fields()
        .forEachRemaining(e -> predictions.put(e.getKey(), e.getValue().asDouble()));
    return predictions;
  }
}
