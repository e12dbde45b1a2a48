package dev.batchmlops.leakage;

import static org.apache.spark.sql.functions.*;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * How well each column alone separates the classes: the AUC of scoring every row by its value's
 * positive rate. Numeric values are cut into quantile bins first; rare values and bins are pooled.
 * An honest feature scores well below 1; a feature that encodes the label scores near 1.
 *
 * <p>Algorithm (three Spark jobs whatever the number of columns):
 *
 * <ol>
 *   <li>One pass: the approximate number of distinct values of each categorical column; those with
 *       more than {@link #MAX_LEVELS} are scored as identifier-like instead.
 *   <li>One pass: approximate quantiles of every numeric column at once.
 *   <li>One aggregation over all columns in long form: (column, value or bin) to rows and
 *       positives. The small result is collected and scored in {@link #binnedAuc}.
 * </ol>
 */
public final class SingleFeatureScores {
  /** Above this many distinct values a categorical column is not scored value by value. */
  static final long MAX_LEVELS = 1000;

  private static final String LABEL = "__positive";
  private static final String NULL_BIN = "<null>";

  private SingleFeatureScores() {}

  /**
   * A column's single-feature score.
   *
   * @param auc the AUC, 0.5 to 1; NaN when the column was not scored (too many levels)
   * @param distinct the approximate number of distinct values (categorical) or bins (numeric)
   */
  public record Score(double auc, long distinct) {
    public boolean scored() {
      return !Double.isNaN(auc);
    }
  }

  /**
   * @param numeric numeric columns (or expressions) by name
   * @param categorical categorical columns by name
   */
  public static Map<String, Score> score(
      Dataset<Row> data,
      Map<String, Column> numeric,
      Map<String, Column> categorical,
      Column positive,
      int bins,
      long minBinRows) {
    List<Column> selected = new ArrayList<>();
    List<String> numericAliases = new ArrayList<>();
    List<String> categoricalAliases = new ArrayList<>();
    int i = 0;
    for (Column column : numeric.values()) {
      String alias = "n" + i++;
      selected.add(column.cast("double").as(alias));
      numericAliases.add(alias);
    }
    for (Column column : categorical.values()) {
      String alias = "c" + i++;
      selected.add(column.cast("string").as(alias));
      categoricalAliases.add(alias);
    }
    selected.add(when(positive, 1L).otherwise(0L).as(LABEL));
    Dataset<Row> input = data.select(selected.toArray(Column[]::new));

    Map<String, Score> scores = new LinkedHashMap<>();
    List<String> names = new ArrayList<>(numeric.keySet());
    names.addAll(categorical.keySet());
    List<String> aliases = new ArrayList<>(numericAliases);
    aliases.addAll(categoricalAliases);

    List<Column> longForm = new ArrayList<>();
    long[] distinct = distinctCounts(input, categoricalAliases);
    for (int c = 0; c < categoricalAliases.size(); c++) {
      if (distinct[c] > MAX_LEVELS) {
        scores.put(names.get(numericAliases.size() + c), new Score(Double.NaN, distinct[c]));
      } else {
        String alias = categoricalAliases.get(c);
        longForm.add(
            struct(lit(alias).as("column"), coalesce(col(alias), lit(NULL_BIN)).as("value")));
      }
    }
    double[][] cuts = quantiles(input, numericAliases, bins);
    for (int n = 0; n < numericAliases.size(); n++) {
      String alias = numericAliases.get(n);
      Column bin = lit(0);
      for (double cut : cuts[n]) {
        bin = bin.plus(when(col(alias).geq(cut), 1).otherwise(0));
      }
      longForm.add(
          struct(
              lit(alias).as("column"),
              when(col(alias).isNull(), lit(NULL_BIN)).otherwise(bin.cast("string")).as("value")));
    }
    if (longForm.isEmpty()) {
      return scores;
    }
    Map<String, List<long[]>> counts = new LinkedHashMap<>();
    for (Row row :
        input
            .select(explode(array(longForm.toArray(Column[]::new))).as("cell"), col(LABEL))
            .groupBy(col("cell.column"), col("cell.value"))
            .agg(count(lit(1)), sum(LABEL))
            .collectAsList()) {
      counts
          .computeIfAbsent(row.getString(0), k -> new ArrayList<>())
          .add(new long[] {row.getLong(2), row.getLong(3)});
    }
    for (int a = 0; a < aliases.size(); a++) {
      List<long[]> cells = counts.get(aliases.get(a));
      if (cells != null) {
        scores.put(names.get(a), new Score(binnedAuc(cells, minBinRows), cells.size()));
      }
    }
    return scores;
  }

  private static long[] distinctCounts(Dataset<Row> input, List<String> aliases) {
    if (aliases.isEmpty()) {
      return new long[0];
    }
    Row row =
        input
            .agg(
                approx_count_distinct(col(aliases.get(0))),
                aliases.stream()
                    .skip(1)
                    .map(a -> approx_count_distinct(col(a)))
                    .toArray(Column[]::new))
            .first();
    long[] counts = new long[aliases.size()];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = row.getLong(i);
    }
    return counts;
  }

  /** Distinct inner cut points of each column (an all-null column has none). */
  private static double[][] quantiles(Dataset<Row> input, List<String> aliases, int bins) {
    if (aliases.isEmpty()) {
      return new double[0][];
    }
    double[] probabilities = new double[bins - 1];
    for (int b = 1; b < bins; b++) {
      probabilities[b - 1] = (double) b / bins;
    }
    double[][] cuts =
        input.stat().approxQuantile(aliases.toArray(String[]::new), probabilities, 0.001);
    for (int i = 0; i < cuts.length; i++) {
      cuts[i] = java.util.Arrays.stream(cuts[i]).distinct().sorted().toArray();
    }
    return cuts;
  }

  /**
   * The AUC of scoring each row by its cell's positive rate, cells being {rows, positives}. Cells
   * with fewer than {@code minRows} rows are pooled into one first.
   */
  static double binnedAuc(List<long[]> cells, long minRows) {
    List<long[]> pooled = new ArrayList<>();
    long[] rare = {0, 0};
    for (long[] cell : cells) {
      if (cell[0] < minRows) {
        rare[0] += cell[0];
        rare[1] += cell[1];
      } else {
        pooled.add(cell);
      }
    }
    if (rare[0] > 0) {
      pooled.add(rare);
    }
    pooled.sort(Comparator.comparingDouble(c -> (double) c[1] / c[0]));
    long positives = pooled.stream().mapToLong(c -> c[1]).sum();
    long negatives = pooled.stream().mapToLong(c -> c[0] - c[1]).sum();
    if (positives == 0 || negatives == 0) {
      return 0.5;
    }
    // Ascending rate: each positive outranks the negatives of every lower cell, ties count half.
    double wins = 0;
    long negativesBelow = 0;
    for (long[] cell : pooled) {
      long cellNegatives = cell[0] - cell[1];
      wins += cell[1] * (negativesBelow + 0.5 * cellNegatives);
      negativesBelow += cellNegatives;
    }
    return wins / ((double) positives * negatives);
  }
}
