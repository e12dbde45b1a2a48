package dev.batchmlops.split;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.Severity;
import dev.batchmlops.quality.Finding;
import dev.batchmlops.tracking.MetricNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Whether every split represents the whole: rows per split, the positive share of the label in each
 * split and, per value of each stratify-by column, that value's share of the split and its positive
 * share.
 *
 * <p>Algorithm:
 *
 * <ol>
 *   <li>One aggregation: rows and positives per (split, stratify-by values).
 *   <li>An empty split, or rows without a split, is an error.
 *   <li>Each share in a split is compared with the same share in the whole. The gap allowed is the
 *       configured tolerance, or three standard errors of a hash split of that size when that is
 *       larger (a hash split keeps small groups balanced only that closely), so a gap beyond it
 *       means the assignment depends on the label, not on chance.
 *   <li>A group with fewer than {@link #MIN_EXPECTED_ROWS} expected rows in a split is too small to
 *       stratify: a warning.
 *   <li>Validation or test with fewer positive rows than {@code minPositives}: a warning, since the
 *       metrics measured on it (and the gates that read them) rest on too few rows.
 * </ol>
 */
public final class SplitBalance {
  static final double MIN_EXPECTED_ROWS = 5;

  private SplitBalance() {}

  /**
   * @param metrics rows and shares per split, named as in MLflow
   * @param table one row per split and group: split, group, rows, positive share, whole's share
   */
  public record Result(
      List<Finding> findings, Map<String, Double> metrics, List<List<String>> table) {
    /** The table as named fields, for the JSON artifact. */
    public List<Map<String, String>> rows() {
      return table.stream()
          .map(
              row -> {
                Map<String, String> named = new LinkedHashMap<>();
                for (int i = 0; i < COLUMNS.size(); i++) {
                  named.put(COLUMNS.get(i), row.get(i));
                }
                return named;
              })
          .toList();
    }
  }

  /** The balance table's columns. */
  public static final List<String> COLUMNS =
      List.of("split", "group", "rows", "positive share", "positive share in the whole");

  /** Counts of one cell: rows and positives. */
  private record Counts(long rows, long positives) {
    Counts plus(Counts other) {
      return new Counts(rows + other.rows, positives + other.positives);
    }

    double positiveShare() {
      return rows == 0 ? 0 : (double) positives / rows;
    }
  }

  /** The setting that holds the fewest positive rows validation and test should have. */
  public static final String MIN_POSITIVES_KEY = "register.gates.min-test-positives";

  public static Result check(
      Dataset<Row> assigned,
      DatasetContract contract,
      List<String> stratifyBy,
      double tolerance,
      long minPositives) {
    List<Column> keys = new ArrayList<>();
    keys.add(col(Splits.COLUMN));
    stratifyBy.forEach(c -> keys.add(col(c).cast("string")));
    // split -> "column=value" (or "" for all) -> counts
    Map<String, Map<String, Counts>> cells = new TreeMap<>();
    long unassigned = 0;
    for (Row row :
        assigned
            .groupBy(keys.toArray(Column[]::new))
            .agg(count(lit(1)), sum(when(contract.isPositive(), 1L).otherwise(0L)))
            .collectAsList()) {
      Counts counts = new Counts(row.getLong(keys.size()), row.getLong(keys.size() + 1));
      if (row.isNullAt(0)) {
        unassigned += counts.rows();
        continue;
      }
      Map<String, Counts> groups = cells.computeIfAbsent(row.getString(0), k -> new TreeMap<>());
      groups.merge("", counts, Counts::plus);
      for (int i = 0; i < stratifyBy.size(); i++) {
        String value = row.isNullAt(i + 1) ? "<null>" : row.getString(i + 1);
        groups.merge(stratifyBy.get(i) + "=" + value, counts, Counts::plus);
      }
    }

    List<Finding> findings = new ArrayList<>();
    Map<String, Double> metrics = new LinkedHashMap<>();
    List<List<String>> table = new ArrayList<>();
    if (unassigned > 0) {
      findings.add(
          Finding.fail(
              "<splits>",
              "every row has a split",
              Severity.ERROR,
              unassigned + " rows have no split (no event time?)"));
    }
    Map<String, Counts> whole = new TreeMap<>();
    cells.values().forEach(groups -> groups.forEach((g, c) -> whole.merge(g, c, Counts::plus)));
    long total = whole.getOrDefault("", new Counts(0, 0)).rows();

    for (String split : Splits.ALL) {
      Map<String, Counts> groups = cells.getOrDefault(split, Map.of());
      Counts all = groups.getOrDefault("", new Counts(0, 0));
      metrics.put(split + "_rows", (double) all.rows());
      metrics.put(split + "_positives", (double) all.positives());
      if (!split.equals(Splits.TRAIN)) {
        findings.add(enoughPositives(split, all.positives(), minPositives));
      }
      if (all.rows() == 0) {
        findings.add(
            Finding.fail(
                split,
                "not empty",
                Severity.ERROR,
                "0 of " + total + " rows; add rows or change the split settings"));
        continue;
      }
      for (Map.Entry<String, Counts> entry : whole.entrySet()) {
        String group = entry.getKey();
        Counts inWhole = entry.getValue();
        Counts inSplit = groups.getOrDefault(group, new Counts(0, 0));
        String label = group.isEmpty() ? "all rows" : group;
        String suffix = group.isEmpty() ? "" : "." + MetricNames.safe(group.replace('=', '.'));
        metrics.put(split + "_positive_share" + suffix, inSplit.positiveShare());
        table.add(
            List.of(
                split,
                label,
                Long.toString(inSplit.rows()),
                percent(inSplit.positiveShare()),
                percent(inWhole.positiveShare())));
        // The positive share of the group within the split.
        findings.add(
            judge(
                split,
                label,
                "positive share",
                inSplit.positiveShare(),
                inWhole.positiveShare(),
                inSplit.rows(),
                tolerance));
        if (!group.isEmpty()) {
          double share = (double) inSplit.rows() / all.rows();
          double wholeShare = (double) inWhole.rows() / total;
          metrics.put(split + "_share" + suffix, share);
          findings.add(
              judge(split, label, "share of the split", share, wholeShare, all.rows(), tolerance));
        }
      }
    }
    return new Result(findings, metrics, table);
  }

  private static Finding enoughPositives(String split, long positives, long minPositives) {
    String check = "at least " + minPositives + " positive rows (" + MIN_POSITIVES_KEY + ")";
    if (positives >= minPositives) {
      return Finding.pass(split, check, Severity.WARNING, positives + " positive rows");
    }
    return Finding.fail(
        split,
        check,
        Severity.WARNING,
        positives
            + " positive rows: metrics on the "
            + split
            + " split, and the gates that read them, are unreliable");
  }

  private static Finding judge(
      String split,
      String group,
      String what,
      double share,
      double wholeShare,
      long rows,
      double tolerance) {
    String subject = split + ": " + group;
    String check = what + " within " + points(tolerance) + " of the whole";
    double expected = Math.min(wholeShare, 1 - wholeShare) * rows;
    double standardError = Math.sqrt(wholeShare * (1 - wholeShare) / rows);
    double allowed = Math.max(tolerance, 3 * standardError);
    double gap = Math.abs(share - wholeShare);
    String evidence =
        percent(share)
            + " vs "
            + percent(wholeShare)
            + " in the whole (gap "
            + points(gap)
            + (allowed > tolerance
                ? "; " + rows + " rows allow " + points(allowed) + " by hashing)"
                : ")");
    if (gap > allowed) {
      return Finding.fail(subject, check, Severity.ERROR, evidence);
    }
    if (expected < MIN_EXPECTED_ROWS && wholeShare > 0 && wholeShare < 1) {
      return Finding.fail(
          subject,
          check,
          Severity.WARNING,
          evidence + "; too small to stratify: about " + Math.round(expected) + " rows expected");
    }
    return Finding.pass(subject, check, Severity.ERROR, evidence);
  }

  private static String percent(double share) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * share);
  }

  private static String points(double gap) {
    return String.format(Locale.ROOT, "%.1f pp", 100 * gap);
  }
}
