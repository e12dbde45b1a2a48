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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real S3-compatible server for the tests of one JVM: moto's standalone server (from PyPI,
 * scripts/requirements-s3.txt) on a free loopback port, stopped at JVM exit. It accepts any
 * credentials; buckets are made and listed through its S3 REST API, as any S3 client would.
 */
public final class S3TestServer {
  /** What the tests give the AWS SDK's environment credentials; moto accepts any. */
  public static final String ACCESS_KEY = "batchmlops-test";

  public static final String SECRET_KEY = "batchmlops-test-secret";

  private static S3TestServer instance;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final int port;

  private S3TestServer(int port) {
    this.port = port;
  }

  public static synchronized S3TestServer shared() {
    if (instance == null) {
      instance = start();
    }
    return instance;
  }

  /** The endpoint S3 clients are pointed at: path-style, plain HTTP. */
  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public void createBucket(String bucket) {
    send(HttpRequest.newBuilder(uri("/" + bucket)).PUT(HttpRequest.BodyPublishers.noBody()), 200);
  }

  public void putObject(String bucket, String key, Path file) throws IOException {
    send(
        HttpRequest.newBuilder(uri("/" + bucket + "/" + key))
            .PUT(HttpRequest.BodyPublishers.ofFile(file)),
        200);
  }

  /** The keys under {@code prefix}, in key order (at most 1,000, as one listing gives). */
  public List<String> keys(String bucket, String prefix) {
    String body =
        send(
            HttpRequest.newBuilder(
                    uri(
                        "/"
                            + bucket
                            + "?list-type=2&max-keys=1000&prefix="
                            + java.net.URLEncoder.encode(
                                prefix, java.nio.charset.StandardCharsets.UTF_8)))
                .GET(),
            200);
    List<String> keys = new ArrayList<>();
    Matcher key = Pattern.compile("<Key>([^<]*)</Key>").matcher(body);
    while (key.find()) {
      keys.add(key.group(1));
    }
    return keys;
  }

  private URI uri(String pathAndQuery) {
    return URI.create(endpoint() + pathAndQuery);
  }

  private static String send(HttpRequest.Builder request, int expected) {
    try {
      HttpResponse<String> response =
          HTTP.send(
              request.timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != expected) {
        throw new IllegalStateException(
            "S3 test server answered " + response.statusCode() + ": " + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new IllegalStateException("cannot reach the S3 test server", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static S3TestServer start() {
    Path server = ProjectPaths.s3Venv().resolve("bin/moto_server");
    if (!Files.isExecutable(server)) {
      throw new IllegalStateException(
          "no moto_server in " + ProjectPaths.s3Venv() + ": run the tests with scripts/test");
    }
    try {
      int port = MlflowTestServer.freePort();
      Path log = Files.createTempFile("batchmlops-s3-", ".log");
      Process process =
          new ProcessBuilder(server.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      S3TestServer started = new S3TestServer(port);
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (true) {
        try {
          HTTP.send(
              HttpRequest.newBuilder(started.uri("/")).GET().build(),
              HttpResponse.BodyHandlers.discarding());
          return started;
        } catch (IOException notYet) {
          if (!process.isAlive() || System.nanoTime() > deadline) {
            throw new IllegalStateException(
                "the S3 test server did not start; see " + log + ": " + Files.readString(log));
          }
          Thread.sleep(250);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the S3 test server", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
