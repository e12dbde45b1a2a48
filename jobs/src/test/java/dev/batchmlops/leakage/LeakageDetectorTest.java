package dev.batchmlops.leakage;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.Severity;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.quality.Finding;
import dev.batchmlops.split.HashSplitter;
import dev.batchmlops.support.ConfCopies;
import dev.batchmlops.support.TestConfigs;
import dev.batchmlops.support.TestSpark;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each leakage check on generated data with one planted defect, and on clean data. */
class LeakageDetectorTest {
  private static final StageConfigs.Ratios RATIOS = new StageConfigs.Ratios(0.7, 0.15, 0.15);
  private static final Dataset<Row> CLEAN =
      CreditDataGenerator.generate(TestSpark.session(), 2000, 42).cache();

  @TempDir Path temp;
  private int copies;

  private DatasetContract contract(String extraColumns) {
    return contract(extraColumns, "");
  }

  /** The credit contract with extra columns and dataset settings. */
  private DatasetContract contract(String extraColumns, String extraSettings) {
    Path conf = ConfCopies.copy(temp.resolve("conf-" + ++copies));
    ConfCopies.edit(
        conf,
        "datasets/credit.conf",
        text ->
            text.replace(
                "  columns = [\n", extraSettings + "\n  columns = [\n" + extraColumns + "\n"));
    return TestConfigs.load(conf, temp, "http://127.0.0.1:1", Map.of()).dataset();
  }

  private StageConfigs.Leakage settings() {
    return TestConfigs.load(temp, "http://127.0.0.1:1", Map.of()).leakage();
  }

  private static Dataset<Row> train(Dataset<Row> data) {
    return HashSplitter.assign(data, "application_id", 7, RATIOS)
        .where(col("split").equalTo("train"));
  }

  private static Finding finding(List<Finding> findings, String subject) {
    return findings.stream()
        .filter(f -> f.subject().equals(subject))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no finding for " + subject + " in " + findings));
  }

  /** A uniform number in [0, 1) from the id: noise that does not depend on partitioning. */
  private static Column noise() {
    return pmod(xxhash64(col("application_id")), lit(1000)).divide(1000.0);
  }

  @Test
  void honestFeaturesIdsAndRowOrderPass() {
    DatasetContract contract = contract("");
    Map<String, Double> aucs = new HashMap<>();
    List<Finding> findings =
        LeakageDetector.targetLeakage(train(CLEAN), contract, settings(), aucs);
    findings.addAll(LeakageDetector.identifierLeakage(CLEAN, contract, settings(), aucs));
    assertTrue(findings.stream().allMatch(Finding::passed), findings.toString());
    assertEquals(contract.features().size() + 2, aucs.size(), aucs.toString());
    assertTrue(aucs.values().stream().allMatch(auc -> auc >= 0.5 && auc < 0.8), aucs.toString());
    assertTrue(aucs.get("income") > 0.55, "income carries signal: " + aucs);
  }

  @Test
  void aFeatureThatEncodesTheLabelIsAnErrorAndAStrongOneAWarning() {
    DatasetContract contract =
        contract(
            "    { name = \"days_past_due\", type = double, role = feature }\n"
                + "    { name = \"bureau_hint\", type = double, role = feature }");
    Dataset<Row> leaky =
        CLEAN
            .withColumn("days_past_due", col("defaulted").multiply(30).plus(noise()))
            .withColumn("bureau_hint", col("defaulted").plus(noise().multiply(2.2)));
    Map<String, Double> aucs = new HashMap<>();
    List<Finding> findings =
        LeakageDetector.targetLeakage(train(leaky), contract, settings(), aucs);

    Finding leak = finding(findings, "days_past_due");
    assertFalse(leak.passed());
    assertEquals(Severity.ERROR, leak.severity());
    assertTrue(aucs.get("days_past_due") >= 0.95, leak.message());
    assertTrue(leak.message().endsWith("it encodes the label"), leak.message());
    Finding strong = finding(findings, "bureau_hint");
    assertEquals(Severity.WARNING, strong.severity(), strong.toString());
    assertFalse(strong.passed());
    assertEquals(0.85, aucs.get("bureau_hint"), 0.04);
    assertTrue(finding(findings, "income").passed());
  }

  @Test
  void aPostOutcomeColumnIsRefusedAsAFeatureButFineAsOther() {
    List<Finding> asFeature =
        LeakageDetector.postOutcomeFeatures(
            contract(
                "    { name = \"collections_status\", type = string, role = feature,"
                    + " known-after-outcome = true }"));
    assertEquals(1, asFeature.size());
    assertTrue(asFeature.get(0).isError(), asFeature.toString());
    assertTrue(asFeature.get(0).message().contains("role = other"));

    List<Finding> asOther =
        LeakageDetector.postOutcomeFeatures(
            contract(
                "    { name = \"collections_status\", type = string, role = other,"
                    + " known-after-outcome = true }"));
    assertTrue(asOther.get(0).passed(), asOther.toString());
  }

  @Test
  void idsNumberedByOutcomeAndRowsSortedByOutcomeAreErrors() {
    Dataset<Row> numberedByOutcome =
        CLEAN
            .withColumn(
                "application_id",
                format_string(
                    "APP-%08d",
                    row_number()
                        .over(Window.orderBy(col("defaulted").desc(), col("application_id")))))
            .orderBy(col("defaulted").desc(), col("application_id"));
    Map<String, Double> aucs = new HashMap<>();
    List<Finding> findings =
        LeakageDetector.identifierLeakage(numberedByOutcome, contract(""), settings(), aucs);
    assertTrue(finding(findings, "application_id").isError(), findings.toString());
    assertTrue(finding(findings, LeakageDetector.ROW_ORDER).isError(), findings.toString());
  }

  @Test
  void heldOutRowsIdenticalToTrainingRowsAreCaught() {
    Dataset<Row> assigned = HashSplitter.assign(CLEAN, "application_id", 7, RATIOS);
    DatasetContract contract = contract("");
    Finding clean =
        LeakageDetector.crossSplitDuplicates(assigned, contract, "split", "train", settings());
    assertTrue(clean.passed(), clean.toString());

    // 30 training rows copied into the test split under new ids: ~5% of the held-out rows.
    Dataset<Row> copies =
        assigned
            .where(col("split").equalTo("train"))
            .orderBy("application_id")
            .limit(30)
            .withColumn("application_id", concat(col("application_id"), lit("-copy")))
            .withColumn("split", lit("test"));
    Finding duplicated =
        LeakageDetector.crossSplitDuplicates(
            assigned.unionByName(copies), contract, "split", "train", settings());
    assertTrue(duplicated.isError(), duplicated.toString());
    assertTrue(duplicated.message().startsWith("30 of "), duplicated.message());
    assertTrue(duplicated.message().contains("-copy"), duplicated.message());
    assertTrue(
        duplicated.message().endsWith("0.00% expected by chance: copied rows"),
        duplicated.message());

    // Only categorical features with a few values each (the numeric ones held constant): most
    // held-out rows equal some training row, as chance says they must.
    Dataset<Row> categorical = assigned;
    for (String numeric : contract.numericFeatures()) {
      categorical = categorical.withColumn(numeric, lit(1));
    }
    Finding natural =
        LeakageDetector.crossSplitDuplicates(categorical, contract, "split", "train", settings());
    assertTrue(natural.isWarning(), natural.toString());
    assertTrue(
        natural.message().endsWith("for these features: natural collisions, not copies"),
        natural.message());
  }

  @Test
  void anEntityInTwoSplitsIsAnErrorAndGroupedSplitsPass() {
    DatasetContract contract =
        contract(
            "    { name = \"customer_id\", type = string, role = other }",
            "  entity-column = \"customer_id\"");
    // Two applications per customer.
    Dataset<Row> withCustomers =
        CLEAN.withColumn(
            "customer_id",
            concat(
                lit("C-"),
                floor(regexp_extract(col("application_id"), "(\\d+)", 1).cast("long").divide(2))
                    .cast("string")));

    Dataset<Row> byApplication = HashSplitter.assign(withCustomers, "application_id", 7, RATIOS);
    Finding straddling =
        LeakageDetector.entitiesAcrossSplits(byApplication, contract, "split").orElseThrow();
    assertTrue(straddling.isError(), straddling.toString());
    assertTrue(straddling.message().contains("for example [C-"), straddling.message());

    Dataset<Row> byCustomer = HashSplitter.assign(withCustomers, "customer_id", 7, RATIOS);
    Finding grouped =
        LeakageDetector.entitiesAcrossSplits(byCustomer, contract, "split").orElseThrow();
    assertTrue(grouped.passed(), grouped.toString());
    assertTrue(grouped.message().startsWith("0 entities"), grouped.message());
  }

  @Test
  void aFeatureObservedAfterTheEventTimeIsAnError() {
    DatasetContract contract =
        contract(
            "    { name = \"bureau_checked_on\", type = date, role = other }\n"
                + "    { name = \"bureau_score\", type = double, role = feature,"
                + " observed-at = \"bureau_checked_on\" }");
    Column checkedOn =
        when(noise().lt(0.1), date_add(col("application_date"), 10))
            .otherwise(date_sub(col("application_date"), 3));
    Dataset<Row> data =
        CLEAN.withColumn("bureau_checked_on", checkedOn).withColumn("bureau_score", noise());
    Finding late = finding(LeakageDetector.observedAfterEventTime(data, contract), "bureau_score");
    assertTrue(late.isError(), late.toString());
    assertTrue(
        late.message().matches("\\d+ rows where bureau_checked_on is after application_date"));

    Finding onTime =
        finding(
            LeakageDetector.observedAfterEventTime(
                data.withColumn("bureau_checked_on", date_sub(col("application_date"), 1)),
                contract),
            "bureau_score");
    assertTrue(onTime.passed(), onTime.toString());
  }

  @Test
  void binnedAucOfPerfectRandomAndPooledCells() {
    assertEquals(
        1.0, SingleFeatureScores.binnedAuc(List.of(new long[] {50, 50}, new long[] {50, 0}), 1));
    assertEquals(
        0.5, SingleFeatureScores.binnedAuc(List.of(new long[] {100, 30}, new long[] {100, 30}), 1));
    // Two rare cells that separate perfectly are pooled into one, which separates nothing.
    assertEquals(
        0.5, SingleFeatureScores.binnedAuc(List.of(new long[] {5, 5}, new long[] {5, 0}), 20));
  }
}
