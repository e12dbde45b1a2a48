package dev.batchmlops.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real MLflow tracking server for the tests of one JVM: started from the project's venv on a free
 * loopback port with a temporary SQLite store and served artifacts, stopped at JVM exit.
 */
public final class MlflowTestServer {
  private static MlflowTestServer instance;
  private static MlflowTestServer legacy;
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String uri;
  private final Path venv;
  private final int port;
  private final Path store;
  private final boolean authenticated;
  private Process process;
  private final HttpClient http = HttpClient.newHttpClient();

  /** The administrator of an {@link #authenticated} server. */
  public static final String ADMIN = "admin";

  private String adminPassword;

  /** The authenticated server's process (started detached by the scripts). */
  private ProcessHandle server;

  private MlflowTestServer(Path venv, int port, Path store, boolean authenticated) {
    this.uri = "http://127.0.0.1:" + port;
    this.venv = venv;
    this.port = port;
    this.store = store;
    this.authenticated = authenticated;
  }

  /**
   * A server of its own with authentication on ({@code --app-name basic-auth}): users need a
   * password, and those without a grant may only read. The test helpers act as {@link #ADMIN}.
   */
  public static MlflowTestServer authenticated() {
    return start(ProjectPaths.venv(), true);
  }

  /** Adds a user of the server. */
  public void createUser(String user, String password) {
    post(
        "/api/2.0/mlflow/users/create",
        JSON.createObjectNode().put("username", user).put("password", password).toString());
  }

  /** Grants a user a permission (READ, EDIT, MANAGE) on a registered model, as an admin would. */
  public void grantOnRegisteredModel(String user, String model, String permission) {
    post(
        "/api/3.0/mlflow/users/permissions/grant",
        JSON.createObjectNode()
            .put("username", user)
            .put("resource_type", "registered_model")
            .put("resource_id", model)
            .put("permission", permission)
            .toString());
  }

  /** A server of its own (MLflow 3), for a test that stops and restarts it. */
  public static MlflowTestServer dedicated() {
    return start(ProjectPaths.venv(), false);
  }

  /**
   * Kills the server outright (SIGKILL, as a crash or an OOM kill would) and starts it again on the
   * same port and store; returns once it answers.
   */
  public synchronized void crashAndRestart() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor();
      launch();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new IllegalStateException("cannot restart the MLflow test server", e);
    }
  }

  /**
   * The server a script started (scripts/demo, scripts/bench) on {@code port} with its store in
   * {@code store}: its REST API, as the admin when it has authentication on; stopped at JVM exit.
   */
  public static MlflowTestServer startedByTheScripts(int port, Path store) throws IOException {
    Path admin = store.resolve("secrets/admin");
    MlflowTestServer server = new MlflowTestServer(null, port, store, Files.exists(admin));
    if (server.authenticated) {
      server.adminPassword = Files.readString(admin).trim();
    }
    long pid = Long.parseLong(Files.readString(store.resolve("server.pid")).trim());
    server.server = ProcessHandle.of(pid).orElse(null);
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
    return server;
  }

  /** Stops a server a script started (its process and gunicorn workers). */
  public void stopStartedByTheScripts() {
    stop();
  }

  /** The server the scripts install (MLflow 3), shared by the tests of this JVM. */
  public static synchronized MlflowTestServer shared() {
    if (instance == null) {
      instance = start(ProjectPaths.venv(), false);
    }
    return instance;
  }

  /** An MLflow 2.17 server, for tests that keep the pipeline working against the previous line. */
  public static synchronized MlflowTestServer legacy() {
    if (legacy == null) {
      legacy = start(ProjectPaths.legacyMlflowVenv(), false);
    }
    return legacy;
  }

  public String uri() {
    return uri;
  }

  /** Where the server keeps its runs and artifacts, for tests that look at the stored files. */
  public Path store() {
    return store;
  }

  private static MlflowTestServer start(Path venv, boolean authenticated) {
    try {
      MlflowTestServer server =
          new MlflowTestServer(
              venv, freePort(), Files.createTempDirectory("batchmlops-mlflow-"), authenticated);
      Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
      server.launch();
      return server;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the MLflow test server", e);
    }
  }

  private void launch() throws IOException {
    if (authenticated) {
      launchThroughTheScripts();
      return;
    }
    Path log = store.resolve("server.log");
    ProcessBuilder builder =
        new ProcessBuilder(
                venv.resolve("bin/mlflow").toString(),
                "server",
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--workers",
                "1",
                "--backend-store-uri",
                "sqlite:///" + store.resolve("mlflow.db"),
                "--artifacts-destination",
                store.resolve("artifacts").toString(),
                "--serve-artifacts")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    process = builder.start();
    awaitHealthy(log);
  }

  /**
   * The authenticated server as {@code MLOPS_MLFLOW_AUTH=1 scripts/demo} starts it: lib.sh's
   * ensure_mlflow_server with authentication on, which waits until it answers and leaves the admin
   * password in the store.
   */
  private void launchThroughTheScripts() throws IOException {
    Path log = store.resolve("launch.log");
    ProcessBuilder builder =
        new ProcessBuilder(
                "bash",
                "-c",
                "source \"$0\" && ensure_mlflow_server \"$1\" \"$2\" auth",
                ProjectPaths.root().resolve("scripts/lib.sh").toString(),
                Integer.toString(port),
                store.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    try {
      Process launcher = builder.start();
      if (!launcher.waitFor(3, TimeUnit.MINUTES) || launcher.exitValue() != 0) {
        throw new IllegalStateException(
            "scripts/lib.sh could not start the authenticated MLflow server: "
                + Files.readString(log, StandardCharsets.UTF_8)
                + Files.readString(store.resolve("server.log"), StandardCharsets.UTF_8));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    adminPassword = Files.readString(store.resolve("secrets/admin")).trim();
    long pid = Long.parseLong(Files.readString(store.resolve("server.pid")).trim());
    server = ProcessHandle.of(pid).orElseThrow();
  }

  private void awaitHealthy(Path log) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the MLflow test server exited: " + Files.readString(log, StandardCharsets.UTF_8));
      }
      try {
        HttpResponse<String> health =
            http.send(
                HttpRequest.newBuilder(URI.create(uri + "/health"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (health.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // The server is still starting.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      sleep(500);
    }
    throw new IllegalStateException(
        "the MLflow test server did not answer within 120 s; see " + log);
  }

  private synchronized void stop() {
    if (server != null) {
      server.descendants().forEach(ProcessHandle::destroy);
      server.destroy();
    }
    if (process != null) {
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
    }
  }

  /** The body of a GET that answers plain text, such as /version. */
  public String getText(String path) {
    try {
      return http.send(
              asAdmin(HttpRequest.newBuilder(URI.create(uri + path))).GET().build(),
              HttpResponse.BodyHandlers.ofString())
          .body()
          .trim();
    } catch (IOException e) {
      throw new IllegalStateException("GET " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** GET on the REST API, for assertions on what the server holds. */
  public JsonNode get(String pathAndQuery) {
    return send(asAdmin(HttpRequest.newBuilder(URI.create(uri + pathAndQuery))).GET().build());
  }

  private HttpRequest.Builder asAdmin(HttpRequest.Builder request) {
    if (authenticated) {
      request.header(
          "Authorization",
          "Basic "
              + java.util.Base64.getEncoder()
                  .encodeToString((ADMIN + ":" + adminPassword).getBytes(StandardCharsets.UTF_8)));
    }
    return request;
  }

  /** POST on the REST API (the search endpoints take POST bodies). */
  public JsonNode post(String path, String jsonBody) {
    return send(
        asAdmin(HttpRequest.newBuilder(URI.create(uri + path)))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(jsonBody))
            .build());
  }

  /**
   * The runs of an experiment (by name) that match an MLflow search {@code filter}, newest first;
   * an experiment that does not exist yet has none.
   */
  public List<JsonNode> searchRuns(String experimentName, String filter) {
    JsonNode experiment =
        get(
            "/api/2.0/mlflow/experiments/search?max_results=1000&filter="
                + java.net.URLEncoder.encode(
                    "name = '" + experimentName + "'", java.nio.charset.StandardCharsets.UTF_8));
    if (experiment.path("experiments").isEmpty()) {
      return List.of();
    }
    com.fasterxml.jackson.databind.node.ObjectNode request = JSON.createObjectNode();
    request
        .putArray("experiment_ids")
        .add(experiment.path("experiments").path(0).path("experiment_id").asText());
    request.put("filter", filter);
    request.putArray("order_by").add("attributes.start_time DESC");
    request.put("max_results", 1000);
    List<JsonNode> runs = new java.util.ArrayList<>();
    post("/api/2.0/mlflow/runs/search", request.toString()).path("runs").forEach(runs::add);
    return runs;
  }

  /** Every version of a registered model (none when it does not exist). */
  public JsonNode modelVersions(String model) {
    return get("/api/2.0/mlflow/model-versions/search?filter="
            + java.net.URLEncoder.encode(
                "name='" + model + "'", java.nio.charset.StandardCharsets.UTF_8))
        .path("model_versions");
  }

  /** Whether a run named {@code runName} is RUNNING in the experiment. */
  public boolean hasRunningRun(String experimentName, String runName) {
    return !searchRuns(
            experimentName,
            "attributes.run_name = '" + runName + "' AND attributes.status = 'RUNNING'")
        .isEmpty();
  }

  private JsonNode send(HttpRequest request) {
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      JsonNode body = JSON.readTree(response.body().isEmpty() ? "{}" : response.body());
      if (response.statusCode() / 100 != 2) {
        throw new AssertionError(
            request.uri() + " answered " + response.statusCode() + ": " + body);
      }
      return body;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
