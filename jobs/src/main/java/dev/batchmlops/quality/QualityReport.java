package dev.batchmlops.quality;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The verdict of a data check (contract validation, leakage): one finding per check, passed when no
 * error-level check failed. Warnings never stop a run; they are reported and recorded.
 *
 * @param name what was checked, for example "validation of .../raw@v3"
 */
public record QualityReport(String name, List<Finding> findings) {

  public QualityReport {
    findings =
        findings.stream()
            .sorted(
                Comparator.comparing(Finding::passed)
                    .thenComparing(Finding::severity)
                    .thenComparing(Finding::subject)
                    .thenComparing(Finding::check))
            .toList();
  }

  public boolean passed() {
    return errors().isEmpty();
  }

  public List<Finding> errors() {
    return findings.stream().filter(Finding::isError).toList();
  }

  public List<Finding> warnings() {
    return findings.stream().filter(Finding::isWarning).toList();
  }

  /** One line: counts, then every error (or, when none failed, every warning). */
  public String summary() {
    String counts =
        findings.size()
            + " checks, "
            + errors().size()
            + " errors, "
            + warnings().size()
            + " warnings";
    List<Finding> shown = passed() ? warnings() : errors();
    if (shown.isEmpty()) {
      return counts;
    }
    return counts
        + (passed() ? "; warnings: " : "; errors: ")
        + shown.stream().map(Finding::toString).collect(Collectors.joining("; "));
  }
}
