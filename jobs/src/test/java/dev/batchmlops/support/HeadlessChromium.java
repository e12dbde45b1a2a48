package dev.batchmlops.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.io.FileUtils;

/**
 * Debian's Chromium, headless, driven over the DevTools protocol: opens pages, reads what they
 * render (iframes included) and takes screenshots. No driver binary or browser library needed.
 */
public final class HeadlessChromium implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

  private HeadlessChromium(Process process, Path profile, URI page) {
    this.process = process;
    this.profile = profile;
    this.socket =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .connectTimeout(CALL_TIMEOUT)
            .buildAsync(page, new Replies())
            .join();
  }

  /** Starts the browser with a new, empty profile, and attaches to its blank page. */
  public static HeadlessChromium start() throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory("batchmlops-chromium-");
    // Without the background-networking flags Chromium keeps calling Google's hosts, which a
    // closed network refuses.
    Process process =
        new ProcessBuilder(
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                "--window-size=1600,1000",
                "--user-data-dir=" + profile,
                "about:blank")
            .redirectErrorStream(true)
            .redirectOutput(profile.resolveSibling(profile.getFileName() + ".log").toFile())
            .start();
    Path activePort = profile.resolve("DevToolsActivePort");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(activePort) || Files.readAllLines(activePort).size() < 2) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new IllegalStateException("chromium did not start its DevTools endpoint");
      }
      Thread.sleep(200);
    }
    String port = Files.readAllLines(activePort).get(0).trim();
    HttpResponse<String> targets =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    for (JsonNode target : JSON.readTree(targets.body())) {
      if (target.path("type").asText().equals("page")) {
        return new HeadlessChromium(
            process, profile, URI.create(target.path("webSocketDebuggerUrl").asText()));
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException("chromium opened no page: " + targets.body());
  }

  /** Sends one DevTools command and waits for its result. */
  public JsonNode call(String method, Map<String, Object> params) {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    pending.put(id, reply);
    try {
      socket
          .sendText(
              JSON.writeValueAsString(Map.of("id", id, "method", method, "params", params)), true)
          .join();
      JsonNode answer = reply.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      if (answer.has("error")) {
        throw new IllegalStateException(method + " failed: " + answer.path("error"));
      }
      return answer.path("result");
    } catch (Exception e) {
      throw new IllegalStateException("DevTools call " + method + " failed", e);
    } finally {
      pending.remove(id);
    }
  }

  public void open(String url) {
    call("Page.navigate", Map.of("url", url));
  }

  /** The page's rendered text. */
  public String text() {
    return evaluate("document.body ? document.body.innerText : ''").asText();
  }

  /**
   * What the page's iframes display, fetched from their sources: MLflow shows an HTML artifact in a
   * sandboxed iframe from a blob URL, whose document the page itself cannot read.
   */
  public String framedDocuments() {
    return evaluate(
            "Promise.all([...document.querySelectorAll('iframe')].filter(f => f.src)"
                + ".map(f => fetch(f.src).then(r => r.text()).catch(() => '')))"
                + ".then(texts => texts.join('\\n'))")
        .asText();
  }

  /** Evaluates JavaScript in the page and returns its value. */
  public JsonNode evaluate(String expression) {
    return call(
            "Runtime.evaluate",
            Map.of("expression", expression, "returnByValue", true, "awaitPromise", true))
        .path("result")
        .path("value");
  }

  /** Waits until the rendered text holds every one of {@code expected}; returns the text. */
  public String waitForText(Duration timeout, String... expected) throws InterruptedException {
    return waitUntil(this::text, timeout, expected);
  }

  /** Waits until the page's iframes show every one of {@code expected}; returns what they show. */
  public String waitForFramedDocument(Duration timeout, String... expected)
      throws InterruptedException {
    return waitUntil(this::framedDocuments, timeout, expected);
  }

  /** Waits until the JavaScript expression is true in the page. */
  public void waitForTrue(Duration timeout, String expression) throws InterruptedException {
    waitUntil(() -> Boolean.toString(evaluate(expression).asBoolean()), timeout, "true");
  }

  private static String waitUntil(
      java.util.function.Supplier<String> read, Duration timeout, String... expected)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String text = "";
    while (System.nanoTime() < deadline) {
      text = read.get();
      String current = text;
      if (java.util.Arrays.stream(expected).allMatch(current::contains)) {
        return text;
      }
      Thread.sleep(500);
    }
    throw new AssertionError(
        "the page never showed " + List.of(expected) + "; it showed:\n" + text);
  }

  /** Clicks the first button whose text is {@code label}. */
  public void click(String label) {
    JsonNode clicked =
        evaluate(
            "(() => { const b = [...document.querySelectorAll('button, [role=button]')]"
                + ".find(e => e.innerText.trim() === "
                + quoted(label)
                + "); if (b) { b.click(); return true; } return false; })()");
    if (!clicked.asBoolean()) {
      throw new AssertionError("no button labelled '" + label + "' on the page");
    }
  }

  public void screenshot(Path file) {
    String png = call("Page.captureScreenshot", Map.of("format", "png")).path("data").asText();
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, Base64.getDecoder().decode(png));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String quoted(String text) {
    try {
      return JSON.writeValueAsString(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    socket.abort();
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    FileUtils.deleteQuietly(profile.toFile());
  }

  /** Collects each reply's frames and completes the call that waits for it. */
  private final class Replies implements WebSocket.Listener {
    private final StringBuilder message = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      message.append(data);
      if (last) {
        try {
          JsonNode reply = JSON.readTree(message.toString());
          if (reply.has("id")) {
            CompletableFuture<JsonNode> waiting = pending.get(reply.path("id").asInt());
            if (waiting != null) {
              waiting.complete(reply);
            }
          }
        } catch (IOException e) {
          // An event the tests do not read; never a reply.
        } finally {
          message.setLength(0);
        }
      }
      webSocket.request(1);
      return null;
    }
  }
}
