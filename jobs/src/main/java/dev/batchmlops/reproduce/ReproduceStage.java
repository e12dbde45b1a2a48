package dev.batchmlops.reproduce;

import dev.batchmlops.Fingerprints;
import dev.batchmlops.PipelineException;
import dev.batchmlops.config.ConfigLoader;
import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.evaluate.EvaluateStage;
import dev.batchmlops.integrity.ModelIntegrity;
import dev.batchmlops.pipeline.BuildInfo;
import dev.batchmlops.pipeline.Evaluation;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.pipeline.PipelineState;
import dev.batchmlops.spark.OnDemandSpark;
import dev.batchmlops.split.SplitStage;
import dev.batchmlops.table.StorageLayout;
import dev.batchmlops.table.TableVersion;
import dev.batchmlops.tracking.ExperimentTracker;
import dev.batchmlops.tracking.ModelRegistry;
import dev.batchmlops.tracking.ModelRegistry.ModelVersion;
import dev.batchmlops.train.TrainStage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Rebuilds a registered version from its lineage and says whether it came out the same: the raw
 * table version it names, the configuration (and so the seed) its training run recorded, split,
 * trained and evaluated again in a scratch folder, never touching the dataset's tables or state.
 * The version passes when its split fingerprint is identical and every training parameter and test
 * metric matches (to {@link #TOLERANCE}, on the same Spark master and partitioning).
 */
public final class ReproduceStage {
  /** How close a rebuilt test metric must come to the registered one. */
  public static final double TOLERANCE = 1e-9;

  /** Where training runs record the configuration they ran with. */
  public static final String RECORDED_CONFIG = "config/resolved.json";

  private static final String CONFIG_HASH_TAG = "batchmlops.config_hash";
  private static final String GIT_COMMIT_TAG = "batchmlops.git_commit";

  private static final List<String> LINEAGE = List.of("raw_table", "split_fingerprint", "run_id");

  private ReproduceStage() {}

  /** One thing compared: what it is, its registered and rebuilt values, and whether they agree. */
  public record Comparison(String what, String registered, String rebuilt, boolean matches) {}

  /**
   * The comparisons, in the order they were made, and what a reader should know about them.
   *
   * @param notes the code commit differing, a check skipped because an earlier one failed
   */
  public record Result(ModelVersion version, List<Comparison> comparisons, List<String> notes) {
    public boolean reproduced() {
      return comparisons.stream().allMatch(Comparison::matches);
    }

    public List<Comparison> differences() {
      return comparisons.stream().filter(c -> !c.matches()).toList();
    }
  }

  /**
   * @param current this command's configuration: where the scratch tables go and the tracking
   *     server; everything else comes from what the version's training run recorded
   */
  public static Result run(
      PipelineConfig current,
      OnDemandSpark spark,
      ExperimentTracker tracker,
      ModelRegistry registry,
      String model,
      String versionNumber) {
    ModelVersion version =
        registry
            .version(model, versionNumber)
            .orElseThrow(
                () ->
                    new PipelineException(
                        "reproduce: model " + model + " has no version " + versionNumber));
    for (String tag : LINEAGE) {
      if (!version.tags().containsKey(tag)) {
        throw new PipelineException(
            "reproduce: model "
                + model
                + " version "
                + versionNumber
                + " has no lineage tag '"
                + tag
                + "': it was not registered by this pipeline");
      }
    }
    String trainRun = version.tags().get("run_id");
    String recordedText =
        registry
            .runArtifactText(trainRun, RECORDED_CONFIG)
            .orElseThrow(
                () ->
                    new PipelineException(
                        "reproduce: training run "
                            + trainRun
                            + " of version "
                            + versionNumber
                            + " holds no "
                            + RECORDED_CONFIG));
    List<Comparison> comparisons = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    String recordedHash = Fingerprints.sha256(recordedText).substring(0, 16);
    Map<String, String> trainTags = tracker.tags(trainRun);
    // The training run's own hash of its settings: a recorded file changed since fails here.
    compare(comparisons, "config_hash", trainTags.get(CONFIG_HASH_TAG), recordedHash);
    String commit = trainTags.getOrDefault(GIT_COMMIT_TAG, "unknown");
    if (!commit.equals(BuildInfo.gitCommit())) {
      notes.add(
          "the version was trained by code commit "
              + commit
              + "; this jar is "
              + BuildInfo.gitCommit()
              + ": a difference may come from the code");
    }

    String scratch =
        StorageLayout.of(current).root()
            + "/"
            + current.dataset().name()
            + "/_reproduce/"
            + model
            + "-v"
            + versionNumber
            + "-"
            + System.currentTimeMillis();
    PipelineConfig recorded =
        ConfigLoader.fromResolved(
            recordedText,
            current.environment(),
            Map.of("storage.root", scratch, "tracking.uri", current.tracking().uri()));
    PipelineContext context = PipelineContext.open(recorded, spark, tracker, true);
    boolean succeeded = false;
    try {
      context.parentRun().setTags(Map.of("batchmlops.reproduce_of", model + "/" + versionNumber));
      String savedModel = version.tags().get(EvaluateStage.MODEL_PATH_TAG);
      if (savedModel != null && context.files().exists(savedModel)) {
        ModelIntegrity.requireSavedModel(context, registry, version, savedModel);
      }
      TableVersion raw = TableVersion.parse(version.tags().get("raw_table"));
      // The version's lineage says its data passed validation: the split starts from there.
      context.updateState(s -> PipelineState.empty().withRaw(raw).withValidated(raw));
      SplitStage.Result split = SplitStage.run(context);
      compare(
          comparisons,
          "split_fingerprint",
          version.tags().get("split_fingerprint"),
          context.tableDigest(split.table()));
      if (!comparisons.get(comparisons.size() - 1).matches()) {
        notes.add("not trained again: the split differs, so nothing after it can match");
        succeeded = true;
        return new Result(version, comparisons, notes);
      }
      // Leakage checks judge data, not the model: the version passed them (its lineage says so).
      context.updateState(s -> s.withLeakageChecked(split.table()));
      PipelineState.TrainedModel rebuilt = TrainStage.run(context);
      Map<String, String> registeredParams = tracker.params(trainRun);
      Map<String, String> rebuiltParams = tracker.params(rebuilt.runId());
      for (String key : new TreeSet<>(registeredParams.keySet())) {
        compare(
            comparisons,
            "param " + key,
            registeredParams.get(key),
            rebuiltParams.getOrDefault(key, "(none)"));
      }
      Evaluation evaluation = EvaluateStage.run(context, registry);
      evaluation
          .candidate()
          .asMap()
          .forEach(
              (metric, value) -> {
                String key = EvaluateStage.METRIC_TAG_PREFIX + metric;
                Optional.ofNullable(version.tags().get(key))
                    .ifPresent(
                        registered ->
                            comparisons.add(
                                new Comparison(
                                    key,
                                    registered,
                                    Double.toString(value),
                                    Math.abs(Double.parseDouble(registered) - value) <= TOLERANCE
                                        || (Double.isNaN(value) && registered.equals("NaN")))));
              });
      succeeded = true;
      return new Result(version, comparisons, notes);
    } finally {
      context.endPipelineRun(succeeded);
      context.files().deleteTree(scratch);
    }
  }

  private static void compare(
      List<Comparison> comparisons, String what, String registered, String rebuilt) {
    String expected = registered == null ? "(not recorded)" : registered;
    comparisons.add(new Comparison(what, expected, rebuilt, expected.equals(rebuilt)));
  }
}
