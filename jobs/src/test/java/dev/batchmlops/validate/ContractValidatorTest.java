package dev.batchmlops.validate;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.support.TestConfigs;
import dev.batchmlops.support.TestSpark;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class ContractValidatorTest {
  private final DatasetContract contract =
      TestConfigs.load(Path.of("unused"), "http://127.0.0.1:1", Map.of()).dataset();
  private final Dataset<Row> clean = CreditDataGenerator.generate(TestSpark.session(), 1000, 42);

  @Test
  void cleanGeneratedDataPassesEveryRule() {
    ValidationReport report = ContractValidator.validate(clean, contract);
    assertTrue(report.passed(), report.summary());
    assertTrue(
        report.results().size() > 30, "every column has rules, got " + report.results().size());
  }

  @Test
  void outOfRangeDuplicateAndUnknownValuesAreNamed() {
    Dataset<Row> broken =
        clean
            .withColumn(
                "age",
                when(col("application_id").equalTo("APP-00000003"), 150).otherwise(col("age")))
            .withColumn(
                "application_id",
                when(col("application_id").equalTo("APP-00000005"), "APP-00000004")
                    .otherwise(col("application_id")))
            .withColumn(
                "region", when(col("region").equalTo("west"), "mars").otherwise(col("region")));
    ValidationReport report = ContractValidator.validate(broken, contract);
    assertFalse(report.passed());
    assertEquals(
        java.util.Set.of(
            "age: max <= 100.0",
            "application_id: unique",
            "region: values in [north, south, east, west]"),
        report.failures().stream()
            .map(f -> f.column() + ": " + f.rule())
            .collect(java.util.stream.Collectors.toSet()));
    assertTrue(report.summary().contains("age: max <= 100.0"), report.summary());
  }

  @Test
  void completenessBelowTheContractFails() {
    Dataset<Row> sparse =
        clean.withColumn(
            "income", when(col("age").lt(40), lit(null).cast("double")).otherwise(col("income")));
    ValidationReport report = ContractValidator.validate(sparse, contract);
    assertEquals(1, report.failures().size(), report.summary());
    assertEquals("income", report.failures().get(0).column());
    assertEquals("completeness >= 0.9", report.failures().get(0).rule());
  }

  @Test
  void tooFewRowsFail() {
    ValidationReport report = ContractValidator.validate(clean.limit(100), contract);
    assertEquals("<table>", report.failures().get(0).column(), report.summary());
  }
}
