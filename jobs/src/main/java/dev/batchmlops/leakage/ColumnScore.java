package dev.batchmlops.leakage;

import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.StageConfigs;
import org.apache.spark.sql.functions;

/**
 * How a task scores a column alone against its label: what the score is called, what it measures,
 * its level by chance, its limits and its MLflow metric names. Chosen once from the contract; the
 * checks and the stage ask it rather than test the task.
 *
 * @param name the score as reports name it ("AUC")
 * @param metric the MLflow metric of a column's score, before the column's name
 * @param strongestMetric the MLflow metric of the strongest feature's score
 * @param chance what a column unrelated to the label scores
 */
public record ColumnScore(
    String name,
    String metric,
    String strongestMetric,
    double chance,
    SingleFeatureScores.Target target,
    StageConfigs.LeakageLimits limits) {

  /** The column score of the contract's task, with its limits from the settings. */
  public static ColumnScore of(DatasetContract contract, StageConfigs.Leakage settings) {
    StageConfigs.LeakageLimits limits = settings.limits(contract.task());
    return switch (contract.task()) {
      case BINARY ->
          new ColumnScore(
              "AUC",
              "leakage.auc.",
              "leakage.max_feature_auc",
              0.5,
              new SingleFeatureScores.Positive(contract.isPositive()),
              limits);
      case MULTICLASS ->
          new ColumnScore(
              "macro AUC",
              "leakage.macro_auc.",
              "leakage.max_feature_macro_auc",
              0.5,
              new SingleFeatureScores.Classes(
                  functions.col(contract.label()), contract.labelValues()),
              limits);
      case REGRESSION ->
          new ColumnScore(
              "rank R2",
              "leakage.rank_r2.",
              "leakage.max_feature_rank_r2",
              0,
              new SingleFeatureScores.Rank(functions.col(contract.label())),
              limits);
    };
  }
}
