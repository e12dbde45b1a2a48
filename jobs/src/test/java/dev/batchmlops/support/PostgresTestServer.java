package dev.batchmlops.support;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL server for the tests of one JVM: a fresh cluster from Debian's postgresql
 * package (scripts/test installs it) on a free loopback port, trusting local connections, removed
 * at JVM exit. As root it runs as the postgres user, since PostgreSQL refuses to run as root.
 */
public final class PostgresTestServer {
  public static final String USER = "mlops";
  public static final String DATABASE = "postgres";
  private static PostgresTestServer instance;
  private final Path bin;
  private final Path dataDir;
  private final int port;

  private PostgresTestServer(Path bin, Path dataDir, int port) {
    this.bin = bin;
    this.dataDir = dataDir;
    this.port = port;
  }

  public static synchronized PostgresTestServer shared() {
    if (instance == null) {
      instance = start();
    }
    return instance;
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
  }

  private static PostgresTestServer start() {
    try {
      Path bin = binaries();
      Path dataDir = Files.createTempDirectory("batchmlops-postgres-");
      boolean root = "root".equals(System.getProperty("user.name"));
      if (root) {
        exec(List.of("chown", "-R", "postgres:postgres", dataDir.toString()), false);
      }
      exec(
          List.of(
              bin.resolve("initdb").toString(),
              "-D",
              dataDir.resolve("data").toString(),
              "-U",
              USER,
              "-A",
              "trust",
              "--no-sync"),
          root);
      int port = MlflowTestServer.freePort();
      PostgresTestServer server = new PostgresTestServer(bin, dataDir, port);
      exec(
          List.of(
              bin.resolve("pg_ctl").toString(),
              "-D",
              dataDir.resolve("data").toString(),
              "-l",
              dataDir.resolve("server.log").toString(),
              "-o",
              "-p " + port + " -h 127.0.0.1 -k " + dataDir,
              "-w",
              "start"),
          root);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(root)));
      return server;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the PostgreSQL test server", e);
    }
  }

  private void stop(boolean root) {
    try {
      exec(
          List.of(
              bin.resolve("pg_ctl").toString(),
              "-D",
              dataDir.resolve("data").toString(),
              "-m",
              "immediate",
              "stop"),
          root);
    } catch (RuntimeException e) {
      System.err.println("could not stop the PostgreSQL test server: " + e.getMessage());
    }
  }

  /** The newest /usr/lib/postgresql/N/bin with initdb, or the folder in batchmlops.postgres.bin. */
  private static Path binaries() throws IOException {
    String configured = System.getProperty("batchmlops.postgres.bin");
    if (configured != null) {
      return Path.of(configured);
    }
    List<Path> found = new ArrayList<>();
    Path versions = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(versions)) {
      try (DirectoryStream<Path> dirs = Files.newDirectoryStream(versions)) {
        for (Path dir : dirs) {
          if (Files.isExecutable(dir.resolve("bin/initdb"))) {
            found.add(dir.resolve("bin"));
          }
        }
      }
    }
    return found.stream()
        .max((a, b) -> Integer.compare(major(a), major(b)))
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "PostgreSQL server binaries not found under /usr/lib/postgresql: run the tests"
                        + " with scripts/test, which installs Debian's postgresql package"));
  }

  private static int major(Path bin) {
    try {
      return Integer.parseInt(bin.getParent().getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static void exec(List<String> command, boolean asPostgres) {
    List<String> full = new ArrayList<>();
    if (asPostgres) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    try {
      Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes());
      if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", full) + " failed: " + output);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + full, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
