package dev.batchmlops.score;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.PipelineException;
import dev.batchmlops.config.AnomalyRule;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.ingest.RawBatch;
import dev.batchmlops.ingest.RecordParser;
import dev.batchmlops.ingest.SourceReader;
import dev.batchmlops.support.TestConfigs;
import dev.batchmlops.support.TestSpark;
import dev.batchmlops.table.HadoopFiles;
import dev.batchmlops.validate.ContractValidator;
import dev.batchmlops.validate.MetricsHistory;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading and checking a batch to score: the label may be missing, every other rule holds. */
class BatchLandingTest {
  private final SparkSession spark = TestSpark.session();
  @TempDir Path temp;

  private DatasetContract contract() {
    return TestConfigs.load(temp, "http://127.0.0.1:9", Map.of()).dataset();
  }

  private Path csv(String name, Dataset<Row> rows) {
    Path target = temp.resolve(name);
    rows.coalesce(1)
        .write()
        .option("header", "true")
        .mode(SaveMode.Overwrite)
        .csv(target.toString());
    return target;
  }

  @Test
  void aBatchWithoutTheLabelIsReadForScoringButNotForIngest() {
    DatasetContract contract = contract();
    Path file =
        csv("unlabelled.csv", CreditDataGenerator.generate(spark, 200, 7).drop("defaulted"));
    HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());

    SourceReader scoring = SourceReader.forScoring(spark, files, contract);
    RawBatch batch =
        scoring.readFile(
            file.toString(),
            dev.batchmlops.config.StageConfigs.SourceFormat.CSV,
            TestConfigs.load(temp, "http://127.0.0.1:9", Map.of()).ingest().source().csv());
    Dataset<Row> parsed = RecordParser.parse(batch.text(), contract.forScoring());
    assertEquals(200, parsed.where(col(RecordParser.REASON).isNull()).count(), "none quarantined");
    assertEquals(200, parsed.where(col("defaulted").isNull()).count(), "the label is null");

    PipelineException refused =
        assertThrows(
            PipelineException.class,
            () ->
                new SourceReader(spark, files, contract)
                    .readFile(
                        file.toString(),
                        dev.batchmlops.config.StageConfigs.SourceFormat.CSV,
                        TestConfigs.load(temp, "http://127.0.0.1:9", Map.of())
                            .ingest()
                            .source()
                            .csv()));
    assertTrue(
        refused
            .getMessage()
            .startsWith("ingest: " + file + " lacks the contract's column(s) [defaulted]"),
        refused.getMessage());
  }

  @Test
  void theScoringContractKeepsTheFeaturesAnomalyRulesButNotTheRowCount() {
    DatasetContract contract = contract();
    assertTrue(
        contract.anomalies().stream().anyMatch(a -> a.metric() == AnomalyRule.Metric.SIZE),
        "the training table's growth is watched");
    assertEquals(
        contract.anomalies().stream()
            .filter(a -> a.metric() != AnomalyRule.Metric.SIZE)
            .filter(a -> !a.column().equals(java.util.Optional.of(contract.label())))
            .toList(),
        contract.forScoring().anomalies());
    assertFalse(contract.forScoring().anomalies().isEmpty(), "income's completeness still is");
  }

  @Test
  void theScoringContractLetsTheLabelBeEmptyAndStillJudgesTheFeatures() {
    DatasetContract contract = contract();
    Dataset<Row> unlabelled =
        CreditDataGenerator.generate(spark, 300, 8)
            .withColumn(
                "defaulted", lit(null).cast(contract.column("defaulted").type().sparkType()));

    assertFalse(
        ContractValidator.validate(unlabelled, contract, MetricsHistory.inMemory("t"), "training")
            .report()
            .passed(),
        "a training table must have its labels");
    assertTrue(
        ContractValidator.validate(
                unlabelled, contract.forScoring(), MetricsHistory.inMemory("s"), "scoring")
            .report()
            .passed(),
        "a batch to score need not");

    Dataset<Row> tooYoung = unlabelled.withColumn("age", lit(12));
    var outcome =
        ContractValidator.validate(
            tooYoung, contract.forScoring(), MetricsHistory.inMemory("s"), "scoring");
    assertFalse(outcome.report().passed());
    assertTrue(outcome.report().summary().contains("age"), outcome.report().summary());
  }
}
