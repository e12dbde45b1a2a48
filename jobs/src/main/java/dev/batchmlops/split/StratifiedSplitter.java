package dev.batchmlops.split;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.config.StageConfigs;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Assigns rows to train, validation and test so that every split holds each class, and each value
 * of the stratify-by columns within it, in the whole's proportion, to within one unit per stratum.
 *
 * <p>Algorithm:
 *
 * <ol>
 *   <li>Rows are gathered into units by their key (the id, or an entity such as a customer, so an
 *       entity never spans splits). A unit's class is positive when any of its rows is, or when at
 *       least half are ({@link StageConfigs.EntityLabel}); its stratify-by values are the smallest
 *       of its rows' (missing values a stratum of their own).
 *   <li>Units already assigned by an earlier split (an append-only extension) keep their split;
 *       only the others are allocated, stratified among themselves.
 *   <li>Each stratum's size per split comes from {@link StratumAllocation}; within a stratum, units
 *       are ranked by a hash of their key and the seed (then the key), and the ranks fill train,
 *       then test, then validation. Nothing depends on row order, partitioning or Spark's sampling,
 *       so the same data and seed give the same assignment on any cluster.
 * </ol>
 */
public final class StratifiedSplitter {
  private static final String UNIT = "__split_unit";
  private static final String POSITIVE = "__split_positive";
  private static final String STRATUM = "__split_stratum";
  private static final String RANK = "__split_rank";
  private static final String TRAIN_UNITS = "__split_train_units";
  private static final String TEST_UNITS = "__split_test_units";

  private StratifiedSplitter() {}

  /**
   * How to allocate.
   *
   * @param keyColumn rows with the same key are one unit and share a split
   * @param isPositive true where a row is of the positive class
   * @param positiveClass the positive class as people read it ("defaulted=1"), for describing
   *     strata
   */
  public record Plan(
      String keyColumn,
      Column isPositive,
      String positiveClass,
      List<String> stratifyBy,
      StageConfigs.EntityLabel entityLabel,
      long seed,
      StageConfigs.Ratios ratios) {
    public Plan {
      stratifyBy = List.copyOf(stratifyBy);
    }
  }

  /**
   * @param assigned the input rows with a {@link Splits#COLUMN}
   * @param allocation how many new units of each stratum each split got
   * @param keptUnits units that kept the split an earlier assignment gave them
   */
  public record Result(
      Dataset<Row> assigned, List<StratumAllocation.Allocated> allocation, long keptUnits) {
    public Result {
      allocation = List.copyOf(allocation);
    }

    public long newUnits() {
      return allocation.stream().mapToLong(a -> a.stratum().units()).sum();
    }
  }

  /**
   * @param earlier units assigned before, as rows of (key, split); every unit it names keeps its
   *     split
   */
  public static Result assign(Dataset<Row> data, Plan plan, Optional<Dataset<Row>> earlier) {
    Dataset<Row> units = units(data, plan);
    Dataset<Row> kept = null;
    Dataset<Row> fresh = units;
    long keptUnits = 0;
    if (earlier.isPresent()) {
      Dataset<Row> before =
          earlier
              .get()
              .select(col(plan.keyColumn()).as(UNIT), col(Splits.COLUMN))
              .dropDuplicates(UNIT);
      kept =
          units
              .join(before, units.col(UNIT).eqNullSafe(before.col(UNIT)), "inner")
              .select(units.col(UNIT), before.col(Splits.COLUMN));
      fresh = units.join(before, units.col(UNIT).eqNullSafe(before.col(UNIT)), "left_anti");
      keptUnits = kept.count();
    }

    List<StratumAllocation.Allocated> allocation =
        StratumAllocation.allocate(strata(fresh, plan), plan.ratios());
    Dataset<Row> sizes = sizes(data, allocation);
    Column rank = col(RANK);
    Column split =
        when(rank.leq(col(TRAIN_UNITS)), Splits.TRAIN)
            .when(rank.leq(col(TRAIN_UNITS).plus(col(TEST_UNITS))), Splits.TEST)
            .otherwise(Splits.VALIDATION);
    Column byHash = xxhash64(col(UNIT).cast("string"), lit(plan.seed()));
    Dataset<Row> allocated =
        fresh
            .withColumn(
                RANK,
                row_number()
                    .over(Window.partitionBy(STRATUM).orderBy(byHash, col(UNIT).cast("string"))))
            .join(broadcast(sizes), STRATUM)
            .select(col(UNIT), split.as(Splits.COLUMN));
    Dataset<Row> unitSplits = kept == null ? allocated : allocated.unionByName(kept);
    Dataset<Row> assigned =
        data.join(unitSplits, data.col(plan.keyColumn()).eqNullSafe(unitSplits.col(UNIT)), "left")
            .drop(UNIT);
    return new Result(assigned, allocation, keptUnits);
  }

  /** One row per unit: its key, class, stratify-by values and stratum key. */
  private static Dataset<Row> units(Dataset<Row> data, Plan plan) {
    Column positiveRows = sum(when(plan.isPositive(), 1L).otherwise(0L));
    Column positive =
        switch (plan.entityLabel()) {
          case ANY_POSITIVE -> positiveRows.gt(0);
          case MAJORITY -> positiveRows.multiply(2).geq(count(lit(1)));
        };
    List<Column> aggregates = new ArrayList<>();
    aggregates.add(positive.as(POSITIVE));
    for (int i = 0; i < plan.stratifyBy().size(); i++) {
      aggregates.add(min(col(plan.stratifyBy().get(i)).cast("string")).as(valueColumn(i)));
    }
    Dataset<Row> units =
        data.groupBy(col(plan.keyColumn()).as(UNIT))
            .agg(
                aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new));
    List<Column> parts = new ArrayList<>();
    parts.add(col(POSITIVE).cast("string"));
    for (int i = 0; i < plan.stratifyBy().size(); i++) {
      parts.add(col(valueColumn(i)));
    }
    // JSON keeps a missing value (null) apart from the text "null".
    return units.withColumn(STRATUM, to_json(array(parts.toArray(Column[]::new))));
  }

  private static String valueColumn(int index) {
    return "__split_value_" + index;
  }

  private static List<StratumAllocation.Stratum> strata(Dataset<Row> units, Plan plan) {
    List<Column> keys = new ArrayList<>(List.of(col(STRATUM), col(POSITIVE)));
    for (int i = 0; i < plan.stratifyBy().size(); i++) {
      keys.add(col(valueColumn(i)));
    }
    List<StratumAllocation.Stratum> strata = new ArrayList<>();
    for (Row row : units.groupBy(keys.toArray(Column[]::new)).count().collectAsList()) {
      boolean positive = row.getBoolean(1);
      StringBuilder description =
          new StringBuilder(positive ? "" : "not ").append(plan.positiveClass());
      for (int i = 0; i < plan.stratifyBy().size(); i++) {
        description
            .append(", ")
            .append(plan.stratifyBy().get(i))
            .append('=')
            .append(row.isNullAt(2 + i) ? "<null>" : row.getString(2 + i));
      }
      strata.add(
          new StratumAllocation.Stratum(
              row.getString(0), positive, description.toString(), row.getLong(keys.size())));
    }
    return strata;
  }

  /** The allocation as a small table: stratum, train units, test units. */
  private static Dataset<Row> sizes(Dataset<Row> data, List<StratumAllocation.Allocated> plan) {
    StructType schema =
        new StructType()
            .add(STRATUM, DataTypes.StringType)
            .add(TRAIN_UNITS, DataTypes.LongType)
            .add(TEST_UNITS, DataTypes.LongType);
    List<Row> rows =
        plan.stream()
            .map(a -> RowFactory.create(a.stratum().key(), a.of(Splits.TRAIN), a.of(Splits.TEST)))
            .toList();
    return data.sparkSession().createDataFrame(rows, schema);
  }
}
