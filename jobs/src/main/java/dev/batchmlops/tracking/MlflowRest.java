package dev.batchmlops.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchmlops.PipelineException;
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
  private final HttpClient http;

  MlflowRest(String baseUri, Duration timeout) {
    this.baseUri = baseUri.replaceAll("/+$", "");
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  String baseUri() {
    return baseUri;
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

  void put(String path, InputStream content) {
    send(request(path).PUT(HttpRequest.BodyPublishers.ofInputStream(() -> content)), path, false);
  }

  /** The raw body of a GET, for health checks and artifact downloads. */
  String getText(String path) {
    return send(request(path).GET(), path, false).orElseThrow();
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(baseUri + path)).timeout(timeout);
  }

  private Optional<String> send(HttpRequest.Builder request, String path, boolean missingIsEmpty) {
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unreachable(e);
    }
    int status = response.statusCode();
    if (status / 100 == 2) {
      return Optional.of(response.body());
    }
    if (missingIsEmpty && isMissing(status, response.body())) {
      return Optional.empty();
    }
    throw new PipelineException(
        "MLflow request " + path + " failed with HTTP " + status + ": " + oneLine(response.body()));
  }

  /** MLflow says "absent" as 404, as RESOURCE_DOES_NOT_EXIST, or (aliases) as a 400 "not found". */
  private static boolean isMissing(int status, String body) {
    return status == 404
        || body.contains("RESOURCE_DOES_NOT_EXIST")
        || (status == 400 && body.contains("not found"));
  }

  PipelineException unreachable(Exception cause) {
    String reason =
        cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    return new PipelineException(
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
