package dev.batchmlops.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchmlops.Json;
import dev.batchmlops.PipelineException;
import dev.batchmlops.table.FileManifest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.io.FileUtils;
import org.mlflow.api.proto.Service.Metric;
import org.mlflow.api.proto.Service.Param;
import org.mlflow.api.proto.Service.RunInfo;
import org.mlflow.api.proto.Service.RunStatus;
import org.mlflow.api.proto.Service.RunTag;
import org.mlflow.tracking.MlflowClient;

/** One MLflow run. Logging is batched within the server's per-request limits. */
final class MlflowRun implements TrackedRun {
  private static final String SERVED_ARTIFACTS_SCHEME = "mlflow-artifacts:";
  private static final int MAX_METRICS_PER_BATCH = 1000;
  private static final int MAX_PARAMS_PER_BATCH = 100;
  private static final int MAX_TAGS_PER_BATCH = 100;

  /** MLflow 3's status of a logged model whose files are all uploaded (LOGGED_MODEL_READY). */
  private static final int LOGGED_MODEL_READY = 2;

  private final MlflowClient client;
  private final MlflowRest rest;
  private final RunInfo info;
  private final boolean loggedModels;

  /**
   * @param loggedModels whether the server keeps logged models (MLflow 3 and later)
   */
  MlflowRun(MlflowClient client, MlflowRest rest, RunInfo info, boolean loggedModels) {
    this.client = client;
    this.rest = rest;
    this.info = info;
    this.loggedModels = loggedModels;
  }

  @Override
  public String runId() {
    return info.getRunId();
  }

  @Override
  public String experimentId() {
    return info.getExperimentId();
  }

  @Override
  public String artifactUri() {
    return info.getArtifactUri();
  }

  @Override
  public void logParams(Map<String, String> params) {
    List<Param> all = new ArrayList<>();
    params.forEach((k, v) -> all.add(Param.newBuilder().setKey(k).setValue(v).build()));
    for (List<Param> chunk : chunks(all, MAX_PARAMS_PER_BATCH)) {
      MlflowTracker.call(
          () -> {
            client.logBatch(runId(), List.of(), chunk, List.of());
            return null;
          });
    }
  }

  @Override
  public void logMetrics(Map<String, Double> metrics) {
    long now = System.currentTimeMillis();
    List<Metric> all = new ArrayList<>();
    metrics.forEach(
        (k, v) ->
            all.add(
                Metric.newBuilder().setKey(k).setValue(v).setTimestamp(now).setStep(0).build()));
    for (List<Metric> chunk : chunks(all, MAX_METRICS_PER_BATCH)) {
      MlflowTracker.call(
          () -> {
            client.logBatch(runId(), chunk, List.of(), List.of());
            return null;
          });
    }
  }

  @Override
  public void setTags(Map<String, String> tags) {
    List<RunTag> all = new ArrayList<>();
    tags.forEach((k, v) -> all.add(RunTag.newBuilder().setKey(k).setValue(v).build()));
    for (List<RunTag> chunk : chunks(all, MAX_TAGS_PER_BATCH)) {
      MlflowTracker.call(
          () -> {
            client.logBatch(runId(), List.of(), List.of(), chunk);
            return null;
          });
    }
  }

  /**
   * POST runs/log-inputs: each table version as a dataset of source type delta_table (the source
   * MLflow's own Delta datasets write), its schema as MLflow column specs, and the context tag.
   */
  @Override
  public void logInputs(List<DatasetInput> inputs) {
    List<Map<String, Object>> datasets = new ArrayList<>();
    for (DatasetInput input : inputs) {
      List<Map<String, Object>> columns = new ArrayList<>();
      input
          .columns()
          .forEach(
              (name, type) -> columns.add(Map.of("name", name, "type", type, "required", false)));
      Map<String, Object> dataset = new LinkedHashMap<>();
      dataset.put("name", input.name());
      dataset.put("digest", input.digest());
      dataset.put("source_type", "delta_table");
      dataset.put(
          "source",
          Json.compact(Map.of("path", input.path(), "delta_table_version", input.version())));
      dataset.put("schema", Json.compact(Map.of("mlflow_colspec", columns)));
      dataset.put("profile", Json.compact(Map.of("num_rows", input.rows())));
      datasets.add(
          Map.of(
              "tags",
              List.of(Map.of("key", "mlflow.data.context", "value", input.context())),
              "dataset",
              dataset));
    }
    rest.post("/api/2.0/mlflow/runs/log-inputs", Map.of("run_id", runId(), "datasets", datasets));
  }

  @Override
  public void logText(String artifactPath, String content) {
    upload(
        artifactUri(),
        artifactPath,
        new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  public void logDirectory(String artifactPath, Path localDirectory) {
    uploadDirectory(artifactUri(), artifactPath + "/", localDirectory);
  }

  /** Uploads every file under a folder to {@code root}/{@code prefix}..., keeping the tree. */
  private void uploadDirectory(String root, String prefix, Path localDirectory) {
    try (Stream<Path> files = Files.walk(localDirectory)) {
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        String relative = localDirectory.relativize(file).toString().replace('\\', '/');
        try (InputStream content = Files.newInputStream(file)) {
          upload(root, prefix + relative, content);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read artifacts under " + localDirectory, e);
    }
  }

  @Override
  public LoggedModel logModel(
      String name, String flavor, Map<String, String> params, ModelFiles files) {
    String modelId = null;
    String modelArtifacts = null;
    if (loggedModels) {
      List<Map<String, String>> paramList = new ArrayList<>();
      params.forEach((k, v) -> paramList.add(Map.of("key", k, "value", v)));
      JsonNode created =
          rest.post(
                  "/api/2.0/mlflow/logged-models",
                  Map.of(
                      "experiment_id",
                      experimentId(),
                      "name",
                      name,
                      "model_type",
                      flavor,
                      "source_run_id",
                      runId(),
                      "params",
                      paramList))
              .path("model")
              .path("info");
      modelId = created.path("model_id").asText();
      modelArtifacts = created.path("artifact_uri").asText();
    }
    Path folder = null;
    FileManifest manifest;
    try {
      folder = Files.createTempDirectory("batchmlops-model-");
      files.write(folder, modelId);
      manifest = FileManifest.of(folder);
      logDirectory(name, folder);
      if (modelId != null) {
        uploadDirectory(modelArtifacts, "", folder);
        logModelOutput(modelId);
        rest.patch(
            "/api/2.0/mlflow/logged-models/" + modelId,
            Map.of("model_id", modelId, "status", LOGGED_MODEL_READY));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the files of model " + name, e);
    } finally {
      if (folder != null) {
        FileUtils.deleteQuietly(folder.toFile());
      }
    }
    Map<String, Object> history = new LinkedHashMap<>();
    history.put("run_id", runId());
    history.put("artifact_path", name);
    history.put("utc_time_created", Instant.now().toString().replace('T', ' ').replace("Z", ""));
    history.put(
        "flavors",
        Map.of(flavor, Map.of(), "python_function", Map.of("loader_module", "mlflow." + flavor)));
    if (modelId != null) {
      history.put("model_id", modelId);
    }
    setTags(Map.of(MODEL_HISTORY_TAG, Json.compact(List.of(history))));
    logText(LoggedModel.MANIFEST_ARTIFACT, manifest.json());
    return new LoggedModel(
        modelId, modelId != null ? modelArtifacts : artifactUri() + "/" + name, manifest.hash());
  }

  /** MLflow's run tag listing the models a run logged: what a 2.x UI's Models column reads. */
  static final String MODEL_HISTORY_TAG = "mlflow.log-model.history";

  @Override
  public void logModelOutput(String modelId) {
    if (modelId != null) {
      rest.post(
          "/api/2.0/mlflow/runs/outputs",
          Map.of("run_id", runId(), "models", List.of(Map.of("model_id", modelId, "step", 0))));
    }
  }

  @Override
  public void logModelMetrics(String modelId, Map<String, Double> metrics) {
    if (modelId == null) {
      logMetrics(metrics);
      return;
    }
    long now = System.currentTimeMillis();
    List<Map<String, Object>> all = new ArrayList<>();
    metrics.forEach(
        (k, v) ->
            all.add(
                Map.of("key", k, "value", v, "timestamp", now, "step", 0, "model_id", modelId)));
    for (List<Map<String, Object>> chunk : chunks(all, MAX_METRICS_PER_BATCH)) {
      rest.post("/api/2.0/mlflow/runs/log-batch", Map.of("run_id", runId(), "metrics", chunk));
    }
  }

  @Override
  public void end(boolean succeeded) {
    MlflowTracker.call(
        () -> {
          client.setTerminated(runId(), succeeded ? RunStatus.FINISHED : RunStatus.FAILED);
          return null;
        });
  }

  /** Uploads through the server's artifact proxy: PUT /api/2.0/mlflow-artifacts/artifacts/... */
  private void upload(String root, String artifactPath, InputStream content) {
    if (!root.startsWith(SERVED_ARTIFACTS_SCHEME)) {
      throw new PipelineException(
          "run "
              + runId()
              + " stores artifacts at "
              + root
              + ", which this driver cannot reach: start the MLflow server with artifact serving"
              + " (mlflow server --serve-artifacts --artifacts-destination DIR)");
    }
    String relativeRoot = root.substring(SERVED_ARTIFACTS_SCHEME.length()).replaceAll("^/+", "");
    rest.put("/api/2.0/mlflow-artifacts/artifacts/" + relativeRoot + "/" + artifactPath, content);
  }

  private static <T> List<List<T>> chunks(List<T> items, int size) {
    List<List<T>> chunks = new ArrayList<>();
    for (int i = 0; i < items.size(); i += size) {
      chunks.add(items.subList(i, Math.min(items.size(), i + size)));
    }
    return chunks;
  }
}
