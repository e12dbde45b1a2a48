package dev.batchmlops.config;

import java.util.Locale;

/** What a failed check means: an error stops the pipeline, a warning is reported and recorded. */
public enum Severity {
  ERROR,
  WARNING;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
