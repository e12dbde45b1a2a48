package dev.batchmlops.audit;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The actions that change a dataset's state, as the audit trail names them. */
public enum AuditAction {
  INGEST,
  VALIDATION,
  SPLIT,
  LEAKAGE_CHECK,
  REGISTRATION,
  REJECTION,
  PROMOTION,
  PROMOTION_REFUSED,
  SCORING,
  MONITORING,
  CLEANUP,
  MODEL_INTEGRITY_REFUSED;

  /** How records and the command line spell it: "promotion_refused". */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The action a label names; fails naming every label there is. */
  public static AuditAction parse(String label) {
    return Arrays.stream(values())
        .filter(a -> a.label().equals(label.trim().toLowerCase(Locale.ROOT)))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown audit action '"
                        + label
                        + "' (one of "
                        + Arrays.stream(values())
                            .map(AuditAction::label)
                            .collect(Collectors.joining(", "))
                        + ")"));
  }
}
