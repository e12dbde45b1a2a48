package dev.batchmlops.leakage;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.config.ColumnSpec;
import dev.batchmlops.config.ConfigLoader;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.config.Severity;
import dev.batchmlops.quality.Finding;
import dev.batchmlops.support.ConfCopies;
import dev.batchmlops.support.ProjectPaths;
import dev.batchmlops.support.TestSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Target leakage for a multiclass and a regression label: the shipped datasets' honest features
 * pass, a planted leak in each is an error, and the scores behave as stated on hand-made cells.
 */
class TaskLeakageTest {
  @TempDir Path temp;

  /** A shipped dataset's configuration, its contract holding one extra feature column. */
  private PipelineConfig config(String dataset, String extraColumn) {
    Path conf = ConfCopies.copy(temp.resolve(dataset + extraColumn.hashCode()));
    ConfCopies.edit(
        conf,
        "datasets/" + dataset + ".conf",
        text -> text.replace("  columns = [\n", "  columns = [\n" + extraColumn + "\n"));
    Map<String, String> overrides =
        Map.of(
            "storage.root", temp.resolve("delta").toString(),
            "storage.landing", temp.resolve("landing").toString(),
            "tracking.uri", "http://127.0.0.1:1");
    return ConfigLoader.load(new ConfigLoader.Request(conf, "test", dataset, overrides), Map.of());
  }

  /** A shipped file's rows, each contract column in its declared type. */
  private static Dataset<Row> rows(DatasetContract contract, String file) {
    Dataset<Row> text =
        TestSpark.session()
            .read()
            .option("header", true)
            .option("nullValue", "NA")
            .csv(ProjectPaths.root().resolve("data").resolve(file).toString());
    List<Column> typed = new ArrayList<>();
    for (ColumnSpec column : contract.columns()) {
      if (List.of(text.columns()).contains(column.name())) {
        typed.add(col(column.name()).cast(column.type().sparkType()).as(column.name()));
      }
    }
    return text.select(typed.toArray(Column[]::new));
  }

  /**
   * A uniform number in [0, 1) from a row's content: noise that does not depend on partitioning.
   */
  private static Column noise(String... columns) {
    return pmod(
            xxhash64(java.util.Arrays.stream(columns).map(c -> col(c)).toArray(Column[]::new)),
            lit(1000))
        .divide(1000.0);
  }

  private static Map<String, Finding> bySubject(List<Finding> findings) {
    Map<String, Finding> map = new LinkedHashMap<>();
    findings.forEach(f -> map.put(f.subject(), f));
    return map;
  }

  @Test
  void aPlantedLeakInTheSpeciesIsAnErrorAndThePenguinsHonestFeaturesAreNot() {
    PipelineConfig config =
        config(
            "penguins",
            "    { name = \"tag_colour\", type = string, role = feature, completeness = 0.0 }");
    DatasetContract contract = config.dataset();
    // A tag colour handed out by species, wrong for about one penguin in twenty.
    Dataset<Row> penguins =
        rows(contract, "penguins/penguins.csv")
            .withColumn(
                "tag_colour",
                when(noise("bill_length_mm", "body_mass_g", "sex", "year").lt(0.05), lit("grey"))
                    .otherwise(col("species").substr(1, 2)));
    Map<String, Double> scores = new LinkedHashMap<>();
    Map<String, Finding> findings =
        bySubject(LeakageDetector.targetLeakage(penguins, contract, config.leakage(), scores));

    Finding leak = findings.get("tag_colour");
    assertEquals(Severity.ERROR, leak.severity(), leak.toString());
    assertFalse(leak.passed(), leak.toString());
    assertTrue(
        leak.message().startsWith("single-feature macro AUC 0.9")
            && leak.message().endsWith(">= error limit 0.97: it encodes the label"),
        leak.message());
    for (String honest :
        List.of("island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")) {
      Finding finding = findings.get(honest);
      assertTrue(finding.passed() || finding.isWarning(), finding.toString());
      assertTrue(scores.get(honest) > 0.6 && scores.get(honest) < 0.97, honest + " " + scores);
    }
    assertEquals(0.5, scores.get("sex"), 0.05, "sex says little about the species");
  }

  @Test
  void aPlantedLeakInThePerformanceIsAnErrorAndTheMachinesHonestFeaturesAreNot() {
    PipelineConfig config =
        config(
            "computer-hardware",
            "    { name = \"benchmark_score\", type = double, role = feature, completeness = 0.0 }");
    DatasetContract contract = config.dataset();
    // A benchmark published with the performance: the same number within a few percent.
    Dataset<Row> machines =
        rows(contract, "computer-hardware/machines.csv")
            .withColumn(
                "benchmark_score",
                col("relative_performance")
                    .multiply(lit(0.97).plus(noise("machine_id").multiply(0.06))));
    Map<String, Double> scores = new LinkedHashMap<>();
    Map<String, Finding> findings =
        bySubject(LeakageDetector.targetLeakage(machines, contract, config.leakage(), scores));

    Finding leak = findings.get("benchmark_score");
    assertEquals(Severity.ERROR, leak.severity(), leak.toString());
    assertFalse(leak.passed(), leak.toString());
    assertTrue(leak.message().startsWith("single-feature rank R2 0.9"), leak.message());
    for (String honest : List.of("vendor", "myct", "mmin", "mmax", "cach", "chmin", "chmax")) {
      Finding finding = findings.get(honest);
      assertTrue(finding.passed() || finding.isWarning(), finding.toString());
      assertTrue(scores.get(honest) < 0.95, honest + " " + scores);
    }
  }

  @Test
  void aNumericLabelsCopyScoresOneLessOneOverTheSquaredBinsAndNoiseAboutZero() {
    Dataset<Row> rows =
        TestSpark.session()
            .range(4000)
            .select(
                pow(col("id").divide(4000.0), 3).multiply(1e6).plus(1e9).as("label"),
                pmod(xxhash64(col("id")), lit(1000)).cast("double").as("unrelated"));
    rows = rows.withColumn("copy", col("label"));
    Map<String, Column> numeric = new LinkedHashMap<>();
    numeric.put("copy", col("copy"));
    numeric.put("unrelated", col("unrelated"));
    Map<String, SingleFeatureScores.Score> scores =
        SingleFeatureScores.score(
            rows, numeric, Map.of(), new SingleFeatureScores.Rank(col("label")), 20, 20);
    // A skewed label around 1e9: ranks keep it from mattering, the moments from cancelling.
    assertEquals(1 - 1.0 / 400, scores.get("copy").value(), 0.002);
    assertEquals(0, scores.get("unrelated").value(), 0.01);
  }

  @Test
  void theAdjustedExplainedShareOfHandMadeCells() {
    // Two cells of two rows: {0, 2} (mean 1) and {4, 6} (mean 5); overall mean 3.
    // Total squares 9 + 1 + 1 + 9 = 20, within 2 + 2 = 4: R2 0.8, adjusted 1 - (4/2)/(20/3) = 0.7.
    List<SingleFeatureScores.Moments> cells =
        List.of(new SingleFeatureScores.Moments(2, 1, 2), new SingleFeatureScores.Moments(2, 5, 2));
    assertEquals(0.7, SingleFeatureScores.adjustedExplainedShare(cells), 1e-12);
    SingleFeatureScores.Moments both = cells.get(0).plus(cells.get(1));
    assertEquals(4, both.rows());
    assertEquals(3, both.mean(), 1e-12);
    assertEquals(20, both.squares(), 1e-12);
    assertEquals(
        0,
        SingleFeatureScores.adjustedExplainedShare(
            List.of(new SingleFeatureScores.Moments(3, 7, 0))),
        "nothing to explain");
  }

  @Test
  void theMacroAucOfHandMadeCellsAveragesTheClassesPresent() {
    SingleFeatureScores.Classes classes =
        new SingleFeatureScores.Classes(col("species"), List.of("a", "b", "c", "absent"));
    // Cells: rows, then counts of a, b, c, absent. Cell 1 is all a; cell 2 half b, half c.
    List<Row> cells =
        List.of(RowFactory.create(40L, 40L, 0L, 0L, 0L), RowFactory.create(40L, 0L, 20L, 20L, 0L));
    // a vs rest: separated (1.0); b vs rest and c vs rest: b's rows all in cell 2 with 20 of the
    // 60 others, so each b outranks 40 of 60 and ties 20: (40 + 10) / 60.
    double expected = (1.0 + 2 * (50.0 / 60)) / 3;
    assertEquals(expected, classes.score(cells, 1), 1e-12);
    assertEquals(0.5, classes.score(cells, 50), 1e-12, "every cell pooled: no separation");
  }
}
