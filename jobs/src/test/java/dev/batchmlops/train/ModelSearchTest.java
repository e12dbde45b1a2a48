package dev.batchmlops.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.config.ModelFamily;
import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.metrics.Scoring;
import dev.batchmlops.split.HashSplitter;
import dev.batchmlops.support.TestConfigs;
import dev.batchmlops.support.TestSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** The search core on featurised rows: k-fold scores, the winner, and every trial reported. */
class ModelSearchTest {
  private final PipelineConfig config =
      TestConfigs.load(Path.of("unused"), "http://127.0.0.1:1", Map.of());

  @Test
  void withFoldsTrialsAreRankedByTheirMeanFoldScore() {
    Dataset<Row> data =
        HashSplitter.assign(
            Scoring.withLabel(
                CreditDataGenerator.generate(TestSpark.session(), 600, 42), config.dataset()),
            "application_id",
            42,
            new StageConfigs.Ratios(0.7, 0.15, 0.15));
    Dataset<Row> train = data.where("split = 'train'");
    PipelineModel features = FeaturePipeline.build(config.dataset(), true).fit(train);
    Dataset<Row> trainFeatures = features.transform(train).cache();
    Dataset<Row> validationFeatures = features.transform(data.where("split = 'validation'"));

    Map<String, List<Double>> space = new LinkedHashMap<>();
    space.put("regParam", List.of(0.01, 10.0));
    StageConfigs.Train settings =
        new StageConfigs.Train(
            true,
            "auc",
            new StageConfigs.Search(StageConfigs.SearchStrategy.GRID, 2, 2, 2),
            List.of(new StageConfigs.ModelSpace(ModelFamily.LOGISTIC_REGRESSION, space)),
            100_000);
    List<ModelSearch.TrialResult> reported = Collections.synchronizedList(new ArrayList<>());
    List<ModelSearch.TrialResult> results =
        ModelSearch.run(
            trainFeatures,
            validationFeatures,
            "application_id",
            SearchPlan.trials(settings, 42),
            settings,
            42,
            ModelSearch.atThreshold(0.5),
            reported::add);

    assertEquals(2, results.size());
    assertEquals(2, reported.size(), "every trial is reported as it finishes");
    for (ModelSearch.TrialResult result : results) {
      assertTrue(result.crossValidated().isPresent());
      assertEquals(result.crossValidated().getAsDouble(), result.score());
      assertTrue(result.score() > 0.5 && result.score() < 1, "mean fold AUC " + result.score());
    }
    ModelSearch.TrialResult best = ModelSearch.best(results, false);
    assertEquals(
        results.stream().mapToDouble(ModelSearch.TrialResult::score).max().orElseThrow(),
        best.score());
  }
}
