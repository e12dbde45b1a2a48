package dev.batchmlops.cli;

import dev.batchmlops.PipelineException;
import dev.batchmlops.ServiceUnavailableException;
import dev.batchmlops.pipeline.BuildInfo;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The entry point spark-submit runs: one subcommand per stage, and `run` for all of them. */
@Command(
    name = "batchmlops",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Batch MLOps pipeline on Spark: Delta-versioned data, Deequ validation,",
      "MLlib training, MLflow tracking and registry.",
      "Run with: spark-submit --class dev.batchmlops.cli.Main JAR COMMAND"
    },
    footer = {
      "Exit codes: 0 ok, 1 error (a retry gives the same answer), 2 usage error, 3 model not",
      "registered (gates), 4 and 5 monitor's decisions, 70 unexpected error, 75 a service (MLflow,",
      "a source database) did not answer: retry later."
    },
    subcommands = {
      StageCommands.Generate.class,
      StageCommands.Ingest.class,
      StageCommands.Validate.class,
      StageCommands.Split.class,
      StageCommands.Leakage.class,
      StageCommands.Train.class,
      StageCommands.Evaluate.class,
      StageCommands.Register.class,
      StageCommands.Promote.class,
      StageCommands.Score.class,
      StageCommands.Monitor.class,
      RunCommand.class,
      TableCommands.History.class,
      TableCommands.Cleanup.class,
      AuditCommand.class,
      ReproduceCommand.class,
      ModelsCommand.class,
      ProfileCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Option(
      names = "--verbose",
      scope = CommandLine.ScopeType.INHERIT,
      description = "On an unexpected error, print its stack trace too.")
  boolean verbose;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  public static void main(String[] args) {
    int exitCode = execute(args);
    // spark-submit keeps the JVM alive on non-daemon threads; exit explicitly with the code.
    System.exit(exitCode);
  }

  /** An error this code did not foresee (a bug, or Spark failing underneath): EX_SOFTWARE. */
  static final int UNEXPECTED_ERROR = 70;

  /**
   * Runs a command and returns its exit code: 0 ok, 1 error, 2 usage, 3 model not registered, 4 and
   * 5 monitor decisions, 70 unexpected error, 75 a service did not answer (worth retrying).
   */
  public static int execute(String... args) {
    CommandLine commandLine = new CommandLine(new Main());
    commandLine.setExecutionExceptionHandler(
        (error, cmd, parsed) -> {
          PrintWriter err = cmd.getErr();
          String run =
              cmd.getCommand() instanceof PipelineCommand command
                  ? command.failureLink.map(link -> " [" + link + "]").orElse("")
                  : "";
          int exitCode;
          if (error instanceof ServiceUnavailableException) {
            err.println(
                "batchmlops: error: " + error.getMessage() + " (transient: retry later)" + run);
            exitCode = ServiceUnavailableException.EXIT_CODE;
          } else if (error instanceof PipelineException) {
            err.println("batchmlops: error: " + error.getMessage() + run);
            exitCode = 1;
          } else if (error instanceof java.io.UncheckedIOException io) {
            // Storage refused: a path that is not a folder, no permission, a full disk. The same
            // run fails the same way until the cause is fixed.
            String cause =
                io.getCause() == null || io.getCause().getMessage() == null
                    ? ""
                    : ": " + io.getCause().getMessage().lines().findFirst().orElse("");
            err.println("batchmlops: error: " + io.getMessage() + cause + run);
            exitCode = 1;
          } else {
            err.println(
                "batchmlops: unexpected error: "
                    + String.valueOf(error).lines().findFirst().orElse("")
                    + (verbose(args) ? "" : " (run with --verbose for the stack trace)")
                    + run);
            if (verbose(args)) {
              error.printStackTrace(err);
            }
            exitCode = UNEXPECTED_ERROR;
          }
          err.flush();
          return exitCode;
        });
    commandLine.setParameterExceptionHandler(
        (error, parsedArgs) -> {
          PrintWriter err = error.getCommandLine().getErr();
          err.println(
              "batchmlops: usage error: "
                  + error.getMessage()
                  + " (see: "
                  + error.getCommandLine().getCommandSpec().qualifiedName()
                  + " --help)");
          err.flush();
          return 2;
        });
    return commandLine.execute(args);
  }

  private static boolean verbose(String[] args) {
    return java.util.Arrays.asList(args).contains("--verbose");
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "batchmlops " + BuildInfo.version() + " (" + BuildInfo.gitCommit() + ")"
      };
    }
  }
}
