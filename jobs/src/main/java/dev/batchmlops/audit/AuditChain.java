package dev.batchmlops.audit;

import java.util.List;
import java.util.Optional;

/**
 * Checks that a trail is whole: every record as written, in its place, linked to the one before.
 */
public final class AuditChain {
  private AuditChain() {}

  /** Why a record breaks the chain. */
  public enum Problem {
    CHANGED("its content does not match its hash: it was changed after it was written"),
    MISSING("records before it are missing"),
    OUT_OF_PLACE("it is out of place: records were reordered or inserted"),
    UNLINKED("it does not name the hash of the record before it: a record before it changed");

    private final String explanation;

    Problem(String explanation) {
      this.explanation = explanation;
    }
  }

  /** The first record that breaks the chain, and how. */
  public record Break(AuditRecord record, long expectedSequence, Problem problem) {
    public String describe() {
      String detail =
          problem == Problem.MISSING || problem == Problem.OUT_OF_PLACE
              ? " (expected #" + expectedSequence + " here)"
              : "";
      return "audit record #"
          + record.sequence()
          + " ("
          + record.action()
          + " at "
          + record.at()
          + "): "
          + problem.explanation
          + detail;
    }
  }

  /**
   * The first break in {@code records}, in the order they were stored; empty when the trail is
   * whole. A trail whose last records were removed is whole up to what is left: compare {@link
   * #head} with a hash kept elsewhere to detect that.
   */
  public static Optional<Break> verify(List<AuditRecord> records) {
    String previousHash = AuditRecord.GENESIS;
    long expected = 1;
    for (AuditRecord record : records) {
      if (!record.expectedHash().equals(record.hash())) {
        return Optional.of(new Break(record, expected, Problem.CHANGED));
      }
      if (record.sequence() > expected) {
        return Optional.of(new Break(record, expected, Problem.MISSING));
      }
      if (record.sequence() < expected) {
        return Optional.of(new Break(record, expected, Problem.OUT_OF_PLACE));
      }
      if (!record.previousHash().equals(previousHash)) {
        return Optional.of(new Break(record, expected, Problem.UNLINKED));
      }
      previousHash = record.hash();
      expected++;
    }
    return Optional.empty();
  }

  /** The hash of the last record, which every earlier record is bound to. */
  public static String head(List<AuditRecord> records) {
    return records.isEmpty() ? AuditRecord.GENESIS : records.get(records.size() - 1).hash();
  }
}
