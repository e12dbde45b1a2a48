package dev.batchmlops.leakage;

import static org.apache.spark.sql.functions.*;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * How well each column alone predicts the label: every row is predicted from its value's cell (a
 * category, or a quantile bin of a number), and the {@link Target} scores those predictions. Rare
 * values and bins are pooled into one cell, so a value seen a few times cannot look predictive. An
 * honest feature scores well below 1; a feature that encodes the label scores near 1.
 *
 * <p>Algorithm (three Spark jobs whatever the number of columns):
 *
 * <ol>
 *   <li>One pass: the rows, and the approximate number of distinct values of each categorical
 *       column; those with more than {@link #MAX_LEVELS} are scored as identifier-like instead.
 *   <li>One pass: approximate quantiles of every numeric column (and of a numeric label) at once.
 *   <li>One aggregation over all columns in long form: (column, cell) to rows and the target's
 *       statistics. The small result is collected and scored by the target.
 * </ol>
 */
public final class SingleFeatureScores {
  /** Above this many distinct values a categorical column is not scored value by value. */
  static final long MAX_LEVELS = 1000;

  /** A numeric label is scored by its rank, to this resolution (percentiles). */
  static final int RANK_STEPS = 100;

  private static final String TARGET = "__target";
  private static final String NULL_BIN = "<null>";

  private SingleFeatureScores() {}

  /**
   * A column's single-feature score.
   *
   * @param value the target's score (an AUC from 0.5, or a share of variance from 0) up to 1; NaN
   *     when the column was not scored (too many levels)
   * @param distinct the approximate number of distinct values (categorical) or bins (numeric)
   */
  public record Score(double value, long distinct) {
    public boolean scored() {
      return !Double.isNaN(value);
    }
  }

  /** What a column's cells are judged to predict, and how. */
  public sealed interface Target {
    /** The label as the aggregation reads it. */
    Column column();

    /** The target's statistics of one cell, after its row count. */
    List<Column> cellStatistics(Column target);

    /** The score of a column from its cells' rows (rows, then {@link #cellStatistics}). */
    double score(List<Row> cells, long minRows);
  }

  /**
   * A binary label: the AUC of ranking rows by their cell's positive rate.
   *
   * @param isPositive true on a positive row
   */
  public record Positive(Column isPositive) implements Target {
    @Override
    public Column column() {
      return when(isPositive, 1L).otherwise(0L);
    }

    @Override
    public List<Column> cellStatistics(Column target) {
      return List.of(sum(target));
    }

    @Override
    public double score(List<Row> cells, long minRows) {
      return binnedAuc(
          cells.stream().map(r -> new long[] {r.getLong(0), r.getLong(1)}).toList(), minRows);
    }
  }

  /**
   * A multiclass label: the macro average over classes of the one-vs-rest AUC of ranking rows by
   * their cell's share of that class (TFMA's and scikit-learn's macro one-vs-rest AUC), over the
   * classes the rows hold.
   */
  public record Classes(Column label, List<String> classes) implements Target {
    @Override
    public Column column() {
      return label.cast("string");
    }

    @Override
    public List<Column> cellStatistics(Column target) {
      return classes.stream().map(c -> sum(when(target.equalTo(c), 1L).otherwise(0L))).toList();
    }

    @Override
    public double score(List<Row> cells, long minRows) {
      double sum = 0;
      int scored = 0;
      for (int k = 0; k < classes.size(); k++) {
        int field = k + 1;
        List<long[]> oneVsRest =
            cells.stream().map(r -> new long[] {r.getLong(0), r.getLong(field)}).toList();
        long inClass = oneVsRest.stream().mapToLong(c -> c[1]).sum();
        long rows = oneVsRest.stream().mapToLong(c -> c[0]).sum();
        if (inClass > 0 && inClass < rows) {
          sum += binnedAuc(oneVsRest, minRows);
          scored++;
        }
      }
      return scored == 0 ? 0.5 : sum / scored;
    }
  }

  /**
   * A numeric label: the share of the variance of the label's rank (its percentile, so a skewed
   * target or an outlier weighs as much as its rank) that the cells' means explain, adjusted for
   * the number of cells as R² is for the number of predictors. A one-feature step function, like a
   * shallow tree; a copy of the label scores about 1 - 1/cells², an unrelated column about 0.
   *
   * @param label the numeric label; rows where it is null are left out
   */
  public record Rank(Column label) implements Target {
    @Override
    public Column column() {
      return label.cast("double");
    }

    @Override
    public List<Column> cellStatistics(Column rank) {
      return List.of(avg(rank), var_pop(rank), count(rank));
    }

    @Override
    public double score(List<Row> cells, long minRows) {
      List<Moments> pooled = new ArrayList<>();
      Moments rare = Moments.EMPTY;
      for (Row row : cells) {
        long rows = row.getLong(3);
        Moments cell =
            rows == 0
                ? Moments.EMPTY
                : new Moments(rows, row.getDouble(1), rows * row.getDouble(2));
        if (row.getLong(0) < minRows) {
          rare = rare.plus(cell);
        } else if (cell.rows() > 0) {
          pooled.add(cell);
        }
      }
      if (rare.rows() > 0) {
        pooled.add(rare);
      }
      return adjustedExplainedShare(pooled);
    }
  }

  /**
   * Rows, mean and sum of squared deviations of one cell's target.
   *
   * @param squares the sum of squared deviations from the mean
   */
  record Moments(long rows, double mean, double squares) {
    static final Moments EMPTY = new Moments(0, 0, 0);

    /** Two cells as one (Chan et al.'s pairwise update: no cancellation on large values). */
    Moments plus(Moments other) {
      if (other.rows == 0) {
        return this;
      }
      if (rows == 0) {
        return other;
      }
      long n = rows + other.rows;
      double delta = other.mean - mean;
      return new Moments(
          n,
          mean + delta * other.rows / n,
          squares + other.squares + delta * delta * rows * other.rows / n);
    }
  }

  /**
   * The adjusted share of variance that the cells' means explain: 1 - (within / (n - k)) / (total /
   * (n - 1)), at least 0; 0 when there is nothing to explain.
   */
  static double adjustedExplainedShare(List<Moments> cells) {
    Moments all = cells.stream().reduce(Moments.EMPTY, Moments::plus);
    double within = cells.stream().mapToDouble(Moments::squares).sum();
    long n = all.rows();
    int k = cells.size();
    if (n - k <= 0 || all.squares() <= 0) {
      return 0;
    }
    return Math.max(0, 1 - (within / (n - k)) / (all.squares() / (n - 1)));
  }

  /**
   * @param numeric numeric columns (or expressions) by name
   * @param categorical categorical columns by name
   * @param bins numeric values are cut into at most this many quantile bins, fewer when the rows
   *     would not give each bin {@code minBinRows}
   */
  public static Map<String, Score> score(
      Dataset<Row> data,
      Map<String, Column> numeric,
      Map<String, Column> categorical,
      Target target,
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
    selected.add(target.column().as(TARGET));
    Dataset<Row> input = data.select(selected.toArray(Column[]::new));

    Map<String, Score> scores = new LinkedHashMap<>();
    List<String> names = new ArrayList<>(numeric.keySet());
    names.addAll(categorical.keySet());
    List<String> aliases = new ArrayList<>(numericAliases);
    aliases.addAll(categoricalAliases);

    List<Column> longForm = new ArrayList<>();
    long[] rowsAndDistinct = rowsAndDistinctCounts(input, categoricalAliases);
    for (int c = 0; c < categoricalAliases.size(); c++) {
      long distinct = rowsAndDistinct[c + 1];
      if (distinct > MAX_LEVELS) {
        scores.put(names.get(numericAliases.size() + c), new Score(Double.NaN, distinct));
      } else {
        String alias = categoricalAliases.get(c);
        longForm.add(
            struct(lit(alias).as("column"), coalesce(col(alias), lit(NULL_BIN)).as("value")));
      }
    }
    // Small data gets fewer, fuller bins rather than bins all pooled away as rare.
    int usedBins = (int) Math.max(2, Math.min(bins, rowsAndDistinct[0] / minBinRows));
    List<String> quantiled = new ArrayList<>(numericAliases);
    boolean ranked = target instanceof Rank;
    if (ranked) {
      quantiled.add(TARGET);
    }
    double[][] cuts = quantiles(input, quantiled, usedBins, ranked);
    for (int n = 0; n < numericAliases.size(); n++) {
      String alias = numericAliases.get(n);
      longForm.add(
          struct(
              lit(alias).as("column"),
              when(col(alias).isNull(), lit(NULL_BIN))
                  .otherwise(binOf(col(alias), cuts[n]).cast("string"))
                  .as("value")));
    }
    if (longForm.isEmpty()) {
      return scores;
    }
    Column cellTarget = col(TARGET);
    if (ranked) {
      double[] labelCuts = cuts[numericAliases.size()];
      cellTarget = binOf(col(TARGET), labelCuts).divide((double) Math.max(1, labelCuts.length));
    }
    List<Column> statistics = target.cellStatistics(col(TARGET));
    Map<String, List<Row>> cells = new LinkedHashMap<>();
    for (Row row :
        input
            .select(
                explode(array(longForm.toArray(Column[]::new))).as("cell"),
                when(col(TARGET).isNull(), col(TARGET)).otherwise(cellTarget).as(TARGET))
            .groupBy(col("cell.column"), col("cell.value"))
            .agg(count(lit(1)), statistics.toArray(Column[]::new))
            .collectAsList()) {
      cells.computeIfAbsent(row.getString(0), k -> new ArrayList<>()).add(withoutFirst(row, 2));
    }
    for (int a = 0; a < aliases.size(); a++) {
      List<Row> cellsOfColumn = cells.get(aliases.get(a));
      if (cellsOfColumn != null) {
        scores.put(
            names.get(a), new Score(target.score(cellsOfColumn, minBinRows), cellsOfColumn.size()));
      }
    }
    return scores;
  }

  private static Row withoutFirst(Row row, int fields) {
    Object[] values = new Object[row.size() - fields];
    for (int f = 0; f < values.length; f++) {
      values[f] = row.get(f + fields);
    }
    return RowFactory.create(values);
  }

  /** The bin of a value: how many cut points it reaches (0 below the first). */
  private static Column binOf(Column value, double[] cuts) {
    Column bin = lit(0);
    for (double cut : cuts) {
      bin = bin.plus(when(value.geq(cut), 1).otherwise(0));
    }
    return bin;
  }

  /** The rows, then the approximate distinct values of each categorical column. */
  private static long[] rowsAndDistinctCounts(Dataset<Row> input, List<String> aliases) {
    Row row =
        input
            .agg(
                count(lit(1)),
                aliases.stream().map(a -> approx_count_distinct(col(a))).toArray(Column[]::new))
            .first();
    long[] counts = new long[aliases.size() + 1];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = row.getLong(i);
    }
    return counts;
  }

  /**
   * Distinct inner cut points of each column (an all-null column has none): {@code bins} quantile
   * bins, the last column (a ranked label) in {@link #RANK_STEPS} steps when {@code lastRanked}.
   */
  private static double[][] quantiles(
      Dataset<Row> input, List<String> aliases, int bins, boolean lastRanked) {
    if (aliases.isEmpty()) {
      return new double[0][];
    }
    TreeSet<Double> probabilities = new TreeSet<>();
    for (int b = 1; b < bins; b++) {
      probabilities.add((double) b / bins);
    }
    if (lastRanked) {
      for (int s = 1; s < RANK_STEPS; s++) {
        probabilities.add((double) s / RANK_STEPS);
      }
    }
    List<Double> asked = new ArrayList<>(probabilities);
    double[][] all =
        input
            .stat()
            .approxQuantile(
                aliases.toArray(String[]::new),
                asked.stream().mapToDouble(Double::doubleValue).toArray(),
                0.001);
    double[][] cuts = new double[aliases.size()][];
    for (int c = 0; c < aliases.size(); c++) {
      boolean rank = lastRanked && c == aliases.size() - 1;
      double[] values = all[c];
      cuts[c] =
          java.util.stream.IntStream.range(0, values.length)
              .filter(p -> rank || isBinEdge(asked.get(p), bins))
              .mapToDouble(p -> values[p])
              .distinct()
              .sorted()
              .toArray();
    }
    return cuts;
  }

  private static boolean isBinEdge(double probability, int bins) {
    double scaled = probability * bins;
    return Math.abs(scaled - Math.rint(scaled)) < 1e-9;
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
