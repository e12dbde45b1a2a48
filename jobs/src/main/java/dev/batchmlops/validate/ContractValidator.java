package dev.batchmlops.validate;

import com.amazon.deequ.VerificationResult;
import com.amazon.deequ.VerificationRunBuilder;
import com.amazon.deequ.VerificationSuite;
import com.amazon.deequ.checks.Check;
import com.amazon.deequ.checks.CheckLevel;
import com.amazon.deequ.checks.CheckResult;
import com.amazon.deequ.constraints.ConstraintResult;
import com.amazon.deequ.constraints.ConstraintStatus;
import dev.batchmlops.config.ColumnSpec;
import dev.batchmlops.config.DatasetContract;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Function1;
import scala.Option;
import scala.collection.JavaConverters;

/**
 * Checks a table against its dataset contract with Deequ: row count, completeness, uniqueness of
 * the id, allowed values and ranges. One check per rule, so a failure names its column and rule;
 * Deequ still computes all their metrics together in one pass over the data.
 */
public final class ContractValidator {
  private ContractValidator() {}

  /** One rule: the column it is about, a readable description, and the Deequ constraint. */
  record Rule(String column, String description, UnaryOperator<Check> constraint) {}

  public static ValidationReport validate(Dataset<Row> data, DatasetContract contract) {
    List<Rule> rules = rules(contract);
    VerificationRunBuilder suite = new VerificationSuite().onData(data);
    Map<Check, Rule> ruleOf = new LinkedHashMap<>();
    for (Rule rule : rules) {
      Check check =
          rule.constraint()
              .apply(
                  new Check(
                      CheckLevel.Error(), rule.column() + ": " + rule.description(), emptySeq()));
      ruleOf.put(check, rule);
      suite = suite.addCheck(check);
    }
    VerificationResult result = suite.run();
    List<ValidationReport.RuleResult> results = new ArrayList<>();
    for (Map.Entry<Check, CheckResult> entry :
        JavaConverters.mapAsJavaMap(result.checkResults()).entrySet()) {
      Rule rule = ruleOf.get(entry.getKey());
      for (ConstraintResult constraint :
          JavaConverters.seqAsJavaList(entry.getValue().constraintResults())) {
        boolean passed = constraint.status() == ConstraintStatus.Success();
        String message = passed ? "ok" : constraint.message().getOrElse(() -> "failed");
        results.add(
            new ValidationReport.RuleResult(rule.column(), rule.description(), passed, message));
      }
    }
    results.sort(
        Comparator.comparing(ValidationReport.RuleResult::column)
            .thenComparing(ValidationReport.RuleResult::rule));
    return new ValidationReport(results);
  }

  static List<Rule> rules(DatasetContract contract) {
    List<Rule> rules = new ArrayList<>();
    long minRows = contract.minRows();
    rules.add(
        new Rule(
            "<table>",
            "row count >= " + minRows,
            check -> check.hasSize(atLeast(minRows), Option.empty())));
    for (ColumnSpec column : contract.columns()) {
      String name = column.name();
      double completeness = column.completeness();
      if (completeness >= 1.0) {
        rules.add(
            new Rule(name, "complete", c -> c.isComplete(name, Option.empty(), Option.empty())));
      } else if (completeness > 0) {
        rules.add(
            new Rule(
                name,
                "completeness >= " + completeness,
                c ->
                    c.hasCompleteness(
                        name, atLeast(completeness), Option.empty(), Option.empty())));
      }
      if (name.equals(contract.idColumn())) {
        rules.add(new Rule(name, "unique", c -> c.isUnique(name, Option.empty(), Option.empty())));
      }
      if (!column.allowed().isEmpty()) {
        String[] allowed = column.allowed().toArray(String[]::new);
        rules.add(
            new Rule(name, "values in " + column.allowed(), c -> c.isContainedIn(name, allowed)));
      }
      column
          .min()
          .ifPresent(
              min ->
                  rules.add(
                      new Rule(
                          name,
                          "min >= " + min,
                          c -> c.hasMin(name, atLeast(min), Option.empty(), Option.empty()))));
      column
          .max()
          .ifPresent(
              max ->
                  rules.add(
                      new Rule(
                          name,
                          "max <= " + max,
                          c -> c.hasMax(name, atMost(max), Option.empty(), Option.empty()))));
    }
    return rules;
  }

  private static Function1<Object, Object> atLeast(double bound) {
    return value -> ((Number) value).doubleValue() >= bound;
  }

  private static Function1<Object, Object> atMost(double bound) {
    return value -> ((Number) value).doubleValue() <= bound;
  }

  private static scala.collection.Seq<com.amazon.deequ.constraints.Constraint> emptySeq() {
    return JavaConverters.asScalaBuffer(new ArrayList<com.amazon.deequ.constraints.Constraint>())
        .toSeq();
  }
}
