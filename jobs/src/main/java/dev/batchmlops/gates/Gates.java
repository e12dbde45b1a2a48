package dev.batchmlops.gates;

import dev.batchmlops.config.StageConfigs;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The gates a candidate must pass to be registered, each judged from the evaluation alone, with its
 * value, its threshold and a readable verdict.
 */
public final class Gates {
  private Gates() {}

  /** What a gate concluded; a gate with nothing to judge says so rather than passing. */
  public enum Verdict {
    PASSED,
    FAILED,
    NOT_JUDGED;

    /** As recorded in tags and reports: passed, failed, not judged. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }
  }

  /**
   * One gate's verdict. {@code value} is what was measured (NaN when not judged), {@code threshold}
   * what it needed.
   */
  public record Result(
      String name, double value, double threshold, Verdict verdict, String detail) {
    public boolean passed() {
      return verdict == Verdict.PASSED;
    }

    /** Whether this gate stops registration: failed, or not judged when that blocks. */
    public boolean blocks(StageConfigs.Register settings) {
      return verdict == Verdict.FAILED
          || (verdict == Verdict.NOT_JUDGED && settings.blockNotJudged());
    }

    @Override
    public String toString() {
      return name + (verdict == Verdict.NOT_JUDGED ? " not judged" : "") + " (" + detail + ")";
    }

    static Result of(String name, double value, double threshold, boolean passed, String detail) {
      return new Result(name, value, threshold, passed ? Verdict.PASSED : Verdict.FAILED, detail);
    }

    static Result notJudged(String name, double threshold, String reason) {
      return new Result(name, Double.NaN, threshold, Verdict.NOT_JUDGED, reason);
    }
  }

  /**
   * What the gates read.
   *
   * @param segments every segment's metric and test rows
   * @param fairnessGaps per protected column: its largest fairness gap; NaN when fewer than two of
   *     its groups were large enough to compare
   * @param champion the champion's metric, when there is a champion
   * @param championOnSameRows whether that metric comes from scoring the same test rows (else it is
   *     the one recorded when the champion was registered, its model being unreadable here)
   * @param candidate NaN when the metric is undefined on the test split (it lacks a class)
   * @param baseline the metric of the baseline the candidate must beat, named by {@code
   *     baselineName}
   * @param evidence how many test rows the metrics rest on, as the task counts them
   */
  public record Inputs(
      double candidate,
      double baseline,
      String baselineName,
      Evidence evidence,
      OptionalDouble champion,
      boolean championOnSameRows,
      List<SegmentMetric> segments,
      Map<String, Double> fairnessGaps,
      boolean validationPassed,
      boolean leakagePassed,
      long minSegmentRows) {}

  /**
   * One segment's registration metric on the test split.
   *
   * @param metric NaN when undefined on the segment's rows or the segment was too small to score
   */
  public record SegmentMetric(String column, String value, double metric, long rows) {}

  /**
   * The rows a test metric rests on, as a task counts them.
   *
   * @param counted what {@code rows} counts: "positive rows", "rows of its rarest class, x", "rows"
   */
  public record Evidence(Kind kind, long rows, String counted) {
    /** What a task counts, the gate that counts it and the setting it needs. */
    public enum Kind {
      POSITIVES("min_test_positives"),
      ROWS_OF_EVERY_CLASS("min_test_class_rows"),
      ROWS("min_test_rows");

      private final String gate;

      Kind(String gate) {
        this.gate = gate;
      }

      public String gate() {
        return gate;
      }

      /** How many rows the gate needs. */
      public long needed(StageConfigs.Register settings) {
        return this == ROWS ? settings.minTestRows() : settings.minTestPositives();
      }

      /** The key of that setting. */
      public String setting() {
        return this == ROWS
            ? StageConfigs.Register.keyOf(dev.batchmlops.config.Task.REGRESSION, "min-test-rows")
            : StageConfigs.Register.keyOf(dev.batchmlops.config.Task.BINARY, "min-test-positives");
      }
    }

    /** A binary test split's positive rows. */
    public static Evidence positives(long rows) {
      return new Evidence(Kind.POSITIVES, rows, "positive rows");
    }
  }

  public static List<Result> judge(Inputs in, StageConfigs.Register settings) {
    String metric = settings.metric();
    List<Result> results = new ArrayList<>();
    results.add(
        Result.of(
            "validation_passed",
            in.validationPassed() ? 1 : 0,
            1,
            in.validationPassed(),
            in.validationPassed() ? "passed" : "the raw version did not pass validation"));
    results.add(
        Result.of(
            "leakage_passed",
            in.leakagePassed() ? 1 : 0,
            1,
            in.leakagePassed(),
            in.leakagePassed() ? "passed" : "the splits did not pass the leakage checks"));
    Evidence evidence = in.evidence();
    long needed = evidence.kind().needed(settings);
    boolean enough = evidence.rows() >= needed;
    results.add(
        Result.of(
            evidence.kind().gate(),
            evidence.rows(),
            needed,
            enough,
            "the test split holds "
                + evidence.rows()
                + " "
                + evidence.counted()
                + (enough
                    ? ""
                    : ", needs >= " + needed + ": its metrics are no evidence to register on")));
    results.add(
        atLeast(
            "min_metric",
            in.candidate(),
            settings.minMetric(),
            metric
                + " "
                + f(in.candidate())
                + (Double.isNaN(in.candidate()) ? " (the test split lacks a class)" : "")));
    double gain = in.candidate() - in.baseline();
    results.add(
        atLeast(
            "beats_baseline",
            gain,
            settings.minGainOverBaseline(),
            metric
                + " "
                + f(in.candidate())
                + " vs "
                + in.baselineName()
                + " "
                + f(in.baseline())));
    if (in.champion().isPresent()) {
      double behind = in.champion().getAsDouble() - in.candidate();
      results.add(
          Result.of(
              "not_behind_champion",
              behind,
              settings.maxLossToChampion(),
              behind <= settings.maxLossToChampion(),
              metric
                  + " "
                  + f(in.candidate())
                  + " vs champion "
                  + f(in.champion().getAsDouble())
                  + (in.championOnSameRows()
                      ? " on the same test rows"
                      : " as recorded at its registration")
                  + ", allowed "
                  + f(settings.maxLossToChampion())
                  + " behind"));
    }
    double worst = Double.POSITIVE_INFINITY;
    String worstSegment = "none large enough";
    for (SegmentMetric segment : in.segments()) {
      double value = segment.metric();
      if (segment.rows() >= in.minSegmentRows() && !Double.isNaN(value) && value < worst) {
        worst = value;
        worstSegment = segment.column() + "=" + segment.value() + " " + f(value);
      }
    }
    if (worst != Double.POSITIVE_INFINITY) {
      results.add(
          atLeast(
              "min_segment_metric",
              worst,
              settings.minSegmentMetric(),
              "worst segment " + worstSegment));
    } else if (!in.segments().isEmpty()) {
      results.add(
          Result.notJudged(
              "min_segment_metric",
              settings.minSegmentMetric(),
              "no segment has "
                  + in.minSegmentRows()
                  + " test rows (evaluate.min-segment-rows) and a defined "
                  + metric));
    }
    for (var gap : in.fairnessGaps().entrySet()) {
      String name = "max_fairness_gap." + gap.getKey();
      if (Double.isNaN(gap.getValue())) {
        results.add(
            Result.notJudged(
                name,
                settings.maxFairnessGap(),
                "fewer than two "
                    + gap.getKey()
                    + " groups have "
                    + in.minSegmentRows()
                    + " test rows (evaluate.min-segment-rows) to compare"));
        continue;
      }
      results.add(
          Result.of(
              name,
              gap.getValue(),
              settings.maxFairnessGap(),
              gap.getValue() <= settings.maxFairnessGap(),
              "largest gap between "
                  + gap.getKey()
                  + " groups "
                  + f(gap.getValue())
                  + ", allowed "
                  + f(settings.maxFairnessGap())));
    }
    return results;
  }

  private static Result atLeast(String name, double value, double threshold, String detail) {
    boolean passed = value >= threshold;
    return Result.of(
        name, value, threshold, passed, passed ? detail : detail + ", needs >= " + f(threshold));
  }

  private static String f(double value) {
    return Double.isNaN(value) ? "undefined" : String.format(Locale.ROOT, "%.4f", value);
  }
}
