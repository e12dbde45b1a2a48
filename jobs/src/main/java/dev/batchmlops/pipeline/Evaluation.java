package dev.batchmlops.pipeline;

import com.fasterxml.jackson.annotation.JsonAlias;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.gates.RegistrationDecision;
import dev.batchmlops.metrics.Fairness;
import dev.batchmlops.metrics.MetricGap;
import dev.batchmlops.metrics.TaskMetrics;
import dev.batchmlops.table.TableVersion;
import java.util.List;

/**
 * What {@code evaluate} measured on the test split, and the gate decision it reached there: the
 * hand-over that {@code register} acts on without judging again.
 *
 * @param candidateRunId the train run whose model was evaluated
 * @param decisionThreshold the candidate's threshold, which every confusion count here used; NaN
 *     for a task whose model predicts the class or the value itself
 * @param candidate the task's metrics: {@code ClassificationMetrics}, {@code MulticlassMetrics} or
 *     {@code RegressionMetrics}; the baselines', the champion's and the segments' are the same kind
 * @param fairness per protected column, the binary gaps (parity, opportunity, odds); empty for the
 *     other tasks
 * @param metricGaps per protected column, the gap in the registration metric between its best and
 *     worst groups: the fairness of a multiclass or regression model; empty for binary
 * @param champion the champion when there was one, else null
 * @param settingsFingerprint of the settings the decision depends on: a decision made under other
 *     settings is stale
 */
public record Evaluation(
    String runId,
    String candidateRunId,
    TableVersion testedOn,
    double decisionThreshold,
    TaskMetrics candidate,
    Baseline baseline,
    Champion champion,
    List<SegmentResult> segments,
    List<Fairness> fairness,
    List<MetricGap> metricGaps,
    RegistrationDecision decision,
    String settingsFingerprint) {

  public Evaluation {
    segments = List.copyOf(segments);
    fairness = fairness == null ? List.of() : List.copyOf(fairness);
    metricGaps = metricGaps == null ? List.of() : List.copyOf(metricGaps);
  }

  /**
   * The baselines on the test rows.
   *
   * @param compared the one the {@code beats_baseline} gate compared with: the configured one, or
   *     the prior when the reference model was not there to score
   * @param reference null when the reference model was not there to score
   */
  public record Baseline(StageConfigs.Baseline compared, TaskMetrics reference, TaskMetrics prior) {
    /** The metrics of the baseline that was compared with. */
    public TaskMetrics comparedMetrics() {
      return compared == StageConfigs.Baseline.REFERENCE ? reference : prior;
    }
  }

  /**
   * The champion at the time of evaluation.
   *
   * @param metrics its metrics on the same test rows at its own threshold (NaN when it has none);
   *     null when its model could not be read here
   * @param recordedMetric the registration metric recorded when it was registered, for a champion
   *     whose model could not be read; NaN when unknown
   */
  public record Champion(
      String version, double threshold, TaskMetrics metrics, double recordedMetric) {
    public boolean scoredOnSameRows() {
      return metrics != null;
    }
  }

  /**
   * One segment's result.
   *
   * @param metrics null when the segment is too small to score
   * @param intervalOf the metric {@code low} and {@code high} bound: binary the AUC, the other
   *     tasks the registration metric
   * @param low lower end of that metric's 95% interval; NaN when there is none
   */
  public record SegmentResult(
      String column,
      String value,
      long rows,
      TaskMetrics metrics,
      String intervalOf,
      @JsonAlias("aucLow") double low,
      @JsonAlias("aucHigh") double high) {
    public SegmentResult {
      intervalOf = intervalOf == null ? "auc" : intervalOf;
    }

    public boolean tooSmall() {
      return metrics == null;
    }

    /** The metrics of a binary model's segment (what monitoring an AUC reads). */
    public dev.batchmlops.metrics.ClassificationMetrics binaryMetrics() {
      return (dev.batchmlops.metrics.ClassificationMetrics) metrics;
    }

    /** {@code column=value}, as reports name a segment. */
    public String label() {
      return column + "=" + value;
    }
  }
}
