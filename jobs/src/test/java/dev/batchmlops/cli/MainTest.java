package dev.batchmlops.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.config.ColumnType;
import dev.batchmlops.config.ConfigLoader;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.quality.QualityReport;
import dev.batchmlops.support.Cli;
import dev.batchmlops.support.Cli.Outcome;
import dev.batchmlops.support.ConfCopies;
import dev.batchmlops.support.JobArgs;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.ProjectPaths;
import dev.batchmlops.support.TestSpark;
import dev.batchmlops.validate.ContractValidator;
import dev.batchmlops.validate.MetricsHistory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The entry point's contract with users and schedulers: exit codes and one-line errors. */
class MainTest {
  @TempDir Path temp;

  private static Outcome execute(String... args) {
    return Cli.execute(args);
  }

  /** Arguments after the command name (the tests put the command at index 0). */
  private List<String> common(String trackingUri) {
    List<String> args = JobArgs.of("placeholder", temp, trackingUri);
    args.remove(0);
    return args;
  }

  @Test
  void helpListsEveryStage() {
    Outcome help = execute("--help");
    assertEquals(0, help.exitCode());
    for (String command :
        List.of(
            "generate",
            "ingest",
            "validate",
            "split",
            "leakage",
            "train",
            "evaluate",
            "register",
            "promote",
            "score",
            "monitor",
            "run",
            "history",
            "cleanup",
            "profile")) {
      assertTrue(help.stdout().contains(command), "help lists " + command);
    }
    Outcome trainHelp = execute("train", "--help");
    assertTrue(trainHelp.stdout().contains("train.*"), trainHelp.stdout());
    Outcome monitorHelp = execute("monitor", "--help");
    assertTrue(monitorHelp.stdout().contains("4 retrain recommended"), monitorHelp.stdout());
  }

  /** Every command and nested command (audit verify, models list ...) answers --help. */
  @Test
  void everySubcommandAnswersHelpWithItsUsageAndWhatItDoes() {
    List<List<String>> paths = new java.util.ArrayList<>();
    collectSubcommands(new picocli.CommandLine(new Main()), List.of(), paths);
    assertTrue(paths.size() >= 18, "the commands: " + paths);
    for (List<String> path : paths) {
      List<String> args = new java.util.ArrayList<>(path);
      args.add("--help");
      Outcome help = execute(args.toArray(String[]::new));
      assertEquals(0, help.exitCode(), path + ": " + help.stderr());
      assertTrue(
          help.stdout().startsWith("Usage: batchmlops " + String.join(" ", path)),
          path + ":\n" + help.stdout());
      assertTrue(
          help.stdout().lines().skip(1).anyMatch(line -> line.strip().length() > 20),
          path + " says what it does:\n" + help.stdout());
      assertEquals("", help.stderr(), path + " prints its help on stdout only");
    }
  }

  private static void collectSubcommands(
      picocli.CommandLine command, List<String> path, List<List<String>> paths) {
    command
        .getSubcommands()
        .forEach(
            (name, sub) -> {
              if (sub.getCommandName().equals(name) && !name.equals("help")) {
                List<String> subPath = new java.util.ArrayList<>(path);
                subPath.add(name);
                paths.add(subPath);
                collectSubcommands(sub, subPath, paths);
              }
            });
  }

  @Test
  void unknownSubcommandIsAUsageErrorOnOneLine() {
    Outcome outcome = execute("deploy");
    assertEquals(2, outcome.exitCode());
    assertEquals(1, outcome.stderr().strip().lines().count(), outcome.stderr());
    assertTrue(outcome.stderr().contains("'deploy'"), outcome.stderr());
  }

  @Test
  void runHelpListsEachOptionOnceAndBothPinsAtOnceAreAUsageError() {
    Outcome help = execute("run", "--help");
    assertEquals(0, help.exitCode());
    for (String option : List.of("--raw-version", "--raw-as-of", "--input", "--set", "--verbose")) {
      assertEquals(
          1,
          help.stdout().lines().filter(line -> line.strip().startsWith(option)).count(),
          option + " in\n" + help.stdout());
    }
    List<String> args = common(MlflowTestServer.shared().uri());
    args.addAll(
        0, List.of("validate", "--raw-version", "1", "--raw-as-of", "2026-11-29T12:00:00Z"));
    Outcome both = execute(args.toArray(String[]::new));
    assertEquals(2, both.exitCode(), both.stderr());
    assertTrue(
        both.stderr().contains("give --raw-version or --raw-as-of, not both"), both.stderr());
  }

  @Test
  void missingConfigurationKeyIsNamed() throws IOException {
    Path conf = temp.resolve("conf");
    Files.createDirectories(conf.resolve("env"));
    Files.createDirectories(conf.resolve("datasets"));
    Files.writeString(
        conf.resolve("defaults.conf"),
        Files.readString(ProjectPaths.confDir().resolve("defaults.conf"))
            .replace("experiment-prefix = \"batchmlops\"", ""));
    Files.copy(ProjectPaths.confDir().resolve("env/test.conf"), conf.resolve("env/test.conf"));
    Files.copy(
        ProjectPaths.confDir().resolve("datasets/credit.conf"),
        conf.resolve("datasets/credit.conf"));
    Outcome outcome = execute("validate", "--conf-dir", conf.toString(), "--env", "test");
    assertEquals(1, outcome.exitCode());
    assertEquals(1, outcome.stderr().strip().lines().count(), outcome.stderr());
    assertTrue(outcome.stderr().contains("tracking.experiment-prefix"), outcome.stderr());
  }

  @Test
  void unreachableTrackingServerStopsBeforeAnyDataIsWritten() throws IOException {
    List<String> args = common("http://127.0.0.1:" + MlflowTestServer.freePort());
    args.add(0, "run");
    Outcome outcome = execute(args.toArray(String[]::new));
    assertEquals(75, outcome.exitCode(), "transient, so schedulers retry: " + outcome.stderr());
    assertTrue(
        outcome
            .stderr()
            .startsWith("batchmlops: error: MLflow tracking server at http://127.0.0.1:"),
        outcome.stderr());
    assertTrue(outcome.stderr().contains("did not answer"), outcome.stderr());
    assertTrue(outcome.stderr().strip().endsWith("(transient: retry later)"), outcome.stderr());
    assertEquals(1, outcome.stderr().strip().lines().count(), outcome.stderr());
    assertFalse(Files.exists(temp.resolve("delta")), "no table may be written");
    assertFalse(Files.exists(temp.resolve("landing")), "no file may be written");
  }

  @Test
  void unreadableInputIsNamedAndNothingIsIngested() {
    List<String> args = common(MlflowTestServer.shared().uri());
    args.add(0, "ingest");
    args.add("--input");
    args.add(temp.resolve("missing/applications.csv").toString());
    Outcome outcome = execute(args.toArray(String[]::new));
    assertEquals(1, outcome.exitCode());
    assertTrue(
        outcome.stderr().contains(temp.resolve("missing/applications.csv").toString()),
        outcome.stderr());
    assertEquals(1, outcome.stderr().strip().lines().count(), outcome.stderr());
    assertFalse(Files.exists(temp.resolve("delta/credit/raw")), "no raw table may be created");
  }

  @Test
  void historyShowsEveryVersionAndStagesReadThePinnedOne() throws IOException {
    List<String> ingest = common(MlflowTestServer.shared().uri());
    ingest.add(0, "ingest");
    for (long rows : List.of(600L, 700L)) {
      Path file = temp.resolve("applications-" + rows + ".parquet");
      dev.batchmlops.generate.CreditDataGenerator.generate(
              dev.batchmlops.support.TestSpark.session(), rows, rows)
          .write()
          .parquet(file.toString());
      List<String> args = new ArrayList<>(ingest);
      args.addAll(List.of("--input", file.toString()));
      assertEquals(0, execute(args.toArray(String[]::new)).exitCode());
    }
    List<String> history = common(MlflowTestServer.shared().uri());
    history.add(0, "history");
    Outcome shown = execute(history.toArray(String[]::new));
    assertEquals(0, shown.exitCode(), shown.stderr());
    List<String> lines = shown.stdout().lines().toList();
    assertTrue(
        lines.get(2).startsWith("1 ") && lines.get(2).contains("rows_accepted=700"),
        shown.stdout());
    assertTrue(
        lines.get(3).startsWith("0 ") && lines.get(3).contains("rows_accepted=600"),
        shown.stdout());

    history.addAll(List.of("--table", "scoring-inputs"));
    Outcome none = execute(history.toArray(String[]::new));
    assertEquals(1, none.exitCode());
    assertTrue(
        none.stderr()
            .contains(
                "batchmlops: error: history: no scoring-inputs table at "
                    + temp.resolve("delta/credit/scoring-inputs")
                    + " yet"),
        none.stderr());
    history.set(history.size() - 1, "nosuch");
    Outcome unknown = execute(history.toArray(String[]::new));
    assertEquals(1, unknown.exitCode());
    assertTrue(
        unknown.stderr().contains("history: no table 'nosuch'; choose raw,"), unknown.stderr());

    List<String> validate = common(MlflowTestServer.shared().uri());
    validate.addAll(0, List.of("validate", "--raw-version", "0"));
    Outcome pinned = execute(validate.toArray(String[]::new));
    assertEquals(0, pinned.exitCode(), pinned.stderr());
    String state = Files.readString(temp.resolve("delta/credit/_pipeline/state.json"));
    assertTrue(
        state
            .replaceAll("\\s", "")
            .contains(
                "\"validated\":{\"path\":\""
                    + temp.resolve("delta/credit/raw")
                    + "\",\"version\":0}"),
        state);

    String v1Committed = lines.get(2).split("\\s+")[1];
    List<String> asOf = common(MlflowTestServer.shared().uri());
    asOf.addAll(0, List.of("validate", "--raw-as-of", v1Committed));
    assertEquals(0, execute(asOf.toArray(String[]::new)).exitCode());
    String stateAsOf = Files.readString(temp.resolve("delta/credit/_pipeline/state.json"));
    assertTrue(
        stateAsOf
            .replaceAll("\\s", "")
            .contains(
                "\"validated\":{\"path\":\""
                    + temp.resolve("delta/credit/raw")
                    + "\",\"version\":1}"),
        stateAsOf);

    validate.set(2, "9");
    Outcome missing = execute(validate.toArray(String[]::new));
    assertEquals(1, missing.exitCode());
    assertTrue(missing.stderr().contains("has no version 9 (latest is 1)"), missing.stderr());
  }

  @Test
  void stagesRefuseToRunBeforeTheirInputsExist() {
    List<String> args = common(MlflowTestServer.shared().uri());
    args.add(0, "train");
    Outcome outcome = execute(args.toArray(String[]::new));
    assertEquals(1, outcome.exitCode());
    assertTrue(outcome.stderr().contains("run `split` first"), outcome.stderr());
  }

  @Test
  void profileWritesADraftContractThatLoadsAndPassesOnTheProfiledData() throws IOException {
    Path csv = temp.resolve("loans.csv");
    CreditDataGenerator.generate(TestSpark.session(), 1000, 42)
        .coalesce(1)
        .write()
        .option("header", "true")
        .csv(csv.toString());
    Path draft = temp.resolve("loans.draft.conf");
    List<String> args =
        List.of(
            "profile",
            "--input",
            csv.toString(),
            "--name",
            "loans",
            "--label",
            "defaulted",
            "--output",
            draft.toString());
    Outcome profiled = execute(args.toArray(String[]::new));
    assertEquals(0, profiled.exitCode(), profiled.stderr());
    assertTrue(profiled.stdout().contains("profiled 1000 rows"), profiled.stdout());

    Path conf = ConfCopies.copy(temp.resolve("conf"));
    Files.copy(draft, conf.resolve("datasets/loans.conf"));
    DatasetContract contract =
        ConfigLoader.load(new ConfigLoader.Request(conf, "test", "loans", Map.of()), Map.of())
            .dataset();
    assertEquals("defaulted", contract.label());
    assertEquals("application_id", contract.idColumn(), "the first unique column");
    assertEquals(ColumnType.INTEGER, contract.column("age").type());
    assertEquals(ColumnType.DOUBLE, contract.column("income").type());
    assertEquals(ColumnType.DATE, contract.column("application_date").type());
    assertEquals(
        List.of("critical", "delayed", "none", "paid"),
        contract.column("credit_history").allowed());
    assertEquals(0.95, contract.column("income").completeness(), 0.02);
    assertEquals(List.of("0", "1"), contract.labelValues(), "the label's values are drafted");
    assertEquals("1", contract.positiveLabel(), "the rarer value, as the draft says");
    assertTrue(
        Files.readString(draft).contains("took '1' as the positive class"),
        Files.readString(draft));

    Dataset<Row> profiledData =
        TestSpark.session()
            .read()
            .option("header", "true")
            .option("inferSchema", "true")
            .csv(csv.toString());
    QualityReport report =
        ContractValidator.validate(
                profiledData, contract, MetricsHistory.inMemory("loans"), "draft")
            .report();
    assertTrue(report.passed(), report.summary());

    Path unlabelled = temp.resolve("unlabelled.draft.conf");
    Outcome guessed =
        execute(
            "profile",
            "--input",
            csv.toString(),
            "--name",
            "loans",
            "--output",
            unlabelled.toString());
    assertEquals(0, guessed.exitCode(), guessed.stderr());
    String guess = Files.readString(unlabelled);
    assertTrue(
        guess.contains("columns with two values, likely labels: ") && guess.contains("defaulted"),
        guess);

    Outcome again = execute(args.toArray(String[]::new));
    assertEquals(1, again.exitCode());
    assertTrue(again.stderr().contains("exists (pass --force"), again.stderr());
    Outcome missing =
        execute("profile", "--input", temp.resolve("nope.csv").toString(), "--name", "x");
    assertEquals(1, missing.exitCode());
    assertTrue(missing.stderr().contains("nope.csv does not exist"), missing.stderr());
  }
}
