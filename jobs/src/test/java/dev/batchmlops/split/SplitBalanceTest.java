package dev.batchmlops.split;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.quality.QualityReport;
import dev.batchmlops.support.SkewedCredit;
import dev.batchmlops.support.TestConfigs;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Balance, time cutoffs and fingerprints of splits, on generated data. */
class SplitBalanceTest {
  private static final StageConfigs.Ratios RATIOS = new StageConfigs.Ratios(0.7, 0.15, 0.15);
  private static final DatasetContract CONTRACT =
      TestConfigs.load(Path.of("unused"), "http://127.0.0.1:1", Map.of()).dataset();

  /** 30,000 applications of which 5% default: a skewed label with enough rows to stratify. */
  private static final Dataset<Row> SKEWED = SkewedCredit.generate(30000).cache();

  private static QualityReport balance(Dataset<Row> assigned, List<String> stratifyBy) {
    return new QualityReport(
        "test", SplitBalance.check(assigned, CONTRACT, stratifyBy, 0.01, 10).findings());
  }

  @Test
  void aFivePercentClassKeepsItsShareInEverySplitAndEverySegment() {
    Dataset<Row> assigned = HashSplitter.assign(SKEWED, "application_id", 42, RATIOS);
    SplitBalance.Result result =
        SplitBalance.check(assigned, CONTRACT, List.of("sex", "region"), 0.01, 10);
    QualityReport report = new QualityReport("skewed", result.findings());
    assertTrue(report.passed(), report.summary());
    double whole = 0.05;
    for (String split : Splits.ALL) {
      assertEquals(whole, result.metrics().get(split + "_positive_share"), 0.01, split);
    }
    assertEquals(
        30000.0, Splits.ALL.stream().mapToDouble(s -> result.metrics().get(s + "_rows")).sum());
    assertNotNull(result.metrics().get("test_positive_share.region.north"));
    assertNotNull(result.metrics().get("validation_share.sex.female"));
  }

  @Test
  void anAssignmentThatDependsOnTheLabelIsRefused() {
    // Every defaulter in test: the split is not representative, whatever the sizes.
    Dataset<Row> biased =
        HashSplitter.assign(SKEWED, "application_id", 42, RATIOS)
            .withColumn("split", when(col("defaulted").equalTo(1), "test").otherwise(col("split")));
    QualityReport report = balance(biased, List.of());
    assertFalse(report.passed());
    assertTrue(
        report.errors().stream().anyMatch(f -> f.subject().equals("test: all rows")),
        report.summary());
  }

  @Test
  void anEmptySplitAndRowsWithoutASplitAreErrorsAndATinyClassAWarning() {
    Dataset<Row> small = SKEWED.limit(200);
    Dataset<Row> noTest =
        HashSplitter.assign(small, "application_id", 42, RATIOS)
            .withColumn(
                "split", when(col("split").equalTo("test"), "validation").otherwise(col("split")));
    QualityReport empty = balance(noTest, List.of());
    assertTrue(
        empty.errors().stream()
            .anyMatch(f -> f.subject().equals("test") && f.message().startsWith("0 of 200")),
        empty.summary());

    QualityReport unassigned =
        balance(
            HashSplitter.assign(small, "application_id", 42, RATIOS)
                .withColumn("split", lit(null).cast("string")),
            List.of());
    assertTrue(unassigned.summary().contains("200 rows have no split"), unassigned.summary());

    // About 10 defaulters in 200 rows: 1 or 2 expected in validation, too few to stratify.
    QualityReport tiny =
        balance(HashSplitter.assign(small, "application_id", 42, RATIOS), List.of());
    assertTrue(tiny.passed(), tiny.summary());
    assertTrue(
        tiny.warnings().stream().anyMatch(f -> f.message().contains("too small to stratify")),
        tiny.summary());
  }

  @Test
  void rowsOfOneEntityShareASplit() {
    Dataset<Row> withCustomers =
        SKEWED
            .limit(3000)
            .withColumn(
                "customer_id",
                concat(
                    lit("C-"),
                    (regexp_extract(col("application_id"), "(\\d+)", 1).cast("long").divide(3))
                        .cast("long")
                        .cast("string")));
    long straddling =
        HashSplitter.assign(withCustomers, "customer_id", 42, RATIOS)
            .groupBy("customer_id")
            .agg(countDistinct("split").as("splits"))
            .where(col("splits").gt(1))
            .count();
    assertEquals(0, straddling);
  }

  @Test
  void timeSplitCutsAtTheRatiosAndTrainsOnThePast() {
    TimeSplitter.Cutoffs cutoffs = TimeSplitter.cutoffs(SKEWED, "application_date", RATIOS);
    assertTrue(cutoffs.validationFrom().isBefore(cutoffs.testFrom()), cutoffs.toString());
    Dataset<Row> assigned = TimeSplitter.assign(SKEWED, "application_date", cutoffs);
    Row latestTrain =
        assigned.where(col("split").equalTo("train")).agg(max("application_date")).first();
    Row earliestTest =
        assigned.where(col("split").equalTo("test")).agg(min("application_date")).first();
    assertTrue(latestTrain.getDate(0).toLocalDate().isBefore(cutoffs.validationFrom()));
    assertFalse(earliestTest.getDate(0).toLocalDate().isBefore(cutoffs.testFrom()));
    SplitBalance.Result result = SplitBalance.check(assigned, CONTRACT, List.of(), 0.01, 10);
    assertEquals(0.70, result.metrics().get("train_rows") / 30000, 0.01);
    assertEquals(0.15, result.metrics().get("test_rows") / 30000, 0.01);

    TimeSplitter.Cutoffs fixed =
        new TimeSplitter.Cutoffs(LocalDate.parse("2025-01-01"), LocalDate.parse("2025-07-01"));
    long trainAfter =
        TimeSplitter.assign(SKEWED, "application_date", fixed)
            .where(col("split").equalTo("train").and(col("application_date").geq("2025-01-01")))
            .count();
    assertEquals(0, trainAfter);
  }

  @Test
  void theFingerprintIgnoresRowOrderAndPartitioningButNotTheAssignment() {
    Dataset<Row> assigned = HashSplitter.assign(SKEWED.limit(5000), "application_id", 42, RATIOS);
    String reference = SplitFingerprint.of(assigned.coalesce(1), "application_id");
    assertEquals(reference, SplitFingerprint.of(assigned.repartition(7), "application_id"));
    assertEquals(
        reference, SplitFingerprint.of(assigned.orderBy(col("income").desc()), "application_id"));
    Dataset<Row> otherSeed = HashSplitter.assign(SKEWED.limit(5000), "application_id", 7, RATIOS);
    assertNotEquals(reference, SplitFingerprint.of(otherSeed, "application_id"));
  }
}
