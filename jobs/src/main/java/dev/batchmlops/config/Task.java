package dev.batchmlops.config;

import java.util.Locale;

/**
 * What the label is, and so what question a model answers: which of two values (binary), which of
 * several classes (multiclass), or how much (regression). Declared in the contract as {@code
 * dataset.task}; a model is only ever trained on the task its contract names.
 */
public enum Task {
  /** Two label values, one of them the positive class ({@code dataset.positive-label}). */
  BINARY,
  /** Three or more classes, all listed in the label column's {@code allowed}. */
  MULTICLASS,
  /** A numeric label: its range is the label column's {@code min} and {@code max}. */
  REGRESSION;

  /** How the contract spells it. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
