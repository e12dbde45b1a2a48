package dev.batchmlops.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Airflow (the project's .venv-airflow) with its own home and SQLite database, reading the
 * DAG folder of this repository; short retry delays so that a retried task shows within seconds.
 */
public final class AirflowTestHome {
  public static final String DAG_FOLDER = "scripts/airflow/dags";

  /** Retries per task in these tests: a retried task runs 1 + RETRIES times. */
  public static final int RETRIES = 2;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path home;
  private final Map<String, String> environment;

  public record Finished(int exitCode, String output) {}

  private AirflowTestHome(Path home, Map<String, String> environment) {
    this.home = home;
    this.environment = Map.copyOf(environment);
  }

  /** The same Airflow, its processes given one more environment variable. */
  public AirflowTestHome with(String variable, String value) {
    Map<String, String> more = new java.util.HashMap<>(environment);
    more.put(variable, value);
    return new AirflowTestHome(home, more);
  }

  /** A new Airflow home with a migrated database and the DAGs serialized into it. */
  public static AirflowTestHome create(Path home) throws IOException {
    AirflowTestHome airflow = new AirflowTestHome(home, Map.of());
    Files.createDirectories(home);
    airflow.require(airflow.airflow("db", "migrate"), "airflow db migrate");
    airflow.require(airflow.airflow("dags", "reserialize"), "airflow dags reserialize");
    return airflow;
  }

  /** {@code airflow dags test DAG -c CONF}: one run of the DAG, in process, to its end. */
  public Finished dagsTest(String dagId, Map<String, Object> conf) throws IOException {
    return airflow("dags", "test", dagId, "-c", JSON.writeValueAsString(conf));
  }

  /** What a stock DagBag finds in the DAG folder (see airflow_probe.py). */
  public JsonNode dags() throws IOException {
    return probe("dags", ProjectPaths.root().resolve(DAG_FOLDER).toString());
  }

  /** The DAG's runs, oldest first, with each task's state and number of attempts. */
  public JsonNode runs(String dagId) throws IOException {
    return probe("runs", dagId);
  }

  private JsonNode probe(String command, String argument) throws IOException {
    Path script = ProjectPaths.root().resolve("jobs/src/test/python/airflow_probe.py");
    Finished probe =
        require(
            run(
                List.of(
                    ProjectPaths.airflowVenv().resolve("bin/python").toString(),
                    script.toString(),
                    command,
                    argument)),
            "airflow_probe " + command);
    // Airflow logs to stdout as well; the probe's answer is its last line.
    List<String> lines = probe.output().strip().lines().toList();
    return JSON.readTree(lines.get(lines.size() - 1));
  }

  private Finished airflow(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProjectPaths.airflowVenv().resolve("bin/airflow").toString());
    command.addAll(List.of(args));
    return run(command);
  }

  private Finished run(List<String> command) throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    env.put("AIRFLOW_HOME", home.toString());
    env.put("AIRFLOW__CORE__DAGS_FOLDER", ProjectPaths.root().resolve(DAG_FOLDER).toString());
    env.put("AIRFLOW__CORE__LOAD_EXAMPLES", "False");
    env.put("BATCHMLOPS_RETRIES", Integer.toString(RETRIES));
    env.put("BATCHMLOPS_RETRY_DELAY_SECONDS", "1");
    env.put("MLOPS_DRIVER_MEMORY", "1g");
    // The jobs get everything from the DAG run's params, as in a deployment that sets nothing.
    env.remove("MLFLOW_TRACKING_URI");
    env.remove("MLOPS_STORAGE_ROOT");
    env.remove("SPARK_HOME");
    env.putAll(environment);
    Path log = Files.createTempFile(home, "airflow-", ".log");
    builder.redirectOutput(log.toFile());
    Process process = builder.start();
    try {
      if (!process.waitFor(15, TimeUnit.MINUTES)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw new AssertionError(command + " ran past 15 minutes; see " + log);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return new Finished(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  private Finished require(Finished finished, String what) {
    if (finished.exitCode() != 0) {
      throw new AssertionError(what + " exited " + finished.exitCode() + ":\n" + finished.output());
    }
    return finished;
  }
}
