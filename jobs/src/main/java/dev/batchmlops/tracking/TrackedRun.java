package dev.batchmlops.tracking;

import java.nio.file.Path;
import java.util.Map;

/** One run: everything a stage or candidate logs goes through here. */
public interface TrackedRun {
  String runId();

  String experimentId();

  /** Where the run's artifacts live, as the tracking server names it. */
  String artifactUri();

  void logParams(Map<String, String> params);

  void logMetrics(Map<String, Double> metrics);

  void setTags(Map<String, String> tags);

  /** Records the table versions the run read, each with how it used them. */
  void logInputs(java.util.List<DatasetInput> inputs);

  /** Uploads text as one artifact file, for example {@code config/resolved.json}. */
  void logText(String artifactPath, String content);

  /** Uploads every file under a local folder below {@code artifactPath}, keeping the tree. */
  void logDirectory(String artifactPath, Path localDirectory);

  /**
   * Logs a model this run produced. {@code files} writes its files into a folder, given the logged
   * model's id (null before MLflow 3); they are uploaded as the run's artifact folder {@code name}
   * and, on MLflow 3, as a logged model linked to the run, with {@code params}. The run's model
   * history lists it either way, so every server's UI links it.
   *
   * @param flavor the MLflow flavour the files are laid out in, for example {@code spark}
   */
  LoggedModel logModel(String name, String flavor, Map<String, String> params, ModelFiles files);

  /**
   * Lists another run's logged model as an output of this one too (MLflow 3; nothing when {@code
   * modelId} is null), so a pipeline run links the model its train run produced.
   */
  void logModelOutput(String modelId);

  /**
   * Logs metrics on the run that also describe its logged model (on MLflow 3; plain run metrics
   * when {@code modelId} is null).
   */
  void logModelMetrics(String modelId, Map<String, Double> metrics);

  /** Writes a model's files into a folder. */
  @FunctionalInterface
  interface ModelFiles {
    void write(Path folder, String modelId) throws java.io.IOException;
  }

  /** Marks the run finished or failed. */
  void end(boolean succeeded);
}
