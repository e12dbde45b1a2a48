package dev.batchmlops.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs notebooks/execute.py in the notebooks' environment: every notebook, headless, to HTML. */
public final class Notebooks {
  private Notebooks() {}

  /**
   * @param summary per notebook: the figures it produced and the error of the cell that raised
   */
  public record Result(int exitCode, String output, JsonNode summary) {}

  public static Result execute(Path out, Map<String, String> parameters) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(ProjectPaths.notebooksVenv().resolve("bin/python").toString());
    command.add(ProjectPaths.root().resolve("notebooks/execute.py").toString());
    command.addAll(List.of("--out", out.toString()));
    parameters.forEach((name, value) -> command.addAll(List.of("--" + name, value)));
    Path log = Files.createTempFile("notebooks-", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    // The kernel's PySpark is the notebooks environment's own, as a user's Jupyter runs it.
    builder.environment().keySet().removeAll(List.of("SPARK_HOME", "PYSPARK_PYTHON"));
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process process = builder.start();
    if (!process.waitFor(15, TimeUnit.MINUTES)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      throw new AssertionError("the notebooks did not finish within 15 minutes: " + log);
    }
    Path summary = out.resolve("summary.json");
    return new Result(
        process.exitValue(),
        Files.readString(log),
        Files.exists(summary) ? new ObjectMapper().readTree(summary.toFile()) : null);
  }

  /** The HTML an executed notebook was rendered to. */
  public static String html(Path out, String notebook) throws IOException {
    return Files.readString(out.resolve(notebook + ".html"));
  }
}
