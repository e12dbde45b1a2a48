package dev.batchmlops.split;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.support.SkewedCredit;
import dev.batchmlops.support.TestSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** The stratified split on generated data: exact shares, determinism, entities and appends. */
class StratifiedSplitterTest {
  private static final StageConfigs.Ratios RATIOS = new StageConfigs.Ratios(0.7, 0.15, 0.15);
  private static final List<String> SEGMENTS = List.of("sex", "region");
  private static final Column DEFAULTED = col("defaulted").cast("string").equalTo("1");

  /** 6,000 applications of which 5% default, with two segment columns (sex, region). */
  private static final Dataset<Row> SKEWED = SkewedCredit.generate(6000).cache();

  /** 856 rows of which exactly 12 default: the rare class a user brought. */
  private static final Dataset<Row> TWELVE =
      CreditDataGenerator.generate(TestSpark.session(), 856, 7)
          .withColumn("defaulted", when(col("application_id").isin(twelveIds()), 1).otherwise(0))
          .cache();

  private static Object[] twelveIds() {
    List<Object> ids = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      ids.add(String.format("APP-%08d", 30 + i * 67));
    }
    return ids.toArray();
  }

  /** A plan stratified by {@code stratifyBy}; application ids are known unique, customers not. */
  private static StratifiedSplitter.Plan plan(String key, List<String> stratifyBy) {
    return plan(key, stratifyBy, key.equals("application_id"));
  }

  private static StratifiedSplitter.Plan plan(
      String key, List<String> stratifyBy, boolean oneRowPerKey) {
    return new StratifiedSplitter.Plan(
        key,
        DEFAULTED,
        "defaulted=1",
        stratifyBy,
        StageConfigs.EntityLabel.ANY_POSITIVE,
        42,
        RATIOS,
        oneRowPerKey);
  }

  private static Dataset<Row> split(Dataset<Row> data, List<String> stratifyBy) {
    return StratifiedSplitter.assign(data, plan("application_id", stratifyBy), Optional.empty())
        .assigned();
  }

  /**
   * Every stratum (the label crossed with {@code stratifyBy}) is in every split in the whole's
   * proportion, to within one row.
   */
  static void assertWithinOneRowPerStratum(
      Dataset<Row> assigned, List<String> stratifyBy, StageConfigs.Ratios ratios) {
    assertWithinOneRowPerStratum(assigned, col("defaulted").cast("string"), stratifyBy, ratios);
  }

  /** As above, for the label's class in {@code labelClass} (a class, or a bin). */
  static void assertWithinOneRowPerStratum(
      Dataset<Row> assigned,
      Column labelClass,
      List<String> stratifyBy,
      StageConfigs.Ratios ratios) {
    List<Column> keys = new ArrayList<>(List.of(labelClass));
    stratifyBy.forEach(c -> keys.add(coalesce(col(c).cast("string"), lit("<null>"))));
    Map<String, Map<String, Long>> strata = new TreeMap<>();
    List<Column> grouping = new ArrayList<>(keys);
    grouping.add(col(Splits.COLUMN));
    for (Row row : assigned.groupBy(grouping.toArray(Column[]::new)).count().collectAsList()) {
      StringBuilder stratum = new StringBuilder();
      for (int i = 0; i < keys.size(); i++) {
        stratum.append(row.getString(i)).append('|');
      }
      strata
          .computeIfAbsent(stratum.toString(), k -> new TreeMap<>())
          .put(row.getString(keys.size()), row.getLong(keys.size() + 1));
    }
    assertFalse(strata.isEmpty());
    strata.forEach(
        (stratum, bySplit) -> {
          long units = bySplit.values().stream().mapToLong(Long::longValue).sum();
          for (String split : Splits.ALL) {
            double quota = units * StratumAllocation.share(ratios, split);
            long got = bySplit.getOrDefault(split, 0L);
            assertTrue(
                Math.abs(got - quota) < 1,
                "stratum " + stratum + " in " + split + ": " + got + " rows, quota " + quota);
          }
        });
  }

  private static Map<String, Long> positivesPerSplit(Dataset<Row> assigned) {
    Map<String, Long> counts = new TreeMap<>();
    for (Row row : assigned.where(DEFAULTED).groupBy(Splits.COLUMN).count().collectAsList()) {
      counts.put(row.getString(0), row.getLong(1));
    }
    return counts;
  }

  @Test
  void aFivePercentClassAndEverySegmentKeepTheWholesShareInEverySplit() {
    Dataset<Row> assigned = split(SKEWED, SEGMENTS).cache();
    assertWithinOneRowPerStratum(assigned, SEGMENTS, RATIOS);
    // The class as a whole: each split's positives within a row of its quota.
    long positives = SKEWED.where(DEFAULTED).count();
    positivesPerSplit(assigned)
        .forEach(
            (split, count) ->
                assertEquals(
                    positives * StratumAllocation.share(RATIOS, split), count, 1.0, split));
    // And the balance check agrees, with nothing to warn about.
    SplitBalance.Result balance =
        SplitBalance.check(
            assigned,
            dev.batchmlops.support.TestConfigs.load(
                    java.nio.file.Path.of("unused"), "http://127.0.0.1:1", Map.of())
                .dataset(),
            SEGMENTS,
            0.01,
            10);
    for (String split : Splits.ALL) {
      assertEquals(
          (double) positives / 6000,
          balance.metrics().get(split + "_positive_share"),
          0.005,
          split);
    }
    assertEquals(6000, assigned.count());
    assigned.unpersist();
  }

  @Test
  void twelvePositivesGoEightTwoAndTwoWithOrWithoutSegments() {
    Map<String, Long> expected = Map.of("train", 8L, "validation", 2L, "test", 2L);
    assertEquals(expected, positivesPerSplit(split(TWELVE, List.of())));
    Dataset<Row> bySegments = split(TWELVE, SEGMENTS);
    assertEquals(expected, positivesPerSplit(bySegments), "small strata spread, not all in train");
    assertWithinOneRowPerStratum(bySegments, SEGMENTS, RATIOS);
  }

  @Test
  void sameAssignmentWhateverThePartitioningOrRowOrder() {
    List<Row> reference = ordered(split(SKEWED.coalesce(1), SEGMENTS));
    assertEquals(reference, ordered(split(SKEWED.repartition(7), SEGMENTS)));
    assertEquals(reference, ordered(split(SKEWED.orderBy(col("income").desc()), SEGMENTS)));
    assertNotEquals(
        reference,
        ordered(
            StratifiedSplitter.assign(
                    SKEWED,
                    new StratifiedSplitter.Plan(
                        "application_id",
                        DEFAULTED,
                        "defaulted=1",
                        SEGMENTS,
                        StageConfigs.EntityLabel.ANY_POSITIVE,
                        7,
                        RATIOS,
                        true),
                    Optional.empty())
                .assigned()),
        "another seed, another draw");
  }

  private static List<Row> ordered(Dataset<Row> assigned) {
    return assigned
        .select("application_id", Splits.COLUMN)
        .orderBy("application_id")
        .collectAsList();
  }

  /** SKEWED with three applications per customer. */
  private static Dataset<Row> withCustomers() {
    return SKEWED.withColumn(
        "customer_id",
        concat(
            lit("C-"),
            regexp_extract(col("application_id"), "(\\d+)", 1)
                .cast("long")
                .divide(3)
                .cast("long")
                .cast("string")));
  }

  @Test
  void theAssignmentOfGivenDataAndSeedNeverChanges() {
    // Recorded once: a change to how rows are allocated would move rows between the splits of
    // every user's existing data, so it must show here first.
    String rows =
        SplitFingerprint.of(
            StratifiedSplitter.assign(SKEWED, plan("application_id", SEGMENTS), Optional.empty())
                .assigned(),
            "application_id");
    String grouped =
        SplitFingerprint.of(
            StratifiedSplitter.assign(
                    SKEWED, plan("application_id", SEGMENTS, false), Optional.empty())
                .assigned(),
            "application_id");
    String entities =
        SplitFingerprint.of(
            StratifiedSplitter.assign(
                    withCustomers(), plan("customer_id", SEGMENTS), Optional.empty())
                .assigned(),
            "application_id");
    String extended =
        SplitFingerprint.of(
            StratifiedSplitter.assign(
                    SKEWED,
                    plan("application_id", SEGMENTS),
                    Optional.of(
                        split(SKEWED.where(col("application_id").lt("APP-00003000")), SEGMENTS)))
                .assigned(),
            "application_id");
    assertEquals("fdc1d2ea8c408d6e", rows, "one row per unit");
    assertEquals(rows, grouped, "one row per unit, found by grouping rows by their key");
    assertEquals("3595d757cdf7dac2", entities, "entities of three rows");
    assertEquals("67c69962567658e2", extended, "an extension of an earlier split");
  }

  @Test
  void entitiesNeverSpanSplitsAndAreStratifiedByTheirClass() {
    Dataset<Row> withCustomers = withCustomers();
    StratifiedSplitter.Result result =
        StratifiedSplitter.assign(withCustomers, plan("customer_id", SEGMENTS), Optional.empty());
    Dataset<Row> assigned = result.assigned().cache();
    assertEquals(6000, assigned.count());
    assertEquals(
        0,
        assigned
            .groupBy("customer_id")
            .agg(countDistinct(Splits.COLUMN).as("splits"))
            .where(col("splits").gt(1))
            .count(),
        "an entity never spans splits");
    assertEquals(2000, result.newUnits(), "whole entities are allocated");
    // Customers with any default, per split, in the proportion of all such customers.
    Dataset<Row> customers =
        assigned.groupBy("customer_id", Splits.COLUMN).agg(max(col("defaulted")).as("defaulted"));
    long defaulters = customers.where(col("defaulted").equalTo(1)).count();
    for (Row row :
        customers
            .where(col("defaulted").equalTo(1))
            .groupBy(Splits.COLUMN)
            .count()
            .collectAsList()) {
      double quota = defaulters * StratumAllocation.share(RATIOS, row.getString(0));
      assertEquals(quota, row.getLong(1), 1.0, row.getString(0));
    }
    assigned.unpersist();
  }

  @Test
  void anEntitysClassIsAnyPositiveRowOrTheMajorityAsConfigured() {
    // Three applications per customer; customer 0 has one defaulted application of three, customer
    // 1 two of three, customer 2 none.
    Dataset<Row> rows =
        SKEWED
            .where(col("application_id").lt("APP-00000009"))
            .withColumn("n", regexp_extract(col("application_id"), "(\\d+)", 1).cast("int"))
            .withColumn("customer_id", col("n").divide(3).cast("int").cast("string"))
            .withColumn("defaulted", when(col("n").isin(0, 3, 4), 1).otherwise(0));
    for (var entityLabel : StageConfigs.EntityLabel.values()) {
      StratifiedSplitter.Result result =
          StratifiedSplitter.assign(
              rows,
              new StratifiedSplitter.Plan(
                  "customer_id",
                  DEFAULTED,
                  "defaulted=1",
                  List.of(),
                  entityLabel,
                  42,
                  RATIOS,
                  false),
              Optional.empty());
      long positiveCustomers =
          result.allocation().stream()
              .filter(a -> a.stratum().positive())
              .mapToLong(a -> a.stratum().units())
              .sum();
      assertEquals(
          entityLabel == StageConfigs.EntityLabel.ANY_POSITIVE ? 2 : 1,
          positiveCustomers,
          entityLabel.toString());
    }
  }

  @Test
  void appendedRowsNeverMoveEarlierOnesAndAreBalancedAmongThemselves() {
    Dataset<Row> firstBatch = SKEWED.where(col("application_id").lt("APP-00003000"));
    Dataset<Row> earlier = split(firstBatch, SEGMENTS).cache();
    StratifiedSplitter.Result grown =
        StratifiedSplitter.assign(SKEWED, plan("application_id", SEGMENTS), Optional.of(earlier));
    Dataset<Row> assigned = grown.assigned().cache();
    assertEquals(3000, grown.keptUnits());
    assertEquals(3000, grown.newUnits());
    assertEquals(6000, assigned.count());
    assertEquals(
        0,
        earlier
            .select("application_id", Splits.COLUMN)
            .except(assigned.select("application_id", Splits.COLUMN))
            .count(),
        "every earlier row keeps its split");
    assertWithinOneRowPerStratum(
        assigned.where(col("application_id").geq("APP-00003000")), SEGMENTS, RATIOS);
    earlier.unpersist();
    assigned.unpersist();
  }
}
