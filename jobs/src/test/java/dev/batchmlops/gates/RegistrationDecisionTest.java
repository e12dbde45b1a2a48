package dev.batchmlops.gates;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.config.StageConfigs;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The gates on planted evaluations: each defect blocks registration, a good model passes. */
class RegistrationDecisionTest {
  /** min metric 0.6, +0.02 over baseline, 0.02 behind champion, segments 0.55, fairness 0.25. */
  private static final StageConfigs.Register SETTINGS =
      new StageConfigs.Register(
          "batchmlops",
          "auc",
          0.6,
          StageConfigs.Baseline.REFERENCE,
          0.02,
          0.02,
          0.55,
          0.25,
          10,
          true,
          true,
          0.0);

  /** A good candidate: AUC 0.75, every segment of 200 rows at 0.7, small fairness gaps. */
  private static Gates.Inputs good() {
    return evidence(0.75, 0.5, 40, segments(0.70, 0.72), Map.of("sex", 0.05));
  }

  private static List<Gates.SegmentMetric> segments(double female, double male) {
    return List.of(
        new Gates.SegmentMetric("sex", "female", female, 200),
        new Gates.SegmentMetric("sex", "male", male, 200),
        new Gates.SegmentMetric("sex", "other", 0.2, 10));
  }

  private static Gates.Inputs with(
      double candidate,
      OptionalDouble champion,
      List<Gates.SegmentMetric> segments,
      double fairnessGap,
      boolean leakagePassed) {
    return new Gates.Inputs(
        candidate,
        0.5,
        "reference",
        Gates.Evidence.positives(40),
        champion,
        true,
        segments,
        Map.of("sex", fairnessGap),
        true,
        leakagePassed,
        50);
  }

  /** A good candidate's inputs with other evidence: metrics, test positives, segments, gaps. */
  private static Gates.Inputs evidence(
      double candidate,
      double baseline,
      long testPositives,
      List<Gates.SegmentMetric> segments,
      Map<String, Double> fairnessGaps) {
    return new Gates.Inputs(
        candidate,
        baseline,
        "reference",
        Gates.Evidence.positives(testPositives),
        OptionalDouble.empty(),
        true,
        segments,
        fairnessGaps,
        true,
        true,
        50);
  }

  private static List<String> failed(RegistrationDecision decision) {
    return decision.gates().stream().filter(g -> !g.passed()).map(Gates.Result::name).toList();
  }

  @Test
  void aGoodModelPassesEveryGateAndBecomesTheFirstChampion() {
    RegistrationDecision decision = RegistrationDecision.decide(SETTINGS, good());
    assertTrue(decision.register(), decision.reason());
    assertTrue(decision.promote());
    assertEquals(List.of(), failed(decision));
    assertEquals(
        List.of(
            "validation_passed",
            "leakage_passed",
            "min_test_positives",
            "min_metric",
            "beats_baseline",
            "min_segment_metric",
            "max_fairness_gap.sex"),
        decision.gates().stream().map(Gates.Result::name).toList(),
        "a segment of 10 rows is too small to gate");
  }

  @Test
  void aModelWorseInOneSegmentIsBlockedByTheSegmentGate() {
    RegistrationDecision decision =
        RegistrationDecision.decide(
            SETTINGS, with(0.75, OptionalDouble.empty(), segments(0.50, 0.80), 0.05, true));
    assertFalse(decision.register());
    assertEquals(List.of("min_segment_metric"), failed(decision));
    assertTrue(
        decision.reason().contains("worst segment sex=female 0.5000, needs >= 0.5500"),
        decision.reason());
  }

  @Test
  void aFairnessGapAboveTheLimitBlocks() {
    RegistrationDecision decision =
        RegistrationDecision.decide(
            SETTINGS, with(0.75, OptionalDouble.empty(), segments(0.7, 0.7), 0.31, true));
    assertFalse(decision.register());
    assertEquals(List.of("max_fairness_gap.sex"), failed(decision));
    assertTrue(decision.reason().contains("0.3100, allowed 0.2500"), decision.reason());
  }

  @Test
  void aModelThatDoesNotBeatTheBaselineIsBlocked() {
    RegistrationDecision decision =
        RegistrationDecision.decide(
            SETTINGS, with(0.51, OptionalDouble.empty(), segments(0.7, 0.7), 0.05, true));
    assertFalse(decision.register());
    assertEquals(List.of("min_metric", "beats_baseline"), failed(decision));
    assertTrue(
        decision.reason().startsWith("2 of 7 gates blocked registration: "), decision.reason());
  }

  @Test
  void aFewPositiveTestRowsAreNoEvidenceAndAnUndefinedMetricFailsPlainly() {
    Gates.Inputs fewPositives = evidence(0.75, 0.5, 3, segments(0.70, 0.72), Map.of("sex", 0.05));
    RegistrationDecision decision = RegistrationDecision.decide(SETTINGS, fewPositives);
    assertFalse(decision.register(), "an AUC of 0.75 on 3 positive rows is not evidence");
    assertEquals(List.of("min_test_positives"), failed(decision));
    assertTrue(
        decision.reason().contains("the test split holds 3 positive rows, needs >= 10"),
        decision.reason());

    Gates.Inputs noPositives = evidence(Double.NaN, Double.NaN, 0, List.of(), Map.of());
    RegistrationDecision undefined = RegistrationDecision.decide(SETTINGS, noPositives);
    assertEquals(List.of("min_test_positives", "min_metric", "beats_baseline"), failed(undefined));
    assertTrue(
        undefined.reason().contains("auc undefined (the test split lacks a class)"),
        undefined.reason());

    StageConfigs.Register lowered =
        new StageConfigs.Register(
            "batchmlops",
            "auc",
            0.6,
            StageConfigs.Baseline.REFERENCE,
            0.02,
            0.02,
            0.55,
            0.25,
            3,
            true,
            true,
            0.0);
    assertTrue(
        RegistrationDecision.decide(lowered, fewPositives).register(),
        "a user who lowers the minimum knowingly can register");
  }

  @Test
  void aGateWithNothingToJudgeSaysSoAndBlocksUnlessConfiguredNotTo() {
    // Every group too small: no segment to gate, no two sex groups to compare.
    List<Gates.SegmentMetric> small =
        List.of(
            new Gates.SegmentMetric("sex", "female", 0.9, 10),
            new Gates.SegmentMetric("sex", "male", 0.9, 12));
    Gates.Inputs nothingToJudge = evidence(0.75, 0.5, 40, small, Map.of("sex", Double.NaN));
    RegistrationDecision blocked = RegistrationDecision.decide(SETTINGS, nothingToJudge);
    assertFalse(blocked.register());
    List<Gates.Result> unjudged =
        blocked.gates().stream().filter(g -> g.verdict() == Gates.Verdict.NOT_JUDGED).toList();
    assertEquals(
        List.of("min_segment_metric", "max_fairness_gap.sex"),
        unjudged.stream().map(Gates.Result::name).toList());
    assertTrue(
        blocked
            .reason()
            .contains(
                "max_fairness_gap.sex not judged (fewer than two sex groups have 50 test rows"),
        blocked.reason());
    assertEquals("not judged", unjudged.get(0).verdict().label());

    StageConfigs.Register lenient =
        new StageConfigs.Register(
            "batchmlops",
            "auc",
            0.6,
            StageConfigs.Baseline.REFERENCE,
            0.02,
            0.02,
            0.55,
            0.25,
            10,
            false,
            true,
            0.0);
    RegistrationDecision recorded = RegistrationDecision.decide(lenient, nothingToJudge);
    assertTrue(recorded.register(), recorded.reason());
    assertEquals(2, recorded.gates().stream().filter(g -> !g.passed()).count(), "still recorded");
  }

  @Test
  void leakageNotPassedBlocks() {
    assertEquals(
        List.of("leakage_passed"),
        failed(
            RegistrationDecision.decide(
                SETTINGS, with(0.75, OptionalDouble.empty(), segments(0.7, 0.7), 0.05, false))));
  }

  @Test
  void theChampionGateAndPromotionCompareOnTheSameTestRows() {
    RegistrationDecision behind =
        RegistrationDecision.decide(
            SETTINGS, with(0.72, OptionalDouble.of(0.75), segments(0.7, 0.7), 0.05, true));
    assertFalse(behind.register(), "0.03 behind the champion, 0.02 allowed");
    assertEquals(List.of("not_behind_champion"), failed(behind));

    RegistrationDecision close =
        RegistrationDecision.decide(
            SETTINGS, with(0.74, OptionalDouble.of(0.75), segments(0.7, 0.7), 0.05, true));
    assertTrue(close.register());
    assertFalse(close.promote(), "registered as challenger, champion kept");

    RegistrationDecision better =
        RegistrationDecision.decide(
            SETTINGS, with(0.77, OptionalDouble.of(0.75), segments(0.7, 0.7), 0.05, true));
    assertTrue(better.promote());

    StageConfigs.Register manual =
        new StageConfigs.Register(
            "batchmlops",
            "auc",
            0.6,
            StageConfigs.Baseline.REFERENCE,
            0.02,
            0.02,
            0.55,
            0.25,
            10,
            true,
            false,
            0.0);
    RegistrationDecision held =
        RegistrationDecision.decide(
            manual, with(0.77, OptionalDouble.of(0.75), segments(0.7, 0.7), 0.05, true));
    assertTrue(held.register());
    assertFalse(held.promote(), "auto-promote off: only `promote` moves the champion");
  }
}
