package dev.batchmlops.split;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.tracking.MetricNames;
import java.util.List;
import java.util.Locale;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What the label adds to a stratum, per task: the class of a binary label ("true" for the positive
 * class, "false" for the other), the class of a multiclass label, or the quantile bin of a
 * regression label. The split allocates each such class (crossed with the stratify-by values) in
 * the whole's proportion, and the balance check compares each class's share per split.
 */
public sealed interface LabelStrata {
  /** A row's class as text; null where a multiclass label is missing. */
  Column ofRow();

  /**
   * The class of a unit (an entity) from its rows, as an aggregate: one row is a unit of that row's
   * class, so {@code ofUnit} over one row equals {@link #ofRow}.
   */
  Column ofUnit();

  /** The class as people read it, for strata and balance findings ("species=Adelie"). */
  String describe(String labelClass);

  /** The classes whose share of each split the balance check judges, among those in the whole. */
  List<String> judged(SortedSet<String> inTheWhole);

  /** The name of a class's share in metric names ("positive_share", "class_share.Adelie"). */
  String shareMetric(String labelClass);

  /** Whether every class must have rows in validation and test (multiclass: each is predicted). */
  default boolean everyClassInEverySplit() {
    return false;
  }

  /** The label's strata of a contract's task; a regression label needs its bin edges. */
  static LabelStrata of(
      DatasetContract contract, StageConfigs.EntityLabel entityLabel, List<Double> binEdges) {
    return switch (contract.task()) {
      case BINARY ->
          new Binary(
              contract.isPositive(),
              contract.label() + "=" + contract.positiveLabel(),
              entityLabel);
      case MULTICLASS -> new Classes(contract.label());
      case REGRESSION -> new Bins(contract.label(), binEdges);
    };
  }

  /**
   * A binary label: positive or not; an entity whose rows disagree is positive as {@code
   * entityLabel} says.
   *
   * @param positiveClass the positive class as people read it ("defaulted=1")
   */
  record Binary(Column isPositive, String positiveClass, StageConfigs.EntityLabel entityLabel)
      implements LabelStrata {
    @Override
    public Column ofRow() {
      return coalesce(isPositive, lit(false)).cast("string");
    }

    @Override
    public Column ofUnit() {
      Column positiveRows = sum(when(isPositive, 1L).otherwise(0L));
      Column positive =
          switch (entityLabel) {
            case ANY_POSITIVE -> positiveRows.gt(0);
            case MAJORITY -> positiveRows.multiply(2).geq(count(lit(1)));
          };
      return positive.cast("string");
    }

    @Override
    public String describe(String labelClass) {
      return (Boolean.parseBoolean(labelClass) ? "" : "not ") + positiveClass;
    }

    @Override
    public List<String> judged(SortedSet<String> inTheWhole) {
      return List.of("true");
    }

    @Override
    public String shareMetric(String labelClass) {
      return "positive_share";
    }
  }

  /**
   * A multiclass label: each class its own stratum; an entity is of its rows' most common class.
   */
  record Classes(String label) implements LabelStrata {
    @Override
    public Column ofRow() {
      return col(label).cast("string");
    }

    @Override
    public Column ofUnit() {
      // The most common class of the unit's rows, the smallest on a tie: deterministic, as the
      // order of the rows is not.
      Column classes = collect_list(ofRow());
      Column tallied =
          transform(
              array_distinct(classes),
              c ->
                  struct(
                      size(filter(classes, x -> x.equalTo(c))).multiply(-1).as("rows"),
                      c.as("class")));
      return element_at(array_sort(tallied), 1).getField("class");
    }

    @Override
    public String describe(String labelClass) {
      return label + "=" + (labelClass == null ? "<null>" : labelClass);
    }

    @Override
    public List<String> judged(SortedSet<String> inTheWhole) {
      return List.copyOf(inTheWhole);
    }

    @Override
    public String shareMetric(String labelClass) {
      return "class_share." + MetricNames.safe(labelClass);
    }

    @Override
    public boolean everyClassInEverySplit() {
      return true;
    }
  }

  /**
   * A regression label cut at {@code edges} (ascending): bin 0 below the first edge, bin i from
   * edge i-1 up to edge i, the last bin from the last edge up. An entity is in the bin of the mean
   * of its rows' labels.
   */
  record Bins(String label, List<Double> edges) implements LabelStrata {
    public Bins {
      edges = List.copyOf(edges);
    }

    /**
     * The edges that cut {@code data}'s label into {@code bins} bins of equal rows: its exact
     * quantiles (so that the same rows give the same edges on any cluster), ties merged, and none
     * at the minimum (which would leave the first bin empty).
     */
    public static List<Double> edges(Dataset<Row> data, String label, int bins) {
      StringBuilder probabilities = new StringBuilder();
      for (int i = 1; i < bins; i++) {
        probabilities.append(i == 1 ? "" : ", ").append((double) i / bins);
      }
      String value = "cast(`" + label.replace("`", "``") + "` as double)";
      Row quantiles =
          data.where(col(label).isNotNull())
              .agg(
                  expr("percentile(" + value + ", array(" + probabilities + "))"),
                  expr("min(" + value + ")"))
              .first();
      if (quantiles.isNullAt(0)) {
        return List.of();
      }
      double minimum = quantiles.getDouble(1);
      TreeSet<Double> edges = new TreeSet<>(quantiles.<Double>getList(0));
      return List.copyOf(edges.tailSet(minimum, false));
    }

    @Override
    public Column ofRow() {
      return bin(col(label).cast("double"));
    }

    @Override
    public Column ofUnit() {
      return bin(avg(col(label).cast("double")));
    }

    private Column bin(Column value) {
      // Two digits, so that bins sort in order as text.
      Column bin = lit(name(edges.size()));
      for (int i = edges.size() - 1; i >= 0; i--) {
        bin = when(value.lt(edges.get(i)), lit(name(i))).otherwise(bin);
      }
      return when(value.isNull(), lit(null).cast("string")).otherwise(bin);
    }

    private static String name(int bin) {
      return String.format(Locale.ROOT, "bin%02d", bin);
    }

    @Override
    public String describe(String labelClass) {
      if (labelClass == null) {
        return label + " missing";
      }
      int bin = Integer.parseInt(labelClass.substring("bin".length()));
      if (edges.isEmpty()) {
        return label + " (one bin)";
      }
      if (bin == 0) {
        return label + " < " + number(edges.get(0));
      }
      if (bin == edges.size()) {
        return label + " >= " + number(edges.get(bin - 1));
      }
      return label + " in [" + number(edges.get(bin - 1)) + ", " + number(edges.get(bin)) + ")";
    }

    private static String number(double value) {
      return String.format(Locale.ROOT, "%.6g", value).replaceAll("\\.?0+($|e)", "$1");
    }

    @Override
    public List<String> judged(SortedSet<String> inTheWhole) {
      return List.copyOf(inTheWhole);
    }

    @Override
    public String shareMetric(String labelClass) {
      return "bin_share." + labelClass;
    }
  }
}
