package dev.batchmlops.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real Spark standalone cluster on loopback: one master and workers of one core each, started
 * with the venv's {@code spark-class}, for checks that must hold on a cluster, not only in local
 * mode. Executors inherit their worker's environment (the AWS SDK's credentials, for one).
 */
public final class SparkCluster implements AutoCloseable {
  private final List<Process> processes = new ArrayList<>();
  private final String masterUrl;

  private SparkCluster(String masterUrl) {
    this.masterUrl = masterUrl;
  }

  /** Starts the master and {@code workers} workers and waits until all have registered. */
  public static SparkCluster start(Path workDir, int workers, Map<String, String> environment)
      throws IOException, InterruptedException {
    int port = MlflowTestServer.freePort();
    int masterUi = MlflowTestServer.freePort();
    SparkCluster cluster = new SparkCluster("spark://127.0.0.1:" + port);
    try {
      cluster.launch(
          workDir.resolve("master.log"),
          environment,
          "org.apache.spark.deploy.master.Master",
          "--host",
          "127.0.0.1",
          "--port",
          Integer.toString(port),
          "--webui-port",
          Integer.toString(masterUi));
      for (int i = 1; i <= workers; i++) {
        cluster.launch(
            workDir.resolve("worker-" + i + ".log"),
            environment,
            "org.apache.spark.deploy.worker.Worker",
            cluster.masterUrl,
            "--host",
            "127.0.0.1",
            "--cores",
            "1",
            "--memory",
            "1536m",
            "--webui-port",
            Integer.toString(MlflowTestServer.freePort()),
            "--work-dir",
            workDir.resolve("worker-" + i).toString());
      }
      cluster.awaitWorkers(masterUi, workers, workDir);
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  public String masterUrl() {
    return masterUrl;
  }

  private void launch(Path log, Map<String, String> environment, String mainClass, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProjectPaths.venv().resolve("bin/spark-class").toString());
    command.add(mainClass);
    command.addAll(List.of(args));
    Files.createDirectories(log.getParent());
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    SparkSubmit.sparkEnvironment(builder);
    builder.environment().putAll(environment);
    processes.add(builder.start());
  }

  private void awaitWorkers(int masterUi, int workers, Path workDir)
      throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterUi + "/json/")).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        String body = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        java.util.regex.Matcher alive =
            java.util.regex.Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)").matcher(body);
        if (alive.find() && Integer.parseInt(alive.group(1)) >= workers) {
          return;
        }
      } catch (IOException notYet) {
        // The master's UI is not up yet.
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException(
        workers + " Spark workers did not register within 90 s; see the logs in " + workDir);
  }

  @Override
  public void close() {
    for (Process process : processes) {
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
    }
  }
}
