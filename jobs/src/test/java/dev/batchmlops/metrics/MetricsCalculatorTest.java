package dev.batchmlops.metrics;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.support.TestSpark;
import java.util.List;
import java.util.Map;
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
    Map<String, ClassificationMetrics> bySex = MetricsCalculator.bySegment(scored, "sex", 0.5);
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
}
