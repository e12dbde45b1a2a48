package dev.batchmlops.tracking;

import dev.batchmlops.Json;
import dev.batchmlops.PipelineException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
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

  private final MlflowClient client;
  private final MlflowRest rest;
  private final RunInfo info;

  MlflowRun(MlflowClient client, MlflowRest rest, RunInfo info) {
    this.client = client;
    this.rest = rest;
    this.info = info;
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
    upload(artifactPath, new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  public void logDirectory(String artifactPath, Path localDirectory) {
    try (Stream<Path> files = Files.walk(localDirectory)) {
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        String relative = localDirectory.relativize(file).toString().replace('\\', '/');
        try (InputStream content = Files.newInputStream(file)) {
          upload(artifactPath + "/" + relative, content);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read artifacts under " + localDirectory, e);
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
  private void upload(String artifactPath, InputStream content) {
    String root = artifactUri();
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
