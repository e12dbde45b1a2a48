package dev.batchmlops.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How differently a model treats the groups of one protected column, from each group's confusion
 * counts: the gaps between the best- and worst-treated groups. Groups too small to score are left
 * out; with fewer than two groups left there is nothing to compare, and every measure is NaN (never
 * reported, and the fairness gate says it did not judge).
 *
 * @param demographicParityDifference largest minus smallest share predicted positive
 * @param equalOpportunityDifference largest minus smallest true positive rate
 * @param equalizedOddsDifference the larger of the true and false positive rate gaps
 * @param disparateImpactRatio smallest over largest share predicted positive (the four-fifths rule
 *     asks for at least 0.8); 1 when no group is predicted positive
 */
public record Fairness(
    String column,
    double demographicParityDifference,
    double equalOpportunityDifference,
    double equalizedOddsDifference,
    double disparateImpactRatio,
    int groups) {

  public static Fairness of(
      String column, Map<String, ClassificationMetrics> groups, long minRows) {
    double minSelection = 1, maxSelection = 0, minTpr = 1, maxTpr = 0, minFpr = 1, maxFpr = 0;
    int judged = 0;
    for (ClassificationMetrics group : groups.values()) {
      if (group.rows() < minRows) {
        continue;
      }
      judged++;
      minSelection = Math.min(minSelection, group.selectionRate());
      maxSelection = Math.max(maxSelection, group.selectionRate());
      minTpr = Math.min(minTpr, group.recall());
      maxTpr = Math.max(maxTpr, group.recall());
      minFpr = Math.min(minFpr, group.falsePositiveRate());
      maxFpr = Math.max(maxFpr, group.falsePositiveRate());
    }
    if (judged < 2) {
      return new Fairness(column, Double.NaN, Double.NaN, Double.NaN, Double.NaN, judged);
    }
    return new Fairness(
        column,
        maxSelection - minSelection,
        maxTpr - minTpr,
        Math.max(maxTpr - minTpr, maxFpr - minFpr),
        maxSelection == 0 ? 1 : minSelection / maxSelection,
        judged);
  }

  /** The largest of the two gaps the fairness gate limits. */
  public double largestGap() {
    return Math.max(demographicParityDifference, equalOpportunityDifference);
  }

  /** Whether at least two groups were large enough to compare. */
  public boolean judged() {
    return groups >= 2;
  }

  /** The measures by name, as logged; only the group count when nothing was compared. */
  public Map<String, Double> asMap() {
    Map<String, Double> values = new LinkedHashMap<>();
    if (judged()) {
      values.put("demographic_parity_difference", demographicParityDifference);
      values.put("equal_opportunity_difference", equalOpportunityDifference);
      values.put("equalized_odds_difference", equalizedOddsDifference);
      values.put("disparate_impact_ratio", disparateImpactRatio);
    }
    values.put("groups", (double) groups);
    return values;
  }
}
