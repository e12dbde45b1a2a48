package dev.batchmlops.pipeline;

import dev.batchmlops.PipelineException;
import dev.batchmlops.table.TableVersion;

/**
 * What the stages of the latest pipeline run produced: the typed outputs each later stage reads
 * (and records) as its inputs. Persisted after every stage, so each stage can run on its own. A
 * field is null until the stage that produces it has run.
 */
public record PipelineState(
    String parentRunId,
    String landedFile,
    TableVersion raw,
    TableVersion validated,
    TableVersion splits,
    TableVersion leakageChecked,
    TrainedModel model,
    Evaluation evaluation) {

  public static PipelineState empty() {
    return new PipelineState(null, null, null, null, null, null, null, null);
  }

  /**
   * The candidate model a training run produced, and the baseline it must beat.
   *
   * @param artifactUri where a registered version points: the logged model's artifacts (MLflow 3),
   *     else the train run's model folder
   * @param loggedModelId the logged model's id on MLflow 3 servers, else null
   * @param manifestHash the hash of the manifest of the logged model's files
   * @param decisionThreshold the score from which a row is predicted positive, chosen on validation
   *     by the configured rule
   * @param thresholdChoice how it was chosen, readable
   * @param referenceModelPath the reference baseline (a logistic regression with MLlib's defaults
   *     on the same features), saved for evaluation to score on the test split
   */
  public record TrainedModel(
      String runId,
      String modelPath,
      String artifactUri,
      String loggedModelId,
      String manifestHash,
      String baselineRunId,
      double baselinePositiveRate,
      TableVersion trainedOn,
      double decisionThreshold,
      String thresholdChoice,
      String referenceModelPath) {}

  public PipelineState withParentRunId(String id) {
    return new PipelineState(
        id, landedFile, raw, validated, splits, leakageChecked, model, evaluation);
  }

  public PipelineState withLandedFile(String file) {
    return new PipelineState(
        parentRunId, file, raw, validated, splits, leakageChecked, model, evaluation);
  }

  /** A new raw version invalidates everything derived from the old one. */
  public PipelineState withRaw(TableVersion table) {
    return new PipelineState(parentRunId, landedFile, table, null, null, null, null, null);
  }

  public PipelineState withValidated(TableVersion table) {
    return new PipelineState(
        parentRunId, landedFile, raw, table, splits, leakageChecked, model, evaluation);
  }

  public PipelineState withSplits(TableVersion table) {
    return new PipelineState(parentRunId, landedFile, raw, validated, table, null, null, null);
  }

  public PipelineState withLeakageChecked(TableVersion table) {
    return new PipelineState(
        parentRunId, landedFile, raw, validated, splits, table, model, evaluation);
  }

  public PipelineState withModel(TrainedModel trained) {
    return new PipelineState(
        parentRunId, landedFile, raw, validated, splits, leakageChecked, trained, null);
  }

  public PipelineState withEvaluation(Evaluation result) {
    return new PipelineState(
        parentRunId, landedFile, raw, validated, splits, leakageChecked, model, result);
  }

  public String requireLandedFile() {
    return require(landedFile, "no landed file recorded: run `generate` or pass --input");
  }

  public TableVersion requireRaw() {
    return require(raw, "no raw table version recorded: run `ingest` first");
  }

  /** The raw version, which must have passed validation before anything is split from it. */
  public TableVersion requireValidatedRaw() {
    TableVersion table = requireRaw();
    if (!table.equals(validated)) {
      throw new PipelineException(
          "raw table " + table + " has not passed validation: run `validate` first");
    }
    return table;
  }

  public TableVersion requireSplits() {
    return require(splits, "no split table version recorded: run `split` first");
  }

  /** The split version, which must have passed the leakage checks before anything is trained. */
  public TableVersion requireLeakageCheckedSplits() {
    TableVersion table = requireSplits();
    if (!table.equals(leakageChecked)) {
      throw new PipelineException(
          "split table " + table + " has not passed the leakage checks: run `leakage` first");
    }
    return table;
  }

  public TrainedModel requireModel() {
    return require(model, "no trained model recorded: run `train` first");
  }

  public Evaluation requireEvaluation() {
    return require(evaluation, "no evaluation recorded: run `evaluate` first");
  }

  private static <T> T require(T value, String message) {
    if (value == null) {
      throw new PipelineException(message);
    }
    return value;
  }
}
