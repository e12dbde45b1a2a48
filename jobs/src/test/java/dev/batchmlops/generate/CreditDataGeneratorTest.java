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
}
