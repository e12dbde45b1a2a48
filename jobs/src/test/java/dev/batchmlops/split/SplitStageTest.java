package dev.batchmlops.split;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.config.ConfigException;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.generate.GenerateStage;
import dev.batchmlops.ingest.IngestStage;
import dev.batchmlops.leakage.LeakageStage;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.quality.QualityReport;
import dev.batchmlops.support.ConfCopies;
import dev.batchmlops.support.TestConfigs;
import dev.batchmlops.support.TestContexts;
import dev.batchmlops.support.TestSpark;
import dev.batchmlops.table.TableVersion;
import dev.batchmlops.validate.ValidateStage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
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

    SplitStage.Result stratified = SplitStage.run(context);
    Map<String, String> commit = metadata(context, stratified.table());
    assertEquals("stratified", commit.get("method"), "the default for labelled data");
    assertEquals("application_id", commit.get("key"));
    assertEquals("0.7/0.15/0.15", commit.get("ratios"));
    assertEquals("42", commit.get("seed"));
    assertEquals("sex,region", commit.get("stratify_by"));
    assertEquals("any-positive", commit.get("entity_label"));
    assertEquals("first split", commit.get("basis"));
    assertEquals("1500", commit.get("units_allocated"));
    assertFalse(commit.containsKey(SplitExtension.EXTENDS));
    assertTrue(commit.get("source").endsWith("/delta/credit/raw@v0"), commit.get("source"));
    assertEquals(
        SplitFingerprint.of(context.tables().read(stratified.table()), "application_id"),
        commit.get("fingerprint"),
        "the recorded fingerprint is the table's");
    assertTrue(stratified.report().passed(), stratified.report().summary());

    // The same validated raw version, split again by time.
    PipelineContext byTime =
        TestContexts.open(temp, Map.of("generate.rows", "1500", "split.method", "time"));
    TableVersion timed = SplitStage.run(byTime).table();
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

    // Back to stratified after a split by time: other settings, so made afresh, and the same.
    SplitStage.Result again = SplitStage.run(TestContexts.open(temp, Map.of()));
    Map<String, String> redone = metadata(context, again.table());
    assertTrue(
        redone.get("basis").contains("other settings: method was time, now stratified"),
        redone.toString());
    assertEquals(commit.get("fingerprint"), redone.get("fingerprint"));
  }

  /**
   * Appending a batch to the raw table keeps every earlier row's split and balances the new rows
   * among themselves; a snapshot that replaces the content is split afresh.
   */
  @Test
  void anAppendedBatchNeverMovesAnEarlierRowAndASnapshotIsSplitAfresh() throws Exception {
    Path first = batch("first", 0, 1200, 1);
    Path second = batch("second", 5000, 600, 2);
    Map<String, String> append = Map.of("ingest.mode", "append");
    PipelineContext context = TestContexts.open(temp, append);
    IngestStage.run(context, Optional.of(first.toString()));
    ValidateStage.run(context);
    TableVersion before = SplitStage.run(context).table();

    PipelineContext grown = TestContexts.open(temp, append);
    IngestStage.run(grown, Optional.of(second.toString()));
    ValidateStage.run(grown);
    SplitStage.Result extended = SplitStage.run(grown);
    Map<String, String> commit = metadata(grown, extended.table());
    assertEquals(before.toString(), commit.get(SplitExtension.EXTENDS), commit.toString());
    assertEquals("1200", commit.get("units_kept"));
    assertEquals("600", commit.get("units_allocated"));
    assertTrue(extended.report().passed(), extended.report().summary());

    Dataset<Row> earlier = grown.tables().read(before).select("application_id", "split");
    Dataset<Row> after = grown.tables().read(extended.table()).select("application_id", "split");
    assertEquals(1800, after.count());
    assertEquals(0, earlier.except(after).count(), "every earlier row keeps its split");
    // The new batch on its own: each stratum's share of each split within one row.
    Dataset<Row> newRows =
        grown.tables().read(extended.table()).where(col("application_id").geq("APP-00005000"));
    StratifiedSplitterTest.assertWithinOneRowPerStratum(
        newRows, List.of("sex", "region"), new StageConfigs.Ratios(0.7, 0.15, 0.15));

    // A re-run on the same raw version gives the same split.
    SplitStage.Result rerun = SplitStage.run(TestContexts.open(temp, append));
    assertEquals(
        commit.get("fingerprint"), metadata(grown, rerun.table()).get("fingerprint"), "re-run");

    // More rows than before, so the validation's size anomaly rule stays quiet.
    Path third = batch("third", 10000, 1900, 3);
    PipelineContext replaced = TestContexts.open(temp, Map.of("ingest.mode", "snapshot"));
    IngestStage.run(replaced, Optional.of(third.toString()));
    ValidateStage.run(replaced);
    Map<String, String> fresh = metadata(replaced, SplitStage.run(replaced).table());
    assertFalse(fresh.containsKey(SplitExtension.EXTENDS), fresh.toString());
    assertTrue(fresh.get("basis").contains("(snapshot) changed rows"), fresh.get("basis"));
    assertEquals("1900", fresh.get("units_allocated"));
  }

  /** A CSV batch of generated applications whose ids start at {@code firstId}. */
  private Path batch(String name, long firstId, long rows, long seed) {
    Path file = temp.resolve("landing/" + name + ".csv");
    CreditDataGenerator.generate(TestSpark.session(), rows, seed)
        .withColumn(
            "application_id",
            format_string(
                "APP-%08d",
                regexp_extract(col("application_id"), "(\\d+)", 1).cast("long").plus(firstId)))
        .coalesce(1)
        .write()
        .mode(SaveMode.Overwrite)
        .option("header", "true")
        .csv(file.toString());
    return file;
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
