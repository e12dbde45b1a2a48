package dev.batchmlops.generate;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.support.TestSpark;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class CreditDataGeneratorTest {
  private final SparkSession spark = TestSpark.session();

  @Test
  void sameSeedGivesSameRowsAndAnotherSeedOthers() {
    List<Row> first = CreditDataGenerator.generate(spark, 500, 42).collectAsList();
    List<Row> again =
        CreditDataGenerator.generate(spark, 500, 42)
            .repartition(5)
            .orderBy("application_id")
            .collectAsList();
    List<Row> other = CreditDataGenerator.generate(spark, 500, 43).collectAsList();
    assertEquals(first, again);
    assertNotEquals(first, other);
  }

  @Test
  void rowsLookLikeCreditApplications() {
    Dataset<Row> data = CreditDataGenerator.generate(spark, 4000, 42).cache();
    assertEquals(4000, data.count());
    assertEquals(4000, data.select("application_id").distinct().count());
    Row stats =
        data.agg(
                avg("defaulted"),
                min("age"),
                max("age"),
                sum(when(col("income").isNull(), 1).otherwise(0)),
                countDistinct("region"),
                countDistinct("age_band"))
            .first();
    double positiveShare = stats.getDouble(0);
    assertTrue(positiveShare > 0.15 && positiveShare < 0.45, "default share " + positiveShare);
    assertTrue(stats.getInt(1) >= 18 && stats.getInt(2) <= 85);
    long nullIncomes = stats.getLong(3);
    assertTrue(nullIncomes > 50 && nullIncomes < 300, "a few nulls, got " + nullIncomes);
    assertEquals(4, stats.getLong(4));
    assertEquals(4, stats.getLong(5));
    // The label depends on the features: critical histories default more often than paid ones.
    double critical =
        data.where("credit_history = 'critical'").agg(avg("defaulted")).first().getDouble(0);
    double paid = data.where("credit_history = 'paid'").agg(avg("defaulted")).first().getDouble(0);
    assertTrue(critical > paid + 0.1, "critical " + critical + " vs paid " + paid);
    data.unpersist();
  }

  @Test
  void theSameApplicantsCarryATargetForEachTask() {
    Dataset<Row> all =
        CreditDataGenerator.applicants(spark, 4000, 42, 0, CreditDataGenerator.Drift.NONE).cache();
    // The binary data are these applicants with their default.
    List<String> credit = List.of(CreditDataGenerator.generate(spark, 10, 42).columns());
    assertEquals(
        CreditDataGenerator.generate(spark, 4000, 42).collectAsList(),
        all.selectExpr(credit.toArray(String[]::new)).collectAsList());

    // Four grades, each a real share, whose default rates rise from A to D.
    List<Row> grades =
        all.groupBy("risk_grade")
            .agg(count(lit(1)).alias("n"), avg("defaulted").alias("rate"))
            .orderBy("risk_grade")
            .collectAsList();
    assertEquals(List.of("A", "B", "C", "D"), grades.stream().map(r -> r.getString(0)).toList());
    for (int g = 0; g < grades.size(); g++) {
      double share = grades.get(g).getLong(1) / 4000.0;
      assertTrue(share > 0.05 && share < 0.5, grades.get(g) + " share " + share);
      if (g > 0) {
        assertTrue(
            grades.get(g).getDouble(2) > grades.get(g - 1).getDouble(2),
            "default rate by grade " + grades);
      }
    }

    // A rate in percent, priced on the risk: critical histories pay more than paid ones.
    Row rates = all.agg(min("interest_rate"), max("interest_rate")).first();
    assertTrue(rates.getDouble(0) >= 1 && rates.getDouble(1) <= 30, rates.toString());
    double critical =
        all.where("credit_history = 'critical'").agg(avg("interest_rate")).first().getDouble(0);
    double paid =
        all.where("credit_history = 'paid'").agg(avg("interest_rate")).first().getDouble(0);
    assertTrue(critical > paid + 1, "critical " + critical + " vs paid " + paid);
    all.unpersist();
  }
}
