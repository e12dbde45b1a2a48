package dev.batchmlops.ingest;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.PipelineException;
import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.config.StageConfigs.SourceFormat;
import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.support.ConfCopies;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.ProjectPaths;
import dev.batchmlops.support.TestConfigs;
import dev.batchmlops.support.TestSpark;
import dev.batchmlops.table.TableVersion;
import dev.batchmlops.tracking.MlflowTracker;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ingestion on real temporary Delta tables, tracked on the test MLflow server. */
class IngestStageTest {
  private final SparkSession spark = TestSpark.session();
  @TempDir Path temp;

  private PipelineContext open(Path confDir, Map<String, String> settings) {
    Map<String, String> overrides = new LinkedHashMap<>();
    overrides.putAll(settings);
    PipelineConfig config =
        TestConfigs.load(confDir, temp, MlflowTestServer.shared().uri(), overrides);
    return PipelineContext.open(config, spark, new MlflowTracker(config.tracking()), true);
  }

  private PipelineContext open(Map<String, String> settings) {
    return open(ProjectPaths.confDir(), settings);
  }

  private IngestStage.Result ingest(PipelineContext context, Path input) {
    return IngestStage.run(context, Optional.of(input.toString()));
  }

  /** Writes generated applications as one file of the format, optionally altered first. */
  private Path write(
      String name, String format, long rows, long seed, Map<String, String> options) {
    Path target = temp.resolve("sources").resolve(name);
    var writer =
        CreditDataGenerator.generate(spark, rows, seed)
            .coalesce(1)
            .write()
            .mode(SaveMode.Overwrite);
    options.forEach(writer::option);
    writer.format(format).save(target.toString());
    return target;
  }

  private Path csv(String name, long rows, long seed) {
    return write(name, "csv", rows, seed, Map.of("header", "true"));
  }

  private String raw() {
    return temp.resolve("delta/credit/raw").toString();
  }

  @Test
  void eachSourceFormatLandsAsOneCommitWithItsFacts() {
    PipelineContext context = open(Map.of());
    Path parquet = write("batch.parquet", "parquet", 300, 1, Map.of());
    IngestStage.Result result = ingest(context, parquet);
    assertTrue(result.written());
    assertEquals(new TableVersion(raw(), 0), result.table());
    assertEquals(300, context.tables().read(result.table()).count());
    Map<String, String> metadata = context.tables().history(raw()).get(0).metadata();
    assertEquals("ingest", metadata.get("operation"));
    assertEquals(parquet.toString(), metadata.get("source"));
    assertEquals("parquet", metadata.get("source_format"));
    assertEquals(context.files().sha256(parquet.toString()), metadata.get("source_checksum"));
    assertEquals("300", metadata.get("rows_read"));
    assertEquals("300", metadata.get("rows_accepted"));
    assertEquals("0", metadata.get("rows_quarantined"));
    assertEquals(context.parentRun().runId(), metadata.get("pipeline_run_id"));
    assertEquals(16, metadata.get("schema_fingerprint").length());
    assertEquals(
        result.table(), context.state().raw(), "the state pins the version for later stages");

    Path json = write("batch.jsonl", "json", 200, 2, Map.of());
    assertEquals(200, context.tables().read(ingest(open(Map.of()), json).table()).count());

    Path semicolons = write("batch.csv", "csv", 100, 3, Map.of("header", "true", "sep", ";"));
    IngestStage.Result fromCsv =
        ingest(open(Map.of("ingest.source.csv.delimiter", ";")), semicolons);
    assertEquals(2, fromCsv.table().version());
    assertEquals(100, context.tables().read(fromCsv.table()).count());
    assertEquals(
        CreditDataGenerator.generate(spark, 100, 3).collectAsList(),
        context.tables().read(fromCsv.table()).orderBy("application_id").collectAsList(),
        "every value survives the text round trip");
  }

  @Test
  void theSameContentIsWrittenOnceAndOldVersionsStayReadable() {
    Path first = csv("first.csv", 400, 1);
    Path second = csv("second.csv", 250, 2);
    PipelineContext context = open(Map.of("ingest.mode", "append"));
    assertTrue(ingest(context, first).written());
    IngestStage.Result again = ingest(open(Map.of("ingest.mode", "append")), first);
    assertFalse(again.written());
    assertEquals(0, again.table().version());
    IngestStage.Result appended = ingest(open(Map.of("ingest.mode", "append")), second);
    assertEquals(1, appended.table().version());
    assertEquals(650, context.tables().read(appended.table()).count());
    assertFalse(
        ingest(open(Map.of("ingest.mode", "append")), first).written(), "any earlier batch counts");

    IngestStage.Result snapshot = ingest(open(Map.of("ingest.mode", "snapshot")), second);
    assertTrue(snapshot.written(), "a snapshot of other content than the current one is new");
    assertEquals(250, context.tables().read(snapshot.table()).count());
    assertFalse(ingest(open(Map.of("ingest.mode", "snapshot")), second).written());
    assertEquals(2, context.tables().latestVersion(raw()));
    assertEquals(
        400, context.tables().read(new TableVersion(raw(), 0)).count(), "time travel to v0");
    assertEquals(
        650, context.tables().read(new TableVersion(raw(), 1)).count(), "time travel to v1");
  }

  @Test
  void rowsThatDoNotFitAreQuarantinedWithTheirReason() throws IOException {
    Path source = temp.resolve("sources/mixed.csv");
    Files.createDirectories(source.getParent());
    List<String> lines = Files.readAllLines(csvFile(csv("clean.csv", 200, 1)));
    lines.set(1, lines.get(1).replaceFirst("^(APP-\\d+,[^,]*,)\\d+,", "$1forty,"));
    lines.set(2, lines.get(2).replaceFirst("^APP-\\d+,", ","));
    lines.set(3, lines.get(3) + ",surplus,fields");
    Files.write(source, lines);
    PipelineContext context = open(Map.of());
    IngestStage.Result result = ingest(context, source);
    assertEquals(200, result.rowsRead());
    assertEquals(197, result.rowsAccepted());
    assertEquals(3, result.rowsQuarantined());
    assertEquals(197, context.tables().read(result.table()).count());
    List<Row> quarantined =
        spark
            .read()
            .format("delta")
            .load(temp.resolve("delta/credit/quarantine").toString())
            .collectAsList();
    assertEquals(3, quarantined.size());
    List<String> reasons = quarantined.stream().map(r -> r.<String>getAs("reason")).toList();
    assertTrue(reasons.contains("column 'age': 'forty' is not an integer"), reasons.toString());
    assertTrue(
        reasons.contains("column 'application_id': required value missing"), reasons.toString());
    assertTrue(
        reasons.stream().anyMatch(r -> r.startsWith("malformed record")), reasons.toString());
    assertTrue(
        quarantined.stream().allMatch(r -> r.<String>getAs("source").equals(source.toString())));
    assertTrue(
        quarantined.stream().anyMatch(r -> r.<String>getAs("raw_record").contains("forty")),
        "the raw record is kept");
  }

  @Test
  void tooManyBadRowsFailTheIngestAndLeaveTheTableAsItWas() throws IOException {
    PipelineContext context = open(Map.of());
    ingest(context, csv("good.csv", 200, 1));
    Path source = temp.resolve("sources/bad.csv");
    List<String> lines = Files.readAllLines(csvFile(csv("clean.csv", 200, 2)));
    for (int i = 1; i <= 20; i++) {
      lines.set(i, lines.get(i).replaceFirst("^(APP-\\d+,)[^,]*,", "$1not-a-date,"));
    }
    Files.write(source, lines);
    PipelineException error =
        assertThrows(PipelineException.class, () -> ingest(open(Map.of()), source));
    assertTrue(error.getMessage().contains("20 of 200 rows"), error.getMessage());
    assertTrue(error.getMessage().contains("'not-a-date' is not a date"), error.getMessage());
    assertEquals(0, context.tables().latestVersion(raw()), "no new raw version");
    assertEquals(
        20,
        spark
            .read()
            .format("delta")
            .load(temp.resolve("delta/credit/quarantine").toString())
            .count(),
        "the rows are kept for inspection");
  }

  @Test
  void schemaChangesAreAcceptedOnlyWhenAdditiveAndAllowed() {
    Path source = write("narrow.parquet", "parquet", 150, 1, Map.of());
    Dataset<Row> wide = spark.read().parquet(source.toString()).withColumn("channel", lit("web"));
    Path widened = temp.resolve("sources/widened.parquet");
    wide.write().parquet(widened.toString());
    PipelineContext first = open(Map.of());
    ingest(first, source);

    Path conf =
        ConfCopies.withCreditContract(
            temp.resolve("conf"),
            "{ name = \"defaulted\"",
            "{ name = \"channel\", type = string, role = other }\n    { name = \"defaulted\"");
    PipelineException refused =
        assertThrows(PipelineException.class, () -> ingest(open(conf, Map.of()), widened));
    assertTrue(
        refused.getMessage().contains("[channel]")
            && refused.getMessage().contains("ingest.allow-new-columns"),
        refused.getMessage());
    assertEquals(0, first.tables().latestVersion(raw()));

    IngestStage.Result added =
        ingest(open(conf, Map.of("ingest.allow-new-columns", "true")), widened);
    assertEquals(1, added.table().version());
    assertTrue(List.of(first.tables().read(added.table()).columns()).contains("channel"));
    assertFalse(
        List.of(first.tables().read(new TableVersion(raw(), 0)).columns()).contains("channel"));

    Path retyped = ConfCopies.copy(temp.resolve("conf-retyped"));
    ConfCopies.edit(
        retyped,
        "datasets/credit.conf",
        text ->
            text.replace("{ name = \"age\", type = integer", "{ name = \"age\", type = string"));
    PipelineException incompatible =
        assertThrows(PipelineException.class, () -> ingest(open(retyped, Map.of()), source));
    assertTrue(
        incompatible.getMessage().contains("age is int in the table but string in the contract"),
        incompatible.getMessage());
  }

  @Test
  void unreadableOrWrongSourcesAreNamed() {
    PipelineContext context = open(Map.of());
    Path missing = temp.resolve("nowhere.csv");
    PipelineException absent =
        assertThrows(PipelineException.class, () -> ingest(context, missing));
    assertEquals(
        "ingest: input path " + missing + " does not exist or cannot be read", absent.getMessage());
    Path narrow = temp.resolve("sources/lacking.parquet");
    CreditDataGenerator.generate(spark, 10, 1).drop("income").write().parquet(narrow.toString());
    PipelineException lacking =
        assertThrows(PipelineException.class, () -> ingest(context, narrow));
    assertTrue(
        lacking.getMessage().contains("lacks the contract's column(s) [income]"),
        lacking.getMessage());
    assertFalse(DeltaTable.isDeltaTable(spark, raw()));
  }

  @Test
  void anInputThatChangesOrDisappearsWhileItIsReadIsRefusedAndNothingIsWritten()
      throws IOException {
    PipelineContext context = open(Map.of());
    var contract = context.config().dataset();
    var csvSettings = context.config().ingest().source().csv();
    SourceReader reader = new SourceReader(spark, context.files(), contract);
    Path source = csv("arriving", 200, 3);
    Path part = csvFile(source);
    String runId = context.parentRun().runId();

    // Its checksum is taken; then more rows arrive before the rows are read (by a tool that keeps
    // no Hadoop checksum file beside it, as most do: the read itself succeeds).
    Files.delete(part.resolveSibling("." + part.getFileName() + ".crc"));
    RawBatch growing = reader.readFile(source.toString(), SourceFormat.CSV, csvSettings);
    List<String> lines = Files.readAllLines(part);
    Files.writeString(part, lines.get(lines.size() - 1) + "\n", StandardOpenOption.APPEND);
    PipelineException grown =
        assertThrows(
            PipelineException.class, () -> Screened.screen(context, growing, contract, runId));
    assertEquals(
        "input "
            + source
            + " changed while it was read (files were added, removed or rewritten): nothing was"
            + " written; run again once the input is complete",
        grown.getMessage());

    // Listed, then gone before its rows are read.
    RawBatch vanishing = reader.readFile(source.toString(), SourceFormat.CSV, csvSettings);
    Files.delete(part);
    PipelineException gone =
        assertThrows(
            PipelineException.class, () -> Screened.screen(context, vanishing, contract, runId));
    assertTrue(
        gone.getMessage().startsWith("input " + source + " changed while it was read ("),
        gone.getMessage());
    assertFalse(DeltaTable.isDeltaTable(spark, raw()));
    assertFalse(Files.exists(temp.resolve("delta/credit/quarantine")));
  }

  private static Path csvFile(Path folder) throws IOException {
    try (var files = Files.list(folder)) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(".csv"))
          .findFirst()
          .orElseThrow();
    }
  }
}
