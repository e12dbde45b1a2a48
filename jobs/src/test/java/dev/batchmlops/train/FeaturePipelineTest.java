package dev.batchmlops.train;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.metrics.Scoring;
import dev.batchmlops.support.TestConfigs;
import dev.batchmlops.support.TestSpark;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.feature.ImputerModel;
import org.apache.spark.ml.feature.StandardScalerModel;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Preprocessing leakage: every fitted stage learns from the training rows only. */
class FeaturePipelineTest {
  private final PipelineConfig config =
      TestConfigs.load(Path.of("unused"), "http://127.0.0.1:1", Map.of());

  @Test
  void encodersImputersAndScalersAreFittedOnTheTrainingRowsOnly() {
    Dataset<Row> data =
        Scoring.withLabel(
            CreditDataGenerator.generate(TestSpark.session(), 1200, 42), config.dataset());
    Dataset<Row> train = data.where(col("application_id").lt("APP-00000600"));
    // Held-out rows from another world: incomes 100 times larger and a purpose never seen in
    // training.
    Dataset<Row> heldOut =
        data.where(col("application_id").geq("APP-00000600"))
            .withColumn("income", col("income").multiply(100))
            .withColumn("purpose", lit("crypto"));

    PipelineModel model = FeaturePipeline.build(config.dataset(), true).fit(train);

    ImputerModel imputer = stage(model, ImputerModel.class);
    double surrogate =
        imputer
            .surrogateDF()
            .first()
            .getDouble(imputer.surrogateDF().schema().fieldIndex("income"));
    double trainMedian = train.stat().approxQuantile("income", new double[] {0.5}, 0.001)[0];
    double allMedian =
        train.unionByName(heldOut).stat().approxQuantile("income", new double[] {0.5}, 0.001)[0];
    assertEquals(trainMedian, surrogate, trainMedian * 0.01);
    assertTrue(allMedian > 2 * surrogate, "the held-out incomes would have moved it");

    StringIndexerModel indexer = stage(model, StringIndexerModel.class);
    List<String> purposes =
        Arrays.asList(
            indexer.labelsArray()[config.dataset().categoricalFeatures().indexOf("purpose")]);
    assertFalse(purposes.contains("crypto"), purposes.toString());

    StandardScalerModel scaler = stage(model, StandardScalerModel.class);
    // Income has the largest spread of all features: the scaler's largest std is its train std.
    double largestStd = Arrays.stream(scaler.std().toArray()).max().orElseThrow();
    double trainIncomeStd = train.agg(stddev("income")).first().getDouble(0);
    assertEquals(trainIncomeStd, largestStd, trainIncomeStd * 0.05);

    // Unseen values do not crash scoring; they fall in the indexer's extra bucket.
    assertEquals(600, model.transform(heldOut).count());
  }

  private static <T> T stage(PipelineModel model, Class<T> type) {
    return Arrays.stream(model.stages())
        .filter(type::isInstance)
        .map(type::cast)
        .findFirst()
        .orElseThrow();
  }
}
