package dev.batchmlops.register;

import java.util.OptionalDouble;

/**
 * Whether a candidate is registered and whether it becomes the champion, with the numbers and the
 * reason, so a skip is recorded, never silent.
 */
public record RegistrationDecision(
    String metric,
    double candidate,
    double baseline,
    OptionalDouble champion,
    boolean register,
    boolean promote,
    String reason) {

  /**
   * Algorithm:
   *
   * <ol>
   *   <li>register when the candidate beats the baseline by at least {@code minGainOverBaseline};
   *   <li>promote to champion when registered and there is no champion, or the candidate beats the
   *       champion by more than {@code minGainOverChampion}.
   * </ol>
   */
  public static RegistrationDecision decide(
      String metric,
      double candidate,
      double baseline,
      OptionalDouble champion,
      double minGainOverBaseline,
      double minGainOverChampion) {
    if (candidate - baseline < minGainOverBaseline) {
      return new RegistrationDecision(
          metric,
          candidate,
          baseline,
          champion,
          false,
          false,
          String.format(
              "candidate %s %.4f does not beat the baseline %.4f by %.4f",
              metric, candidate, baseline, minGainOverBaseline));
    }
    if (champion.isEmpty()) {
      return new RegistrationDecision(
          metric, candidate, baseline, champion, true, true, "first model: registered as champion");
    }
    double championValue = champion.getAsDouble();
    boolean promote = candidate - championValue > minGainOverChampion;
    String reason =
        promote
            ? String.format(
                "candidate %s %.4f beats the champion %.4f: promoted",
                metric, candidate, championValue)
            : String.format(
                "candidate %s %.4f does not beat the champion %.4f by more than %.4f: registered, champion kept",
                metric, candidate, championValue, minGainOverChampion);
    return new RegistrationDecision(metric, candidate, baseline, champion, true, promote, reason);
  }
}
