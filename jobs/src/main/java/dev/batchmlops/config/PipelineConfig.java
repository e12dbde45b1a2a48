package dev.batchmlops.config;

import dev.batchmlops.Fingerprints;

/**
 * The whole resolved configuration of one pipeline run: every stage's settings and the dataset
 * contract. Loaded once by {@link ConfigLoader} and passed to each stage.
 *
 * @param resolvedJson the fully resolved configuration as JSON, logged with every run
 */
public record PipelineConfig(
    String environment,
    long seed,
    StageConfigs.Storage storage,
    StageConfigs.Tracking tracking,
    StageConfigs.Generate generate,
    StageConfigs.Ingest ingest,
    StageConfigs.Split split,
    StageConfigs.Leakage leakage,
    StageConfigs.Train train,
    StageConfigs.Evaluate evaluate,
    StageConfigs.Register register,
    StageConfigs.Promote promote,
    StageConfigs.Score score,
    StageConfigs.Monitor monitor,
    DatasetContract dataset,
    String resolvedJson) {

  public PipelineConfig {
    split.requireCompatible(dataset);
    evaluate.requireCompatible(dataset);
    if (register.autoPromote() && promote.restricted()) {
      throw ConfigException.invalid(
          "register.auto-promote",
          "must be false when promote.release-users is set: only a release user moves the"
              + " champion");
    }
  }

  /** A short, stable fingerprint of the resolved configuration, to tell runs' settings apart. */
  public String hash() {
    return Fingerprints.sha256(resolvedJson).substring(0, 16);
  }

  public String experimentName() {
    return tracking.experimentPrefix() + "-" + dataset.name();
  }

  public String registeredModelName() {
    return register.modelPrefix() + "-" + dataset.name();
  }
}
