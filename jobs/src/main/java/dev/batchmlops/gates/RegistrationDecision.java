package dev.batchmlops.gates;

import dev.batchmlops.config.StageConfigs;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Whether a candidate is registered and whether it becomes the champion, with every gate's verdict
 * and the reason, so a skip is recorded, never silent. Made once, by {@code evaluate}, where the
 * evidence is; {@code register} only acts on it.
 *
 * @param champion the champion's metric the candidate was compared with; null without a champion
 */
public record RegistrationDecision(
    String metric,
    double candidate,
    Double champion,
    List<Gates.Result> gates,
    boolean register,
    boolean promote,
    String reason) {

  public RegistrationDecision {
    gates = List.copyOf(gates);
  }

  /**
   * Algorithm:
   *
   * <ol>
   *   <li>judge every gate; register only when none blocks (failed, or not judged while {@code
   *       block-not-judged} is on);
   *   <li>with auto-promote, promote when there is no champion, or when the candidate beats the
   *       champion (on the same test rows) by more than {@code min-gain-over-champion}.
   * </ol>
   */
  public static RegistrationDecision decide(StageConfigs.Register settings, Gates.Inputs inputs) {
    List<Gates.Result> gates = Gates.judge(inputs, settings);
    List<Gates.Result> failed = gates.stream().filter(g -> g.blocks(settings)).toList();
    String metric = settings.metric();
    double candidate = inputs.candidate();
    Double champion = inputs.champion().isPresent() ? inputs.champion().getAsDouble() : null;
    if (!failed.isEmpty()) {
      return new RegistrationDecision(
          metric,
          candidate,
          champion,
          gates,
          false,
          false,
          failed.size()
              + " of "
              + gates.size()
              + " gates blocked registration: "
              + failed.stream().map(Gates.Result::toString).collect(Collectors.joining("; ")));
    }
    if (champion == null) {
      return new RegistrationDecision(
          metric,
          candidate,
          champion,
          gates,
          true,
          settings.autoPromote(),
          settings.autoPromote()
              ? "first model: registered as champion"
              : "first model: registered; auto-promote is off, `promote` moves the champion");
    }
    double championValue = champion;
    boolean beats = candidate - championValue > settings.minGainOverChampion();
    String reason;
    if (beats && settings.autoPromote()) {
      reason =
          String.format(
              "candidate %s %.4f beats the champion %.4f: promoted",
              metric, candidate, championValue);
    } else if (beats) {
      reason =
          String.format(
              "candidate %s %.4f beats the champion %.4f: registered; auto-promote is off",
              metric, candidate, championValue);
    } else {
      reason =
          String.format(
              "candidate %s %.4f does not beat the champion %.4f by more than %.4f: registered,"
                  + " champion kept",
              metric, candidate, championValue, settings.minGainOverChampion());
    }
    return new RegistrationDecision(
        metric, candidate, champion, gates, true, beats && settings.autoPromote(), reason);
  }
}
