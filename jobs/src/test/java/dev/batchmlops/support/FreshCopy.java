package dev.batchmlops.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A copy of the checkout as a user has it after {@code git clone}: the sources, no {@code work/},
 * no build output, run with an environment like a new login shell's. Two things are shared with the
 * build rather than made again, as the suite has made them already: the Python environment {@code
 * .venv} (and {@code .venv-notebooks}), linked, and the job jar, copied after the sources so that
 * the scripts find it up to date.
 */
public final class FreshCopy {
  /** Top-level entries a fresh clone does not have. */
  private static final Set<String> NOT_IN_A_CLONE = Set.of(".git", "work", ".jars");

  private static final List<String> LINKED_ENVIRONMENTS = List.of(".venv", ".venv-notebooks");

  private final Path root;

  private FreshCopy(Path root) {
    this.root = root;
  }

  /** What a script printed and how it exited. */
  public record Result(int exitCode, String stdout, String stderr) {}

  /** Copies the checkout this build runs in into a new temporary folder. */
  public static FreshCopy make() throws IOException {
    Path source = ProjectPaths.root();
    Path target = Files.createTempDirectory("batchmlops-fresh-").resolve("batchmlops");
    Files.walkFileTree(
        source,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes)
              throws IOException {
            Path relative = source.relativize(dir);
            String name = dir.getFileName().toString();
            if (relative.getNameCount() == 1
                && (NOT_IN_A_CLONE.contains(name) || name.startsWith(".venv"))) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            if (name.equals("target") || name.equals(".ipynb_checkpoints")) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            Files.createDirectories(target.resolve(relative.toString()));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes)
              throws IOException {
            Files.copy(
                file,
                target.resolve(source.relativize(file).toString()),
                StandardCopyOption.COPY_ATTRIBUTES);
            return FileVisitResult.CONTINUE;
          }
        });
    for (String environment : LINKED_ENVIRONMENTS) {
      if (Files.isDirectory(source.resolve(environment))) {
        Files.createSymbolicLink(target.resolve(environment), source.resolve(environment));
      }
    }
    Path jar = target.resolve("jobs/target").resolve(ProjectPaths.jobJar().getFileName());
    Files.createDirectories(jar.getParent());
    Files.copy(ProjectPaths.jobJar(), jar);
    return new FreshCopy(target);
  }

  public Path root() {
    return root;
  }

  /**
   * Runs a command in the copy's root, as typed in a new login shell: the environment holds only
   * PATH, HOME, USER, LANG and {@code settings} (no MLFLOW_*, MLOPS_*, SPARK_* or JAVA_HOME), and
   * stdin is empty.
   */
  public Result run(Map<String, String> settings, Duration limit, String... command)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile());
    Map<String, String> environment = builder.environment();
    Map<String, String> inherited = new HashMap<>(environment);
    environment.clear();
    for (String name : List.of("PATH", "HOME", "USER", "LANG", "TERM")) {
      if (inherited.containsKey(name)) {
        environment.put(name, inherited.get(name));
      }
    }
    environment.putAll(settings);
    Path out = Files.createTempFile("fresh-copy-", ".out");
    Path err = Files.createTempFile("fresh-copy-", ".err");
    builder
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(out.toFile())
        .redirectError(err.toFile());
    Process process = builder.start();
    try {
      if (!process.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw new AssertionError(
            String.join(" ", command)
                + " ran past "
                + limit
                + "; its output:\n"
                + Files.readString(err, StandardCharsets.UTF_8));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    Result result =
        new Result(
            process.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    // The build log keeps what each script said, for the time a step took and for failures.
    System.out.println(
        "== " + String.join(" ", command) + " " + settings.keySet() + " exit " + result.exitCode());
    System.out.println(result.stderr());
    System.out.println(result.stdout());
    return result;
  }
}
