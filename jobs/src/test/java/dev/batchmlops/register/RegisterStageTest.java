package dev.batchmlops.register;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.PipelineException;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.gates.Gates;
import dev.batchmlops.gates.RegistrationDecision;
import dev.batchmlops.metrics.ClassificationMetrics;
import dev.batchmlops.metrics.Fairness;
import dev.batchmlops.pipeline.Evaluation;
import dev.batchmlops.pipeline.PipelineState;
import dev.batchmlops.pipeline.StateStore;
import dev.batchmlops.table.HadoopFiles;
import dev.batchmlops.table.TableVersion;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Register acts only on a gate decision that still describes what it would register. */
class RegisterStageTest {
  private static final TableVersion SPLITS = new TableVersion("/data/credit/splits", 3);
  private static final String SETTINGS = "settings-1";
  @TempDir Path temp;

  private static ClassificationMetrics metrics(long rows, long positives, double auc) {
    return new ClassificationMetrics(
        rows,
        positives,
        20,
        10,
        rows - positives - 10,
        positives - 20,
        0.1,
        auc,
        0.5,
        0.4,
        0.8,
        0.66,
        0.5,
        0.57);
  }

  private static RegistrationDecision decision() {
    return new RegistrationDecision(
        "auc",
        0.8,
        0.78,
        List.of(new Gates.Result("min_metric", 0.8, 0.6, Gates.Verdict.PASSED, "auc 0.8")),
        true,
        true,
        "candidate auc 0.8000 beats the champion 0.7800: promoted");
  }

  /** A decision made for model run-1 on SPLITS, against champion v4. */
  private static Evaluation evaluation(RegistrationDecision decision) {
    return new Evaluation(
        "eval-1",
        "run-1",
        SPLITS,
        0.31,
        metrics(450, 60, 0.8),
        new Evaluation.Baseline(
            StageConfigs.Baseline.REFERENCE, metrics(450, 60, 0.77), metrics(450, 60, Double.NaN)),
        new Evaluation.Champion("4", 0.5, metrics(450, 60, 0.78), Double.NaN),
        List.of(
            new Evaluation.SegmentResult("sex", "female", 12, null, "auc", Double.NaN, Double.NaN),
            new Evaluation.SegmentResult(
                "sex", "male", 438, metrics(438, 58, 0.8), "auc", 0.74, 0.86)),
        List.of(new Fairness("sex", Double.NaN, Double.NaN, Double.NaN, Double.NaN, 1)),
        List.of(),
        decision,
        SETTINGS);
  }

  private static PipelineState state(String modelRunId, TableVersion splits) {
    return PipelineState.empty()
        .withRaw(new TableVersion("/data/credit/raw", 1))
        .withSplits(splits)
        .withModel(
            new PipelineState.TrainedModel(
                modelRunId,
                "/m",
                "mlflow-artifacts:/m",
                "m-1",
                "manifest-hash",
                "b",
                0.13,
                splits,
                0.31,
                "max F1",
                "/r"));
  }

  private static String refusal(Evaluation evaluation, PipelineState state, String champion) {
    return assertThrows(
            PipelineException.class,
            () ->
                RegisterStage.currentDecision(
                    evaluation, state, SETTINGS, Optional.ofNullable(champion)))
        .getMessage();
  }

  @Test
  void aCurrentDecisionIsActedOnAsRecorded() {
    Evaluation evaluation = evaluation(decision());
    assertSame(
        evaluation.decision(),
        RegisterStage.currentDecision(
            evaluation, state("run-1", SPLITS), SETTINGS, Optional.of("4")));
  }

  @Test
  void aMissingOrStaleDecisionIsRefusedSayingWhatChanged() {
    PipelineState current = state("run-1", SPLITS);
    assertEquals(
        "register: the recorded evaluation eval-1 holds no gate decision: run `evaluate` again",
        refusal(evaluation(null), current, "4"));
    assertTrue(
        refusal(evaluation(decision()), state("run-2", SPLITS), "4")
            .contains("not for the current model run-2"));
    assertTrue(
        refusal(
                evaluation(decision()),
                state("run-1", new TableVersion("/data/credit/splits", 4)),
                "4")
            .contains("on /data/credit/splits@v4"));
    assertEquals(
        "register: the champion changed since the gate decision was made (then v4, now v5): run `evaluate`"
            + " again",
        refusal(evaluation(decision()), current, "5"));
    assertTrue(refusal(evaluation(decision()), current, null).contains("now none"));
    assertTrue(
        assertThrows(
                PipelineException.class,
                () ->
                    RegisterStage.currentDecision(
                        evaluation(decision()), current, "settings-2", Optional.of("4")))
            .getMessage()
            .startsWith("register: the register.* or evaluate.* settings changed"));
  }

  @Test
  void theDecisionSurvivesTheStateFileWithUndefinedMetricsAndTooSmallSegments() {
    StateStore store =
        new StateStore(new HadoopFiles(new Configuration()), temp.resolve("state.json").toString());
    PipelineState state = state("run-1", SPLITS).withEvaluation(evaluation(decision()));
    store.save(state);
    PipelineState loaded = store.load();
    assertEquals(state, loaded);
    assertTrue(loaded.evaluation().segments().get(0).tooSmall());
    assertTrue(Double.isNaN(loaded.evaluation().baseline().prior().metric("auc")));
    assertEquals(
        evaluation(decision()).decision(),
        RegisterStage.currentDecision(loaded.evaluation(), loaded, SETTINGS, Optional.of("4")));
  }

  @Test
  void aVersionBuiltFromTheSameDataSplitSettingsAndCodeIsFoundAndAnyDifferenceIsAnotherBuild() {
    java.util.Map<String, String> build =
        java.util.Map.of(
            "raw_table", "/data/credit/raw@v2",
            "split_fingerprint", "ab12",
            "config_hash", "c0ffee",
            "git_commit", "4c33118",
            "run_id", "run-9");
    var v1 = new dev.batchmlops.tracking.ModelRegistry.ModelVersion("m", "1", "run-1", "s", build);
    var other = new java.util.HashMap<>(build);
    other.put("split_fingerprint", "cd34");
    var v2 = new dev.batchmlops.tracking.ModelRegistry.ModelVersion("m", "2", "run-2", "s", other);
    var old =
        new dev.batchmlops.tracking.ModelRegistry.ModelVersion(
            "m", "0", "run-0", "s", java.util.Map.of("raw_table", "/data/credit/raw@v2"));
    assertEquals(Optional.of(v1), RegisterStage.sameBuild(List.of(old, v2, v1), build));
    for (String key : RegisterStage.BUILD_IDENTITY) {
      var changed = new java.util.HashMap<>(build);
      changed.put(key, "something else");
      assertEquals(Optional.empty(), RegisterStage.sameBuild(List.of(old, v1), changed), key);
    }
  }
}
