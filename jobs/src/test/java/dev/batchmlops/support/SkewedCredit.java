package dev.batchmlops.support;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.generate.CreditDataGenerator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Generated credit applications with a rare class: 5% default, drawn by a hash of the id. */
public final class SkewedCredit {
  private SkewedCredit() {}

  public static Dataset<Row> generate(long rows) {
    return CreditDataGenerator.generate(TestSpark.session(), rows, 42)
        .withColumn(
            "defaulted",
            when(pmod(xxhash64(col("application_id"), lit(99)), lit(100)).lt(5), 1).otherwise(0));
  }
}
