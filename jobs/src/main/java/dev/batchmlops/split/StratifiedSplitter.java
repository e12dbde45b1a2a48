package dev.batchmlops.split;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.config.StageConfigs;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Assigns rows to train, validation and test so that every split holds each class, and each value
 * of the stratify-by columns within it, in the whole's proportion, to within one unit per stratum.
 *
 * <p>Algorithm:
 *
 * <ol>
 *   <li>Rows are gathered into units by their key (the id, or an entity such as a customer, so an
 *       entity never spans splits). A unit's class comes from its rows' labels as {@link
 *       LabelStrata} says for the task (a binary unit is positive when any of its rows is, or when
 *       at least half are; a multiclass unit has its rows' most common class; a regression unit the
 *       quantile bin of its rows' mean); its stratify-by values are the smallest of its rows'
 *       (missing values a stratum of their own).
 *   <li>Units already assigned by an earlier split (an append-only extension) keep their split;
 *       only the others are allocated, stratified among themselves.
 *   <li>Each stratum's size per split comes from {@link StratumAllocation}; within a stratum, units
 *       are ranked by a hash of their key and the seed (then the key), and the ranks fill train,
 *       then test, then validation. Nothing depends on row order, partitioning or Spark's sampling,
 *       so the same data and seed give the same assignment on any cluster.
 *   <li>The ranking leaves two boundaries per stratum (its last train and last test unit); a unit's
 *       split is where its (hash, key) falls between them. When every key is one row, each row is
 *       placed from its own values that way; only multi-row entities and extensions join rows back
 *       to their units.
 * </ol>
 */
public final class StratifiedSplitter {
  private static final String UNIT = "__split_unit";
  private static final String CLASS = "__split_class";
  private static final String STRATUM = "__split_stratum";
  private static final String RANK = "__split_rank";
  private static final String HASH = "__split_hash";
  private static final String LAST_TRAIN = "__split_last_train";
  private static final String LAST_TEST = "__split_last_test";
  private static final String TRAIN_HASH = "__split_train_hash";
  private static final String TRAIN_KEY = "__split_train_key";
  private static final String TEST_HASH = "__split_test_hash";
  private static final String TEST_KEY = "__split_test_key";

  private StratifiedSplitter() {}

  /**
   * How to allocate.
   *
   * @param keyColumn rows with the same key are one unit and share a split
   * @param label the class each row and unit has, for the task
   * @param oneRowPerKey the data is known to hold one row per key (the contract's uniqueness rule
   *     on the key, an error, passed): rows are units as they are, with no grouping by key
   */
  public record Plan(
      String keyColumn,
      LabelStrata label,
      List<String> stratifyBy,
      long seed,
      StageConfigs.Ratios ratios,
      boolean oneRowPerKey) {
    public Plan {
      stratifyBy = List.copyOf(stratifyBy);
    }

    /**
     * A binary label's plan.
     *
     * @param isPositive true where a row is of the positive class
     * @param positiveClass the positive class as people read it ("defaulted=1")
     */
    public Plan(
        String keyColumn,
        Column isPositive,
        String positiveClass,
        List<String> stratifyBy,
        StageConfigs.EntityLabel entityLabel,
        long seed,
        StageConfigs.Ratios ratios,
        boolean oneRowPerKey) {
      this(
          keyColumn,
          new LabelStrata.Binary(isPositive, positiveClass, entityLabel),
          stratifyBy,
          seed,
          ratios,
          oneRowPerKey);
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
    Dataset<Row> units = plan.oneRowPerKey() ? rowsAsUnits(data, plan) : units(data, plan);
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

    // Grouped units are counted per stratum, then ranked: grouped once for both.
    boolean grouped = !plan.oneRowPerKey();
    if (grouped) {
      fresh = fresh.persist(StorageLevel.MEMORY_AND_DISK());
    }
    List<StratumAllocation.Allocated> allocation;
    Dataset<Row> bounds;
    try {
      allocation = StratumAllocation.allocate(strata(fresh, plan), plan.ratios());
      bounds = boundaries(data.sparkSession(), fresh, allocation, plan.seed());
    } finally {
      if (grouped) {
        fresh.unpersist();
      }
    }
    long newUnits = allocation.stream().mapToLong(a -> a.stratum().units()).sum();
    Dataset<Row> assigned;
    if (kept == null && (plan.oneRowPerKey() || newUnits == data.count())) {
      // Every row is a unit of its own: its split follows from its own values and the boundaries,
      // with no need to join the rows back to their units.
      Dataset<Row> rows = plan.oneRowPerKey() ? fresh : rowsAsUnits(data, plan);
      assigned =
          withSplit(rows, bounds, plan.seed()).drop(UNIT, CLASS, STRATUM).drop(valueColumns(plan));
    } else {
      Dataset<Row> allocated =
          withSplit(fresh, bounds, plan.seed()).select(col(UNIT), col(Splits.COLUMN));
      Dataset<Row> unitSplits = kept == null ? allocated : allocated.unionByName(kept);
      assigned =
          data.join(unitSplits, data.col(plan.keyColumn()).eqNullSafe(unitSplits.col(UNIT)), "left")
              .drop(UNIT);
    }
    return new Result(assigned, allocation, keptUnits);
  }

  /**
   * Where each stratum's ranks change split: the (hash, key) of its last train unit and of its last
   * test unit. Ranking needs one sort of the units; the boundaries it leaves are two rows per
   * stratum, so placing a unit is then a comparison, not a join on its key.
   */
  private static Dataset<Row> boundaries(
      SparkSession spark,
      Dataset<Row> units,
      List<StratumAllocation.Allocated> allocation,
      long seed) {
    Map<String, long[]> last = new HashMap<>();
    for (StratumAllocation.Allocated a : allocation) {
      long train = a.of(Splits.TRAIN);
      last.put(a.stratum().key(), new long[] {train, train + a.of(Splits.TEST)});
    }
    StructType sizesSchema =
        new StructType()
            .add(STRATUM, DataTypes.StringType)
            .add(LAST_TRAIN, DataTypes.LongType)
            .add(LAST_TEST, DataTypes.LongType);
    List<Row> sizeRows =
        last.entrySet().stream()
            .map(e -> RowFactory.create(e.getKey(), e.getValue()[0], e.getValue()[1]))
            .toList();
    Column rank = col(RANK);
    List<Row> edges =
        units
            .select(col(UNIT).cast("string").as(UNIT), col(STRATUM))
            .withColumn(HASH, unitHash(col(UNIT), seed))
            .withColumn(
                RANK, row_number().over(Window.partitionBy(STRATUM).orderBy(col(HASH), col(UNIT))))
            .join(broadcast(spark.createDataFrame(sizeRows, sizesSchema)), STRATUM)
            .where(rank.equalTo(col(LAST_TRAIN)).or(rank.equalTo(col(LAST_TEST))))
            .select(col(STRATUM), rank.cast("long"), col(HASH), col(UNIT))
            .collectAsList();
    Map<String, Object[]> bounds = new HashMap<>();
    for (Row edge : edges) {
      String stratum = edge.getString(0);
      Object[] bound = bounds.computeIfAbsent(stratum, k -> new Object[5]);
      bound[0] = stratum;
      long[] ranks = last.get(stratum);
      if (edge.getLong(1) == ranks[0]) {
        bound[1] = edge.getLong(2);
        bound[2] = edge.getString(3);
      }
      if (edge.getLong(1) == ranks[1]) {
        bound[3] = edge.getLong(2);
        bound[4] = edge.getString(3);
      }
    }
    StructType schema =
        new StructType()
            .add(STRATUM, DataTypes.StringType)
            .add(TRAIN_HASH, DataTypes.LongType)
            .add(TRAIN_KEY, DataTypes.StringType)
            .add(TEST_HASH, DataTypes.LongType)
            .add(TEST_KEY, DataTypes.StringType);
    return spark.createDataFrame(bounds.values().stream().map(RowFactory::create).toList(), schema);
  }

  /**
   * Units with their split: a unit at or before its stratum's last train unit in (hash, key) order
   * is train, then up to the last test unit test, the rest validation, as ranking them would say.
   */
  private static Dataset<Row> withSplit(Dataset<Row> units, Dataset<Row> bounds, long seed) {
    Column key = col(UNIT).cast("string");
    Column hash = unitHash(key, seed);
    Column split =
        when(atOrBefore(hash, key, col(TRAIN_HASH), col(TRAIN_KEY)), Splits.TRAIN)
            .when(atOrBefore(hash, key, col(TEST_HASH), col(TEST_KEY)), Splits.TEST)
            .otherwise(Splits.VALIDATION);
    return units
        .join(broadcast(bounds), units.col(STRATUM).equalTo(bounds.col(STRATUM)), "left")
        .withColumn(Splits.COLUMN, split)
        .drop(bounds.col(STRATUM))
        .drop(TRAIN_HASH, TRAIN_KEY, TEST_HASH, TEST_KEY);
  }

  /**
   * (hash, key) <= (boundHash, boundKey), nulls first as the ranking orders them; no bound: false.
   */
  private static Column atOrBefore(Column hash, Column key, Column boundHash, Column boundKey) {
    Column keyAtOrBefore = key.isNull().or(boundKey.isNotNull().and(key.leq(boundKey)));
    return boundHash
        .isNotNull()
        .and(hash.lt(boundHash).or(hash.equalTo(boundHash).and(keyAtOrBefore)));
  }

  private static Column unitHash(Column key, long seed) {
    return xxhash64(key.cast("string"), lit(seed));
  }

  /** One row per unit: its key, class, stratify-by values and stratum key. */
  private static Dataset<Row> units(Dataset<Row> data, Plan plan) {
    List<Column> aggregates = new ArrayList<>();
    aggregates.add(plan.label().ofUnit().as(CLASS));
    for (int i = 0; i < plan.stratifyBy().size(); i++) {
      aggregates.add(min(col(plan.stratifyBy().get(i)).cast("string")).as(valueColumn(i)));
    }
    return withStratum(
        data.groupBy(col(plan.keyColumn()).as(UNIT))
            .agg(
                aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new)),
        plan);
  }

  /**
   * The rows with the key, class and stratum each would have as a unit of its own: what {@link
   * #units} gives a key held by one row.
   */
  private static Dataset<Row> rowsAsUnits(Dataset<Row> data, Plan plan) {
    Dataset<Row> rows =
        data.withColumn(UNIT, col(plan.keyColumn())).withColumn(CLASS, plan.label().ofRow());
    for (int i = 0; i < plan.stratifyBy().size(); i++) {
      rows = rows.withColumn(valueColumn(i), col(plan.stratifyBy().get(i)).cast("string"));
    }
    return withStratum(rows, plan);
  }

  private static Dataset<Row> withStratum(Dataset<Row> units, Plan plan) {
    List<Column> parts = new ArrayList<>();
    parts.add(col(CLASS));
    for (int i = 0; i < plan.stratifyBy().size(); i++) {
      parts.add(col(valueColumn(i)));
    }
    // JSON keeps a missing value (null) apart from the text "null".
    return units.withColumn(STRATUM, to_json(array(parts.toArray(Column[]::new))));
  }

  private static String[] valueColumns(Plan plan) {
    String[] names = new String[plan.stratifyBy().size()];
    for (int i = 0; i < names.length; i++) {
      names[i] = valueColumn(i);
    }
    return names;
  }

  private static String valueColumn(int index) {
    return "__split_value_" + index;
  }

  private static List<StratumAllocation.Stratum> strata(Dataset<Row> units, Plan plan) {
    List<Column> keys = new ArrayList<>(List.of(col(STRATUM), col(CLASS)));
    for (int i = 0; i < plan.stratifyBy().size(); i++) {
      keys.add(col(valueColumn(i)));
    }
    List<StratumAllocation.Stratum> strata = new ArrayList<>();
    for (Row row : units.groupBy(keys.toArray(Column[]::new)).count().collectAsList()) {
      String labelClass = row.getString(1);
      StringBuilder description = new StringBuilder(plan.label().describe(labelClass));
      for (int i = 0; i < plan.stratifyBy().size(); i++) {
        description
            .append(", ")
            .append(plan.stratifyBy().get(i))
            .append('=')
            .append(row.isNullAt(2 + i) ? "<null>" : row.getString(2 + i));
      }
      strata.add(
          new StratumAllocation.Stratum(
              row.getString(0), labelClass, description.toString(), row.getLong(keys.size())));
    }
    return strata;
  }
}
