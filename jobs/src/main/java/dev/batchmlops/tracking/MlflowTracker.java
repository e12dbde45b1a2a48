package dev.batchmlops.tracking;

import dev.batchmlops.PipelineException;
import dev.batchmlops.ServiceUnavailableException;
import dev.batchmlops.config.StageConfigs;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.mlflow.api.proto.Service.CreateRun;
import org.mlflow.api.proto.Service.RunInfo;
import org.mlflow.api.proto.Service.RunStatus;
import org.mlflow.api.proto.Service.RunTag;
import org.mlflow.tracking.MlflowClient;
import org.mlflow.tracking.MlflowClientException;

/**
 * Tracking on an MLflow server: runs and batched logging through the Java client, artifacts through
 * the server's artifact proxy (so the driver needs no Python), the registry through REST.
 */
public final class MlflowTracker implements ExperimentTracker {
  /** The tag MLflow's UI uses to nest a run under its parent. */
  static final String PARENT_RUN_TAG = "mlflow.parentRunId";

  /** The tag MLflow's UI shows as a run's user. */
  static final String USER_TAG = "mlflow.user";

  private final MlflowClient client;
  private final MlflowRest rest;
  private Boolean loggedModels;

  /** On the server of {@code settings}, as the user the environment names (if any). */
  public MlflowTracker(StageConfigs.Tracking settings) {
    this(settings, TrackingCredentials.fromEnvironment());
  }

  public MlflowTracker(StageConfigs.Tracking settings, TrackingCredentials credentials) {
    this.client = new MlflowClient(credentials.hostCreds(settings.uri()));
    this.rest =
        new MlflowRest(settings.uri(), Duration.ofSeconds(settings.timeoutSeconds()), credentials);
  }

  @Override
  public String actor() {
    return rest.credentials().actor();
  }

  public ModelRegistry registry() {
    return new MlflowModelRegistry(rest);
  }

  @Override
  public void checkReachable() {
    String answer = rest.getText("/health").trim();
    if (!answer.equals("OK")) {
      throw new PipelineException(
          "the service at "
              + rest.baseUri()
              + " is not an MLflow tracking server (/health said '"
              + answer
              + "')");
    }
  }

  /**
   * MLflow 3's UI opens an experiment in its model-training view only with this tag (otherwise in
   * its GenAI overview); earlier servers keep it as a plain tag.
   */
  static final String EXPERIMENT_KIND = "mlflow.experimentKind";

  static final String MODEL_TRAINING = "custom_model_development";

  /**
   * The experiment's id, made on first use. Looked up with a plain GET: the MLflow Java client
   * retries a 404 as if it were rate-limited, logging three warnings and sleeping, for an
   * experiment that does not exist yet.
   */
  @Override
  public String experimentId(String name) {
    Optional<com.fasterxml.jackson.databind.JsonNode> found = experimentNamed(name);
    if (found.isPresent()) {
      String id = found.get().path("experiment_id").asText();
      boolean tagged = false;
      for (com.fasterxml.jackson.databind.JsonNode tag : found.get().path("tags")) {
        tagged |= tag.path("key").asText().equals(EXPERIMENT_KIND);
      }
      if (!tagged) { // experiments made before the tag was set get it too
        call(
            () -> {
              client.setExperimentTag(id, EXPERIMENT_KIND, MODEL_TRAINING);
              return id;
            });
      }
      return id;
    }
    String id;
    try {
      id = call(() -> client.createExperiment(name));
    } catch (PipelineException e) {
      // Another job made it between the lookup and the create.
      return experimentNamed(name)
          .map(e2 -> e2.path("experiment_id").asText())
          .orElseThrow(() -> e);
    }
    call(
        () -> {
          client.setExperimentTag(id, EXPERIMENT_KIND, MODEL_TRAINING);
          return id;
        });
    return id;
  }

  private Optional<com.fasterxml.jackson.databind.JsonNode> experimentNamed(String name) {
    return rest.find(
            "/api/2.0/mlflow/experiments/get-by-name?experiment_name="
                + java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8))
        .map(answer -> answer.path("experiment"));
  }

  /** Whether the server keeps logged models: MLflow 3 and later, by the version it reports. */
  private synchronized boolean loggedModels() {
    if (loggedModels == null) {
      String version = rest.getText("/version").trim();
      try {
        loggedModels = Integer.parseInt(version.split("\\.")[0]) >= 3;
      } catch (NumberFormatException e) {
        throw new PipelineException(
            "the MLflow server at " + rest.baseUri() + " reports no version ('" + version + "')");
      }
    }
    return loggedModels;
  }

  @Override
  public TrackedRun startRun(
      String experimentId, String runName, String parentRunId, Map<String, String> tags) {
    CreateRun.Builder request =
        CreateRun.newBuilder()
            .setExperimentId(experimentId)
            .setRunName(runName)
            .setStartTime(System.currentTimeMillis())
            .setUserId(actor());
    request.addTags(RunTag.newBuilder().setKey(USER_TAG).setValue(actor()));
    tags.forEach((key, value) -> request.addTags(RunTag.newBuilder().setKey(key).setValue(value)));
    if (parentRunId != null) {
      request.addTags(RunTag.newBuilder().setKey(PARENT_RUN_TAG).setValue(parentRunId));
    }
    RunInfo info = call(() -> client.createRun(request.build()));
    return new MlflowRun(client, rest, info, loggedModels());
  }

  @Override
  public Map<String, String> params(String runId) {
    return byKey(
        call(() -> client.getRun(runId)).getData().getParamsList(),
        org.mlflow.api.proto.Service.Param::getKey,
        org.mlflow.api.proto.Service.Param::getValue);
  }

  @Override
  public Map<String, String> tags(String runId) {
    return byKey(
        call(() -> client.getRun(runId)).getData().getTagsList(), RunTag::getKey, RunTag::getValue);
  }

  private static <T> Map<String, String> byKey(
      List<T> entries,
      java.util.function.Function<T, String> key,
      java.util.function.Function<T, String> value) {
    Map<String, String> byKey = new java.util.TreeMap<>();
    entries.forEach(e -> byKey.put(key.apply(e), value.apply(e)));
    return byKey;
  }

  @Override
  public TrackedRun resumeRun(String runId) {
    RunInfo info = call(() -> client.getRun(runId).getInfo());
    return new MlflowRun(client, rest, info, loggedModels());
  }

  @Override
  public int endAbandonedRuns(String runId) {
    RunInfo run = call(() -> client.getRun(runId).getInfo());
    String nested =
        "tags.`" + PARENT_RUN_TAG + "` = '" + runId + "' AND attributes.status = 'RUNNING'";
    int ended = 0;
    // A pipeline run has a dozen children at most: one page holds them.
    List<org.mlflow.api.proto.Service.Run> children =
        call(
            () ->
                client
                    .searchRuns(
                        List.of(run.getExperimentId()),
                        nested,
                        org.mlflow.api.proto.Service.ViewType.ACTIVE_ONLY,
                        1000)
                    .getItems());
    for (org.mlflow.api.proto.Service.Run child : children) {
      ended += endAbandonedRuns(child.getInfo().getRunId());
    }
    if (run.getStatus() == RunStatus.RUNNING) {
      call(
          () -> {
            client.setTerminated(runId, RunStatus.KILLED);
            return null;
          });
      ended++;
    }
    return ended;
  }

  /** Runs a client call, turning its failures into one-line pipeline errors. */
  static <T> T call(Supplier<T> action) {
    try {
      return action.get();
    } catch (org.mlflow.tracking.MlflowHttpException e) {
      if (e.getStatusCode() == 401 || e.getStatusCode() == 403) {
        throw new AccessDeniedException(
            "the MLflow server refused the request (HTTP "
                + e.getStatusCode()
                + (e.getStatusCode() == 401
                    ? ": not authenticated; check " + TrackingCredentials.USERNAME + ")"
                    : ": permission denied)"));
      }
      throw failed(e);
    } catch (MlflowClientException e) {
      throw failed(e);
    }
  }

  private static PipelineException failed(MlflowClientException e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    String line = "MLflow call failed: " + message.replaceAll("\\s+", " ").trim();
    return ServiceUnavailableException.isTransient(e)
        ? new ServiceUnavailableException(line, e)
        : new PipelineException(line, e);
  }
}
