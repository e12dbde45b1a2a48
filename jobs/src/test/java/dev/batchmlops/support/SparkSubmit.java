package dev.batchmlops.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the job jar the way users do: through {@code scripts/submit}, the real spark-submit launcher
 * from the venv.
 */
public final class SparkSubmit {
  private SparkSubmit() {}

  /** What a finished spark-submit printed and how it exited. */
  public record Result(int exitCode, String stdout, String stderr) {
    /** The last line on stderr that the pipeline itself printed. */
    public String errorLine() {
      return stderr.lines().filter(l -> l.startsWith("batchmlops:")).reduce((a, b) -> b).orElse("");
    }
  }

  /** Runs a job on local[2] to its end (at most 10 minutes). */
  public static Result run(Path workDir, List<String> jobArgs) {
    return run("local[2]", workDir, jobArgs);
  }

  /** Runs a job on the given master to its end (at most 10 minutes). */
  public static Result run(String master, Path workDir, List<String> jobArgs) {
    return run(master, workDir, jobArgs, java.util.Map.of());
  }

  /**
   * Runs a job on local[2] with these environment variables besides Spark's (the tracking
   * credentials of a user, for example).
   */
  public static Result run(Path workDir, List<String> jobArgs, java.util.Map<String, String> env) {
    return run("local[2]", workDir, jobArgs, env);
  }

  private static Result run(
      String master, Path workDir, List<String> jobArgs, java.util.Map<String, String> env) {
    try {
      Started started = start(master, workDir, jobArgs, env);
      if (!started.process().waitFor(10, TimeUnit.MINUTES)) {
        killTree(started.process());
        throw new AssertionError("spark-submit " + jobArgs + " ran past 10 minutes");
      }
      return started.result();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A job started in the background, with the files its output goes to. */
  public record Started(Process process, Path out, Path err) {
    /**
     * Kills the job (SIGKILL, its children too) as soon as {@code moment} holds; fails the test
     * when the job ends first or the moment does not come within five minutes.
     */
    public void killWhen(java.util.function.BooleanSupplier moment, String what)
        throws InterruptedException {
      if (!killWhenOrEnded(moment, what)) {
        throw new AssertionError(
            "the job ended before " + what + ": " + result().stdout() + result().stderr());
      }
    }

    /**
     * Kills the job as soon as {@code moment} holds, like {@link #killWhen}, but a job that ends
     * first is an outcome, not a failure: for a stage too short to be sure of catching it alive.
     *
     * @return whether the job was killed (false: it ended on its own)
     */
    public boolean killWhenOrEnded(java.util.function.BooleanSupplier moment, String what)
        throws InterruptedException {
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(5);
      while (!moment.getAsBoolean()) {
        if (!process.isAlive()) {
          return false;
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("not " + what + " within 5 minutes");
        }
        Thread.sleep(20);
      }
      killTree(process);
      return true;
    }

    public Result result() {
      try {
        return new Result(
            process.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /**
   * SIGKILL to the launcher and every process under it (scripts/submit, spark-submit, the driver's
   * JVM), returning once all are gone: a re-run must find the killed driver dead, not dying.
   */
  private static void killTree(Process process) {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    tree.add(process.toHandle());
    tree.forEach(ProcessHandle::destroyForcibly);
    tree.forEach(handle -> handle.onExit().join());
  }

  /** Starts a job on local[2] without waiting for it. */
  public static Started start(Path workDir, List<String> jobArgs) {
    return start("local[2]", workDir, jobArgs, java.util.Map.of());
  }

  private static Started start(
      String master, Path workDir, List<String> jobArgs, java.util.Map<String, String> env) {
    // scripts/submit, as the scheduler and users call it: the same launcher options, the same JVM.
    List<String> command = new ArrayList<>();
    command.add(ProjectPaths.root().resolve("scripts/submit").toString());
    command.addAll(jobArgs);
    try {
      Files.createDirectories(workDir);
      Path out = Files.createTempFile(workDir, "spark-submit-", ".out");
      Path err = Files.createTempFile(workDir, "spark-submit-", ".err");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(workDir.toFile())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      sparkEnvironment(builder);
      builder.environment().put("MLOPS_SPARK_MASTER", master);
      builder.environment().put("MLOPS_DRIVER_MEMORY", "1g");
      builder.environment().remove("SPARK_SUBMIT");
      builder.environment().remove("MLFLOW_TRACKING_URI");
      builder.environment().remove("MLOPS_STORAGE_ROOT");
      builder.environment().remove("MLFLOW_TRACKING_USERNAME");
      builder.environment().remove("MLFLOW_TRACKING_PASSWORD");
      builder.environment().remove("MLFLOW_TRACKING_TOKEN");
      builder.environment().putAll(env);
      return new Started(builder.start(), out, err);
    } catch (IOException e) {
      throw new IllegalStateException("cannot run spark-submit", e);
    }
  }

  /** What Spark's launchers need: SPARK_HOME, the loopback address and the venv's Python. */
  public static void sparkEnvironment(ProcessBuilder builder) throws IOException {
    builder.environment().put("SPARK_HOME", sparkHome().toString());
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    builder
        .environment()
        .put("PYSPARK_PYTHON", ProjectPaths.venv().resolve("bin/python").toString());
  }

  /** pyspark's package folder is SPARK_HOME for its launcher. */
  private static Path sparkHome() throws IOException {
    try (DirectoryStream<Path> pythons =
        Files.newDirectoryStream(ProjectPaths.venv().resolve("lib"), "python*")) {
      for (Path python : pythons) {
        Path pyspark = python.resolve("site-packages/pyspark");
        if (Files.isDirectory(pyspark)) {
          return pyspark;
        }
      }
    }
    throw new IllegalStateException("pyspark is not installed in " + ProjectPaths.venv());
  }
}
