package dev.batchmlops.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchmlops.PipelineException;
import dev.batchmlops.ServiceUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * The MLflow REST calls the Java client lacks (registry, artifact uploads), over plain HTTP with a
 * timeout, returning JSON trees. Errors become one-line {@link PipelineException}s naming the call.
 */
final class MlflowRest {
  static final ObjectMapper JSON = new ObjectMapper();
  private final String baseUri;
  private final Duration timeout;
  private final TrackingCredentials credentials;
  private final HttpClient http;

  static {
    // MLflow 3's server (uvicorn) closes a connection idle for 5 s; the JDK client would keep it
    // for
    // 20 minutes and send the next request into the closed socket. Read once, at the first client.
    if (System.getProperty("jdk.httpclient.keepalive.timeout") == null) {
      System.setProperty("jdk.httpclient.keepalive.timeout", "3");
    }
  }

  MlflowRest(String baseUri, Duration timeout, TrackingCredentials credentials) {
    this.baseUri = baseUri.replaceAll("/+$", "");
    this.timeout = timeout;
    this.credentials = credentials;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  String baseUri() {
    return baseUri;
  }

  TrackingCredentials credentials() {
    return credentials;
  }

  JsonNode get(String path) {
    return parse(send(request(path).GET(), path, false).orElseThrow());
  }

  /** GET that returns empty when the resource does not exist. */
  Optional<JsonNode> find(String path) {
    return send(request(path).GET(), path, true).map(MlflowRest::parse);
  }

  JsonNode post(String path, Object body) {
    return parse(
        send(
                request(path).POST(jsonBody(body)).header("Content-Type", "application/json"),
                path,
                false)
            .orElseThrow());
  }

  JsonNode patch(String path, Object body) {
    return parse(
        send(
                request(path)
                    .method("PATCH", jsonBody(body))
                    .header("Content-Type", "application/json"),
                path,
                false)
            .orElseThrow());
  }

  /** Uploads the content whole (read into memory, so a retried request sends it again). */
  void put(String path, InputStream content) {
    byte[] bytes;
    try {
      bytes = content.readAllBytes();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read the upload for " + path, e);
    }
    send(request(path).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)), path, false);
  }

  /** The raw body of a GET, empty when the resource does not exist. */
  Optional<String> findText(String path) {
    return send(request(path).GET(), path, true);
  }

  /** The raw body of a GET, for health checks and artifact downloads. */
  String getText(String path) {
    return send(request(path).GET(), path, false).orElseThrow();
  }

  /** The raw bytes of a GET: an artifact file. */
  byte[] getBytes(String path) {
    HttpResponse<byte[]> response =
        exchange(request(path).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() / 100 != 2) {
      throw failed(
          credentials,
          path,
          response.statusCode(),
          new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
    }
    return response.body();
  }

  /**
   * Sends the request; once more when the server closed the pooled connection before answering (no
   * byte of a response came back, so the request was never handled).
   */
  private <T> HttpResponse<T> exchange(HttpRequest request, HttpResponse.BodyHandler<T> body) {
    try {
      try {
        return http.send(request, body);
      } catch (IOException e) {
        if (!closedBeforeAnswering(e)) {
          throw e;
        }
        return http.send(request, body);
      }
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unreachable(e);
    }
  }

  private static boolean closedBeforeAnswering(IOException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof java.io.EOFException
          || String.valueOf(cause.getMessage()).contains("header parser received no bytes")) {
        return true;
      }
    }
    return false;
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(baseUri + path)).timeout(timeout);
    credentials.authorization().ifPresent(value -> request.header("Authorization", value));
    return request;
  }

  private Optional<String> send(HttpRequest.Builder request, String path, boolean missingIsEmpty) {
    HttpResponse<String> response = exchange(request.build(), HttpResponse.BodyHandlers.ofString());
    int status = response.statusCode();
    if (status / 100 == 2) {
      return Optional.of(response.body());
    }
    if (missingIsEmpty && isMissing(status, response.body())) {
      return Optional.empty();
    }
    throw failed(credentials, path, status, response.body());
  }

  /**
   * A request the server answered with an error. A gateway or an overloaded server saying so (502,
   * 503, 504) is transient; any other status is an answer, which asking again would not change.
   */
  private static PipelineException failed(
      TrackingCredentials credentials, String path, int status, String body) {
    if (status == 401) {
      return new AccessDeniedException(
          "the MLflow server refused "
              + credentials.describe()
              + " (HTTP 401: not authenticated): check "
              + TrackingCredentials.USERNAME
              + " and "
              + TrackingCredentials.PASSWORD);
    }
    if (status == 403) {
      return new AccessDeniedException(
          "the MLflow server does not allow "
              + credentials.describe()
              + " to do "
              + path.replaceAll("\\?.*", "")
              + " (HTTP 403: permission denied)");
    }
    String message =
        "MLflow request " + path + " failed with HTTP " + status + ": " + oneLine(body);
    return status == 502 || status == 503 || status == 504
        ? new ServiceUnavailableException(message, null)
        : new PipelineException(message);
  }

  /** MLflow says "absent" as 404, as RESOURCE_DOES_NOT_EXIST, or (aliases) as a 400 "not found". */
  private static boolean isMissing(int status, String body) {
    return status == 404
        || body.contains("RESOURCE_DOES_NOT_EXIST")
        || (status == 400 && body.contains("not found"));
  }

  private ServiceUnavailableException unreachable(Exception cause) {
    String reason =
        cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    return new ServiceUnavailableException(
        "MLflow tracking server at " + baseUri + " did not answer: " + oneLine(reason), cause);
  }

  private static HttpRequest.BodyPublisher jsonBody(Object body) {
    try {
      return HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot serialize MLflow request body", e);
    }
  }

  private static JsonNode parse(String body) {
    try {
      return JSON.readTree(body.isEmpty() ? "{}" : body);
    } catch (IOException e) {
      throw new PipelineException(
          "MLflow answered with something that is not JSON: " + oneLine(body));
    }
  }

  private static String oneLine(String text) {
    String line = text.replaceAll("\\s+", " ").trim();
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }
}
