package dev.batchmlops.config;

import java.util.Locale;

/** What a failed check means: an error stops the pipeline, a warning is reported and recorded. */
public enum Severity {
  ERROR,
  WARNING;

  public static Severity parse(String key, String value) {
    try {
      return valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ConfigException.invalid(key, "unknown severity '" + value + "' (error, warning)");
    }
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
