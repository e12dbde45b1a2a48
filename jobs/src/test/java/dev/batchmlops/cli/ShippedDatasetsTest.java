package dev.batchmlops.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.support.Cli;
import dev.batchmlops.support.JobArgs;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.ProjectPaths;
import dev.batchmlops.support.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The real datasets of each task that ship in {@code data/}, with their reviewed contracts in
 * {@code conf/datasets/}: ingested and validated through the command line as a user runs them.
 */
class ShippedDatasetsTest {
  @TempDir Path temp;

  private Cli.Outcome command(Path work, String dataset, String command, String... extra) {
    List<String> args =
        JobArgs.of(command, work, MlflowTestServer.shared().uri(), "--dataset", dataset);
    args.addAll(List.of(extra));
    return Cli.execute(args.toArray(String[]::new));
  }

  @ParameterizedTest
  @CsvSource({
    "penguins, penguins/penguins.csv, 344, multiclass, 0",
    // 19 machines repeat another's vendor, hardware and performance: other models, whose names
    // Weka's file leaves out (a warning, which the data's README explains).
    "computer-hardware, computer-hardware/machines.csv, 209, regression, 1"
  })
  void eachTasksDatasetPassesItsContract(
      String dataset, String file, long rows, String task, int warnings) throws Exception {
    Path work = Files.createDirectories(temp.resolve(dataset));
    String input = ProjectPaths.root().resolve("data").resolve(file).toString();
    Cli.Outcome ingested = command(work, dataset, "ingest", "--input", input);
    assertEquals(0, ingested.exitCode(), ingested.stderr());
    assertEquals(
        rows,
        TestSpark.session()
            .read()
            .format("delta")
            .load(work.resolve("delta/" + dataset + "/raw").toString())
            .count(),
        "every row ingested, none quarantined");
    Cli.Outcome validated = command(work, dataset, "validate");
    assertEquals(0, validated.exitCode(), validated.stdout() + validated.stderr());
    assertTrue(
        validated.stdout().contains(" checks, 0 errors, " + warnings + " warnings"),
        validated.stdout());

    Cli.Outcome split = command(work, dataset, "split");
    assertEquals(1, split.exitCode(), split.stderr());
    assertEquals(
        List.of(
            "batchmlops: error: dataset.task = "
                + task
                + ": `split` handles [binary] labels so far; ingest and validate handle every task"),
        split.errorLines());
  }
}
