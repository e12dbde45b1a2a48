package dev.batchmlops.validate;

import static dev.batchmlops.spark.ColumnNames.quoted;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.hash;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.xxhash64;

import com.amazon.deequ.VerificationResult;
import com.amazon.deequ.VerificationRunBuilder;
import com.amazon.deequ.VerificationSuite;
import com.amazon.deequ.analyzers.Analyzer;
import com.amazon.deequ.analyzers.runners.AnalyzerContext;
import com.amazon.deequ.checks.Check;
import com.amazon.deequ.checks.CheckLevel;
import com.amazon.deequ.checks.CheckResult;
import com.amazon.deequ.constraints.ConstraintResult;
import com.amazon.deequ.constraints.ConstraintStatus;
import com.amazon.deequ.metrics.Metric;
import dev.batchmlops.config.AnomalyRule;
import dev.batchmlops.config.ColumnSpec;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.RuleKind;
import dev.batchmlops.config.Severity;
import dev.batchmlops.quality.Finding;
import dev.batchmlops.quality.QualityReport;
import dev.batchmlops.spark.ColumnNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Function1;
import scala.Option;
import scala.collection.JavaConverters;

/**
 * Checks a table against its dataset contract with Deequ and judges its metrics against the history
 * of passing runs.
 *
 * <p>Algorithm:
 *
 * <ol>
 *   <li>Contract columns missing from the table are errors; their rules are skipped.
 *   <li>Every rule becomes one Deequ check at its severity's level (so a failure names its column
 *       and rule); the checks and the history's metrics go into one {@link VerificationSuite} run,
 *       which computes all their analyzers together: one scan for the scan-shareable metrics, one
 *       grouping pass per uniqueness column.
 *   <li>Each anomaly rule compares its metric's new value with the runs that passed before.
 * </ol>
 */
public final class ContractValidator {
  private ContractValidator() {}

  /**
   * The verdict, and the metrics to keep in the history and show in MLflow.
   *
   * @param metrics the history metrics by MLflow name ({@code data.size}, ...)
   * @param computed every metric Deequ computed, as the metrics repository stores them
   */
  public record Outcome(
      QualityReport report, Map<String, Double> metrics, AnalyzerContext computed) {}

  /**
   * One rule: its subject and readable requirement, its severity, the Deequ constraint, and the SQL
   * filter of the group it is checked within (empty: the whole table).
   */
  record Rule(
      String subject,
      String requirement,
      Severity severity,
      UnaryOperator<Check> constraint,
      Optional<String> group,
      BiFunction<Finding, Dataset<Row>, Finding> explainFailure) {
    Rule(String subject, String requirement, Severity severity, UnaryOperator<Check> constraint) {
      this(subject, requirement, severity, constraint, Optional.empty());
    }

    Rule(
        String subject,
        String requirement,
        Severity severity,
        UnaryOperator<Check> constraint,
        Optional<String> group) {
      this(subject, requirement, severity, constraint, group, (finding, data) -> finding);
    }

    /**
     * This rule, with a failure told in counts and examples, so the message says what the data
     * holds, not only the share that complied (more Spark jobs, only when the rule failed).
     */
    Rule explainedBy(BiFunction<Finding, Dataset<Row>, Finding> explain) {
      return new Rule(subject, requirement, severity, constraint, group, explain);
    }

    Finding judged(Finding finding, Dataset<Row> data) {
      return finding.passed() ? finding : explainFailure.apply(finding, data);
    }
  }

  public static Outcome validate(
      Dataset<Row> data, DatasetContract contract, MetricsHistory history, String name) {
    Set<String> present = Set.of(data.columns());
    List<Finding> findings = new ArrayList<>();
    for (ColumnSpec column : contract.columns()) {
      if (!present.contains(column.name())) {
        findings.add(
            Finding.fail(
                column.name(),
                "present in the table",
                Severity.ERROR,
                "declared in the contract but the table has no such column"));
      }
    }
    List<Rule> rules = rules(contract, present);
    Map<String, Analyzer<?, Metric<?>>> tracked = DataMetrics.of(contract);
    tracked.keySet().removeIf(metric -> !presentColumn(metric, present));

    Map<String, Analyzer<?, Metric<?>>> groupSizes = new LinkedHashMap<>();
    for (Rule rule : rules) {
      rule.group().ifPresent(filter -> groupSizes.put(filter, size(Option.apply(filter))));
    }
    List<Analyzer<?, Metric<?>>> required = new ArrayList<>(tracked.values());
    required.addAll(groupSizes.values());
    VerificationRunBuilder suite =
        new VerificationSuite()
            .onData(data)
            .addRequiredAnalyzers(JavaConverters.asScalaBuffer(required));
    Map<Check, Rule> ruleOf = new LinkedHashMap<>();
    for (Rule rule : rules) {
      scala.Enumeration.Value level =
          rule.severity() == Severity.ERROR ? CheckLevel.Error() : CheckLevel.Warning();
      Check check =
          rule.constraint()
              .apply(new Check(level, rule.subject() + ": " + rule.requirement(), emptySeq()));
      ruleOf.put(check, rule);
      suite = suite.addCheck(check);
    }
    VerificationResult result = suite.run();
    AnalyzerContext computed = new AnalyzerContext(result.metrics());

    long minGroupRows = contract.segmentCompleteness().minRows();
    for (Map.Entry<Check, CheckResult> entry :
        JavaConverters.mapAsJavaMap(result.checkResults()).entrySet()) {
      Rule rule = ruleOf.get(entry.getKey());
      if (rule.group().isPresent()) {
        double rows = value(computed, groupSizes.get(rule.group().get())).orElse(0.0);
        if (rows < minGroupRows) {
          findings.add(
              Finding.pass(
                  rule.subject(),
                  rule.requirement(),
                  rule.severity(),
                  "not judged: "
                      + AnomalyChecks.format(rows)
                      + " rows in this group, fewer than "
                      + minGroupRows));
          continue;
        }
      }
      for (ConstraintResult constraint :
          JavaConverters.seqAsJavaList(entry.getValue().constraintResults())) {
        boolean passed = constraint.status() == ConstraintStatus.Success();
        String evidence = evidence(constraint);
        findings.add(
            rule.judged(
                new Finding(rule.subject(), rule.requirement(), rule.severity(), passed, evidence),
                data));
      }
    }

    Map<String, Double> metrics = new LinkedHashMap<>();
    tracked.forEach(
        (metricName, analyzer) ->
            value(computed, analyzer).ifPresent(v -> metrics.put(metricName, v)));
    for (AnomalyRule rule : contract.anomalies()) {
      if (rule.column().isPresent() && !present.contains(rule.column().get())) {
        continue;
      }
      Analyzer<?, Metric<?>> analyzer = DataMetrics.analyzer(rule);
      Optional<Double> current = value(computed, analyzer);
      findings.add(
          current.isPresent()
              ? AnomalyChecks.judge(rule, current.get(), history.passed(analyzer))
              : Finding.fail(
                  rule.subject(),
                  "anomaly: " + rule.describe(),
                  rule.severity(),
                  "the metric could not be computed"));
    }
    findings.add(duplicateRows(data, contract));
    return new Outcome(new QualityReport(name, findings), metrics, computed);
  }

  private static boolean presentColumn(String metricName, Set<String> present) {
    String[] parts = metricName.split("\\.", 3);
    return parts.length < 3 || present.contains(parts[2]);
  }

  private static Optional<Double> value(AnalyzerContext context, Analyzer<?, Metric<?>> analyzer) {
    Option<Metric<?>> metric = context.metric(analyzer);
    if (metric.isEmpty() || metric.get().value().isFailure()) {
      return Optional.empty();
    }
    return Optional.of(((Number) metric.get().value().get()).doubleValue());
  }

  private static String evidence(ConstraintResult constraint) {
    if (constraint.metric().isDefined() && constraint.metric().get().value().isSuccess()) {
      Object value = constraint.metric().get().value().get();
      return "measured "
          + (value instanceof Number n ? AnomalyChecks.format(n.doubleValue()) : value);
    }
    return constraint.message().getOrElse(() -> "no value");
  }

  /** A label value outside the declared ones, with its row count (the five most common). */
  private static Finding labelEvidence(
      Finding finding, Dataset<Row> data, DatasetContract contract) {
    Column label = ColumnNames.exact(contract.label()).cast("string");
    List<Row> unexpected =
        data.where(label.isNotNull().and(not(label.isin(contract.labelValues().toArray()))))
            .groupBy(label.as("value"))
            .count()
            .orderBy(col("count").desc(), col("value"))
            .limit(5)
            .collectAsList();
    String counts =
        unexpected.stream()
            .map(row -> "'" + row.getString(0) + "' in " + row.getLong(1) + " rows")
            .collect(java.util.stream.Collectors.joining(", "));
    return new Finding(
        finding.subject(),
        finding.check(),
        finding.severity(),
        false,
        "other values: " + counts + " (" + finding.message() + ")");
  }

  /** A uniqueness breach as counts and an example: which value to look for, and how many. */
  private static Finding duplicateEvidence(Finding finding, Dataset<Row> data) {
    Column value = ColumnNames.exact(finding.subject());
    Row repeated =
        data.where(value.isNotNull())
            .groupBy(value.cast("string").as("value"))
            .count()
            .where(col("count").gt(1))
            .agg(count(lit(1)), sum(col("count")), min(col("value")))
            .first();
    if (repeated.getLong(0) == 0) {
      return finding;
    }
    return new Finding(
        finding.subject(),
        finding.check(),
        finding.severity(),
        false,
        repeated.getLong(0)
            + " values occur more than once, in "
            + repeated.getLong(1)
            + " rows, e.g. '"
            + repeated.getString(2)
            + "' ("
            + finding.message()
            + ")");
  }

  /**
   * Rows identical in every column but the id: copies under new ids, which a uniqueness rule on the
   * id cannot see. A warning, since some data holds identical rows by nature.
   *
   * <p>Rows are grouped by two hashes of their values (xxHash64 and Murmur3, 96 bits) rather than
   * by the values themselves, so the shuffle moves a few bytes a row instead of every column. Two
   * different rows share both hashes with a probability of about n&sup2; / 2<sup>97</sup>
   * (10<sup>-17 </sup> at a million rows), and then would be reported as copies: the finding is a
   * warning.
   */
  static Finding duplicateRows(Dataset<Row> data, DatasetContract contract) {
    List<String> columns =
        java.util.Arrays.stream(data.columns())
            .filter(c -> !c.equals(contract.idColumn()))
            .toList();
    String check = "no rows identical in every column but the id";
    if (columns.isEmpty()) {
      return Finding.pass("<table>", check, Severity.WARNING, "no columns to compare");
    }
    // Hash functions skip nulls, so (null, 1) and (1, null) would hash alike without the flags.
    List<Column> values = new ArrayList<>();
    for (String column : columns) {
      values.add(ColumnNames.exact(column));
      values.add(ColumnNames.exact(column).isNull());
    }
    Column[] hashed = values.toArray(Column[]::new);
    Column id =
        java.util.Arrays.asList(data.columns()).contains(contract.idColumn())
            ? ColumnNames.exact(contract.idColumn()).cast("string")
            : lit(null).cast("string");
    Row copies =
        data.select(xxhash64(hashed).as("h64"), hash(hashed).as("h32"), id.as("id"))
            .groupBy(col("h64"), col("h32"))
            .agg(count(lit(1)).as("n"), min(col("id")).as("example"))
            .where(col("n").gt(1))
            .agg(sum(col("n").minus(1)), min(col("example")))
            .first();
    long extra = copies.isNullAt(0) ? 0 : copies.getLong(0);
    return extra == 0
        ? Finding.pass("<table>", check, Severity.WARNING, "none")
        : Finding.fail(
            "<table>",
            check,
            Severity.WARNING,
            extra
                + " rows repeat an earlier row, e.g. the row with id '"
                + copies.getString(1)
                + "'");
  }

  static List<Rule> rules(DatasetContract contract, Set<String> present) {
    List<Rule> rules = new ArrayList<>();
    long minRows = contract.minRows();
    rules.add(
        new Rule(
            "<table>",
            "row count >= " + minRows,
            Severity.ERROR,
            check -> check.hasSize(atLeast(minRows), Option.empty())));
    if (present.contains(contract.label())) {
      labelRules(contract, rules);
    }
    for (ColumnSpec column : contract.columns()) {
      if (present.contains(column.name())) {
        columnRules(contract, column, rules);
      }
    }
    return rules;
  }

  /** The rules of the contract's task on the label's distribution. */
  private static void labelRules(DatasetContract contract, List<Rule> rules) {
    switch (contract.task()) {
      case BINARY -> positiveShareRule(contract, rules);
      case MULTICLASS -> classShareRules(contract, rules);
      case REGRESSION -> {
        String value = "CAST(" + quoted(contract.label()) + " AS DOUBLE)";
        // Ingest reads "NaN" and "Infinity" as doubles; no loss or metric is defined on them.
        rules.add(
            new Rule(
                contract.label(),
                "a finite number (no NaN or infinity)",
                Severity.ERROR,
                c ->
                    c.satisfies(
                        value
                            + " IS NULL OR NOT (isnan("
                            + value
                            + ") OR abs("
                            + value
                            + ") = double('Infinity'))",
                        "finite label",
                        isOne(),
                        Option.empty(),
                        noColumns(),
                        Option.empty())));
      }
    }
  }

  private static void classShareRules(DatasetContract contract, List<Rule> rules) {
    DatasetContract.ClassShare share = contract.classShare();
    if (share.min() <= 0) {
      return;
    }
    for (String value : contract.labelValues()) {
      rules.add(
          new Rule(
              contract.label(),
              "share of class '" + value + "' >= " + share.min(),
              share.severity(),
              c ->
                  c.satisfies(
                      "CAST(" + quoted(contract.label()) + " AS STRING) = " + sqlString(value),
                      "class share " + value,
                      atLeast(share.min()),
                      Option.empty(),
                      noColumns(),
                      Option.empty())));
    }
  }

  private static void positiveShareRule(DatasetContract contract, List<Rule> rules) {
    DatasetContract.PositiveShare share = contract.positiveShare();
    if (share.bounded()) {
      String positive = sqlString(contract.positiveLabel());
      rules.add(
          new Rule(
              contract.label(),
              "share of '"
                  + contract.positiveLabel()
                  + "' in ["
                  + share.min()
                  + ", "
                  + share.max()
                  + "]",
              share.severity(),
              c ->
                  c.satisfies(
                      "CAST(" + quoted(contract.label()) + " AS STRING) = " + positive,
                      "positive share",
                      between(share.min(), share.max()),
                      Option.empty(),
                      noColumns(),
                      Option.empty())));
    }
  }

  private static void columnRules(DatasetContract contract, ColumnSpec column, List<Rule> rules) {
    String name = column.name();
    double completeness = column.completeness();
    Severity completenessSeverity = column.severity(RuleKind.COMPLETENESS);
    if (completeness >= 1.0) {
      rules.add(
          new Rule(
              name,
              "complete",
              completenessSeverity,
              c -> c.isComplete(name, Option.empty(), Option.empty())));
    } else if (completeness > 0) {
      rules.add(
          new Rule(
              name,
              "completeness >= " + completeness,
              completenessSeverity,
              c -> c.hasCompleteness(name, atLeast(completeness), Option.empty(), Option.empty())));
      if (contract.segmentCompleteness().enabled()) {
        segmentCompleteness(contract, name, completeness, completenessSeverity, rules);
      }
    }
    if (name.equals(contract.idColumn()) || column.unique()) {
      rules.add(
          new Rule(
                  name,
                  "unique",
                  column.severity(RuleKind.UNIQUE),
                  c -> c.isUnique(name, Option.empty(), Option.empty()))
              .explainedBy(ContractValidator::duplicateEvidence));
    }
    if (!column.allowed().isEmpty()) {
      String[] allowed = column.allowed().toArray(String[]::new);
      boolean label = name.equals(contract.label());
      rules.add(
          label
              // Another value would be trained on as a negative, or as a class no one declared.
              ? new Rule(
                      name,
                      "a " + contract.task().label() + " label: values in " + column.allowed(),
                      Severity.ERROR,
                      c -> c.isContainedIn(name, allowed))
                  .explainedBy((finding, data) -> labelEvidence(finding, data, contract))
              : new Rule(
                  name,
                  "values in " + column.allowed(),
                  column.severity(RuleKind.ALLOWED),
                  c -> c.isContainedIn(name, allowed)));
    }
    column
        .pattern()
        .ifPresent(
            pattern ->
                rules.add(
                    new Rule(
                        name,
                        "matches /" + pattern + "/",
                        column.severity(RuleKind.PATTERN),
                        c ->
                            c.satisfies(
                                quoted(name)
                                    + " IS NULL OR "
                                    + quoted(name)
                                    + " RLIKE "
                                    + sqlString(pattern),
                                name + " pattern",
                                isOne(),
                                Option.empty(),
                                noColumns(),
                                Option.empty()))));
    Severity range = column.severity(RuleKind.RANGE);
    column
        .min()
        .ifPresent(
            min ->
                rules.add(
                    new Rule(
                        name,
                        "min >= " + min,
                        range,
                        c -> c.hasMin(name, atLeast(min), Option.empty(), Option.empty()))));
    column
        .max()
        .ifPresent(
            max ->
                rules.add(
                    new Rule(
                        name,
                        "max <= " + max,
                        range,
                        c -> c.hasMax(name, atMost(max), Option.empty(), Option.empty()))));
  }

  /**
   * A column can be complete enough overall and still be empty for one group; its completeness rule
   * holds in every value of every segment column that lists its values (all computed in the same
   * scan as the overall rule).
   */
  private static void segmentCompleteness(
      DatasetContract contract,
      String name,
      double completeness,
      Severity severity,
      List<Rule> rules) {
    for (String segment : contract.segmentColumns()) {
      for (String value : contract.column(segment).allowed()) {
        String filter = "CAST(" + quoted(segment) + " AS STRING) = " + sqlString(value);
        rules.add(
            new Rule(
                name,
                "completeness >= " + completeness + " where " + segment + " = " + value,
                severity,
                c ->
                    c.hasCompleteness(name, atLeast(completeness), Option.empty(), Option.empty())
                        .where(filter),
                Optional.of(filter)));
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Analyzer<?, Metric<?>> size(Option<String> filter) {
    Object analyzer = new com.amazon.deequ.analyzers.Size(filter);
    return (Analyzer<?, Metric<?>>) analyzer;
  }

  /** A Spark SQL string literal: backslashes and quotes escaped. */
  private static String sqlString(String text) {
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  private static Function1<Object, Object> atLeast(double bound) {
    return value -> ((Number) value).doubleValue() >= bound;
  }

  private static Function1<Object, Object> atMost(double bound) {
    return value -> ((Number) value).doubleValue() <= bound;
  }

  private static Function1<Object, Object> between(double min, double max) {
    return value -> ((Number) value).doubleValue() >= min && ((Number) value).doubleValue() <= max;
  }

  private static Function1<Object, Object> isOne() {
    return value -> ((Number) value).doubleValue() == 1.0;
  }

  private static scala.collection.immutable.List<String> noColumns() {
    return scala.collection.immutable.List$.MODULE$.empty();
  }

  private static scala.collection.Seq<com.amazon.deequ.constraints.Constraint> emptySeq() {
    return JavaConverters.asScalaBuffer(new ArrayList<com.amazon.deequ.constraints.Constraint>())
        .toSeq();
  }
}
