package dev.batchmlops.quality;

import dev.batchmlops.config.Severity;

/**
 * The verdict of one check on one subject (a column, the table, a split), with its evidence.
 *
 * @param subject what was checked: a column name, or {@code <table>}
 * @param check what was required, readable on its own ("completeness >= 0.9")
 * @param severity what a failure of this check means
 * @param passed whether the data met the requirement
 * @param message the evidence: the measured value and, on failure, by how much it missed
 */
public record Finding(
    String subject, String check, Severity severity, boolean passed, String message) {

  public static Finding pass(String subject, String check, Severity severity, String message) {
    return new Finding(subject, check, severity, true, message);
  }

  public static Finding fail(String subject, String check, Severity severity, String message) {
    return new Finding(subject, check, severity, false, message);
  }

  public boolean isError() {
    return !passed && severity == Severity.ERROR;
  }

  public boolean isWarning() {
    return !passed && severity == Severity.WARNING;
  }

  /** passed, warning or error. */
  public String status() {
    return passed ? "passed" : severity.label();
  }

  @Override
  public String toString() {
    return subject + ": " + check + " (" + message + ")";
  }
}
