package dev.batchmlops.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Lays out a saved MLlib pipeline in MLflow's Spark flavour format (an {@code MLmodel} file beside
 * the {@code sparkml} folder), so a Python user can load it with {@code mlflow.spark.load_model}.
 */
public final class SparkModelPackage {
  public static final String MODEL_DATA = "sparkml";

  private SparkModelPackage() {}

  /**
   * Writes MLmodel, requirements and environment files into {@code packageDir}.
   *
   * @param modelId the logged model's id (MLflow 3), null when the server keeps none
   */
  public static void describe(
      Path packageDir,
      String runId,
      String modelId,
      String sparkVersion,
      ModelSignature signature) {
    List<String> mlmodel =
        new ArrayList<>(
            List.of(
                "artifact_path: model",
                "flavors:",
                "  spark:",
                "    pyspark_version: " + sparkVersion,
                "    model_data: " + MODEL_DATA,
                "    code: null",
                "  python_function:",
                "    loader_module: mlflow.spark",
                "    data: " + MODEL_DATA,
                "    env:",
                "      virtualenv: python_env.yaml",
                // Quoted: YAML reads a bare 3.11 as a number, which MLflow's pyfunc loader fails
                // on.
                "    python_version: '3.11'",
                "model_uuid: " + UUID.randomUUID().toString().replace("-", ""),
                "run_id: " + runId,
                "utc_time_created: '" + Instant.now() + "'"));
    if (modelId != null) {
      mlmodel.add("model_id: " + modelId);
    }
    mlmodel.addAll(signature.mlmodelLines());
    // Any MLflow that reads the Spark flavour loads it: the 2.x line and the 3.x servers' clients.
    String requirements = "mlflow>=2.17.2,<4\npyspark==" + sparkVersion + "\n";
    String pythonEnv =
        String.join(
            "\n",
            "python: '3.11'",
            "build_dependencies:",
            "  - pip",
            "dependencies:",
            "  - -r requirements.txt",
            "");
    try {
      Files.writeString(packageDir.resolve("MLmodel"), String.join("\n", mlmodel) + "\n");
      Files.writeString(packageDir.resolve("requirements.txt"), requirements);
      Files.writeString(packageDir.resolve("python_env.yaml"), pythonEnv);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the model package in " + packageDir, e);
    }
  }
}
