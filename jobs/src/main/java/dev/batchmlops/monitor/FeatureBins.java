package dev.batchmlops.monitor;

import static org.apache.spark.sql.functions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The bins features are compared over: the reference's quantiles for numeric columns (found in one
 * pass for all of them), the categories for the others, a bin of its own for missing values; and
 * each side's counts over them, in one aggregation for all features.
 */
public final class FeatureBins {
  static final String MISSING = "(missing)";

  private final Map<String, double[]> edges;
  private final List<String> categorical;

  private FeatureBins(Map<String, double[]> edges, List<String> categorical) {
    this.edges = edges;
    this.categorical = List.copyOf(categorical);
  }

  /** Quantile edges of the reference's numeric columns (equal edges merged), in one pass. */
  public static FeatureBins fit(
      Dataset<Row> reference, List<String> numeric, List<String> categorical, int bins) {
    Map<String, double[]> edges = new LinkedHashMap<>();
    if (!numeric.isEmpty()) {
      double[] probabilities = new double[bins - 1];
      for (int i = 1; i < bins; i++) {
        probabilities[i - 1] = (double) i / bins;
      }
      Dataset<Row> cast =
          reference.select(
              numeric.stream().map(c -> col(c).cast("double").as(c)).toArray(Column[]::new));
      double[][] quantiles =
          cast.stat().approxQuantile(numeric.toArray(String[]::new), probabilities, 0.001);
      for (int i = 0; i < numeric.size(); i++) {
        edges.put(numeric.get(i), Arrays.stream(quantiles[i]).distinct().sorted().toArray());
      }
    }
    return new FeatureBins(edges, categorical);
  }

  /** Each feature's counts per bin label, in one aggregation over {@code rows}. */
  public Map<String, Map<String, Long>> counts(Dataset<Row> rows) {
    List<Column> pairs = new ArrayList<>();
    edges.forEach(
        (feature, cuts) ->
            pairs.add(struct(lit(feature).as("f"), numericBin(feature, cuts).as("b"))));
    for (String feature : categorical) {
      pairs.add(
          struct(
              lit(feature).as("f"), coalesce(col(feature).cast("string"), lit(MISSING)).as("b")));
    }
    Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
    edges.keySet().forEach(f -> counts.put(f, new LinkedHashMap<>()));
    categorical.forEach(f -> counts.put(f, new LinkedHashMap<>()));
    if (pairs.isEmpty()) {
      return counts;
    }
    for (Row row :
        rows.select(explode(array(pairs.toArray(Column[]::new))).as("p"))
            .groupBy(col("p.f"), col("p.b"))
            .count()
            .collectAsList()) {
      counts.get(row.getString(0)).put(row.getString(1), row.getLong(2));
    }
    return counts;
  }

  /**
   * Both sides' counts as one feature's vectors over the same bins: numeric bins in order with the
   * missing bin last, categories sorted (a category only the current side has is a bin too).
   */
  public DriftRule.FeatureCounts compare(
      String feature, Map<String, Long> reference, Map<String, Long> current) {
    List<String> labels = new ArrayList<>();
    boolean ordered = edges.containsKey(feature);
    if (ordered) {
      for (int i = 0; i <= edges.get(feature).length; i++) {
        labels.add(binLabel(i));
      }
      labels.add(MISSING);
    } else {
      TreeSet<String> categories = new TreeSet<>(reference.keySet());
      categories.addAll(current.keySet());
      labels.addAll(categories);
    }
    long[] r = new long[labels.size()];
    long[] c = new long[labels.size()];
    for (int i = 0; i < labels.size(); i++) {
      r[i] = reference.getOrDefault(labels.get(i), 0L);
      c[i] = current.getOrDefault(labels.get(i), 0L);
    }
    return new DriftRule.FeatureCounts(feature, ordered, r, c);
  }

  /** Categories the current side holds that the reference never had. */
  public static List<String> unseen(Map<String, Long> reference, Map<String, Long> current) {
    return current.keySet().stream().filter(k -> !reference.containsKey(k)).sorted().toList();
  }

  public boolean numeric(String feature) {
    return edges.containsKey(feature);
  }

  /** The bin a numeric value falls in: below the first edge is bin 0; nulls and NaN are missing. */
  private static Column numericBin(String feature, double[] cuts) {
    Column value = col(feature).cast("double");
    Column bin = lit(binLabel(cuts.length));
    for (int i = cuts.length - 1; i >= 0; i--) {
      bin = when(value.lt(cuts[i]), lit(binLabel(i))).otherwise(bin);
    }
    return when(value.isNull().or(isnan(value)), lit(MISSING)).otherwise(bin);
  }

  private static String binLabel(int index) {
    return String.format(java.util.Locale.ROOT, "b%03d", index);
  }
}
