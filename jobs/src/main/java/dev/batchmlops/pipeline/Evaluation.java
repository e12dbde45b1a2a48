package dev.batchmlops.pipeline;

import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.gates.RegistrationDecision;
import dev.batchmlops.metrics.ClassificationMetrics;
import dev.batchmlops.metrics.Fairness;
import dev.batchmlops.table.TableVersion;
import java.util.List;

/**
 * What {@code evaluate} measured on the test split, and the gate decision it reached there: the
 * hand-over that {@code register} acts on without judging again.
 *
 * @param candidateRunId the train run whose model was evaluated
 * @param decisionThreshold the candidate's threshold, which every confusion count here used
 * @param champion the champion when there was one, else null
 * @param settingsFingerprint of the settings the decision depends on: a decision made under other
 *     settings is stale
 */
public record Evaluation(
    String runId,
    String candidateRunId,
    TableVersion testedOn,
    double decisionThreshold,
    ClassificationMetrics candidate,
    Baseline baseline,
    Champion champion,
    List<SegmentResult> segments,
    List<Fairness> fairness,
    RegistrationDecision decision,
    String settingsFingerprint) {

  public Evaluation {
    segments = List.copyOf(segments);
    fairness = List.copyOf(fairness);
  }

  /**
   * The baselines on the test rows.
   *
   * @param compared the one the {@code beats_baseline} gate compared with: the configured one, or
   *     the prior when the reference model was not there to score
   * @param reference null when the reference model was not there to score
   */
  public record Baseline(
      StageConfigs.Baseline compared,
      ClassificationMetrics reference,
      ClassificationMetrics prior) {
    /** The metrics of the baseline that was compared with. */
    public ClassificationMetrics comparedMetrics() {
      return compared == StageConfigs.Baseline.REFERENCE ? reference : prior;
    }
  }

  /**
   * The champion at the time of evaluation.
   *
   * @param metrics its metrics on the same test rows at its own threshold; null when its model
   *     could not be read here
   * @param recordedMetric the registration metric recorded when it was registered, for a champion
   *     whose model could not be read; NaN when unknown
   */
  public record Champion(
      String version, double threshold, ClassificationMetrics metrics, double recordedMetric) {
    public boolean scoredOnSameRows() {
      return metrics != null;
    }
  }

  /**
   * One segment's result.
   *
   * @param metrics null when the segment is too small to score
   * @param aucLow lower end of the AUC's 95% interval; NaN when there is none
   */
  public record SegmentResult(
      String column,
      String value,
      long rows,
      ClassificationMetrics metrics,
      double aucLow,
      double aucHigh) {
    public boolean tooSmall() {
      return metrics == null;
    }

    /** {@code column=value}, as reports name a segment. */
    public String label() {
      return column + "=" + value;
    }
  }
}
