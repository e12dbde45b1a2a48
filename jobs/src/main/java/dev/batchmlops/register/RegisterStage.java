package dev.batchmlops.register;

import dev.batchmlops.Json;
import dev.batchmlops.evaluate.EvaluateStage;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.pipeline.PipelineState;
import dev.batchmlops.tracking.ModelRegistry;
import dev.batchmlops.tracking.ModelRegistry.ModelVersion;
import dev.batchmlops.tracking.TrackedRun;
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
          RegistrationDecision decision =
              RegistrationDecision.decide(
                  config.register(), gateInputs(context, registry, evaluation, metric));
          logGates(run, decision);
          Map<String, String> tags = new LinkedHashMap<>();
          tags.put("batchmlops.registration", decision.register() ? "registered" : "skipped");
          tags.put("batchmlops.registration_reason", decision.reason());
          tags.put("batchmlops.candidate_run_id", model.runId());
          Optional<ModelVersion> registered = Optional.empty();
          if (decision.register()) {
            registry.ensureRegisteredModel(
                name, "Classifier for dataset '" + config.dataset().name() + "' (batchmlops)");
            Map<String, String> versionTags = lineage(context, evaluation);
            decision
                .gates()
                .forEach(
                    g ->
                        versionTags.put(
                            "gate." + g.name(),
                            g.passed() ? Double.toString(g.value()) : g.verdict().label()));
            ModelVersion version =
                registry.createVersion(name, model.artifactUri(), model.runId(), versionTags);
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

  /** What the gates read: the evaluation, the champion on the same rows, the data checks. */
  public static Gates.Inputs gateInputs(
      PipelineContext context,
      ModelRegistry registry,
      PipelineState.Evaluation evaluation,
      String metric) {
    PipelineState state = context.state();
    OptionalDouble champion;
    if (evaluation.champion() != null) {
      champion = OptionalDouble.of(evaluation.champion().getOrDefault(metric, Double.NaN));
    } else {
      // A champion whose model cannot be read here: its metric as recorded at registration.
      champion =
          registry
              .versionByAlias(context.config().registeredModelName(), CHAMPION)
              .map(v -> v.tags().get(METRIC_TAG_PREFIX + metric))
              .map(v -> OptionalDouble.of(Double.parseDouble(v)))
              .orElse(OptionalDouble.empty());
    }
    Map<String, Map<String, double[]>> segments = new LinkedHashMap<>();
    evaluation
        .segments()
        .forEach(
            (column, values) -> {
              Map<String, double[]> judged = new LinkedHashMap<>();
              values.forEach(
                  (value, m) ->
                      judged.put(
                          value, new double[] {m.getOrDefault(metric, Double.NaN), m.get("rows")}));
              segments.put(column, judged);
            });
    Map<String, Double> gaps = new LinkedHashMap<>();
    evaluation
        .fairness()
        .forEach(
            (column, m) ->
                gaps.put(
                    column,
                    m.get("groups") < 2
                        ? Double.NaN
                        : Math.max(
                            m.get("demographic_parity_difference"),
                            m.get("equal_opportunity_difference"))));
    return new Gates.Inputs(
        evaluation.candidate().getOrDefault(metric, Double.NaN),
        evaluation.baseline().getOrDefault(metric, Double.NaN),
        Math.round(evaluation.candidate().getOrDefault("positives", 0.0)),
        champion,
        evaluation.champion() != null,
        segments,
        gaps,
        state.requireRaw().equals(state.validated()),
        state.requireSplits().equals(state.leakageChecked()),
        context.config().evaluate().minSegmentRows());
  }

  /** Every gate's value as a metric, its verdict as a tag, and all of them as a file. */
  private static void logGates(TrackedRun run, RegistrationDecision decision) {
    Map<String, Double> values = new LinkedHashMap<>();
    Map<String, String> verdicts = new LinkedHashMap<>();
    for (Gates.Result gate : decision.gates()) {
      if (!Double.isNaN(gate.value())) {
        values.put("gate." + gate.name(), gate.value());
      }
      verdicts.put("batchmlops.gate." + gate.name(), gate.verdict().label());
    }
    run.logMetrics(values);
    run.setTags(verdicts);
    run.logText("register/gates.json", Json.pretty(decision.gates()));
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
    tags.put(
        "contract_fingerprint",
        dev.batchmlops.Fingerprints.sha256(context.config().dataset().toString()).substring(0, 16));
    tags.put(EvaluateStage.MODEL_PATH_TAG, state.requireModel().modelPath());
    tags.put(
        EvaluateStage.DECISION_THRESHOLD_TAG,
        Double.toString(state.requireModel().decisionThreshold()));
    tags.put("validation", state.requireRaw().equals(state.validated()) ? "passed" : "not run");
    tags.put(
        "leakage_checks",
        state.requireSplits().equals(state.leakageChecked()) ? "passed" : "not run");
    evaluation.candidate().forEach((k, v) -> tags.put(METRIC_TAG_PREFIX + k, Double.toString(v)));
    return tags;
  }
}
