package dev.batchmlops.metrics;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.support.SparkJobs;
import dev.batchmlops.support.TestSpark;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class MetricsCalculatorTest {
  private static final StructType SCHEMA =
      new StructType()
          .add("label", DataTypes.DoubleType)
          .add("score", DataTypes.DoubleType)
          .add("sex", DataTypes.StringType);

  private static Dataset<Row> rows(Object[]... values) {
    List<Row> rows = java.util.Arrays.stream(values).map(RowFactory::create).toList();
    return TestSpark.session().createDataFrame(rows, SCHEMA);
  }

  @Test
  void confusionMetricsAtTheThreshold() {
    // tp: 2, fp: 1, tn: 3, fn: 1
    Dataset<Row> scored =
        rows(
            new Object[] {1.0, 0.9, "f"},
            new Object[] {1.0, 0.7, "f"},
            new Object[] {0.0, 0.6, "m"},
            new Object[] {1.0, 0.2, "m"},
            new Object[] {0.0, 0.1, "m"},
            new Object[] {0.0, 0.3, "f"},
            new Object[] {0.0, 0.4, "m"});
    ClassificationMetrics m = MetricsCalculator.compute(scored, 0.5);
    assertEquals(7, m.rows());
    assertEquals(3, m.positives());
    assertEquals(5.0 / 7, m.accuracy(), 1e-12);
    assertEquals(2.0 / 3, m.precision(), 1e-12);
    assertEquals(2.0 / 3, m.recall(), 1e-12);
    assertEquals(2.0 / 3, m.f1(), 1e-12);
    // 12 positive/negative pairs, 9 ranked right (the positive at 0.2 beats only the 0.1).
    assertEquals(9.0 / 12, m.auc(), 1e-12);
  }

  @Test
  void perSegmentMetricsCoverEverySegment() {
    Dataset<Row> scored =
        rows(
            new Object[] {1.0, 0.9, "f"},
            new Object[] {0.0, 0.1, "f"},
            new Object[] {1.0, 0.2, "m"},
            new Object[] {0.0, 0.8, "m"},
            new Object[] {0.0, 0.1, null});
    Map<String, ClassificationMetrics> bySex =
        MetricsCalculator.bySegments(scored, List.of("sex"), 0.5).byColumn().get("sex");
    assertEquals(List.of("(null)", "f", "m"), List.copyOf(bySex.keySet()));
    assertEquals(1.0, bySex.get("f").accuracy());
    assertEquals(1.0, bySex.get("f").auc());
    assertEquals(0.0, bySex.get("m").accuracy());
    assertEquals(0.0, bySex.get("m").auc());
    ClassificationMetrics oneClass = bySex.get("(null)");
    assertFalse(oneClass.bothClasses());
    assertTrue(Double.isNaN(oneClass.auc()), "one class only: no curve, no AUC");
    assertFalse(oneClass.asMap().containsKey("auc"), "an undefined AUC is never reported");
    assertFalse(oneClass.asMap().containsKey("area_under_pr"));
    assertEquals(1.0, oneClass.asMap().get("accuracy"));
  }

  /**
   * Scores with ties (three decimals), a label that follows the score loosely, and segment columns
   * of 2, 3 and 12 values with nulls.
   */
  private static Dataset<Row> tiedScores() {
    return TestSpark.session()
        .range(6000)
        .withColumn("score", round(rand(7), 3))
        .withColumn("label", when(rand(11).lt(col("score")), 1.0).otherwise(0.0))
        .withColumn("two", col("id").mod(2).cast("string"))
        .withColumn(
            "three", when(col("id").mod(7).equalTo(0), lit(null)).otherwise(col("id").mod(3)))
        .withColumn("twelve", col("id").mod(12).cast("string"));
  }

  private static double exactArea(Dataset<Row> rows, String curve) {
    return new BinaryClassificationEvaluator()
        .setLabelCol(Scoring.LABEL)
        .setRawPredictionCol(Scoring.SCORE)
        .setMetricName(curve)
        .setNumBins(0)
        .evaluate(rows);
  }

  @Test
  void oneJobGivesTheExactAreasOfEverySegment() {
    Dataset<Row> scored = tiedScores().cache();
    MetricsCalculator.Segmented result =
        MetricsCalculator.bySegments(scored, List.of("two", "three"), 0.5);
    assertEquals(exactArea(scored, "areaUnderROC"), result.overall().auc(), 1e-9);
    assertEquals(exactArea(scored, "areaUnderPR"), result.overall().areaUnderPr(), 1e-9);
    assertEquals(6000, result.overall().rows());
    assertEquals(
        List.of("0", "1", "2", "(null)").stream().sorted().toList(),
        List.copyOf(result.byColumn().get("three").keySet()));
    for (String column : List.of("two", "three")) {
      result
          .byColumn()
          .get(column)
          .forEach(
              (value, metrics) -> {
                Dataset<Row> segment =
                    scored.where(
                        coalesce(col(column).cast("string"), lit("(null)")).equalTo(value));
                assertEquals(segment.count(), metrics.rows(), column + "=" + value);
                assertEquals(
                    exactArea(segment, "areaUnderROC"), metrics.auc(), 1e-9, column + "=" + value);
                assertEquals(
                    exactArea(segment, "areaUnderPR"),
                    metrics.areaUnderPr(),
                    1e-9,
                    column + "=" + value);
              });
    }
    Row direct =
        scored
            .agg(
                avg(pow(col("score").minus(col("label")), 2)),
                avg(
                    negate(
                        when(col("label").equalTo(1.0), log(greatest(lit(1e-15), col("score"))))
                            .otherwise(log(greatest(lit(1e-15), lit(1.0).minus(col("score"))))))))
            .first();
    assertEquals(direct.getDouble(0), result.overall().brier(), 1e-12);
    assertEquals(direct.getDouble(1), result.overall().logLoss(), 1e-12);
    scored.unpersist();
  }

  @Test
  void theNumberOfSparkJobsDoesNotGrowWithTheSegments() {
    Dataset<Row> scored = tiedScores().cache();
    scored.count();
    long few = SparkJobs.count(() -> MetricsCalculator.bySegments(scored, List.of("two"), 0.5));
    long many =
        SparkJobs.count(
            () -> MetricsCalculator.bySegments(scored, List.of("two", "three", "twelve"), 0.5));
    assertTrue(few >= 1, "the metrics are computed by Spark: " + few);
    assertEquals(few, many, "2 segments or 17 segments in three columns: the same jobs");
    scored.unpersist();
  }
}
