package dev.batchmlops.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.support.Cli;
import dev.batchmlops.support.ConfCopies;
import dev.batchmlops.support.JobArgs;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.TestSpark;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files a user might feed the pipeline by mistake, each through the command line: the exit code,
 * one line that names the file, column or setting, no stack trace, and the raw table untouched
 * (never created, or for a rule validation catches, no split made from it).
 */
class BadInputTest {
  @TempDir static Path temp;

  /** 600 generated applications as CSV lines, header first. */
  private static List<String> clean;

  @BeforeAll
  static void generate() {
    var data = CreditDataGenerator.generate(TestSpark.session(), 600, 11);
    List<String> lines = new ArrayList<>();
    lines.add(String.join(",", data.columns()));
    for (Row row : data.collectAsList()) {
      lines.add(
          IntStream.range(0, row.size())
              .mapToObj(i -> row.isNullAt(i) ? "" : String.valueOf(row.get(i)))
              .collect(Collectors.joining(",")));
    }
    clean = List.copyOf(lines);
  }

  private static int column(String name) {
    return List.of(clean.get(0).split(",")).indexOf(name);
  }

  /** The clean file with {@code edit} applied to the data row at each index {@code rows} holds. */
  private static List<String> withRows(IntStream rows, int column, UnaryOperator<String> edit) {
    List<String> lines = new ArrayList<>(clean);
    rows.forEach(
        i -> {
          String[] cells = lines.get(i + 1).split(",", -1);
          cells[column] = edit.apply(cells[column]);
          lines.set(i + 1, String.join(",", cells));
        });
    return lines;
  }

  private record Case(Path work, Cli.Outcome outcome) {
    boolean rawTableExists() {
      return Files.exists(work.resolve("delta/credit/raw/_delta_log"));
    }

    String errorLine() {
      List<String> lines = outcome.errorLines();
      assertEquals(1, lines.size(), outcome.stderr());
      assertFalse(outcome.stderr().contains("\tat "), "no stack trace: " + outcome.stderr());
      return lines.get(0);
    }
  }

  private static Case ingest(String name, byte[] content, String... extra) throws IOException {
    Path work = Files.createDirectories(temp.resolve(name));
    Path file = work.resolve(name + ".csv");
    Files.write(file, content);
    List<String> args =
        JobArgs.of("ingest", work, MlflowTestServer.shared().uri(), "--input", file.toString());
    args.addAll(List.of(extra));
    return new Case(work, Cli.execute(args.toArray(String[]::new)));
  }

  private static byte[] utf8(List<String> lines) {
    return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private static void refused(Case refused, String... fragments) {
    assertEquals(1, refused.outcome().exitCode(), refused.outcome().stderr());
    String line = refused.errorLine();
    for (String fragment : fragments) {
      assertTrue(line.contains(fragment), fragment + " in: " + line);
    }
    assertFalse(refused.rawTableExists(), "no raw table may be written");
  }

  @Test
  void emptyAndHeaderOnlyFilesAreRefused() throws IOException {
    refused(ingest("empty", new byte[0]), "empty.csv is empty");
    refused(ingest("header-only", utf8(clean.subList(0, 1))), "header-only.csv has no rows");
  }

  @Test
  void aByteOrderMarkIsNotPartOfTheFirstName() throws IOException {
    byte[] text = utf8(clean);
    byte[] withBom = new byte[text.length + 3];
    withBom[0] = (byte) 0xEF;
    withBom[1] = (byte) 0xBB;
    withBom[2] = (byte) 0xBF;
    System.arraycopy(text, 0, withBom, 3, text.length);
    Case bom = ingest("bom", withBom);
    assertEquals(0, bom.outcome().exitCode(), bom.outcome().stderr());
    assertEquals(
        600,
        TestSpark.session()
            .read()
            .format("delta")
            .load(bom.work().resolve("delta/credit/raw").toString())
            .where("application_id IS NOT NULL")
            .count());
  }

  @Test
  void anotherDelimiterIsNamedWithTheSettingToChange() throws IOException {
    List<String> semicolons = clean.stream().map(line -> line.replace(',', ';')).toList();
    refused(
        ingest("semicolons", utf8(semicolons)),
        "semicolons.csv lacks the contract's column(s)",
        "set ingest.source.csv.delimiter=\";\"");
  }

  @Test
  void textInAnotherEncodingIsQuarantinedNotStoredGarbled() throws IOException {
    List<String> lines = withRows(IntStream.range(0, 60), column("housing"), cell -> "größe");
    byte[] latin1 = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.ISO_8859_1);
    refused(
        ingest("latin1", latin1),
        "60 of 600 rows",
        "bytes that are not valid text in the declared encoding");
  }

  @Test
  void notANumberAndInfinityAreQuarantined() throws IOException {
    List<String> lines =
        withRows(IntStream.range(0, 60), column("income"), cell -> cell.isEmpty() ? cell : "NaN");
    lines = new ArrayList<>(lines);
    String[] cells = lines.get(100).split(",", -1);
    cells[column("loan_amount")] = "Infinity";
    lines.set(100, String.join(",", cells));
    refused(ingest("nan", utf8(lines)), "is not a finite number");
  }

  @Test
  void aColumnNamedTwiceAndAMissingLabelAreNamed() throws IOException {
    List<String> twice = new ArrayList<>(clean);
    twice.set(0, clean.get(0).replace("loan_amount", "income"));
    refused(ingest("twice", utf8(twice)), "names the column 'income' more than once");

    int label = column("defaulted");
    List<String> unlabelled =
        clean.stream()
            .map(
                line -> {
                  List<String> cells = new ArrayList<>(List.of(line.split(",", -1)));
                  cells.remove(label);
                  return String.join(",", cells);
                })
            .toList();
    refused(ingest("unlabelled", utf8(unlabelled)), "lacks the contract's column(s) [defaulted]");
  }

  @Test
  void aQuotedLineBreakIsQuarantinedOrReadWhole() throws IOException {
    List<String> lines = withRows(IntStream.of(5), column("purpose"), cell -> "\"car\nnew\"");
    Case split = ingest("quoted", utf8(lines));
    assertEquals(0, split.outcome().exitCode(), split.outcome().stderr());
    assertTrue(
        split.outcome().stdout().contains("599 of 601 rows accepted, 2 quarantined"),
        split.outcome().stdout());

    Case whole = ingest("multiline", utf8(lines), "--set", "ingest.source.csv.multi-line=true");
    assertEquals(0, whole.outcome().exitCode(), whole.outcome().stderr());
    assertTrue(
        whole.outcome().stdout().contains("600 of 600 rows accepted, 0 quarantined"),
        whole.outcome().stdout());
  }

  @Test
  void aColumnOfTheWrongTypeThroughoutIsRefused() throws IOException {
    List<String> words = withRows(IntStream.range(0, 600), column("age"), cell -> "forty");
    refused(
        ingest("words", utf8(words)), "600 of 600 rows", "column 'age': 'forty' is not an integer");
  }

  @Test
  void tenThousandColumnsAreReadForTheContractsOnes() throws IOException {
    // 60 rows: the width is the point (the row count is validation's business).
    String extraHeader =
        IntStream.range(0, 9_985).mapToObj(i -> "extra_" + i).collect(Collectors.joining(","));
    String extraCells = ",1".repeat(9_985);
    List<String> wide = new ArrayList<>();
    wide.add(clean.get(0) + "," + extraHeader);
    clean.subList(1, 61).forEach(line -> wide.add(line + extraCells));
    Case read = ingest("wide", utf8(wide));
    assertEquals(0, read.outcome().exitCode(), read.outcome().stderr());
    assertEquals(
        clean.get(0).split(",").length,
        TestSpark.session()
            .read()
            .format("delta")
            .load(read.work().resolve("delta/credit/raw").toString())
            .columns()
            .length,
        "the contract's columns only");
  }

  @Test
  void anUnwritableStorageRootFailsInOneLineAndAFailedCommandLeavesNoRunRunning()
      throws IOException {
    Path work = Files.createDirectories(temp.resolve("unwritable"));
    Path file = work.resolve("not-a-folder");
    Files.writeString(file, "a file where the tables would go");
    String prefix = "unwritable-" + System.nanoTime();
    List<String> args =
        JobArgs.of(
            "ingest",
            work,
            MlflowTestServer.shared().uri(),
            "--set",
            "storage.root=" + file.resolve("delta"),
            "--set",
            "tracking.experiment-prefix=" + prefix,
            "--input",
            work.resolve("anything.csv").toString());
    Cli.Outcome outcome = Cli.execute(args.toArray(String[]::new));
    assertEquals(1, outcome.exitCode(), outcome.stderr());
    String line = new Case(work, outcome).errorLine();
    assertTrue(line.contains(file.toString()), line);
    var mlflow = MlflowTestServer.shared();
    assertEquals(
        List.of(),
        mlflow.searchRuns(prefix + "-credit", ""),
        "the dataset's lock is the first thing written: no run was opened");

    // A command that fails once its pipeline run is open ends it as FAILED, never RUNNING.
    Path healthy = Files.createDirectories(temp.resolve("healthy-root"));
    Cli.Outcome missing =
        Cli.execute(
            JobArgs.of(
                    "ingest",
                    healthy,
                    MlflowTestServer.shared().uri(),
                    "--set",
                    "tracking.experiment-prefix=" + prefix,
                    "--input",
                    healthy.resolve("nowhere.csv").toString())
                .toArray(String[]::new));
    assertEquals(1, missing.exitCode(), missing.stderr());
    var runs = mlflow.searchRuns(prefix + "-credit", "");
    assertTrue(runs.size() >= 1, "the pipeline run was opened: " + runs);
    for (var run : runs) {
      assertEquals("FAILED", run.path("info").path("status").asText(), run.toString());
    }
  }

  @Test
  void aThirdLabelValueAndRepeatedIdsStopTheRunAtValidation() throws IOException {
    List<String> lines = withRows(IntStream.range(0, 30), column("defaulted"), cell -> "2");
    int id = column("application_id");
    List<String> repeated = new ArrayList<>(lines);
    for (int i = 1; i <= 40; i++) {
      String[] cells = repeated.get(100 + i).split(",", -1);
      cells[id] = repeated.get(i).split(",", -1)[id];
      repeated.set(100 + i, String.join(",", cells));
    }
    Path work = Files.createDirectories(temp.resolve("validate"));
    Path file = work.resolve("applications.csv");
    Files.write(file, utf8(repeated));
    Cli.Outcome run =
        Cli.execute(
            JobArgs.of("run", work, MlflowTestServer.shared().uri(), "--input", file.toString())
                .toArray(String[]::new));
    assertEquals(1, run.exitCode(), run.stderr());
    String line = new Case(work, run).errorLine();
    assertTrue(
        line.contains("defaulted: a binary label: values in [0, 1]")
            && line.contains("'2' in 30 rows"),
        line);
    assertTrue(
        line.contains("application_id: unique")
            && line.contains("40 values occur more than once, in 80 rows"),
        line);
    assertTrue(line.contains("[pipeline run http://"), line);
    assertFalse(Files.exists(work.resolve("delta/credit/splits")), "nothing split");
  }

  @Test
  void aThreeClassLabelDeclaredSoIsTrainedAsThreeClassesAndGatedOnEachClassesTestRows()
      throws IOException {
    Path work = Files.createDirectories(temp.resolve("multiclass"));
    Path file = work.resolve("applications.csv");
    Files.write(file, utf8(withRows(IntStream.range(0, 30), column("defaulted"), cell -> "2")));
    Path conf = ConfCopies.copy(work.resolve("conf"));
    ConfCopies.edit(
        conf,
        "datasets/credit.conf",
        text ->
            text.replace("  positive-share { min = 0.05, max = 0.6 }\n", "  task = multiclass\n")
                .replace(
                    "role = label, completeness = 1.0, allowed = [\"0\", \"1\"]",
                    "role = label, completeness = 1.0, allowed = [\"0\", \"1\", \"2\"]"));
    java.util.function.Function<String, Cli.Outcome> command =
        name -> {
          List<String> args =
              JobArgs.of(name, work, MlflowTestServer.shared().uri(), "--input", file.toString());
          args.set(args.indexOf("--conf-dir") + 1, conf.toString());
          if (!name.equals("ingest") && !name.equals("run")) {
            args.subList(args.size() - 2, args.size()).clear();
          }
          // One trial is enough to reach the gates.
          args.addAll(List.of("--set", "train.search.max-trials=1"));
          return Cli.execute(args.toArray(String[]::new));
        };

    // Monitoring refuses it before reading anything: it judges one positive probability so far.
    Case monitor = new Case(work, command.apply("monitor"));
    refused(monitor, "dataset.task = multiclass: `monitor` handles [binary] labels so far");

    // `run` trains a three-class model, and the gates see the third class's 5 test rows as too
    // few to judge: exit 3, one line naming the gate, nothing registered.
    Case run = new Case(work, command.apply("run"));
    assertEquals(3, run.outcome().exitCode(), run.outcome().stderr());
    String line = run.errorLine();
    assertTrue(
        line.contains(
            "min_test_class_rows (the test split holds 5 rows of its rarest class, 2,"
                + " needs >= 10"),
        line);
    assertFalse(
        MlflowTestServer.shared()
            .modelVersions("batchmlops-credit")
            .toString()
            .contains("multiclass"),
        "no three-class version registered");
    assertEquals(
        1,
        MlflowTestServer.shared()
            .searchRuns(
                "batchmlops-credit",
                "attributes.run_name = 'train' and params.task = 'multiclass'"
                    + " and params.classes = '0,1,2'")
            .size(),
        "one search, of the three classes");
  }
}
