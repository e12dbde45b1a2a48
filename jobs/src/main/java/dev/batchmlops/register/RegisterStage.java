package dev.batchmlops.register;

import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.pipeline.PipelineState;
import dev.batchmlops.tracking.ModelRegistry;
import dev.batchmlops.tracking.ModelRegistry.ModelVersion;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Registers the evaluated candidate when it beats the baseline, and moves the {@code champion}
 * alias to it only when it also beats the current champion.
 */
public final class RegisterStage {
  public static final String CHAMPION = "champion";
  public static final String CHALLENGER = "challenger";

  /** The model-version tag that keeps the test metric a version was registered with. */
  static final String METRIC_TAG_PREFIX = "test_";

  private RegisterStage() {}

  /** The decision, and the registered version when there is one. */
  public record Outcome(RegistrationDecision decision, Optional<ModelVersion> version) {}

  public static Outcome run(PipelineContext context, ModelRegistry registry) {
    PipelineState state = context.state();
    PipelineState.TrainedModel model = state.requireModel();
    PipelineState.Evaluation evaluation = state.requireEvaluation();
    var config = context.config();
    String name = config.registeredModelName();
    String metric = config.register().metric();
    return context.inChildRun(
        "register",
        run -> {
          Optional<ModelVersion> champion = registry.versionByAlias(name, CHAMPION);
          OptionalDouble championValue =
              champion
                  .map(v -> v.tags().get(METRIC_TAG_PREFIX + metric))
                  .map(v -> OptionalDouble.of(Double.parseDouble(v)))
                  .orElse(OptionalDouble.empty());
          RegistrationDecision decision =
              RegistrationDecision.decide(
                  metric,
                  evaluation.candidate().get(metric),
                  evaluation.baseline().get(metric),
                  championValue,
                  config.register().minGainOverBaseline(),
                  config.register().minGainOverChampion());
          Map<String, String> tags = new LinkedHashMap<>();
          tags.put("batchmlops.registration", decision.register() ? "registered" : "skipped");
          tags.put("batchmlops.registration_reason", decision.reason());
          tags.put("batchmlops.candidate_run_id", model.runId());
          Optional<ModelVersion> registered = Optional.empty();
          if (decision.register()) {
            registry.ensureRegisteredModel(
                name, "Classifier for dataset '" + config.dataset().name() + "' (batchmlops)");
            ModelVersion version =
                registry.createVersion(
                    name, model.artifactUri(), model.runId(), lineage(context, evaluation));
            registry.setAlias(name, CHALLENGER, version.version());
            if (decision.promote()) {
              registry.setAlias(name, CHAMPION, version.version());
            }
            tags.put("batchmlops.registered_model", name);
            tags.put("batchmlops.registered_version", version.version());
            registered = Optional.of(version);
          }
          run.setTags(tags);
          context.parentRun().setTags(tags);
          return new Outcome(decision, registered);
        });
  }

  private static Map<String, String> lineage(
      PipelineContext context, PipelineState.Evaluation evaluation) {
    PipelineState state = context.state();
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("run_id", state.requireModel().runId());
    tags.put("pipeline_run_id", context.parentRun().runId());
    tags.put("raw_table", state.requireRaw().toString());
    tags.put("splits_table", state.requireSplits().toString());
    tags.put("git_commit", context.standardTags().get("batchmlops.git_commit"));
    tags.put("config_hash", context.config().hash());
    evaluation.candidate().forEach((k, v) -> tags.put(METRIC_TAG_PREFIX + k, Double.toString(v)));
    return tags;
  }
}
