package dev.batchmlops.support;

import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.tracking.MlflowTracker;
import java.nio.file.Path;
import java.util.Map;

/** Pipeline contexts for stage tests: a new pipeline run on the shared MLflow test server. */
public final class TestContexts {
  private TestContexts() {}

  /** The project's configuration (test environment), working under {@code workDir}. */
  public static PipelineContext open(Path workDir, Map<String, String> settings) {
    return open(ProjectPaths.confDir(), workDir, settings);
  }

  /** The configuration in {@code confDir} (an edited copy), working under {@code workDir}. */
  public static PipelineContext open(Path confDir, Path workDir, Map<String, String> settings) {
    PipelineConfig config =
        TestConfigs.load(confDir, workDir, MlflowTestServer.shared().uri(), settings);
    return PipelineContext.open(
        config, TestSpark.session(), new MlflowTracker(config.tracking()), true);
  }
}
