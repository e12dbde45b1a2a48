package dev.batchmlops.support;

import dev.batchmlops.config.ConfigLoader;
import dev.batchmlops.config.PipelineConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The project's real configuration, in the test environment, pointed at temporary places. */
public final class TestConfigs {
  private TestConfigs() {}

  public static PipelineConfig load(Path workDir, String trackingUri, Map<String, String> extra) {
    return load(ProjectPaths.confDir(), workDir, trackingUri, extra);
  }

  public static PipelineConfig load(
      Path confDir, Path workDir, String trackingUri, Map<String, String> extra) {
    return load(confDir, "credit", workDir, trackingUri, extra);
  }

  /** Another shipped dataset's configuration (penguins, computer-hardware, ...). */
  public static PipelineConfig load(
      String dataset, Path workDir, String trackingUri, Map<String, String> extra) {
    return load(ProjectPaths.confDir(), dataset, workDir, trackingUri, extra);
  }

  private static PipelineConfig load(
      Path confDir, String dataset, Path workDir, String trackingUri, Map<String, String> extra) {
    Map<String, String> overrides = new LinkedHashMap<>();
    overrides.put("storage.root", workDir.resolve("delta").toString());
    overrides.put("storage.landing", workDir.resolve("landing").toString());
    overrides.put("tracking.uri", trackingUri);
    overrides.putAll(extra);
    return ConfigLoader.load(
        new ConfigLoader.Request(confDir, "test", dataset, overrides), Map.of());
  }
}
