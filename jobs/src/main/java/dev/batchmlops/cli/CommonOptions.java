package dev.batchmlops.cli;

import dev.batchmlops.config.ConfigLoader;
import dev.batchmlops.config.PipelineConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options every subcommand takes: which configuration layers to load. */
final class CommonOptions {
  @Option(
      names = "--conf-dir",
      defaultValue = "${env:MLOPS_CONF_DIR:-conf}",
      description = "Configuration folder (default: $MLOPS_CONF_DIR or ./conf).")
  Path confDir;

  @Option(
      names = "--env",
      defaultValue = "${env:MLOPS_ENV:-dev}",
      description = "Environment overlay conf/env/<env>.conf (default: $MLOPS_ENV or dev).")
  String environment;

  @Option(
      names = "--dataset",
      defaultValue = "${env:MLOPS_DATASET:-credit}",
      description =
          "Dataset contract conf/datasets/<dataset>.conf (default: $MLOPS_DATASET or credit).")
  String dataset;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "Override one setting, for example --set split.train=0.8 (repeatable).")
  Map<String, String> overrides = new LinkedHashMap<>();

  PipelineConfig load() {
    return ConfigLoader.load(
        new ConfigLoader.Request(confDir, environment, dataset, overrides), System.getenv());
  }
}
