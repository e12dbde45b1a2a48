package dev.batchmlops.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.PipelineException;
import dev.batchmlops.config.ModelFamily;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.metrics.ClassificationMetrics;
import dev.batchmlops.table.TableVersion;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Whether the validation split can choose among the trials, and how reliably. */
class ValidationEvidenceTest {
  private static final TableVersion SPLITS = new TableVersion("/data/credit/splits", 3);

  private static StageConfigs.Train search(int folds) {
    return new StageConfigs.Train(
        true,
        "area_under_pr",
        new StageConfigs.Search(StageConfigs.SearchStrategy.GRID, 2, folds, 1),
        List.of(new StageConfigs.ModelSpace(ModelFamily.LOGISTIC_REGRESSION, Map.of())),
        100_000);
  }

  /** A validation split of 130 rows holding {@code positives}, scored by the prior. */
  private static ClassificationMetrics validation(long positives) {
    long negatives = 130 - positives;
    double auc = positives == 0 ? Double.NaN : 0.5;
    return new ClassificationMetrics(
        130, positives, 0, 0, negatives, positives, 0.1, auc, auc, 0.3, 0.9, 0, 0, 0);
  }

  @Test
  void aValidationSplitWithoutPositivesCannotRankTrialsUnlessFoldsDo() {
    PipelineException error =
        assertThrows(
            PipelineException.class,
            () -> TrainStage.validationEvidence(validation(0), search(0), 10, SPLITS));
    assertEquals(
        "train: the validation split of /data/credit/splits@v3 holds 0 positive rows of 130, so"
            + " area_under_pr cannot rank the trials; split with split.method = stratified, add"
            + " rows, or rank by cross-validation (train.search.folds)",
        error.getMessage());
    assertEquals(
        "true",
        TrainStage.validationEvidence(validation(0), search(3), 10, SPLITS)
            .get("batchmlops.selection_reliable"),
        "folds of train rank the trials instead");
  }

  @Test
  void fewPositivesAreSaidToBeUnreliableEnoughAreNot() {
    Map<String, String> few = TrainStage.validationEvidence(validation(2), search(0), 10, SPLITS);
    assertEquals("false", few.get("batchmlops.selection_reliable"));
    assertEquals("2", few.get("batchmlops.validation_positives"));
    assertEquals(
        "true",
        TrainStage.validationEvidence(validation(20), search(0), 10, SPLITS)
            .get("batchmlops.selection_reliable"));
  }
}
