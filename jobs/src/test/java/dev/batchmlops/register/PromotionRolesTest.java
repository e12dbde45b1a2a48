package dev.batchmlops.register;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.PipelineException;
import dev.batchmlops.audit.AuditChain;
import dev.batchmlops.audit.AuditRecord;
import dev.batchmlops.audit.AuditTrail;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.TestSpark;
import dev.batchmlops.table.HadoopFiles;
import dev.batchmlops.table.StorageLayout;
import dev.batchmlops.tracking.AccessDeniedException;
import dev.batchmlops.tracking.MlflowTracker;
import dev.batchmlops.tracking.ModelRegistry;
import dev.batchmlops.tracking.TrackedRun;
import dev.batchmlops.tracking.TrackingCredentials;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Roles on a real MLflow server with authentication on: the pipeline user logs and registers, a
 * read-only user may look, and only the release user moves the champion.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PromotionRolesTest {
  private static final String MODEL = "credit-model-roles";
  private static final Map<String, String> PASSWORDS =
      Map.of(
          "pipeline", "pipeline-pw-7c1e9a",
          "reader", "reader-pw-0b44d2",
          "release", "release-pw-5e8f31");
  private static final StageConfigs.Promote RELEASE_ONLY =
      new StageConfigs.Promote(List.of("release"));

  @TempDir Path temp;
  private MlflowTestServer server;
  private String version;
  private String pipelineRunId;

  private MlflowTracker as(String user) {
    return new MlflowTracker(
        new StageConfigs.Tracking(server.uri(), "roles", 30),
        TrackingCredentials.basic(user, PASSWORDS.get(user)));
  }

  private AuditTrail trail(MlflowTracker tracker) {
    return new AuditTrail(
        TestSpark::session,
        new HadoopFiles(TestSpark.session().sparkContext().hadoopConfiguration()),
        new StorageLayout(temp.resolve("delta").toString(), temp.toString(), "credit"),
        tracker.actor());
  }

  @BeforeAll
  void registerAVersionAsThePipelineUser() {
    server = MlflowTestServer.authenticated();
    PASSWORDS.forEach(server::createUser);
    MlflowTracker pipeline = as("pipeline");
    TrackedRun run =
        pipeline.startRun(pipeline.experimentId("roles-credit"), "train", null, Map.of());
    pipelineRunId = run.runId();
    run.end(true);
    ModelRegistry registry = pipeline.registry();
    registry.ensureRegisteredModel(MODEL, "roles test", Map.of());
    version =
        registry
            .createVersion(MODEL, run.artifactUri() + "/model", run.runId(), null, Map.of())
            .version();
    server.grantOnRegisteredModel("release", MODEL, "EDIT");
  }

  @Test
  void runsRecordThePipelineUser() {
    var info = server.get("/api/2.0/mlflow/runs/get?run_id=" + pipelineRunId).path("run");
    assertEquals("pipeline", info.path("info").path("user_id").asText());
    boolean tagged = false;
    for (var tag : info.path("data").path("tags")) {
      tagged |=
          tag.path("key").asText().equals("mlflow.user")
              && tag.path("value").asText().equals("pipeline");
    }
    assertTrue(tagged, info.toString());
  }

  @Test
  void onlyTheReleaseUserMovesTheChampionAndEveryAttemptIsAudited() {
    for (String user : List.of("reader", "pipeline")) {
      MlflowTracker tracker = as(user);
      PipelineException refused =
          assertThrows(
              PipelineException.class,
              () ->
                  Promotion.promote(
                      tracker.registry(),
                      trail(tracker),
                      RELEASE_ONLY,
                      new Promotion.Request(MODEL, version, "ship it", user)));
      assertEquals(
          "promote: '"
              + user
              + "' may not move the champion of "
              + MODEL
              + ": only the release users in promote.release-users [release] may",
          refused.getMessage());
      assertTrue(
          as("release").registry().versionByAlias(MODEL, ModelRegistry.CHAMPION).isEmpty(),
          "a refused promotion changes nothing");
    }
    // The server's own check: without the pipeline's list, a read-only user still cannot.
    MlflowTracker reader = as("reader");
    AccessDeniedException denied =
        assertThrows(
            AccessDeniedException.class,
            () ->
                Promotion.promote(
                    reader.registry(),
                    trail(reader),
                    new StageConfigs.Promote(List.of()),
                    new Promotion.Request(MODEL, version, "ship it", "reader")));
    assertTrue(denied.getMessage().contains("user 'reader'"), denied.getMessage());
    assertTrue(denied.getMessage().contains("HTTP 403"), denied.getMessage());

    MlflowTracker release = as("release");
    Promotion.Result promoted =
        Promotion.promote(
            release.registry(),
            trail(release),
            RELEASE_ONLY,
            new Promotion.Request(MODEL, version, "passed review CR-12", "release"));
    assertEquals(version, promoted.promoted().version());
    ModelRegistry.ModelVersion champion =
        release.registry().versionByAlias(MODEL, ModelRegistry.CHAMPION).orElseThrow();
    assertEquals(version, champion.version());
    assertEquals("release", champion.tags().get("promoted_by"));
    assertEquals("passed review CR-12", champion.tags().get("promotion_reason"));

    List<AuditRecord> records = trail(release).records();
    assertEquals(
        List.of(
            "promotion_refused:reader",
            "promotion_refused:pipeline",
            "promotion_refused:reader",
            "promotion:release"),
        records.stream().map(r -> r.action() + ":" + r.actor()).toList());
    assertEquals(version, records.get(3).outputs().get(ModelRegistry.CHAMPION));
    assertTrue(AuditChain.verify(records).isEmpty());
  }

  @Test
  void aReadOnlyUserCannotLogAndAWrongPasswordIsOneLineThatNamesNoSecret() {
    MlflowTracker reader = as("reader");
    String experiment = as("pipeline").experimentId("roles-credit");
    AccessDeniedException denied =
        assertThrows(
            AccessDeniedException.class, () -> reader.startRun(experiment, "x", null, Map.of()));
    assertTrue(denied.getMessage().contains("HTTP 403"), denied.getMessage());

    MlflowTracker wrong =
        new MlflowTracker(
            new StageConfigs.Tracking(server.uri(), "roles", 30),
            TrackingCredentials.basic("pipeline", "not-the-password-1"));
    AccessDeniedException unauthenticated =
        assertThrows(AccessDeniedException.class, () -> wrong.experimentId("roles-credit"));
    assertEquals(
        "the MLflow server refused user 'pipeline' (HTTP 401: not authenticated): check"
            + " MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD",
        unauthenticated.getMessage());
    assertFalse(unauthenticated.getMessage().contains("not-the-password-1"));
  }
}
