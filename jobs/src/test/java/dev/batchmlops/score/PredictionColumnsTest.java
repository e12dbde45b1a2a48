package dev.batchmlops.score;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.PipelineException;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.support.TestConfigs;
import dev.batchmlops.support.TestSpark;
import dev.batchmlops.tracking.ModelRegistry.ModelVersion;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictionColumnsTest {
  @TempDir Path temp;

  /** What MLlib's classifiers leave: the predicted index and every class's probability. */
  private static Dataset<Row> modelOutput(List<Row> rows) {
    StructType schema =
        new StructType()
            .add("id", DataTypes.StringType)
            .add("prediction", DataTypes.DoubleType)
            .add("probability", SQLDataTypes.VectorType());
    return TestSpark.session().createDataFrame(rows, schema);
  }

  private static List<Row> predicted(Dataset<Row> output, PredictionColumns columns) {
    List<Column> selected = new java.util.ArrayList<>(List.of(output.col("id")));
    selected.addAll(columns.columns());
    return output.select(selected.toArray(Column[]::new)).orderBy("id").collectAsList();
  }

  private static ModelVersion version(Map<String, String> tags) {
    return new ModelVersion("batchmlops-penguins", "2", "run", "source", tags);
  }

  private DatasetContract contract(String dataset) {
    return TestConfigs.load(dataset, temp, "http://127.0.0.1:9", Map.of()).dataset();
  }

  @Test
  void aMulticlassVersionWritesTheClassByNameItsProbabilityAndEveryClasssProbability() {
    PredictionColumns columns =
        PredictionColumns.of(
            version(
                Map.of("task", "multiclass", "classes", "[\"Adelie\",\"Chinstrap\",\"Gentoo\"]")),
            contract("penguins"),
            0.5);
    assertEquals(
        new PredictionColumns.Multiclass(List.of("Adelie", "Chinstrap", "Gentoo")), columns);
    List<Row> rows =
        predicted(
            modelOutput(
                List.of(
                    RowFactory.create("a", 1.0, Vectors.dense(0.2, 0.7, 0.1)),
                    RowFactory.create("b", 2.0, Vectors.dense(0.05, 0.15, 0.8)))),
            columns);
    assertEquals("Chinstrap", rows.get(0).getString(1));
    assertEquals(0.7, rows.get(0).getDouble(2), 1e-12);
    assertEquals(
        Map.of("Adelie", 0.2, "Chinstrap", 0.7, "Gentoo", 0.1),
        rows.get(0).<String, Double>getJavaMap(3));
    assertEquals("Gentoo", rows.get(1).getString(1));
    assertEquals(0.8, rows.get(1).getDouble(2), 1e-12);
    assertEquals(
        Map.of("task", "multiclass", "classes", "[\"Adelie\",\"Chinstrap\",\"Gentoo\"]"),
        columns.params());
  }

  @Test
  void aRegressionVersionWritesTheValueAndABinaryOneItsScoreAtItsThreshold() {
    PredictionColumns value =
        PredictionColumns.of(
            version(Map.of("task", "regression")), contract("computer-hardware"), 0.5);
    assertEquals(new PredictionColumns.Regression(), value);
    Dataset<Row> output =
        modelOutput(
            List.of(
                RowFactory.create("a", 1.0, Vectors.dense(0.35, 0.65)),
                RowFactory.create("b", 0.0, Vectors.dense(0.75, 0.25))));
    List<Row> values = predicted(output, value);
    assertEquals(1.0, values.get(0).getDouble(1));
    assertEquals(2, values.get(0).size(), "the id and the value");

    // Binary: a version registered before tasks were tagged is binary; its own threshold decides.
    PredictionColumns binary =
        PredictionColumns.of(version(Map.of("decision_threshold", "0.3")), contract("credit"), 0.5);
    List<Row> scored = predicted(output, binary);
    assertEquals(
        List.of(0.65, 1, 0.3),
        List.of(scored.get(0).get(1), scored.get(0).get(2), scored.get(0).get(3)));
    assertEquals(
        List.of(0.25, 0, 0.3),
        List.of(scored.get(1).get(1), scored.get(1).get(2), scored.get(1).get(3)));
    assertEquals(
        0.5,
        ((PredictionColumns.Binary)
                PredictionColumns.of(version(Map.of()), contract("credit"), 0.5))
            .threshold());
  }

  @Test
  void aVersionOfAnotherTaskOrWithoutItsClassesIsRefusedInOneLine() {
    PipelineException otherTask =
        assertThrows(
            PipelineException.class,
            () -> PredictionColumns.of(version(Map.of()), contract("penguins"), 0.5));
    assertEquals(
        "score: batchmlops-penguins version 2 is a binary model and the contract says"
            + " dataset.task = multiclass: score with a version trained on this contract (--model)",
        otherTask.getMessage());
    PipelineException noClasses =
        assertThrows(
            PipelineException.class,
            () ->
                PredictionColumns.of(
                    version(Map.of("task", "multiclass")), contract("penguins"), 0.5));
    assertEquals(
        "score: batchmlops-penguins version 2 has no 'classes' tag, the order of its classes;"
            + " register it again with this pipeline",
        noClasses.getMessage());
  }
}
