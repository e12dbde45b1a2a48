package dev.batchmlops.split;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.quality.Finding;
import dev.batchmlops.quality.QualityReport;
import dev.batchmlops.support.TestSpark;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The stratified split and its balance check for a multiclass and a regression label. */
class TaskStrataTest {
  private static final StageConfigs.Ratios RATIOS = new StageConfigs.Ratios(0.7, 0.15, 0.15);
  private static final List<String> ISLAND = List.of("island");

  /**
   * 3,000 rows: a species of three classes (60%, 30%, 10%), an island of three values, and a skewed
   * amount (the exponential of a uniform value).
   */
  private static final Dataset<Row> ROWS =
      TestSpark.session()
          .range(3000)
          .select(
              format_string("R%05d", col("id")).as("id"),
              pmod(xxhash64(col("id"), lit(1)), lit(100)).as("draw"),
              pmod(xxhash64(col("id"), lit(2)), lit(3)).as("place"),
              exp(pmod(xxhash64(col("id"), lit(3)), lit(1000)).divide(200.0)).as("amount"))
          .select(
              col("id"),
              when(col("draw").lt(60), "Adelie")
                  .when(col("draw").lt(90), "Gentoo")
                  .otherwise("Chinstrap")
                  .as("species"),
              element_at(
                      array(lit("Biscoe"), lit("Dream"), lit("Torgersen")),
                      col("place").plus(1).cast("int"))
                  .as("island"),
              col("amount"))
          .cache();

  private static StratifiedSplitter.Result split(LabelStrata label) {
    return StratifiedSplitter.assign(
        ROWS, new StratifiedSplitter.Plan("id", label, ISLAND, 42, RATIOS, true), Optional.empty());
  }

  @Test
  void everyClassAndEveryIslandWithinItKeepsTheWholesShareInEverySplit() {
    LabelStrata species = new LabelStrata.Classes("species");
    Dataset<Row> assigned = split(species).assigned().cache();
    assertEquals(3000, assigned.count());
    StratifiedSplitterTest.assertWithinOneRowPerStratum(assigned, col("species"), ISLAND, RATIOS);

    SplitBalance.Result balance = SplitBalance.check(assigned, species, ISLAND, 0.01, 10);
    QualityReport report = new QualityReport("species", balance.findings());
    assertTrue(report.passed(), report.summary());
    assertTrue(report.warnings().isEmpty(), report.summary());
    double chinstrap = ROWS.where(col("species").equalTo("Chinstrap")).count() / 3000.0;
    for (String split : Splits.ALL) {
      assertEquals(chinstrap, balance.metrics().get(split + "_class_share.Chinstrap"), 0.003);
    }
    assertEquals(SplitBalance.CLASS_COLUMNS, balance.columns());
    assertTrue(
        balance.rows().stream()
            .anyMatch(
                row ->
                    row.get("split").equals("test")
                        && row.get("group").equals("island=Dream")
                        && row.get("class").equals("species=Gentoo")),
        balance.rows().toString());
    assigned.unpersist();
  }

  @Test
  void aClassWithNoTestRowsIsAnErrorNamingIt() {
    LabelStrata species = new LabelStrata.Classes("species");
    Dataset<Row> noChinstrapInTest =
        split(species)
            .assigned()
            .withColumn(
                Splits.COLUMN,
                when(
                        col("species").equalTo("Chinstrap").and(col(Splits.COLUMN).equalTo("test")),
                        Splits.TRAIN)
                    .otherwise(col(Splits.COLUMN)));
    QualityReport report =
        new QualityReport(
            "species",
            SplitBalance.check(noChinstrapInTest, species, List.of(), 0.01, 10).findings());
    assertFalse(report.passed());
    Finding missing =
        report.errors().stream()
            .filter(f -> f.subject().equals("test: species=Chinstrap"))
            .filter(f -> f.check().startsWith("at least 10 rows of each class"))
            .findFirst()
            .orElseThrow(() -> new AssertionError(report.summary()));
    assertTrue(missing.message().startsWith("no rows of this class"), missing.message());
  }

  @Test
  void aRegressionLabelIsStratifiedByTheQuantileBinsOfTheWhole() {
    List<Double> edges = LabelStrata.Bins.edges(ROWS, "amount", 5);
    assertEquals(4, edges.size(), edges.toString());
    LabelStrata.Bins bins = new LabelStrata.Bins("amount", edges);
    // Each bin holds a fifth of the rows (the amounts are distinct but for a few ties).
    Map<String, Long> perBin = counts(ROWS.select(bins.ofRow().as("bin")));
    assertEquals(5, perBin.size(), perBin.toString());
    perBin.values().forEach(n -> assertEquals(600, n, 10, perBin.toString()));

    Dataset<Row> assigned = split(bins).assigned().cache();
    StratifiedSplitterTest.assertWithinOneRowPerStratum(assigned, bins.ofRow(), ISLAND, RATIOS);
    QualityReport report =
        new QualityReport(
            "amount", SplitBalance.check(assigned, bins, ISLAND, 0.01, 10).findings());
    assertTrue(report.passed(), report.summary());
    // The mean amount of each split is the whole's, to within a few percent.
    double mean = ROWS.agg(avg("amount")).first().getDouble(0);
    for (Row row : assigned.groupBy(Splits.COLUMN).agg(avg("amount")).collectAsList()) {
      assertEquals(mean, row.getDouble(1), 0.05 * mean, row.getString(0));
    }
    assigned.unpersist();
  }

  @Test
  void binEdgesAreTheExactQuantilesAndReadAsRanges() {
    Dataset<Row> oneToAThousand =
        TestSpark.session().range(1, 1001).select(col("id").cast("int").as("price"));
    List<Double> edges = LabelStrata.Bins.edges(oneToAThousand, "price", 5);
    assertEquals(List.of(200.8, 400.6, 600.4, 800.2), edges);
    LabelStrata.Bins bins = new LabelStrata.Bins("price", edges);
    assertEquals("price < 200.8", bins.describe("bin00"));
    assertEquals("price in [400.6, 600.4)", bins.describe("bin02"));
    assertEquals("price >= 800.2", bins.describe("bin04"));
    assertEquals(
        Map.of("bin00", 200L, "bin01", 200L, "bin02", 200L, "bin03", 200L, "bin04", 200L),
        counts(oneToAThousand.select(bins.ofRow().as("bin"))));
    // Ties merge edges, and none sits at the minimum: a label of mostly zeros has fewer bins, and
    // none of them is empty.
    Dataset<Row> mostlyZero =
        oneToAThousand.select(when(col("price").leq(700), 0).otherwise(col("price")).as("price"));
    assertEquals(List.of(800.2), LabelStrata.Bins.edges(mostlyZero, "price", 5));
  }

  @Test
  void anEntityIsOfItsRowsMostCommonClassOrTheBinOfItsMeanLabel() {
    StructType schema =
        new StructType()
            .add("row_id", DataTypes.StringType)
            .add("customer", DataTypes.StringType)
            .add("species", DataTypes.StringType)
            .add("amount", DataTypes.DoubleType);
    Dataset<Row> rows =
        TestSpark.session()
            .createDataFrame(
                List.of(
                    RowFactory.create("1", "two gentoo", "Adelie", 1.0),
                    RowFactory.create("2", "two gentoo", "Gentoo", 1.0),
                    RowFactory.create("3", "two gentoo", "Gentoo", 1.0),
                    RowFactory.create("4", "a tie", "Gentoo", 1.0),
                    RowFactory.create("5", "a tie", "Adelie", 100.0),
                    RowFactory.create("6", "one chinstrap", "Chinstrap", 100.0)),
                schema);
    assertEquals(
        Map.of("Adelie", 1L, "Gentoo", 1L, "Chinstrap", 1L),
        unitsPerClass(rows, new LabelStrata.Classes("species")),
        "a tie goes to the class first in order");
    // Means 1, 50.5 and 100 against edges 10 and 60.
    assertEquals(
        Map.of("bin00", 1L, "bin01", 1L, "bin02", 1L),
        unitsPerClass(rows, new LabelStrata.Bins("amount", List.of(10.0, 60.0))));
  }

  private static Map<String, Long> unitsPerClass(Dataset<Row> rows, LabelStrata label) {
    StratifiedSplitter.Result result =
        StratifiedSplitter.assign(
            rows,
            new StratifiedSplitter.Plan("customer", label, List.of(), 42, RATIOS, false),
            Optional.empty());
    assertEquals(
        0,
        result
            .assigned()
            .groupBy("customer")
            .agg(countDistinct(Splits.COLUMN).as("splits"))
            .where(col("splits").gt(1))
            .count(),
        "a customer's rows share a split");
    return result.allocation().stream()
        .collect(
            Collectors.groupingBy(
                a -> a.stratum().labelClass(),
                TreeMap::new,
                Collectors.summingLong(a -> a.stratum().units())));
  }

  private static Map<String, Long> counts(Dataset<Row> oneColumn) {
    Map<String, Long> counts = new TreeMap<>();
    for (Row row : oneColumn.groupBy(oneColumn.columns()[0]).count().collectAsList()) {
      counts.put(row.getString(0), row.getLong(1));
    }
    return counts;
  }
}
