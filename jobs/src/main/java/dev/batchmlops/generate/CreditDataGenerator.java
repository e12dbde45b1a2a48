package dev.batchmlops.generate;

import static org.apache.spark.sql.functions.*;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Synthetic credit applications whose default risk depends on the features the way a credit analyst
 * would expect (debt ratio, history, duration), with segment columns and a few nulls.
 *
 * <p>Three targets are drawn for the same applicants from the same risk, one per task: whether the
 * loan defaulted ({@code defaulted}, binary), the applicant's risk grade ({@code risk_grade}, A to
 * D, multiclass) and the interest rate priced for it ({@code interest_rate}, percent, regression).
 * A contract declares the one it learns: {@code conf/datasets/credit.conf}, {@code
 * credit-grade.conf}, {@code credit-rate.conf}.
 *
 * <p>Every random draw is a hash of the row number, the seed and a per-draw salt, not a stateful
 * generator, so the same seed gives the same rows however Spark partitions the work.
 */
public final class CreditDataGenerator {
  private static final long UNIT = 1L << 53;

  private CreditDataGenerator() {}

  /** The rows of a batch never overlap another's: batch b numbers its rows from b x this. */
  public static final long BATCH_STRIDE = 1_000_000L;

  /**
   * How a batch departs from the data the first one was drawn from.
   *
   * @param features numeric features ({@code age}, {@code income}, {@code loan_amount}) whose
   *     distribution moves: covariate shift
   * @param shift by how many of the feature's standard deviations they move
   * @param concept how much of the label's dependence on the debt ratio and the credit history is
   *     gone (0: none, 1: all): concept shift, the same inputs meaning a different risk
   */
  public record Drift(List<String> features, double shift, double concept) {
    public static final Drift NONE = new Drift(List.of(), 0, 0);

    public Drift {
      features = List.copyOf(features);
    }

    double shiftOf(String feature) {
      return features.contains(feature) ? shift : 0;
    }
  }

  /** The applicants' columns, before the targets. */
  private static final List<String> APPLICANT_COLUMNS =
      List.of(
          "application_id",
          "application_date",
          "age",
          "income",
          "loan_amount",
          "loan_duration_months",
          "employment_years",
          "existing_credits",
          "credit_history",
          "purpose",
          "housing",
          "age_band",
          "sex",
          "region");

  /** The target of each task, as {@link #applicants} names it. */
  public static final List<String> TARGETS = List.of("defaulted", "risk_grade", "interest_rate");

  /** {@code rows} applications in the column order of the credit contract. */
  public static Dataset<Row> generate(SparkSession spark, long rows, long seed) {
    return generate(spark, rows, seed, 0, Drift.NONE);
  }

  /**
   * Batch {@code batch} of {@code rows} applications, drawn with {@code drift}, in the column order
   * of the credit contract (the binary target); batch 0 without drift is what {@link
   * #generate(SparkSession, long, long)} gives.
   */
  public static Dataset<Row> generate(
      SparkSession spark, long rows, long seed, int batch, Drift drift) {
    List<String> credit = new ArrayList<>(APPLICANT_COLUMNS);
    credit.add("defaulted");
    return applicants(spark, rows, seed, batch, drift).selectExpr(credit.toArray(String[]::new));
  }

  /** The same applicants with every target ({@link #TARGETS}) after their columns. */
  public static Dataset<Row> applicants(
      SparkSession spark, long rows, long seed, int batch, Drift drift) {
    Column age =
        greatest(
                lit(18),
                least(
                    lit(85),
                    round(lit(40).plus(normal(seed, 1).plus(drift.shiftOf("age")).multiply(12)))))
            .cast("int");
    Column income =
        round(
            exp(
                lit(10.3)
                    .plus(normal(seed, 2).plus(drift.shiftOf("income")).multiply(0.4))
                    .plus(age.minus(40).multiply(0.01))),
            2);
    Column employment = round(age.minus(18).multiply(uniform(seed, 3)), 1);
    Column creditHistory =
        pick(
            uniform(seed, 4),
            new String[] {"none", "paid", "delayed", "critical"},
            0.15,
            0.70,
            0.90);
    Column purpose =
        pick(
            uniform(seed, 5),
            new String[] {"car", "furniture", "education", "business", "other"},
            0.30,
            0.50,
            0.65,
            0.80);
    Column housing = pick(uniform(seed, 6), new String[] {"own", "rent", "free"}, 0.50, 0.85);
    Column durations = array(lit(6), lit(12), lit(18), lit(24), lit(36), lit(48), lit(60));

    Dataset<Row> base =
        spark
            .range(batch * BATCH_STRIDE, batch * BATCH_STRIDE + rows)
            .withColumn("application_id", format_string("APP-%08d", col("id")))
            .withColumn(
                "application_date",
                date_add(
                    lit("2024-01-01").cast("date"),
                    floor(uniform(seed, 7).multiply(730)).cast("int")))
            .withColumn("age", age)
            .withColumn("income", when(uniform(seed, 8).geq(0.04), income))
            .withColumn(
                "loan_amount",
                round(
                    exp(
                        lit(8.5)
                            .plus(
                                normal(seed, 9).plus(drift.shiftOf("loan_amount")).multiply(0.7))),
                    2))
            .withColumn(
                "loan_duration_months",
                element_at(durations, floor(uniform(seed, 10).multiply(7)).cast("int").plus(1)))
            .withColumn("employment_years", when(uniform(seed, 11).geq(0.05), employment))
            .withColumn(
                "existing_credits", floor(pow(uniform(seed, 12), 2).multiply(4)).cast("int"))
            .withColumn("credit_history", creditHistory)
            .withColumn("purpose", when(uniform(seed, 13).geq(0.02), purpose))
            .withColumn("housing", housing)
            .withColumn("age_band", ageBand(col("age")))
            .withColumn("sex", when(uniform(seed, 14).lt(0.48), "female").otherwise("male"))
            .withColumn(
                "region",
                pick(
                    uniform(seed, 15),
                    new String[] {"north", "south", "east", "west"},
                    0.3,
                    0.55,
                    0.8));

    Column debtRatio = col("loan_amount").divide(coalesce(col("income"), lit(30000.0)));
    double kept = 1 - drift.concept();
    Column logit =
        lit(-2.2)
            .plus(debtRatio.multiply(2.5 * kept))
            .plus(col("loan_duration_months").multiply(0.02))
            .plus(when(col("credit_history").equalTo("critical"), 1.3 * kept).otherwise(0))
            .plus(when(col("credit_history").equalTo("delayed"), 0.6 * kept).otherwise(0))
            .plus(when(col("credit_history").equalTo("paid"), -0.5 * kept).otherwise(0))
            .minus(col("age").minus(40).multiply(0.03))
            .plus(when(col("housing").equalTo("rent"), 0.3).otherwise(0))
            .minus(coalesce(col("employment_years"), lit(5.0)).multiply(0.05))
            .plus(col("existing_credits").multiply(0.25))
            .plus(when(col("purpose").equalTo("business"), 0.4).otherwise(0));
    Column probability = lit(1.0).divide(lit(1.0).plus(exp(logit.multiply(-1))));

    // The grade and the rate read the same risk through their own noise: neither is a copy of the
    // other, nor of the default.
    Column gradedRisk = logit.plus(normal(seed, 17).multiply(0.5));
    Column grade =
        when(gradedRisk.lt(-1.6), "A")
            .when(gradedRisk.lt(-0.9), "B")
            .when(gradedRisk.lt(-0.2), "C")
            .otherwise("D");
    Column rate =
        round(
            greatest(
                lit(1.0),
                lit(4.0).plus(probability.multiply(12)).plus(normal(seed, 18).multiply(0.8))),
            2);
    List<String> columns = new ArrayList<>(APPLICANT_COLUMNS);
    columns.addAll(TARGETS);
    return base.withColumn(
            "defaulted", when(uniform(seed, 16).lt(probability), 1).otherwise(0).cast("int"))
        .withColumn("risk_grade", grade)
        .withColumn("interest_rate", rate)
        .selectExpr(columns.toArray(String[]::new));
  }

  public static Column ageBand(Column age) {
    return when(age.leq(25), "18-25")
        .when(age.leq(35), "26-35")
        .when(age.leq(50), "36-50")
        .otherwise("51+");
  }

  /** A uniform draw in [0, 1) that depends only on the row number, the seed and the salt. */
  private static Column uniform(long seed, int salt) {
    return pmod(xxhash64(col("id"), lit(seed), lit(salt)), lit(UNIT)).cast("double").divide(UNIT);
  }

  /** A standard normal draw (Box-Muller over two uniform draws). */
  private static Column normal(long seed, int salt) {
    Column u1 = uniform(seed, 1000 + salt).plus(1e-12);
    Column u2 = uniform(seed, 2000 + salt);
    return sqrt(log(u1).multiply(-2)).multiply(cos(u2.multiply(2 * Math.PI)));
  }

  /** The value whose cumulative-share bucket the draw falls in; the last takes the rest. */
  private static Column pick(Column draw, String[] values, double... cumulativeShares) {
    Column choice = lit(values[values.length - 1]);
    for (int i = cumulativeShares.length - 1; i >= 0; i--) {
      choice = when(draw.lt(cumulativeShares[i]), values[i]).otherwise(choice);
    }
    return choice;
  }
}
