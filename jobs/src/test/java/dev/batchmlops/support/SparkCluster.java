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

/**
 * A real Spark standalone cluster on loopback: one master and one worker with two cores, started
 * with the venv's {@code spark-class}, for checks that must hold on a cluster, not only in local
 * mode.
 */
public final class SparkCluster implements AutoCloseable {
  private final List<Process> processes = new ArrayList<>();
  private final String masterUrl;

  private SparkCluster(String masterUrl) {
    this.masterUrl = masterUrl;
  }

  /** Starts the master and a worker and waits until the worker has registered. */
  public static SparkCluster start(Path workDir) throws IOException, InterruptedException {
    int port = MlflowTestServer.freePort();
    int masterUi = MlflowTestServer.freePort();
    SparkCluster cluster = new SparkCluster("spark://127.0.0.1:" + port);
    try {
      cluster.launch(
          workDir.resolve("master.log"),
          "org.apache.spark.deploy.master.Master",
          "--host",
          "127.0.0.1",
          "--port",
          Integer.toString(port),
          "--webui-port",
          Integer.toString(masterUi));
      cluster.launch(
          workDir.resolve("worker.log"),
          "org.apache.spark.deploy.worker.Worker",
          cluster.masterUrl,
          "--host",
          "127.0.0.1",
          "--cores",
          "2",
          "--memory",
          "2g",
          "--webui-port",
          Integer.toString(MlflowTestServer.freePort()),
          "--work-dir",
          workDir.resolve("worker").toString());
      cluster.awaitWorker(masterUi, workDir);
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  public String masterUrl() {
    return masterUrl;
  }

  private void launch(Path log, String mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProjectPaths.venv().resolve("bin/spark-class").toString());
    command.add(mainClass);
    command.addAll(List.of(args));
    Files.createDirectories(log.getParent());
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    SparkSubmit.sparkEnvironment(builder);
    processes.add(builder.start());
  }

  private void awaitWorker(int masterUi, Path workDir) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterUi + "/json/")).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        String body = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        if (body.matches("(?s).*\"aliveworkers\"\\s*:\\s*[1-9].*")) {
          return;
        }
      } catch (IOException notYet) {
        // The master's UI is not up yet.
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException(
        "no Spark worker registered within 90 s; see " + workDir.resolve("worker.log"));
  }

  @Override
  public void close() {
    for (Process process : processes) {
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
    }
  }
}
