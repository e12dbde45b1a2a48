package dev.batchmlops.split;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.config.ConfigException;
import dev.batchmlops.generate.GenerateStage;
import dev.batchmlops.ingest.IngestStage;
import dev.batchmlops.leakage.LeakageStage;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.quality.QualityReport;
import dev.batchmlops.support.ConfCopies;
import dev.batchmlops.support.TestConfigs;
import dev.batchmlops.support.TestContexts;
import dev.batchmlops.table.TableVersion;
import dev.batchmlops.validate.ValidateStage;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The split stage on real Delta tables: what its commit records, and the time-based option. */
class SplitStageTest {
  @TempDir Path temp;

  private Map<String, String> metadata(PipelineContext context, TableVersion table) {
    return context.tables().history(table.path()).stream()
        .filter(commit -> commit.version() == table.version())
        .findFirst()
        .orElseThrow()
        .metadata();
  }

  @Test
  void eachSplitCommitRecordsHowItWasMadeAndTheTimeSplitPassesTheLeakageTimeCheck() {
    PipelineContext context = TestContexts.open(temp, Map.of("generate.rows", "1500"));
    GenerateStage.run(context);
    IngestStage.run(context, Optional.empty());
    ValidateStage.run(context);

    TableVersion hashed = SplitStage.run(context);
    Map<String, String> commit = metadata(context, hashed);
    assertEquals("hash", commit.get("method"));
    assertEquals("application_id", commit.get("key"));
    assertEquals("0.7/0.15/0.15", commit.get("ratios"));
    assertEquals("42", commit.get("seed"));
    assertEquals("sex,region", commit.get("stratify_by"));
    assertTrue(commit.get("source").endsWith("/delta/credit/raw@v0"), commit.get("source"));
    assertEquals(
        SplitFingerprint.of(context.tables().read(hashed), "application_id"),
        commit.get("fingerprint"),
        "the recorded fingerprint is the table's");

    // The same validated raw version, split again by time.
    PipelineContext byTime =
        TestContexts.open(temp, Map.of("generate.rows", "1500", "split.method", "time"));
    TableVersion timed = SplitStage.run(byTime);
    Map<String, String> cut = metadata(byTime, timed);
    assertEquals(1, timed.version());
    assertEquals("time", cut.get("method"));
    assertEquals("application_date", cut.get("event_time_column"));
    assertTrue(cut.get("validation_from").compareTo(cut.get("test_from")) < 0, cut.toString());
    assertNotEquals(commit.get("fingerprint"), cut.get("fingerprint"));

    QualityReport leakage = LeakageStage.run(byTime);
    assertTrue(leakage.passed(), leakage.summary());
    assertTrue(
        leakage.findings().stream()
            .anyMatch(
                f ->
                    f.subject().equals("test")
                        && f.check().equals("application_date from " + cut.get("test_from"))
                        && f.passed()),
        leakage.findings().toString());
  }

  @Test
  void splitSettingsThatCannotWorkAreNamed() {
    ConfigException key =
        assertThrows(
            ConfigException.class,
            () -> TestConfigs.load(temp, "http://127.0.0.1:1", Map.of("split.key", "customer_id")));
    assertTrue(key.getMessage().contains("split.key") && key.getMessage().contains("customer_id"));
    Path conf =
        ConfCopies.withCreditContract(
            temp.resolve("conf"),
            "split.stratify-by = [\"sex\", \"region\"]",
            "split.stratify-by = [housing]");
    ConfigException stratify =
        assertThrows(
            ConfigException.class,
            () -> TestConfigs.load(conf, temp, "http://127.0.0.1:1", Map.of()));
    assertTrue(stratify.getMessage().contains("split.stratify-by"), stratify.getMessage());
    ConfigException ratios =
        assertThrows(
            ConfigException.class,
            () -> TestConfigs.load(temp, "http://127.0.0.1:1", Map.of("split.test", "0.3")));
    assertTrue(ratios.getMessage().contains("sum to 1"), ratios.getMessage());
    ConfigException cutoff =
        assertThrows(
            ConfigException.class,
            () ->
                TestConfigs.load(
                    temp,
                    "http://127.0.0.1:1",
                    Map.of("split.time.validation-from", "2025-13-01")));
    assertTrue(cutoff.getMessage().contains("split.time.validation-from"), cutoff.getMessage());
  }
}
