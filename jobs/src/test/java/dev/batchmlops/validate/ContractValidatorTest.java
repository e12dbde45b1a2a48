package dev.batchmlops.validate;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.Severity;
import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.quality.Finding;
import dev.batchmlops.quality.QualityReport;
import dev.batchmlops.support.ConfCopies;
import dev.batchmlops.support.TestConfigs;
import dev.batchmlops.support.TestSpark;
import dev.batchmlops.table.TableVersion;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract checks on generated data with one planted defect each, and clean data. */
class ContractValidatorTest {
  private static final DatasetContract CONTRACT = contract(Path.of("unused"), null);
  private static final Dataset<Row> CLEAN =
      CreditDataGenerator.generate(TestSpark.session(), 1000, 42).cache();

  @TempDir Path temp;

  /** The project's credit contract, optionally edited first. */
  private static DatasetContract contract(Path temp, UnaryOperator<String> edit) {
    if (edit == null) {
      return TestConfigs.load(temp, "http://127.0.0.1:1", Map.of()).dataset();
    }
    Path conf = ConfCopies.copy(temp.resolve("conf"));
    ConfCopies.edit(conf, "datasets/credit.conf", edit);
    return TestConfigs.load(conf, temp, "http://127.0.0.1:1", Map.of()).dataset();
  }

  private static QualityReport validate(Dataset<Row> data, DatasetContract contract) {
    return ContractValidator.validate(data, contract, MetricsHistory.inMemory("credit"), "test")
        .report();
  }

  private static Set<String> failed(QualityReport report, Severity severity) {
    return report.findings().stream()
        .filter(f -> !f.passed() && f.severity() == severity)
        .map(f -> f.subject() + ": " + f.check())
        .collect(Collectors.toSet());
  }

  @Test
  void cleanGeneratedDataPassesEveryRule() {
    ContractValidator.Outcome outcome =
        ContractValidator.validate(CLEAN, CONTRACT, MetricsHistory.inMemory("credit"), "clean");
    QualityReport report = outcome.report();
    assertTrue(report.passed(), report.summary());
    assertEquals(0, report.warnings().size(), report.summary());
    assertTrue(report.findings().size() > 60, "got " + report.findings().size());
    assertEquals(1000.0, outcome.metrics().get("data.size"));
    assertEquals(0.96, outcome.metrics().get("data.completeness.income"), 0.02);
    assertEquals(1.0, outcome.metrics().get("data.completeness.age"));
    assertTrue(outcome.metrics().get("data.maximum.age") <= 100);
  }

  @Test
  void outOfRangeDuplicateUnknownValueAndBadIdPatternAreErrorsNamingColumnAndRule() {
    Dataset<Row> broken =
        CLEAN
            .withColumn(
                "age",
                when(col("application_id").equalTo("APP-00000003"), 150).otherwise(col("age")))
            .withColumn(
                "application_id",
                when(col("application_id").equalTo("APP-00000005"), "APP-00000004")
                    .when(col("application_id").equalTo("APP-00000007"), "app-7")
                    .otherwise(col("application_id")))
            .withColumn(
                "region", when(col("region").equalTo("west"), "mars").otherwise(col("region")));
    QualityReport report = validate(broken, CONTRACT);
    assertFalse(report.passed());
    assertEquals(
        Set.of(
            "age: max <= 100.0",
            "application_id: unique",
            "application_id: matches /^APP-[0-9]{8}$/",
            "region: values in [north, south, east, west]"),
        failed(report, Severity.ERROR));
    Finding age =
        report.errors().stream().filter(f -> f.subject().equals("age")).findFirst().orElseThrow();
    assertEquals("measured 150", age.message());
    assertTrue(report.summary().contains("age: max <= 100.0 (measured 150)"), report.summary());
  }

  @Test
  void rowsCopiedUnderNewIdsAreCountedAndNullsInDifferentColumnsAreNotCopies() {
    assertTrue(ContractValidator.duplicateRows(CLEAN, CONTRACT).passed());

    Dataset<Row> copies =
        CLEAN
            .where(col("application_id").isin("APP-00000010", "APP-00000020"))
            .withColumn("application_id", concat(col("application_id"), lit("-copy")));
    Finding twice = ContractValidator.duplicateRows(CLEAN.unionByName(copies), CONTRACT);
    assertFalse(twice.passed());
    assertEquals(Severity.WARNING, twice.severity());
    assertTrue(
        twice
            .message()
            .startsWith("2 rows repeat an earlier row, e.g. the row with id 'APP-0000001"),
        twice.message());

    // Hash functions skip nulls: (null, 1) and (1, null) must still be told apart.
    Dataset<Row> nulls =
        TestSpark.session()
            .sql(
                "SELECT * FROM VALUES ('a', NULL, 1), ('b', 1, NULL), ('c', 1, 1), ('d', NULL, NULL)"
                    + " AS t(application_id, x, y)");
    assertTrue(ContractValidator.duplicateRows(nulls, CONTRACT).passed());
    Dataset<Row> oneCopy =
        nulls.unionByName(
            TestSpark.session().sql("SELECT 'e' AS application_id, 1 AS x, NULL AS y"));
    Finding copy = ContractValidator.duplicateRows(oneCopy, CONTRACT);
    assertEquals("1 rows repeat an earlier row, e.g. the row with id 'b'", copy.message());
  }

  @Test
  void aRuleDeclaredAsWarningIsReportedWithoutFailing() {
    DatasetContract lenient =
        contract(
            temp,
            text ->
                text.replace(
                    "role = feature, completeness = 1.0, min = 18, max = 100 }",
                    "role = feature, completeness = 1.0, min = 18, max = 100, severity { range = warning } }"));
    Dataset<Row> old =
        CLEAN.withColumn(
            "age", when(col("application_id").equalTo("APP-00000003"), 150).otherwise(col("age")));
    QualityReport report = validate(old, lenient);
    assertTrue(report.passed(), report.summary());
    assertEquals(Set.of("age: max <= 100.0"), failed(report, Severity.WARNING));
    assertTrue(report.summary().contains("warnings: age: max <= 100.0"), report.summary());
  }

  @Test
  void completenessBreachInOneSegmentIsCaughtWhileTheOverallRulePasses() {
    // Every tenth northern income goes missing: 4% missing overall becomes ~7%, north ~14%.
    Dataset<Row> sparse =
        CLEAN.withColumn(
            "income",
            when(
                    col("region")
                        .equalTo("north")
                        .and(pmod(xxhash64(col("application_id")), lit(10)).equalTo(0)),
                    lit(null).cast("double"))
                .otherwise(col("income")));
    QualityReport report = validate(sparse, CONTRACT);
    assertEquals(
        Set.of("income: completeness >= 0.9 where region = north"),
        failed(report, Severity.ERROR),
        report.summary());
    assertTrue(
        report.findings().stream()
            .anyMatch(
                f ->
                    f.passed()
                        && f.subject().equals("income")
                        && f.check().equals("completeness >= 0.9")),
        "the overall completeness still passes");
  }

  @Test
  void positiveShareOutsideItsBoundsFails() {
    Dataset<Row> allDefaulted = CLEAN.withColumn("defaulted", lit(1));
    QualityReport report = validate(allDefaulted, CONTRACT);
    assertEquals(
        Set.of("defaulted: share of '1' in [0.05, 0.6]"),
        failed(report, Severity.ERROR),
        report.summary());
  }

  /** The credit contract with another label: its task, its column and the label rules of it. */
  private DatasetContract withLabel(String task, String column, String labelRules) {
    return contract(
        temp,
        text ->
            text.replace("  positive-share { min = 0.05, max = 0.6 }\n", labelRules)
                .replace(
                    "  label = \"defaulted\"\n", "  label = \"defaulted\"\n  task = " + task + "\n")
                .replace(
                    "{ name = \"defaulted\", type = integer, role = label, completeness = 1.0,"
                        + " allowed = [\"0\", \"1\"] }",
                    column));
  }

  @Test
  void aMulticlassLabelHoldsOnlyItsDeclaredClassesEachWithItsLeastShare() {
    DatasetContract contract =
        withLabel(
            "multiclass",
            "{ name = \"defaulted\", type = string, role = label, completeness = 1.0,"
                + " allowed = [\"low\", \"medium\", \"high\"] }",
            "  class-share { min = 0.1 }\n");
    Dataset<Row> classes =
        CLEAN.withColumn(
            "defaulted",
            when(col("age").lt(35), "low").when(col("age").lt(55), "medium").otherwise("high"));
    QualityReport clean = validate(classes, contract);
    assertTrue(clean.passed(), clean.summary());

    // Five rows of a class nobody declared, and a class that all but vanished.
    Dataset<Row> broken =
        classes.withColumn(
            "defaulted",
            when(col("application_id").isin(ids(1, 5)), "severe")
                .when(col("application_id").isin(ids(6, 20)), "high")
                .when(col("defaulted").equalTo("high"), "medium")
                .otherwise(col("defaulted")));
    QualityReport report = validate(broken, contract);
    assertEquals(
        Set.of(
            "defaulted: a multiclass label: values in [low, medium, high]",
            "defaulted: share of class 'high' >= 0.1"),
        failed(report, Severity.ERROR),
        report.summary());
    Finding unseen =
        report.errors().stream()
            .filter(f -> f.check().startsWith("a multiclass label"))
            .findFirst()
            .orElseThrow();
    assertTrue(unseen.message().startsWith("other values: 'severe' in 5 rows"), unseen.message());
  }

  @Test
  void aRegressionLabelIsAFiniteNumberWithinItsRange() {
    DatasetContract contract =
        withLabel(
            "regression",
            "{ name = \"defaulted\", type = double, role = label, completeness = 1.0, min = 0,"
                + " max = 1000000 }",
            "");
    Dataset<Row> amounts = CLEAN.withColumn("defaulted", col("loan_amount").multiply(0.1));
    QualityReport clean = validate(amounts, contract);
    assertTrue(clean.passed(), clean.summary());

    Dataset<Row> broken =
        amounts.withColumn(
            "defaulted",
            when(col("application_id").equalTo("APP-00000001"), lit(Double.NaN))
                .when(col("application_id").equalTo("APP-00000002"), lit(Double.NEGATIVE_INFINITY))
                .otherwise(col("defaulted")));
    QualityReport report = validate(broken, contract);
    assertTrue(
        failed(report, Severity.ERROR).contains("defaulted: a finite number (no NaN or infinity)"),
        report.summary());
    assertTrue(failed(report, Severity.ERROR).contains("defaulted: min >= 0.0"), report.summary());
  }

  private static Object[] ids(int from, int to) {
    return java.util.stream.IntStream.rangeClosed(from, to)
        .mapToObj(i -> String.format("APP-%08d", i))
        .toArray();
  }

  @Test
  void tooFewRowsAndAMissingColumnFail() {
    QualityReport report = validate(CLEAN.limit(100).drop("housing"), CONTRACT);
    assertTrue(
        report.findings().stream().anyMatch(f -> f.message().startsWith("not judged: ")),
        "groups this small are reported, not judged");
    assertEquals(
        Set.of("<table>: row count >= 500", "housing: present in the table"),
        failed(report, Severity.ERROR),
        report.summary());
  }

  @Test
  void rowCountDropIsJudgedAgainstPassingRunsOnly() {
    DatasetContract watched =
        contract(
            temp,
            text ->
                text.replace(
                    "{ metric = size, strategy = relative-change, max-decrease = 0.2 }",
                    "{ metric = size, strategy = relative-change, max-decrease = 0.2, max-increase = 0.2 }"));
    MetricsHistory history = MetricsHistory.inMemory("credit");
    TableVersion table = new TableVersion("/tables/raw", 0);

    ContractValidator.Outcome first = ContractValidator.validate(CLEAN, watched, history, "v0");
    assertTrue(first.report().passed(), first.report().summary());
    assertTrue(
        first.report().findings().stream()
            .anyMatch(f -> f.message().contains("no earlier passing run")));
    history.record(table, "run-0", true, first.computed());

    // 30% fewer rows than the last passing run: an anomaly, recorded as a failed run.
    ContractValidator.Outcome dropped =
        ContractValidator.validate(CLEAN.limit(700), watched, history, "v1");
    assertEquals(
        Set.of("row count: anomaly: drop <= 20%, rise <= 20% from the last passing run"),
        failed(dropped.report(), Severity.ERROR));
    assertTrue(
        dropped
            .report()
            .summary()
            .contains("700 now, 1000 in the last passing run (/tables/raw@v0): -30.0%"),
        dropped.report().summary());
    history.record(new TableVersion("/tables/raw", 1), "run-1", false, dropped.computed());

    // The repaired data is compared with v0 (passed), not with v1 (failed): +43% would fail.
    ContractValidator.Outcome repaired = ContractValidator.validate(CLEAN, watched, history, "v2");
    assertTrue(repaired.report().passed(), repaired.report().summary());
    assertEquals(1, history.passed(DataMetrics.of(watched).get("data.size")).size());
  }
}
