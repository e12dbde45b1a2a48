package dev.batchmlops.register;

import dev.batchmlops.Json;
import dev.batchmlops.PipelineException;
import dev.batchmlops.audit.AuditAction;
import dev.batchmlops.audit.AuditRecord;
import dev.batchmlops.audit.AuditTrail;
import dev.batchmlops.evaluate.EvaluateStage;
import dev.batchmlops.gates.Gates;
import dev.batchmlops.gates.RegistrationDecision;
import dev.batchmlops.metrics.ClassificationMetrics;
import dev.batchmlops.pipeline.Evaluation;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.pipeline.PipelineState;
import dev.batchmlops.tracking.LoggedModel;
import dev.batchmlops.tracking.ModelRegistry;
import dev.batchmlops.tracking.ModelRegistry.ModelVersion;
import dev.batchmlops.tracking.TrackedRun;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Acts on the gate decision {@code evaluate} made: registers the candidate when the decision says
 * so, and moves the {@code champion} alias to it when it also says to promote. It judges nothing
 * itself, and refuses a decision that is missing or no longer describes the candidate, the data,
 * the settings or the champion.
 */
public final class RegisterStage {
  private RegisterStage() {}

  /**
   * The decision, the registered version when there is one, and the existing version the candidate
   * is a rebuild of, when registration was skipped for that.
   */
  public record Outcome(
      RegistrationDecision decision,
      Optional<ModelVersion> version,
      Optional<ModelVersion> identicalTo) {}

  /**
   * The lineage tags that make two versions the same build: the same raw table version, split
   * (fingerprint), settings and code. A version that matches on all of them holds the same model.
   */
  static final List<String> BUILD_IDENTITY =
      List.of("raw_table", "split_fingerprint", "config_hash", "git_commit");

  /** The registered version built from exactly what {@code lineage} names, if any. */
  static Optional<ModelVersion> sameBuild(
      List<ModelVersion> versions, Map<String, String> lineage) {
    return versions.stream()
        .filter(v -> BUILD_IDENTITY.stream().allMatch(k -> lineage.get(k).equals(v.tags().get(k))))
        .findFirst();
  }

  public static Outcome run(PipelineContext context, ModelRegistry registry) {
    PipelineState state = context.state();
    PipelineState.TrainedModel model = state.requireModel();
    Evaluation evaluation = state.requireEvaluation();
    var config = context.config();
    String name = config.registeredModelName();
    // A re-run on the same data, split, settings and code trains the same model again.
    Map<String, String> versionTags = lineage(context, evaluation);
    List<ModelVersion> versions = registry.versions(name);
    Optional<ModelVersion> sameBuild = sameBuild(versions, versionTags);
    Optional<String> championNow =
        registry.versionByAlias(name, ModelRegistry.CHAMPION).map(ModelVersion::version);
    // The champion changed since evaluate only because this very build became it: a register
    // stopped after it promoted. The decision still holds; there is nothing left to do.
    boolean promotedAlready =
        sameBuild.isPresent() && championNow.equals(Optional.of(sameBuild.get().version()));
    RegistrationDecision decision =
        currentDecision(
            evaluation,
            state,
            EvaluateStage.settingsFingerprint(config),
            promotedAlready
                ? Optional.ofNullable(evaluation.champion()).map(c -> c.version())
                : championNow);
    Outcome outcome =
        context.inChildRun(
            "register",
            run -> {
              logGates(run, decision);
              Map<String, String> tags = new LinkedHashMap<>();
              tags.put("batchmlops.registration", decision.register() ? "registered" : "skipped");
              tags.put("batchmlops.registration_reason", decision.reason());
              tags.put("batchmlops.candidate_run_id", model.runId());
              tags.put("batchmlops.evaluation_run_id", evaluation.runId());
              Optional<ModelVersion> registered = Optional.empty();
              Optional<ModelVersion> identical = decision.register() ? sameBuild : Optional.empty();
              identical.ifPresent(
                  v -> {
                    tags.put("batchmlops.registration", "identical");
                    tags.put("batchmlops.identical_version", v.version());
                    // A run stopped between registering and setting the aliases left this undone.
                    boolean newest =
                        versions.stream()
                            .allMatch(
                                other ->
                                    Long.parseLong(other.version()) <= Long.parseLong(v.version()));
                    if (newest) {
                      registry.setAlias(name, ModelRegistry.CHALLENGER, v.version());
                    }
                    if (decision.promote()) {
                      registry.setAlias(name, ModelRegistry.CHAMPION, v.version());
                    }
                  });
              if (decision.register() && identical.isEmpty()) {
                registry.ensureRegisteredModel(
                    name,
                    "Classifier for dataset '" + config.dataset().name() + "' (batchmlops)",
                    Map.of("dataset", config.dataset().name(), "pipeline", "batchmlops"));
                decision
                    .gates()
                    .forEach(
                        g ->
                            versionTags.put(
                                "gate." + g.name(),
                                g.passed() ? Double.toString(g.value()) : g.verdict().label()));
                ModelVersion version =
                    registry.createVersion(
                        name,
                        model.artifactUri(),
                        model.runId(),
                        model.loggedModelId(),
                        versionTags);
                registry.describeVersion(
                    name, version.version(), description(context, evaluation, decision));
                registry.setAlias(name, ModelRegistry.CHALLENGER, version.version());
                if (decision.promote()) {
                  registry.setAlias(name, ModelRegistry.CHAMPION, version.version());
                }
                tags.put("batchmlops.registered_model", name);
                tags.put("batchmlops.registered_version", version.version());
                registered = Optional.of(version);
              }
              run.setTags(tags);
              context.parentRun().setTags(tags);
              return new Outcome(decision, registered, identical);
            });
    audit(context, name, model, outcome);
    return outcome;
  }

  /**
   * What the MLflow UI shows for the version and its search finds: the data, the test metric and
   * the gate verdict.
   */
  static String description(
      PipelineContext context, Evaluation evaluation, RegistrationDecision decision) {
    PipelineState state = context.state();
    String metric = context.config().register().metric();
    return String.format(
        java.util.Locale.ROOT,
        "Trained on %s (split %s, %s); test %s %.4f on %d rows; registered by %s: %s",
        state.requireRaw(),
        state.requireSplits(),
        context.tableDigest(state.requireSplits()),
        metric,
        evaluation.candidate().asMap().getOrDefault(metric, Double.NaN),
        evaluation.candidate().rows(),
        context.tracker().actor(),
        decision.reason());
  }

  /** A registration (with the champion move, if any) or a rejection with its failed gates. */
  private static void audit(
      PipelineContext context, String name, PipelineState.TrainedModel model, Outcome outcome) {
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("candidate_run_id", model.runId());
    inputs.put("splits_table", context.state().requireSplits().toString());
    inputs.put("evaluation_run_id", context.state().requireEvaluation().runId());
    Map<String, String> outputs = new LinkedHashMap<>();
    outputs.put("model", name);
    Optional<ModelVersion> version = outcome.version().or(outcome::identicalTo);
    if (version.isEmpty()) {
      outcome.decision().gates().stream()
          .filter(g -> !g.passed())
          .forEach(g -> outputs.put("gate." + g.name(), g.verdict().label()));
      AuditTrail.of(context)
          .append(AuditAction.REJECTION, inputs, outputs, outcome.decision().reason());
      return;
    }
    outputs.put(AuditRecord.MODEL_VERSION, version.get().version());
    if (outcome.identicalTo().isPresent()) {
      outputs.put("identical_to_existing", "true");
    }
    if (outcome.decision().promote()) {
      outputs.put(ModelRegistry.CHAMPION, version.get().version());
    }
    AuditTrail.of(context)
        .append(AuditAction.REGISTRATION, inputs, outputs, outcome.decision().reason());
  }

  /**
   * The decision evaluate recorded, when it still holds: made for the state's candidate and split,
   * under the current settings, against the champion that is still the champion. Otherwise the run
   * stops, saying what changed, before anything is registered.
   */
  static RegistrationDecision currentDecision(
      Evaluation evaluation,
      PipelineState state,
      String settingsFingerprint,
      Optional<String> championNow) {
    String again = ": run `evaluate` again";
    if (evaluation.decision() == null) {
      throw new PipelineException(
          "register: the recorded evaluation "
              + evaluation.runId()
              + " holds no gate decision"
              + again);
    }
    if (!evaluation.candidateRunId().equals(state.requireModel().runId())
        || !evaluation.testedOn().equals(state.requireSplits())) {
      throw new PipelineException(
          "register: the gate decision was made for model "
              + evaluation.candidateRunId()
              + " on "
              + evaluation.testedOn()
              + ", not for the current model "
              + state.requireModel().runId()
              + " on "
              + state.requireSplits()
              + again);
    }
    if (!settingsFingerprint.equals(evaluation.settingsFingerprint())) {
      throw new PipelineException(
          "register: the register.* or evaluate.* settings changed since the gate decision was made"
              + again);
    }
    String championThen =
        evaluation.champion() == null ? "none" : "v" + evaluation.champion().version();
    String championCurrent = championNow.map(v -> "v" + v).orElse("none");
    if (!championThen.equals(championCurrent)) {
      throw new PipelineException(
          "register: the champion changed since the gate decision was made (then "
              + championThen
              + ", now "
              + championCurrent
              + ")"
              + again);
    }
    return evaluation.decision();
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

  private static Map<String, String> lineage(PipelineContext context, Evaluation evaluation) {
    PipelineState state = context.state();
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("run_id", state.requireModel().runId());
    if (state.requireModel().manifestHash() != null) {
      tags.put(ModelRegistry.MANIFEST_TAG, state.requireModel().manifestHash());
      tags.put(
          "model_manifest",
          "runs:/" + state.requireModel().runId() + "/" + LoggedModel.MANIFEST_ARTIFACT);
    }
    tags.put("pipeline_run_id", context.parentRun().runId());
    tags.put("registered_by", context.tracker().actor());
    tags.put("dataset", context.config().dataset().name());
    tags.put("test_rows", Long.toString(evaluation.candidate().rows()));
    tags.put("raw_table", state.requireRaw().toString());
    tags.put("splits_table", state.requireSplits().toString());
    tags.put("split_fingerprint", context.tableDigest(state.requireSplits()));
    tags.put("git_commit", context.standardTags().get("batchmlops.git_commit"));
    tags.put("config_hash", context.config().hash());
    tags.put(
        "contract_fingerprint",
        dev.batchmlops.Fingerprints.sha256(context.config().dataset().toString()).substring(0, 16));
    tags.put(EvaluateStage.MODEL_PATH_TAG, state.requireModel().modelPath());
    tags.put(EvaluateStage.TASK_TAG, context.config().dataset().task().label());
    if (context.config().dataset().task() == dev.batchmlops.config.Task.BINARY) {
      tags.put(
          EvaluateStage.DECISION_THRESHOLD_TAG,
          Double.toString(state.requireModel().decisionThreshold()));
    }
    if (context.config().dataset().task() == dev.batchmlops.config.Task.MULTICLASS) {
      tags.put(
          EvaluateStage.CLASSES_TAG,
          dev.batchmlops.Json.compact(context.config().dataset().labelValues()));
    }
    tags.put("validation", state.requireRaw().equals(state.validated()) ? "passed" : "not run");
    tags.put(
        "leakage_checks",
        state.requireSplits().equals(state.leakageChecked()) ? "passed" : "not run");
    evaluation
        .candidate()
        .asMap()
        .forEach((k, v) -> tags.put(EvaluateStage.METRIC_TAG_PREFIX + k, Double.toString(v)));
    if (evaluation.candidate() instanceof ClassificationMetrics binary) {
      // What `monitor` compares a labelled batch with: the test AUC's error, overall and per
      // segment.
      tags.put(EvaluateStage.AUC_ERROR_TAG, Double.toString(binary.aucStandardError()));
      for (var segment : evaluation.segments()) {
        if (!segment.tooSmall()) {
          String key = EvaluateStage.segmentAucTag(segment.column(), segment.value());
          tags.put(key, Double.toString(segment.binaryMetrics().auc()));
          tags.put(key + "_se", Double.toString(segment.binaryMetrics().aucStandardError()));
        }
      }
    } else {
      String metric = context.config().register().metric();
      tags.put(
          EvaluateStage.METRIC_TAG_PREFIX + metric + "_se",
          Double.toString(evaluation.candidate().standardError(metric)));
      for (var segment : evaluation.segments()) {
        if (!segment.tooSmall()) {
          String key = EvaluateStage.segmentMetricTag(metric, segment.column(), segment.value());
          tags.put(key, Double.toString(segment.metrics().metric(metric)));
          tags.put(key + "_se", Double.toString(segment.metrics().standardError(metric)));
        }
      }
    }
    return tags;
  }
}
