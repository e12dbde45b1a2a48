package dev.batchmlops.e2e;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.ProjectPaths;
import dev.batchmlops.support.S3TestServer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The pipeline with every table and file on an S3-compatible object store (moto's server), as a
 * user runs it: {@code scripts/submit} with {@code s3a://} storage and {@code MLOPS_S3_ENDPOINT},
 * the credentials in the AWS SDK's environment variables. The source is read from the bucket, the
 * tables, state and metrics history land in it, the registered version's lineage names them, and
 * the lineage-safe cleanup runs there too. Two commands on one dataset at once never both write:
 * the dataset lock is created on S3 by a conditional PUT.
 */
class ObjectStorageIT {
  private record Finished(int exitCode, String output) {}

  private static Finished submit(S3TestServer s3, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("scripts/submit"));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(ProjectPaths.root().toFile())
            .redirectErrorStream(true);
    builder.environment().remove("MLFLOW_TRACKING_URI");
    builder.environment().remove("MLOPS_STORAGE_ROOT");
    builder.environment().put("MLOPS_S3_ENDPOINT", s3.endpoint());
    builder.environment().put("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY);
    builder.environment().put("AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY);
    builder.environment().put("MLOPS_DRIVER_MEMORY", "1g");
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Finished(process.waitFor(), output);
  }

  private static String[] pipeline(
      String command, String bucket, String tracking, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                command,
                "--conf-dir",
                ProjectPaths.confDir().toString(),
                "--env",
                "test",
                "--dataset",
                "german-credit",
                "--set",
                "storage.root=s3a://" + bucket + "/lake",
                "--set",
                "storage.landing=s3a://" + bucket + "/landing",
                "--set",
                "tracking.uri=" + tracking,
                "--set",
                "tracking.experiment-prefix=" + bucket,
                "--set",
                "register.model-prefix=" + bucket));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  @Test
  void thePipelineKeepsItsTablesOnObjectStorageAndRegistersTheirLineage() throws Exception {
    S3TestServer s3 = S3TestServer.shared();
    MlflowTestServer mlflow = MlflowTestServer.shared();
    String bucket = "lake-" + UUID.randomUUID().toString().substring(0, 8);
    s3.createBucket(bucket);
    s3.putObject(
        bucket,
        "landing/credit-g.csv",
        ProjectPaths.root().resolve("data/german-credit/credit-g.csv"));

    Finished run =
        submit(
            s3,
            pipeline(
                "run",
                bucket,
                mlflow.uri(),
                "--input",
                "s3a://" + bucket + "/landing/credit-g.csv"));
    assertEquals(0, run.exitCode(), run.output());
    assertFalse(run.output().contains(S3TestServer.SECRET_KEY), "the secret key is never printed");

    // Every table, the state and the metrics history are in the bucket.
    for (String table : List.of("raw", "splits")) {
      assertTrue(
          s3.keys(bucket, "lake/german-credit/" + table + "/_delta_log/")
              .contains("lake/german-credit/" + table + "/_delta_log/00000000000000000000.json"),
          table + ": " + s3.keys(bucket, "lake/german-credit/" + table));
    }
    List<String> pipelineFiles = s3.keys(bucket, "lake/german-credit/_pipeline/");
    assertTrue(
        pipelineFiles.containsAll(
            List.of(
                "lake/german-credit/_pipeline/state.json",
                "lake/german-credit/_pipeline/metrics-history.json")),
        pipelineFiles.toString());
    assertFalse(
        pipelineFiles.contains("lake/german-credit/_pipeline/lock.json"),
        "the dataset lock is let go");

    // The champion's lineage names the versions on the object store.
    JsonNode champion =
        mlflow
            .get(
                "/api/2.0/mlflow/registered-models/alias?name="
                    + bucket
                    + "-german-credit&alias=champion")
            .path("model_version");
    assertEquals("1", champion.path("version").asText(), champion.toString());
    String rawTable = null;
    for (JsonNode tag : champion.path("tags")) {
      if (tag.path("key").asText().equals("raw_table")) {
        rawTable = tag.path("value").asText();
      }
    }
    assertEquals("s3a://" + bucket + "/lake/german-credit/raw@v0", rawTable);

    // Cleanup on the object store keeps what the registered version was trained on.
    List<String> rawFiles = s3.keys(bucket, "lake/german-credit/raw/part-");
    assertFalse(rawFiles.isEmpty());
    Finished cleanup = submit(s3, pipeline("cleanup", bucket, mlflow.uri()));
    assertEquals(0, cleanup.exitCode(), cleanup.output());
    assertTrue(
        s3.keys(bucket, "lake/german-credit/raw/part-").containsAll(rawFiles),
        "the registered version's raw files are kept");
  }

  @Test
  void twoIngestsOfOneBatchStartedAtOnceWriteItOnce() throws Exception {
    S3TestServer s3 = S3TestServer.shared();
    String tracking = MlflowTestServer.shared().uri();
    String bucket = "twice-" + UUID.randomUUID().toString().substring(0, 8);
    s3.createBucket(bucket);
    s3.putObject(
        bucket,
        "landing/credit-g.csv",
        ProjectPaths.root().resolve("data/german-credit/credit-g.csv"));
    String[] ingest =
        pipeline(
            "ingest", bucket, tracking, "--input", "s3a://" + bucket + "/landing/credit-g.csv");

    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Finished> both = new ArrayList<>();
    Callable<Finished> ingestOnce = () -> submit(s3, ingest);
    try {
      for (Future<Finished> done : pool.invokeAll(List.of(ingestOnce, ingestOnce))) {
        both.add(done.get());
      }
    } finally {
      pool.shutdownNow();
    }
    // Each either wrote the batch, found it written, or was refused while the other held the
    // dataset (75: run again later); at least one did the work.
    for (Finished one : both) {
      assertTrue(
          one.exitCode() == 0
              || (one.exitCode() == 75 && one.output().contains("dataset 'german-credit' is busy")),
          one.output());
    }
    assertTrue(both.stream().anyMatch(one -> one.exitCode() == 0), both.toString());
    String log = "lake/german-credit/raw/_delta_log/";
    assertEquals(
        List.of(log + "00000000000000000000.json"),
        s3.keys(bucket, log).stream().filter(k -> k.endsWith(".json")).toList(),
        "one commit holds the batch");

    Finished again = submit(s3, ingest);
    assertEquals(0, again.exitCode(), again.output());
    assertEquals(1, s3.keys(bucket, log).stream().filter(k -> k.endsWith(".json")).count());
  }
}
