package dev.batchmlops.e2e;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchmlops.audit.AuditChain;
import dev.batchmlops.audit.AuditRecord;
import dev.batchmlops.audit.AuditTrail;
import dev.batchmlops.support.Cli;
import dev.batchmlops.support.JobArgs;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.SparkSubmit;
import dev.batchmlops.support.TestSpark;
import dev.batchmlops.table.HadoopFiles;
import dev.batchmlops.table.StorageLayout;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The pipeline as a team runs it against an MLflow server with authentication on, through
 * spark-submit with credentials in the environment: the pipeline user trains and registers, only
 * the release user promotes, every action lands in the audit trail, a changed model file is refused
 * and a changed audit record is found, and no credential is written anywhere.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GovernanceIT {
  private static final String MODEL = "batchmlops-credit";
  private static final Map<String, String> PASSWORDS =
      Map.of(
          "pipeline", "pipeline-secret-a81f3c",
          "reader", "reader-secret-29d7e0",
          "release", "release-secret-c5b16a");

  private MlflowTestServer mlflow;
  private Path work;
  private final List<SparkSubmit.Result> outputs = new ArrayList<>();

  @BeforeAll
  void startAnAuthenticatedServer() throws IOException {
    mlflow = MlflowTestServer.authenticated();
    PASSWORDS.forEach(mlflow::createUser);
    work = Files.createTempDirectory("batchmlops-governance-");
  }

  private SparkSubmit.Result as(String user, String command, String... extra) {
    List<String> settings =
        new ArrayList<>(
            List.of(
                "--set",
                "promote.release-users=[release]",
                "--set",
                "register.auto-promote=false",
                "--set",
                "train.search.max-trials=2"));
    settings.addAll(List.of(extra));
    long started = System.nanoTime();
    // A command with a subcommand ("audit verify"): the options go after both.
    String[] words = command.split(" ");
    List<String> args =
        new ArrayList<>(
            JobArgs.of(
                words[words.length - 1], work, mlflow.uri(), settings.toArray(String[]::new)));
    args.addAll(0, List.of(words).subList(0, words.length - 1));
    SparkSubmit.Result result =
        SparkSubmit.run(
            work,
            args,
            Map.of(
                "MLFLOW_TRACKING_USERNAME", user, "MLFLOW_TRACKING_PASSWORD", PASSWORDS.get(user)));
    outputs.add(result);
    System.out.printf(
        "%s as %s: exit %d in %.0f s%n",
        command, user, result.exitCode(), (System.nanoTime() - started) / 1e9);
    return result;
  }

  /** `audit` in this JVM: it reads the table only, no MLflow server or credentials needed. */
  private Cli.Outcome audit(String... options) {
    List<String> args = new ArrayList<>();
    boolean verify = options.length > 0 && options[0].equals("verify");
    args.add("audit");
    if (verify) {
      args.add("verify");
    }
    List<String> common = JobArgs.of("audit", work, mlflow.uri());
    args.addAll(common.subList(1, common.size()));
    args.addAll(List.of(options).subList(verify ? 1 : 0, options.length));
    return Cli.execute(args.toArray(String[]::new));
  }

  private AuditTrail trail() {
    return new AuditTrail(
        TestSpark::session,
        new HadoopFiles(TestSpark.session().sparkContext().hadoopConfiguration()),
        new StorageLayout(work.resolve("delta").toString(), work.toString(), "credit"),
        "test");
  }

  private JsonNode champion() {
    return mlflow.get("/api/2.0/mlflow/registered-models/alias?name=" + MODEL + "&alias=champion");
  }

  private static String tag(JsonNode version, String key) {
    for (JsonNode tag : version.path("tags")) {
      if (tag.path("key").asText().equals(key)) {
        return tag.path("value").asText();
      }
    }
    return null;
  }

  @Test
  @Order(1)
  void theTrailHoldsARejectionARegistrationOnlyTheReleaseUsersPromotionAndTheScoring() {
    SparkSubmit.Result rejected = as("pipeline", "run", "--set", "register.gates.min-metric=0.99");
    assertEquals(3, rejected.exitCode(), rejected.stderr());
    assertEquals(0, as("pipeline", "evaluate").exitCode());
    SparkSubmit.Result registered = as("pipeline", "register");
    assertEquals(0, registered.exitCode(), registered.stderr());
    JsonNode version =
        mlflow
            .get("/api/2.0/mlflow/model-versions/get?name=" + MODEL + "&version=1")
            .path("model_version");
    assertEquals("pipeline", tag(version, "registered_by"));
    assertEquals(64, tag(version, "model_manifest_sha256").length(), version.toString());
    JsonNode trainRun =
        mlflow.get("/api/2.0/mlflow/runs/get?run_id=" + version.path("run_id").asText());
    assertEquals("pipeline", trainRun.path("run").path("info").path("user_id").asText());

    for (String user : List.of("reader", "pipeline")) {
      SparkSubmit.Result refused = as(user, "promote", "--version", "1", "--reason", "looks good");
      assertEquals(1, refused.exitCode(), refused.stderr());
      assertEquals(
          "batchmlops: error: promote: '"
              + user
              + "' may not move the champion of "
              + MODEL
              + ": only the release users in promote.release-users [release] may",
          refused.errorLine());
    }
    assertThrows(AssertionError.class, this::champion, "a refused promotion changes nothing");
    // The pipeline user made the registered model; an admin lets the release user edit it.
    mlflow.grantOnRegisteredModel("release", MODEL, "EDIT");
    SparkSubmit.Result promoted =
        as("release", "promote", "--version", "1", "--reason", "reviewed in CR-7");
    assertEquals(0, promoted.exitCode(), promoted.stderr());
    JsonNode champion = champion().path("model_version");
    assertEquals("1", champion.path("version").asText());
    assertEquals("release", tag(champion, "promoted_by"));

    assertEquals(0, as("pipeline", "score").exitCode());

    List<AuditRecord> records = trail().records();
    assertEquals(
        List.of(
            "ingest:pipeline",
            "validation:pipeline",
            "split:pipeline",
            "leakage_check:pipeline",
            "rejection:pipeline",
            "registration:pipeline",
            "promotion_refused:reader",
            "promotion_refused:pipeline",
            "promotion:release",
            "scoring:pipeline"),
        records.stream().map(r -> r.action() + ":" + r.actor()).toList());
    assertTrue(AuditChain.verify(records).isEmpty());
    AuditRecord rejection = records.get(4);
    assertEquals("failed", rejection.outputs().get("gate.min_metric"), rejection.toString());
    assertEquals("1", records.get(5).outputs().get(AuditRecord.MODEL_VERSION));
    assertEquals("1", records.get(8).outputs().get("champion"));
    assertEquals("reviewed in CR-7", records.get(8).reason());
    assertEquals("1", records.get(9).inputs().get(AuditRecord.MODEL_VERSION));

    // The audit command, with its filters, and verify on the whole trail.
    Cli.Outcome refusals = audit("--action", "promotion_refused");
    assertEquals(0, refusals.exitCode(), refusals.stderr());
    assertEquals(2, refusals.stdout().lines().count(), refusals.stdout());
    assertTrue(refusals.stdout().startsWith("#7 "), refusals.stdout());
    assertEquals(
        List.of("#6", "#7", "#8", "#9", "#10"),
        audit("--model-version", "1").stdout().lines().map(l -> l.split(" ")[0]).toList());
    assertEquals("", audit("--since", "2999-01-01").stdout());
    Cli.Outcome whole = audit("verify");
    assertEquals(0, whole.exitCode(), whole.stderr());
    assertTrue(whole.stdout().contains("is whole: 10 records, last hash "), whole.stdout());
    assertEquals(1, audit("--action", "promoted").exitCode(), "an unknown action is refused");

    // The catalogue, read by the read-only user.
    SparkSubmit.Result list = as("reader", "models list");
    assertEquals(0, list.exitCode(), list.stderr());
    assertTrue(
        list.stdout().lines().anyMatch(l -> l.startsWith(MODEL + "/1 @challenger,@champion raw=")),
        list.stdout());
    SparkSubmit.Result show = as("reader", "models show " + MODEL + "@champion");
    assertEquals(0, show.exitCode(), show.stderr());
    for (String line :
        List.of(
            "model        " + MODEL + " version 1",
            "registered   by pipeline from run ",
            "checks       validation passed, leakage passed",
            "gate         min_metric ",
            "test metric  auc ",
            "promoted     by release at ")) {
      assertTrue(show.stdout().contains(line), line + " in\n" + show.stdout());
    }
    assertTrue(show.stdout().contains("reviewed in CR-7"), show.stdout());
    JsonNode described =
        mlflow
            .get("/api/2.0/mlflow/model-versions/get?name=" + MODEL + "&version=1")
            .path("model_version");
    assertTrue(
        described.path("description").asText().startsWith("Trained on "), described.toString());
  }

  @Test
  @Order(2)
  void aRegisteredVersionReproducesAndAlteredRecordedSettingsAreShownAsTheDifference()
      throws IOException {
    SparkSubmit.Result same = as("pipeline", "reproduce", "--version", "1");
    assertEquals(0, same.exitCode(), same.stdout() + same.stderr());
    System.out.println(same.stdout()); // the side-by-side report, for the build log
    assertTrue(same.stdout().contains(MODEL + " version 1 reproduces"), same.stdout());
    assertTrue(
        same.stdout()
            .lines()
            .anyMatch(l -> l.startsWith("split_fingerprint") && l.endsWith("same")),
        same.stdout());
    assertTrue(
        same.stdout().lines().anyMatch(l -> l.startsWith("test_auc") && l.endsWith("same")),
        same.stdout());

    // Someone edits the seed in the configuration the training run recorded.
    String trainRun = champion().path("model_version").path("run_id").asText();
    Path recorded;
    try (Stream<Path> files = Files.walk(mlflow.store().resolve("artifacts"))) {
      recorded =
          files
              .filter(f -> f.endsWith(Path.of(trainRun, "artifacts", "config", "resolved.json")))
              .findFirst()
              .orElseThrow();
    }
    String config = Files.readString(recorded);
    String altered = config.replaceFirst("(\"seed\"\\s*:\\s*)42", "$143");
    assertNotEquals(config, altered, "the recorded seed is 42");
    Files.writeString(recorded, altered);
    SparkSubmit.Result differs = as("pipeline", "reproduce", "--version", "1");
    assertEquals(1, differs.exitCode(), differs.stdout() + differs.stderr());
    assertTrue(
        differs
            .errorLine()
            .startsWith(
                "batchmlops: error: reproduce: "
                    + MODEL
                    + " version 1 does not reproduce: config_hash"),
        differs.errorLine());
    assertTrue(
        differs.errorLine().contains("; split_fingerprint (registered "), differs.errorLine());
    try (Stream<Path> scratch = Files.list(work.resolve("delta/credit/_reproduce"))) {
      assertEquals(List.of(), scratch.toList(), "scratch folders are removed");
    }
    Files.writeString(recorded, config);
  }

  @Test
  @Order(3)
  void aByteFlippedInTheRegisteredModelsFilesMakesScoringRefuseIt() throws IOException {
    JsonNode version = champion().path("model_version");
    String source = version.path("source").asText().replaceFirst("^mlflow-artifacts:/+", "");
    Path stored = mlflow.store().resolve("artifacts").resolve(source);
    Path flipped;
    try (Stream<Path> files = Files.walk(stored.resolve("sparkml"))) {
      flipped =
          files
              .filter(f -> f.getFileName().toString().endsWith(".parquet"))
              .findFirst()
              .orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(flipped);
    bytes[bytes.length / 2] ^= 1;
    Files.write(flipped, bytes);
    // The copy scoring made earlier goes, so the next scoring fetches the files again.
    FileUtils.deleteDirectory(work.resolve("delta/credit/_registry-cache").toFile());

    Path batch;
    try (Stream<Path> landed = Files.walk(work.resolve("landing"))) {
      batch = landed.filter(f -> f.toString().endsWith(".csv")).findFirst().orElseThrow();
    }
    SparkSubmit.Result refused = as("pipeline", "score", "--input", batch.toString());
    assertEquals(1, refused.exitCode(), refused.stderr());
    String changed = stored.relativize(flipped).toString();
    assertTrue(
        refused
            .errorLine()
            .startsWith(
                "batchmlops: error: model "
                    + MODEL
                    + " version 1 is not"
                    + " what was registered: its files at "),
        refused.errorLine());
    assertTrue(refused.errorLine().contains("differ: changed " + changed), refused.errorLine());
    assertFalse(
        Files.exists(work.resolve("delta/credit/scoring-inputs")), "nothing of the batch landed");
    AuditRecord last = trail().last().orElseThrow();
    assertEquals("model_integrity_refused", last.action());
    assertEquals("1", last.inputs().get(AuditRecord.MODEL_VERSION));
  }

  @Test
  @Order(4)
  void aChangedAuditRecordMakesAuditVerifyFailNamingIt() {
    DeltaTable.forPath(TestSpark.session(), trail().table())
        .updateExpr("sequence = 9", Map.of("reason", "'approved by nobody'"));
    SparkSubmit.Result verify = as("reader", "audit verify");
    assertEquals(1, verify.exitCode(), verify.stderr());
    assertTrue(verify.errorLine().contains("audit record #9 (promotion at "), verify.errorLine());
    assertTrue(verify.errorLine().contains("was changed after it was written"));
  }

  @Test
  @Order(5)
  void noCredentialIsWrittenToAnyOutputRunArtifactOrTable() throws IOException {
    List<String> secrets = new ArrayList<>();
    PASSWORDS.forEach(
        (user, password) -> {
          secrets.add(password);
          secrets.add(
              Base64.getEncoder()
                  .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        });
    for (SparkSubmit.Result output : outputs) {
      for (String secret : secrets) {
        assertFalse(output.stdout().contains(secret) || output.stderr().contains(secret));
      }
    }
    // Every run's parameters and tags, through the server.
    for (JsonNode run : mlflow.searchRuns("batchmlops-credit", "")) {
      String data = run.path("data").toString();
      secrets.forEach(secret -> assertFalse(data.contains(secret), data));
    }
    // Every artifact the server stored, and every file the pipeline wrote (tables, state).
    for (Path root : List.of(mlflow.store().resolve("artifacts"), work.resolve("delta"))) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
          String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
          for (String secret : secrets) {
            assertFalse(content.contains(secret), file + " holds a credential");
          }
        }
      }
    }
  }
}
