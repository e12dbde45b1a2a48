package dev.batchmlops.validate;

import java.util.List;
import java.util.stream.Collectors;

/** The verdict of a contract check: one result per rule, passed only when every rule passed. */
public record ValidationReport(List<RuleResult> results) {

  /** One rule of the contract, the column it is about, and what Deequ found. */
  public record RuleResult(String column, String rule, boolean passed, String message) {}

  public ValidationReport {
    results = List.copyOf(results);
  }

  public boolean passed() {
    return results.stream().allMatch(RuleResult::passed);
  }

  public List<RuleResult> failures() {
    return results.stream().filter(r -> !r.passed()).toList();
  }

  /** One line naming every failed column and rule. */
  public String summary() {
    if (passed()) {
      return "all " + results.size() + " contract rules passed";
    }
    return failures().size()
        + " of "
        + results.size()
        + " contract rules failed: "
        + failures().stream()
            .map(f -> f.column() + ": " + f.rule() + " (" + f.message() + ")")
            .collect(Collectors.joining("; "));
  }
}
