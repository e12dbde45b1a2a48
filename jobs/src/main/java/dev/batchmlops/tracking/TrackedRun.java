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

  /** Marks the run finished or failed. */
  void end(boolean succeeded);
}
