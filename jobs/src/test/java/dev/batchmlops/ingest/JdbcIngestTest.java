package dev.batchmlops.ingest;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.PipelineException;
import dev.batchmlops.ServiceUnavailableException;
import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.PostgresTestServer;
import dev.batchmlops.support.TestConfigs;
import dev.batchmlops.support.TestSpark;
import dev.batchmlops.tracking.MlflowTracker;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ingestion from a real PostgreSQL table over JDBC, in full and incrementally. */
class JdbcIngestTest {
  private final SparkSession spark = TestSpark.session();
  private final PostgresTestServer postgres = PostgresTestServer.shared();
  @TempDir Path temp;

  private final String table = "applications_" + UUID.randomUUID().toString().substring(0, 8);

  private void insert(Dataset<Row> rows) {
    Properties properties = new Properties();
    properties.put("user", PostgresTestServer.USER);
    rows.write().mode(SaveMode.Append).jdbc(postgres.jdbcUrl(), table, properties);
  }

  private PipelineContext open(Map<String, String> settings) {
    Map<String, String> overrides = new LinkedHashMap<>();
    overrides.put("ingest.source.format", "jdbc");
    overrides.put("ingest.source.jdbc.url", postgres.jdbcUrl());
    overrides.put("ingest.source.jdbc.user", PostgresTestServer.USER);
    overrides.putAll(settings);
    PipelineConfig config = TestConfigs.load(temp, MlflowTestServer.shared().uri(), overrides);
    return PipelineContext.open(config, spark, new MlflowTracker(config.tracking()), true);
  }

  @Test
  void incrementalLoadsTakeOnlyRowsPastTheWatermark() {
    Dataset<Row> all = CreditDataGenerator.generate(spark, 900, 11).cache();
    Dataset<Row> early = all.where(col("application_date").lt("2025-01-01"));
    Dataset<Row> late = all.where(col("application_date").geq("2025-01-01"));
    long earlyRows = early.count();
    insert(early);
    Map<String, String> incremental =
        Map.of(
            "ingest.mode", "append",
            "ingest.source.jdbc.table", table,
            "ingest.source.jdbc.watermark-column", "application_date");

    PipelineContext context = open(incremental);
    IngestStage.Result first = IngestStage.run(context, Optional.empty());
    assertEquals(earlyRows, first.rowsAccepted());
    assertEquals(0, first.table().version());
    Map<String, String> metadata = context.tables().history(first.table().path()).get(0).metadata();
    assertEquals("jdbc", metadata.get("source_format"));
    assertEquals(
        early.agg(max("application_date")).first().getDate(0).toString(),
        metadata.get("watermark"));

    IngestStage.Result nothingNew = IngestStage.run(open(incremental), Optional.empty());
    assertFalse(nothingNew.written());
    assertEquals(0, nothingNew.table().version());

    insert(late);
    IngestStage.Result second = IngestStage.run(open(incremental), Optional.empty());
    assertEquals(900 - earlyRows, second.rowsRead(), "only the rows past the watermark");
    assertEquals(1, second.table().version());
    Dataset<Row> landed = context.tables().read(second.table());
    assertEquals(900, landed.count());
    assertEquals(900, landed.select("application_id").distinct().count(), "no row twice");
    all.unpersist();
  }

  @Test
  void aQueryCanSelectWhatToIngestAndBadSettingsAreNamed() {
    insert(CreditDataGenerator.generate(spark, 300, 12));
    PipelineContext context =
        open(
            Map.of(
                "ingest.source.jdbc.query", "SELECT * FROM " + table + " WHERE region = 'north'"));
    IngestStage.Result result = IngestStage.run(context, Optional.empty());
    Dataset<Row> landed = context.tables().read(result.table());
    assertTrue(landed.count() > 0);
    assertEquals(landed.count(), landed.where(col("region").equalTo("north")).count());

    PipelineException missing =
        assertThrows(
            PipelineException.class,
            () ->
                IngestStage.run(
                    open(Map.of("ingest.source.jdbc.table", "no_such_table")), Optional.empty()));
    assertTrue(
        missing
            .getMessage()
            .startsWith("ingest: cannot read " + postgres.jdbcUrl() + " no_such_table"),
        missing.getMessage());
    assertFalse(
        missing instanceof ServiceUnavailableException, "a missing table is no reason to retry");
  }

  @Test
  void aDatabaseThatDoesNotAnswerIsATransientFailure() throws java.io.IOException {
    String silent = "jdbc:postgresql://127.0.0.1:" + MlflowTestServer.freePort() + "/postgres";
    PipelineException error =
        assertThrows(
            PipelineException.class,
            () ->
                IngestStage.run(
                    open(
                        Map.of(
                            "ingest.source.jdbc.url", silent, "ingest.source.jdbc.table", table)),
                    Optional.empty()));
    assertInstanceOf(ServiceUnavailableException.class, error, error.getMessage());
    assertTrue(error.getMessage().startsWith("ingest: cannot read " + silent), error.getMessage());
  }
}
