package dev.batchmlops.e2e;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchmlops.support.JobArgs;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.ProjectPaths;
import dev.batchmlops.support.S3TestServer;
import dev.batchmlops.support.SparkCluster;
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
 * the lineage-safe cleanup runs there too. The same stages on a standalone cluster, sharing nothing
 * with the driver but the bucket, give the same split and the same test metrics. Two commands on
 * one dataset at once never both write: the dataset lock is created on S3 by a conditional PUT.
 */
class ObjectStorageIT {
  private record Finished(int exitCode, String output) {}

  private static Finished submit(S3TestServer s3, String... args) throws Exception {
    return submitTo("local[2]", s3, args);
  }

  private static Finished submitTo(String master, S3TestServer s3, String... args)
      throws Exception {
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
    builder.environment().put("MLOPS_SPARK_MASTER", master);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Finished(process.waitFor(), output);
  }

  private static String[] pipeline(
      String command, String bucket, String tracking, String... extra) {
    List<String> args =
        new ArrayList<>(
            JobArgs.of(
                command,
                "s3a://" + bucket + "/lake",
                "s3a://" + bucket + "/landing",
                tracking,
                "--dataset",
                "german-credit",
                "--set",
                "tracking.experiment-prefix=" + bucket,
                "--set",
                "register.model-prefix=" + bucket,
                // One logistic regression: what must come out the same on any master.
                "--set",
                "train.search.max-trials=1",
                "--set",
                "train.models.random-forest.enabled=false",
                "--set",
                "train.models.gradient-boosted-trees.enabled=false"));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  /** A new bucket holding the German Credit CSV at landing/credit-g.csv; its name. */
  private static String bucketWithGermanCredit(S3TestServer s3, String prefix) throws Exception {
    String bucket = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    s3.createBucket(bucket);
    s3.putObject(
        bucket,
        "landing/credit-g.csv",
        ProjectPaths.root().resolve("data/german-credit/credit-g.csv"));
    return bucket;
  }

  /** The tags of the champion version registered under the bucket's prefix. */
  private static java.util.Map<String, String> championTags(
      MlflowTestServer mlflow, String bucket) {
    JsonNode champion =
        mlflow
            .get(
                "/api/2.0/mlflow/registered-models/alias?name="
                    + bucket
                    + "-german-credit&alias=champion")
            .path("model_version");
    assertEquals("1", champion.path("version").asText(), champion.toString());
    java.util.Map<String, String> tags = new java.util.TreeMap<>();
    for (JsonNode tag : champion.path("tags")) {
      tags.put(tag.path("key").asText(), tag.path("value").asText());
    }
    return tags;
  }

  @Test
  void thePipelineOnObjectStorageGivesTheSameModelOnLocalTwoCoresAndOnAStandaloneCluster()
      throws Exception {
    S3TestServer s3 = S3TestServer.shared();
    MlflowTestServer mlflow = MlflowTestServer.shared();
    String bucket = bucketWithGermanCredit(s3, "lake");

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
    java.util.Map<String, String> local = championTags(mlflow, bucket);
    assertEquals("s3a://" + bucket + "/lake/german-credit/raw@v0", local.get("raw_table"));

    // A newer snapshot replaces every file of raw v0, then cleanup runs with no retention at all:
    // a plain VACUUM would delete v0's files, but the registered version was trained on v0.
    List<String> rawFiles = s3.keys(bucket, "lake/german-credit/raw/part-");
    assertFalse(rawFiles.isEmpty());
    java.nio.file.Path fewer = java.nio.file.Files.createTempFile("credit-g-", ".csv");
    java.nio.file.Files.write(
        fewer,
        java.nio.file.Files.readAllLines(
                ProjectPaths.root().resolve("data/german-credit/credit-g.csv"))
            .subList(0, 901));
    s3.putObject(bucket, "landing/credit-g-900.csv", fewer);
    Finished snapshot =
        submit(
            s3,
            pipeline(
                "ingest",
                bucket,
                mlflow.uri(),
                "--input",
                "s3a://" + bucket + "/landing/credit-g-900.csv"));
    assertEquals(0, snapshot.exitCode(), snapshot.output());
    Finished cleanup =
        submit(s3, pipeline("cleanup", bucket, mlflow.uri(), "--set", "storage.retention-hours=0"));
    assertEquals(0, cleanup.exitCode(), cleanup.output());
    assertTrue(
        s3.keys(bucket, "lake/german-credit/raw/part-").containsAll(rawFiles),
        "the registered version's raw files are kept");

    // Every stage again on a standalone master with two one-core workers:
    // driver and executors share nothing but the object store (the executors get the S3A jars
    // through --jars and the credentials from their worker's environment).
    String onCluster = bucketWithGermanCredit(s3, "cluster");
    java.nio.file.Path clusterLogs = java.nio.file.Files.createTempDirectory("batchmlops-cluster-");
    try (SparkCluster cluster =
        SparkCluster.start(
            clusterLogs,
            2,
            java.util.Map.of(
                "AWS_ACCESS_KEY_ID",
                S3TestServer.ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY",
                S3TestServer.SECRET_KEY))) {
      // The batch lands in one submit; a second runs every stage after it (its ingest finds the
      // batch already in and goes on), so the state passes between processes through the bucket.
      String input = "s3a://" + onCluster + "/landing/credit-g.csv";
      for (String command : List.of("ingest", "run")) {
        Finished done =
            submitTo(
                cluster.masterUrl(),
                s3,
                pipeline(command, onCluster, mlflow.uri(), "--input", input));
        assertEquals(0, done.exitCode(), command + " on the cluster: " + done.output());
      }
    }
    java.util.Map<String, String> distributed = championTags(mlflow, onCluster);
    assertEquals(local.get("split_fingerprint"), distributed.get("split_fingerprint"));
    List<String> testMetrics = local.keySet().stream().filter(k -> k.startsWith("test_")).toList();
    assertFalse(testMetrics.isEmpty(), local.toString());
    for (String metric : testMetrics) {
      assertEquals(
          Double.parseDouble(local.get(metric)),
          Double.parseDouble(distributed.get(metric)),
          1e-9,
          metric + " on local[2] and on the cluster");
    }
  }

  @Test
  void twoIngestsOfOneBatchStartedAtOnceWriteItOnce() throws Exception {
    S3TestServer s3 = S3TestServer.shared();
    String tracking = MlflowTestServer.shared().uri();
    String bucket = bucketWithGermanCredit(s3, "twice");
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
