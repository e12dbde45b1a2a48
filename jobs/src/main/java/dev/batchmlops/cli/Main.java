package dev.batchmlops.cli;

import dev.batchmlops.PipelineException;
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
      ProfileCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  public static void main(String[] args) {
    int exitCode = execute(args);
    // spark-submit keeps the JVM alive on non-daemon threads; exit explicitly with the code.
    System.exit(exitCode);
  }

  /** Runs a command and returns its exit code: 0 ok, 1 error, 2 usage, 3 model not registered. */
  public static int execute(String... args) {
    CommandLine commandLine = new CommandLine(new Main());
    commandLine.setExecutionExceptionHandler(
        (error, cmd, parsed) -> {
          PrintWriter err = cmd.getErr();
          if (error instanceof PipelineException) {
            err.println("batchmlops: error: " + error.getMessage());
          } else {
            err.println("batchmlops: unexpected error: " + error);
            error.printStackTrace(err);
          }
          err.flush();
          return 1;
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

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "batchmlops " + BuildInfo.version() + " (" + BuildInfo.gitCommit() + ")"
      };
    }
  }
}
