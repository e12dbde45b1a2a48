package dev.batchmlops.config;

import dev.batchmlops.PipelineException;

/** A configuration that is missing a key, has a wrong value, or cannot be read. */
public final class ConfigException extends PipelineException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  static ConfigException invalid(String key, String problem) {
    return new ConfigException("invalid configuration '" + key + "': " + problem);
  }
}
