package dev.batchmlops.split;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.Severity;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.quality.Finding;
import dev.batchmlops.tracking.MetricNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Whether every split represents the whole: rows per split, the share of each class of the label
 * ({@link LabelStrata}: the positive class of a binary label, each class of a multiclass one, each
 * quantile bin of a regression label) in each split and, per value of each stratify-by column, that
 * value's share of the split and its classes' shares.
 *
 * <p>Algorithm:
 *
 * <ol>
 *   <li>One aggregation: rows per (split, stratify-by values, class).
 *   <li>An empty split, or rows without a split, is an error.
 *   <li>Each share in a split is compared with the same share in the whole. The gap allowed is the
 *       configured tolerance, or three standard errors of a hash split of that size when that is
 *       larger (a hash split keeps small groups balanced only that closely), so a gap beyond it
 *       means the assignment depends on the label, not on chance.
 *   <li>A group with fewer than {@link #MIN_EXPECTED_ROWS} expected rows in a split is too small to
 *       stratify: a warning.
 *   <li>Validation or test with fewer positive rows than {@code minPositives} (a multiclass label:
 *       fewer rows of a class): a warning, since the metrics measured on it (and the gates that
 *       read them) rest on too few rows. A class of a multiclass label with no rows in validation
 *       or test is an error: no model could be judged on it.
 * </ol>
 */
public final class SplitBalance {
  static final double MIN_EXPECTED_ROWS = 5;

  private SplitBalance() {}

  /**
   * @param metrics rows and shares per split, named as in MLflow
   * @param columns the table's columns
   * @param table one row per split and group (and class, but for a binary label): its rows and
   *     shares
   */
  public record Result(
      List<Finding> findings,
      Map<String, Double> metrics,
      List<String> columns,
      List<List<String>> table) {
    public Result {
      columns = List.copyOf(columns);
    }

    /** The table as named fields, for the JSON artifact. */
    public List<Map<String, String>> rows() {
      return table.stream()
          .map(
              row -> {
                Map<String, String> named = new LinkedHashMap<>();
                for (int i = 0; i < columns.size(); i++) {
                  named.put(columns.get(i), row.get(i));
                }
                return named;
              })
          .toList();
    }
  }

  /** The balance table's columns for a binary label. */
  public static final List<String> COLUMNS =
      List.of("split", "group", "rows", "positive share", "positive share in the whole");

  /** The balance table's columns for the other tasks: a row per class. */
  public static final List<String> CLASS_COLUMNS =
      List.of("split", "group", "rows", "class", "share", "share in the whole");

  /** Counts of one cell: rows, and rows per class. */
  private record Counts(long rows, Map<String, Long> classes) {
    static final Counts NONE = new Counts(0, Map.of());

    Counts plus(Counts other) {
      Map<String, Long> sum = new TreeMap<>(classes);
      other.classes.forEach((c, n) -> sum.merge(c, n, Long::sum));
      return new Counts(rows + other.rows, sum);
    }

    long of(String labelClass) {
      return classes.getOrDefault(labelClass, 0L);
    }

    double share(String labelClass) {
      return rows == 0 ? 0 : (double) of(labelClass) / rows;
    }
  }

  /** The setting that holds the fewest positive rows validation and test should have. */
  public static final String MIN_POSITIVES_KEY = "register.gates.min-test-positives";

  /** A binary label's balance, the contract's label and positive class. */
  public static Result check(
      Dataset<Row> assigned,
      DatasetContract contract,
      List<String> stratifyBy,
      double tolerance,
      long minPositives) {
    return check(
        assigned,
        LabelStrata.of(contract, StageConfigs.EntityLabel.ANY_POSITIVE, List.of()),
        stratifyBy,
        tolerance,
        minPositives);
  }

  public static Result check(
      Dataset<Row> assigned,
      LabelStrata label,
      List<String> stratifyBy,
      double tolerance,
      long minPositives) {
    boolean binary = label instanceof LabelStrata.Binary;
    List<Column> keys = new ArrayList<>();
    keys.add(col(Splits.COLUMN));
    stratifyBy.forEach(c -> keys.add(col(c).cast("string")));
    keys.add(label.ofRow().as("__balance_class"));
    // split -> "column=value" (or "" for all) -> counts
    Map<String, Map<String, Counts>> cells = new TreeMap<>();
    long unassigned = 0;
    int classAt = keys.size() - 1;
    for (Row row : assigned.groupBy(keys.toArray(Column[]::new)).count().collectAsList()) {
      long rows = row.getLong(keys.size());
      Counts counts =
          new Counts(rows, row.isNullAt(classAt) ? Map.of() : Map.of(row.getString(classAt), rows));
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
    Counts all = whole.getOrDefault("", Counts.NONE);
    long total = all.rows();
    List<String> judged = label.judged(new TreeSet<>(all.classes().keySet()));

    for (String split : Splits.ALL) {
      Map<String, Counts> groups = cells.getOrDefault(split, Map.of());
      Counts inSplit = groups.getOrDefault("", Counts.NONE);
      metrics.put(split + "_rows", (double) inSplit.rows());
      if (binary) {
        metrics.put(split + "_positives", (double) inSplit.of("true"));
        if (!split.equals(Splits.TRAIN)) {
          findings.add(enoughPositives(split, inSplit.of("true"), minPositives));
        }
      } else if (label.everyClassInEverySplit() && !split.equals(Splits.TRAIN)) {
        for (String labelClass : judged) {
          findings.add(
              enoughOfClass(
                  split, label.describe(labelClass), inSplit.of(labelClass), minPositives));
        }
      }
      if (inSplit.rows() == 0) {
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
        Counts groupInWhole = entry.getValue();
        Counts groupInSplit = groups.getOrDefault(group, Counts.NONE);
        String name = group.isEmpty() ? "all rows" : group;
        String suffix = group.isEmpty() ? "" : "." + MetricNames.safe(group.replace('=', '.'));
        for (String labelClass : judged) {
          double share = groupInSplit.share(labelClass);
          double wholeShare = groupInWhole.share(labelClass);
          metrics.put(split + "_" + label.shareMetric(labelClass) + suffix, share);
          String described = label.describe(labelClass);
          table.add(
              binary
                  ? List.of(
                      split,
                      name,
                      Long.toString(groupInSplit.rows()),
                      percent(share),
                      percent(wholeShare))
                  : List.of(
                      split,
                      name,
                      Long.toString(groupInSplit.rows()),
                      described,
                      percent(share),
                      percent(wholeShare)));
          findings.add(
              judge(
                  split,
                  name,
                  binary ? "positive share" : "share of " + described,
                  share,
                  wholeShare,
                  groupInSplit.rows(),
                  tolerance));
        }
        if (!group.isEmpty()) {
          double share = (double) groupInSplit.rows() / inSplit.rows();
          double wholeShare = (double) groupInWhole.rows() / total;
          metrics.put(split + "_share" + suffix, share);
          findings.add(
              judge(
                  split, name, "share of the split", share, wholeShare, inSplit.rows(), tolerance));
        }
      }
    }
    return new Result(findings, metrics, binary ? COLUMNS : CLASS_COLUMNS, table);
  }

  /** A class of a multiclass label in validation or test: none is an error, few a warning. */
  private static Finding enoughOfClass(String split, String described, long rows, long minRows) {
    String check = "at least " + minRows + " rows of each class (" + MIN_POSITIVES_KEY + ")";
    String subject = split + ": " + described;
    if (rows == 0) {
      return Finding.fail(
          subject,
          check,
          Severity.ERROR,
          "no rows of this class: no model can be judged on it; add rows of it or change the split");
    }
    return enoughRows(
        subject, check, rows, minRows, " rows", "metrics of this class on the " + split + " split");
  }

  private static Finding enoughPositives(String split, long positives, long minPositives) {
    String check = "at least " + minPositives + " positive rows (" + MIN_POSITIVES_KEY + ")";
    return enoughRows(
        split,
        check,
        positives,
        minPositives,
        " positive rows",
        "metrics on the " + split + " split");
  }

  /** At least {@code minRows} rows, else a warning that {@code measured} rest on too few. */
  private static Finding enoughRows(
      String subject, String check, long rows, long minRows, String counted, String measured) {
    if (rows >= minRows) {
      return Finding.pass(subject, check, Severity.WARNING, rows + counted);
    }
    return Finding.fail(
        subject,
        check,
        Severity.WARNING,
        rows + counted + ": " + measured + ", and the gates that read them, are unreliable");
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
