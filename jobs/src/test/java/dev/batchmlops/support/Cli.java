package dev.batchmlops.support;

import dev.batchmlops.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs the command line in this JVM (its shared Spark session), capturing what it prints. */
public final class Cli {
  private Cli() {}

  /** How a command ended, and what it printed. */
  public record Outcome(int exitCode, String stdout, String stderr) {
    /** The lines on stderr the pipeline printed itself (Spark's log lines are not). */
    public List<String> errorLines() {
      return stderr.lines().filter(line -> line.startsWith("batchmlops:")).toList();
    }
  }

  public static synchronized Outcome execute(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream capturedOut = new ByteArrayOutputStream();
    ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(capturedOut, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
      int code = Main.execute(args);
      return new Outcome(
          code,
          capturedOut.toString(StandardCharsets.UTF_8),
          capturedErr.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }
}
