package dev.batchmlops.metrics;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.config.ConfigLoader;
import dev.batchmlops.config.StageConfigs;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The decision threshold chosen on scored validation rows by a configured rule, and whether the
 * rule could be met.
 *
 * <p>Algorithm: one aggregation counts positives and negatives per score step of 1/{@value #STEPS};
 * from the top step down, the counts accumulate into the confusion counts at every candidate
 * threshold k/{@value #STEPS} (a row is predicted positive when its score reaches the threshold);
 * the rule then picks among the candidates, ties going to the higher threshold.
 *
 * @param threshold the chosen threshold
 * @param ruleMet false when no threshold reaches a min-precision rule's precision (the most precise
 *     one is taken)
 * @param description the rule and its outcome, for the card and the run
 */
public record ThresholdChoice(double threshold, boolean ruleMet, String description) {
  static final int STEPS = 1000;

  public static ThresholdChoice choose(Dataset<Row> scored, StageConfigs.Threshold settings) {
    if (settings.rule() == StageConfigs.ThresholdRule.FIXED) {
      return new ThresholdChoice(settings.fixed(), true, "fixed at " + f(settings.fixed()));
    }
    long[] positives = new long[STEPS + 1];
    long[] negatives = new long[STEPS + 1];
    Column step =
        least(lit(STEPS), greatest(lit(0), floor(col(Scoring.SCORE).multiply(STEPS)).cast("int")));
    Column positive = col(Scoring.LABEL).equalTo(1.0);
    for (Row row :
        scored
            .groupBy(step.as("step"))
            .agg(
                sum(when(positive, 1L).otherwise(0L)).as("positives"),
                sum(when(positive, 0L).otherwise(1L)).as("negatives"))
            .collectAsList()) {
      positives[row.getInt(0)] = row.getLong(1);
      negatives[row.getInt(0)] = row.getLong(2);
    }
    return choose(positives, negatives, settings);
  }

  /**
   * The rule applied to counts per score step: index k holds the rows scored in [k, k+1) / STEPS.
   */
  static ThresholdChoice choose(
      long[] positives, long[] negatives, StageConfigs.Threshold settings) {
    long allPositives = 0;
    for (long p : positives) {
      allPositives += p;
    }
    String rule = ConfigLoader.spelling(settings.rule());
    int best = -1;
    double bestValue = Double.NEGATIVE_INFINITY;
    int mostPrecise = STEPS;
    double highestPrecision = -1;
    long tp = 0;
    long fp = 0;
    for (int k = STEPS; k >= 0; k--) {
      tp += positives[k];
      fp += negatives[k];
      long fn = allPositives - tp;
      double precision = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
      double recall = allPositives == 0 ? 0 : (double) tp / allPositives;
      if (precision > highestPrecision) {
        highestPrecision = precision;
        mostPrecise = k;
      }
      // Each rule's score of this threshold (higher is better), NaN where the rule excludes it.
      double value =
          switch (settings.rule()) {
            case MAX_F1 ->
                precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
              // The most recall among thresholds that keep the precision.
            case MIN_PRECISION ->
                precision >= settings.minPrecision() && tp > 0 ? recall : Double.NaN;
              // The highest threshold that reaches the recall is the most precise.
            case MIN_RECALL -> recall >= settings.minRecall() ? k : Double.NaN;
            case MIN_COST ->
                -(settings.costFalsePositive() * fp + settings.costFalseNegative() * fn);
            case FIXED -> throw new IllegalStateException("fixed needs no counts");
          };
      // Strictly better only: from the top down, ties keep the higher threshold.
      if (!Double.isNaN(value) && value > bestValue) {
        bestValue = value;
        best = k;
      }
    }
    if (best < 0) {
      double threshold = (double) mostPrecise / STEPS;
      return new ThresholdChoice(
          threshold,
          false,
          rule
              + ": no threshold reaches precision "
              + f(settings.minPrecision())
              + " on validation; the most precise, "
              + f(threshold)
              + ", reaches "
              + f(highestPrecision));
    }
    double threshold = (double) best / STEPS;
    return new ThresholdChoice(threshold, true, rule + " on validation: " + f(threshold));
  }

  private static String f(double value) {
    return String.format(Locale.ROOT, "%.3f", value);
  }
}
