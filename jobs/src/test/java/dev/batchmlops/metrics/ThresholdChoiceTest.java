package dev.batchmlops.metrics;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.config.StageConfigs.ThresholdRule;
import dev.batchmlops.support.TestSpark;
import dev.batchmlops.train.FeaturePipeline;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Each threshold rule on a small validation set whose best thresholds are known by hand. */
class ThresholdChoiceTest {
  /**
   * Scores 0.9, 0.8, 0.7 positive; 0.6 negative; 0.5 positive; 0.4, 0.3, 0.2, 0.1 negative. At 0.7:
   * precision 1, recall 3/4; at 0.5: precision 4/5, recall 1; F1 is best at 0.5 (8/9 > 6/7).
   */
  private static final double[][] ROWS = {
    {0.9, 1}, {0.8, 1}, {0.7, 1}, {0.6, 0}, {0.5, 1}, {0.4, 0}, {0.3, 0}, {0.2, 0}, {0.1, 0}
  };

  private static StageConfigs.Threshold rule(ThresholdRule rule) {
    return new StageConfigs.Threshold(rule, 0.5, 0.95, 0.7, 1.0, 5.0);
  }

  private static ThresholdChoice choose(StageConfigs.Threshold settings) {
    List<Row> rows = new ArrayList<>();
    for (double[] row : ROWS) {
      rows.add(RowFactory.create(row[0], row[1]));
    }
    StructType schema =
        new StructType()
            .add(Scoring.SCORE, DataTypes.DoubleType)
            .add(FeaturePipeline.LABEL, DataTypes.DoubleType);
    return ThresholdChoice.choose(TestSpark.session().createDataFrame(rows, schema), settings);
  }

  @Test
  void eachRulePicksTheThresholdItDescribes() {
    assertEquals(0.5, choose(rule(ThresholdRule.FIXED)).threshold());
    // F1 8/9 from 0.5 down to just above 0.4: ties go to the higher threshold.
    assertEquals(0.5, choose(rule(ThresholdRule.MAX_F1)).threshold(), 1e-9);
    // Precision 0.95 holds down to 0.7 (from 0.61 recall stays 3/4 but precision falls).
    assertEquals(0.7, choose(rule(ThresholdRule.MIN_PRECISION)).threshold(), 1e-9);
    // Recall 0.7 is first reached at 0.7 (3 of 4): the most precise such threshold.
    assertEquals(0.7, choose(rule(ThresholdRule.MIN_RECALL)).threshold(), 1e-9);
    // A missed positive costs 5, a false alarm 1: take every positive (0.5, one false alarm).
    assertEquals(0.5, choose(rule(ThresholdRule.MIN_COST)).threshold(), 1e-9);
    assertTrue(choose(rule(ThresholdRule.MAX_F1)).description().startsWith("max-f1 on validation"));
  }

  @Test
  void aPrecisionNoThresholdReachesIsSaidAndTheMostPreciseTaken() {
    long[] positives = new long[ThresholdChoice.STEPS + 1];
    long[] negatives = new long[ThresholdChoice.STEPS + 1];
    positives[800] = 1;
    negatives[800] = 1; // 0.8: precision 1/2 at best
    negatives[300] = 10;
    positives[300] = 1;
    ThresholdChoice choice =
        ThresholdChoice.choose(
            positives,
            negatives,
            new StageConfigs.Threshold(ThresholdRule.MIN_PRECISION, 0.5, 0.9, 0.5, 1, 1));
    assertFalse(choice.ruleMet());
    assertEquals(0.8, choice.threshold(), 1e-9);
    assertTrue(
        choice.description().contains("no threshold reaches precision 0.900"),
        choice.description());
  }
}
