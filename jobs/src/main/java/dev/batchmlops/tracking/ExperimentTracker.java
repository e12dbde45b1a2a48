package dev.batchmlops.tracking;

import java.util.Map;

/** Where runs, their parameters, metrics, tags and artifacts are recorded. */
public interface ExperimentTracker {

  /** Who acts: the tracking server's user, else the operating system user. */
  String actor();

  /** Fails with a one-line error when the tracking service does not answer. */
  void checkReachable();

  /** The id of the experiment with this name, created when it does not exist yet. */
  String experimentId(String name);

  /**
   * Starts a run. {@code parentRunId} may be null for a top-level run; otherwise the new run is
   * nested under it.
   */
  TrackedRun startRun(
      String experimentId, String runName, String parentRunId, Map<String, String> tags);

  /** The parameters a run logged. */
  Map<String, String> params(String runId);

  /** The tags a run carries. */
  Map<String, String> tags(String runId);

  /** Re-opens an existing run to add to it. */
  TrackedRun resumeRun(String runId);

  /**
   * Ends as KILLED a run and every run nested under it that is still RUNNING: what a process that
   * was killed left open. Returns how many runs it ended.
   */
  int endAbandonedRuns(String runId);
}
