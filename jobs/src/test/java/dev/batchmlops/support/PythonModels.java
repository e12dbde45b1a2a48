package dev.batchmlops.support;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
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
 * pipeline's predictions must equal. The same model is loaded as a pyfunc too, given the rows as a
 * pandas frame of its signature's columns: MLflow checks the frame against the signature.
 */
public final class PythonModels {
  private PythonModels() {}

  /**
   * What Python makes of a model.
   *
   * @param predictions {@code expression} of each row, by id, from the Spark model
   * @param pyfuncPredictions the pyfunc's prediction of each row, by id
   * @param signature the model's signature as MLflow reads it ({@code inputs}, {@code outputs}:
   *     lists of columns)
   * @param metadata the model's metadata as MLflow reads it
   */
  public record Loaded(
      Map<String, Double> predictions,
      Map<String, Double> pyfuncPredictions,
      JsonNode signature,
      JsonNode metadata) {}

  /**
   * Loads the model and applies it to {@code rows}: {@code expression} is a PySpark column over the
   * transformed rows (such as {@code col('prediction')}).
   */
  public static Loaded load(
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
            "info = mlflow.models.get_model_info(sys.argv[1])",
            "signature = {k: json.loads(v) for k, v in info.signature.to_dict().items() if v}",
            "inputs = [c['name'] for c in signature['inputs']]",
            "frame = spark.read.parquet(sys.argv[2]).toPandas()",
            "pyfunc = mlflow.pyfunc.load_model(sys.argv[1]).predict(frame[inputs])",
            "print('PREDICTIONS ' + json.dumps({",
            "  'predictions': {r['id']: r['p'] for r in rows},",
            "  'pyfunc': {str(i): float(p) for i, p in zip(frame[sys.argv[3]], list(pyfunc))},",
            "  'signature': signature, 'metadata': info.metadata}))",
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
    JsonNode loaded = new ObjectMapper().readTree(json);
    return new Loaded(
        numbers(loaded.path("predictions")),
        numbers(loaded.path("pyfunc")),
        loaded.path("signature"),
        loaded.path("metadata"));
  }

  private static Map<String, Double> numbers(JsonNode byId) {
    Map<String, Double> numbers = new HashMap<>();
    byId.fields().forEachRemaining(e -> numbers.put(e.getKey(), e.getValue().asDouble()));
    return numbers;
  }
}
