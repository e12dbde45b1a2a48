package dev.batchmlops.profile;

import static org.apache.spark.sql.functions.*;

import com.amazon.deequ.metrics.Distribution;
import com.amazon.deequ.metrics.DistributionValue;
import com.amazon.deequ.profiles.ColumnProfile;
import com.amazon.deequ.profiles.NumericColumnProfile;
import com.amazon.deequ.suggestions.ConstraintSuggestion;
import com.amazon.deequ.suggestions.ConstraintSuggestionResult;
import com.amazon.deequ.suggestions.ConstraintSuggestionRunner;
import com.amazon.deequ.suggestions.Rules;
import dev.batchmlops.config.ColumnSpec;
import dev.batchmlops.config.Task;
import dev.batchmlops.spark.ColumnNames;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StructField;
import scala.collection.JavaConverters;

/**
 * Writes a first dataset contract from a table: Deequ's column profiler and constraint suggestion
 * give each column's type, completeness, value set, range and uniqueness; the result is a commented
 * {@code conf/datasets/<name>.conf} a person reviews and edits.
 */
public final class ContractDraft {
  /** String columns with at most this many values get an allowed-values list. */
  static final int MAX_ALLOWED_VALUES = 20;

  private ContractDraft() {}

  /**
   * What the profiler cannot know.
   *
   * @param label the label column, if known
   * @param positiveLabel the label value of the positive class, if known
   * @param idColumn the id column, if known; else the first column Deequ finds unique
   * @param task the task, if known; else proposed from the label's type and values
   */
  public record Options(
      String name,
      Optional<String> label,
      Optional<String> positiveLabel,
      Optional<String> idColumn,
      Optional<Task> task) {}

  /** The task a draft declares, and why (a line of the draft's header). */
  record TaskProposal(Task task, String reason) {}

  /** More classes than this: the draft still calls the label multiclass, but asks whether it is. */
  static final int MAX_CLASSES = 50;

  /**
   * The task a label of this contract type and number of distinct values most likely poses: two
   * values are binary; text, or a few integers, are classes; other numbers are amounts.
   */
  static TaskProposal proposeTask(String type, int values) {
    boolean numeric = type.equals("integer") || type.equals("double");
    if (values == 2) {
      return new TaskProposal(Task.BINARY, "two values");
    }
    if (!numeric) {
      return new TaskProposal(
          Task.MULTICLASS,
          (values > MAX_CLASSES ? "text with more than " + MAX_CLASSES : "text with " + values)
              + " values, each a class"
              + (values > MAX_CLASSES ? " (so many classes: is it the column to predict?)" : ""));
    }
    if (type.equals("integer") && values <= MAX_ALLOWED_VALUES) {
      return new TaskProposal(
          Task.MULTICLASS,
          values
              + " integer values, taken as classes (if they are counts or amounts, set task ="
              + " regression and drop the label's allowed list)");
    }
    return new TaskProposal(
        Task.REGRESSION,
        (values > MAX_CLASSES ? "more than " + MAX_CLASSES : String.valueOf(values))
            + " numeric values, an amount to predict");
  }

  /** The draft contract as HOCON text, and how many rows were profiled. */
  public record Draft(String text, long rows) {}

  /** Texts that stand for a missing value in many public datasets. */
  static final List<String> SENTINEL_TEXTS = List.of("?", "NA", "N/A", "n/a", "null", "NULL", "-");

  /** Numbers that stand for a missing value when they are a column's minimum. */
  static final List<Double> SENTINEL_NUMBERS = List.of(-999.0, -9999.0, -99999.0);

  /** The id column drafted when the data has none: derived from each row's content. */
  static final String CONTENT_ID = "row_id";

  /** Fewer rows than this: the draft cross-validates the search (see {@link #searchAdvice}). */
  static final long CROSS_VALIDATE_BELOW_ROWS = 10_000;

  /** What the draft says about one column beyond Deequ's profile. */
  private record Facts(
      String name,
      String source,
      String type,
      String role,
      boolean unique,
      List<String> missingValues,
      java.util.OptionalDouble completeness,
      List<String> notes) {}

  public static Draft draft(Dataset<Row> source, Options options) {
    for (Optional<String> named : List.of(options.label(), options.idColumn())) {
      if (named.isPresent() && !List.of(source.columns()).contains(named.get())) {
        throw new IllegalArgumentException(
            "column '"
                + named.get()
                + "' is not in the table (columns: "
                + String.join(", ", source.columns())
                + ")");
      }
    }
    // Profiled under the plain names the contract will store them as (Deequ's SQL does not quote).
    Map<String, String> sourceOf = plainNames(source.columns());
    Dataset<Row> data = source.toDF(sourceOf.keySet().toArray(String[]::new));
    Map<String, String> plainOf = new java.util.HashMap<>();
    sourceOf.forEach((plain, original) -> plainOf.put(original, plain));
    Optional<String> label = options.label().map(plainOf::get);

    ConstraintSuggestionResult result =
        new ConstraintSuggestionRunner().onData(data).addConstraintRules(Rules.EXTENDED()).run();
    Map<String, ColumnProfile> profiles = JavaConverters.mapAsJavaMap(result.columnProfiles());
    Map<String, scala.collection.Seq<ConstraintSuggestion>> suggestionsByColumn =
        JavaConverters.mapAsJavaMap(result.constraintSuggestions());
    long rows = result.numRecordsUsedForProfiling();

    Map<String, Facts> facts = new LinkedHashMap<>();
    for (StructField field : data.schema().fields()) {
      String name = field.name();
      boolean uniqueInSample = suggested(suggestionsByColumn, name, "Unique");
      facts.put(
          name, facts(data, field, sourceOf.get(name), label, uniqueInSample, profiles.get(name)));
    }
    Optional<String> id =
        options
            .idColumn()
            .map(plainOf::get)
            .or(
                () ->
                    facts.values().stream()
                        .filter(f -> f.unique() && !label.equals(Optional.of(f.name())))
                        .filter(f -> f.type().equals("string") || looksLikeAnId(f.name()))
                        .map(Facts::name)
                        .findFirst());

    List<String> findings = new ArrayList<>();
    Optional<String> positive = options.positiveLabel();
    List<String> labelValues = List.of();
    Optional<Task> task = options.task();
    Optional<String> classShare = Optional.empty();
    if (label.isPresent()) {
      List<Row> counts =
          data.groupBy(ColumnNames.exact(label.get()).cast("string").as("value"))
              .count()
              .where(col("value").isNotNull())
              .orderBy(col("count"), col("value"))
              .limit(MAX_CLASSES + 1)
              .collectAsList();
      String labelType = facts.get(label.get()).type();
      if (task.isEmpty()) {
        TaskProposal proposal = proposeTask(labelType, counts.size());
        task = Optional.of(proposal.task());
        findings.add(
            "task = "
                + proposal.task().label()
                + ": the label "
                + label.get()
                + " has "
                + proposal.reason());
      }
      if (task.get() != Task.REGRESSION) {
        labelValues = counts.stream().map(r -> r.getString(0)).sorted().toList();
      }
      if (task.get() == Task.BINARY && counts.size() != 2) {
        findings.add(
            "the label "
                + label.get()
                + " has "
                + counts.size()
                + " values "
                + labelValues
                + ": a binary label needs two (task = multiclass predicts each of them)");
      }
      if (task.get() == Task.MULTICLASS && !counts.isEmpty()) {
        classShare = classShareOf(counts.get(0), rows);
      }
      if (task.get() == Task.BINARY && positive.isEmpty() && !counts.isEmpty()) {
        positive = Optional.of(counts.get(0).getString(0));
        findings.add(
            "took '"
                + positive.get()
                + "' as the positive class (the rarer label value, "
                + counts.get(0).getLong(1)
                + " of "
                + rows
                + " rows): set positive-label if the event to predict is another");
      }
      if (sortedBy(data, label.get(), counts.size())) {
        findings.add(
            "the rows are sorted by the label: an id numbered in file order would encode it"
                + " (the leakage check stops such a run); no column here must be one");
      }
    }
    if (label.isEmpty()) {
      List<String> twoValued =
          facts.values().stream()
              .map(Facts::name)
              .filter(
                  name ->
                      profiles.get(name) != null
                          && profiles.get(name).approximateNumDistinctValues() == 2)
              .toList();
      findings.add(
          "no --label given"
              + (twoValued.isEmpty()
                  ? ""
                  : ": columns with two values, likely labels: " + String.join(", ", twoValued))
              + "; profile again with --label to draft the label's values");
    }
    if (id.isEmpty()) {
      findings.add(
          "no column identifies a row: id-from-content derives "
              + CONTENT_ID
              + " from each row's values");
    } else if (options.idColumn().isEmpty()) {
      findings.add("took " + id.get() + " as the id (unique in every profiled row)");
    }
    facts.values().stream()
        .filter(f -> !f.missingValues().isEmpty())
        .forEach(
            f ->
                findings.add(
                    f.name() + ": " + f.missingValues() + " read as missing (a likely sentinel)"));

    StringBuilder text = new StringBuilder();
    text.append("# Draft contract written by `batchmlops profile` from ")
        .append(rows)
        .append(" rows.\n")
        .append("# Review before use: the roles, the label and its positive value, the segment\n")
        .append(
            "# columns, the ranges (observed values are in the comments) and the severities.\n");
    findings.forEach(f -> text.append("# - ").append(f).append('\n'));
    text.append("dataset {\n")
        .append("  name = ")
        .append(quote(options.name()))
        .append('\n')
        .append("  label = ")
        .append(quote(label.orElse("")))
        .append(label.isEmpty() ? "  # TODO: the column to predict" : "")
        .append('\n');
    task.ifPresent(t -> text.append("  task = ").append(t.label()).append('\n'));
    if (task.equals(Optional.of(Task.BINARY))) {
      positive.ifPresent(p -> text.append("  positive-label = ").append(quote(p)).append('\n'));
    }
    classShare.ifPresent(line -> text.append("  ").append(line).append('\n'));
    text.append("  id-column = ").append(quote(id.orElse(CONTENT_ID))).append('\n');
    if (id.isEmpty()) {
      text.append("  id-from-content = true\n");
    }
    text.append("  segment-columns = []\n")
        .append("  min-rows = ")
        .append(Math.max(1, rows / 2))
        .append("  # half the rows profiled\n")
        .append("  anomalies = [\n")
        .append("    { metric = size, strategy = relative-change, max-decrease = 0.2 }\n")
        .append("  ]\n\n")
        .append("  columns = [\n");
    for (Facts column : facts.values()) {
      ColumnProfile profile = profiles.get(column.name());
      List<String> suggestions =
          Optional.ofNullable(suggestionsByColumn.get(column.name()))
              .map(JavaConverters::seqAsJavaList)
              .orElse(List.of())
              .stream()
              .map(ConstraintSuggestion::description)
              .toList();
      String role =
          label.equals(Optional.of(column.name()))
              ? "label"
              : id.equals(Optional.of(column.name())) ? "id" : "feature";
      List<String> allowed = role.equals("label") ? labelValues : allowedValues(column, profile);
      boolean observedRange = role.equals("label") && task.equals(Optional.of(Task.REGRESSION));
      text.append(column(column, role, profile, suggestions, allowed, observedRange));
    }
    text.append("  ]\n}\n");
    text.append(searchAdvice(rows));
    return new Draft(text.toString(), rows);
  }

  /**
   * For a small dataset, cross-validation of the search: the validation split of a few thousand
   * rows is too small to rank trials, and a search that ranks them on it picks by chance.
   */
  static String searchAdvice(long rows) {
    if (rows >= CROSS_VALIDATE_BELOW_ROWS) {
      return "";
    }
    return "\n# "
        + rows
        + " rows (fewer than "
        + CROSS_VALIDATE_BELOW_ROWS
        + "): a validation split too small to rank the search's trials on.\n"
        + "# Five-fold cross-validation within the training split ranks each on all of them.\n"
        + "train.search.folds = 5\n";
  }

  /** Plain names (see {@link ColumnSpec#plainName}) for the source's columns, in order, unique. */
  static Map<String, String> plainNames(String[] columns) {
    Map<String, String> sourceOf = new LinkedHashMap<>();
    for (String column : columns) {
      String plain = ColumnSpec.plainName(column);
      String unique = plain;
      for (int n = 2; sourceOf.containsKey(unique); n++) {
        unique = plain + "_" + n;
      }
      sourceOf.put(unique, column);
    }
    return sourceOf;
  }

  private static boolean looksLikeAnId(String name) {
    return name.toLowerCase(Locale.ROOT).matches(".*(^|_)(id|key|code|number|no)$|.*id$");
  }

  private static Facts facts(
      Dataset<Row> data,
      StructField field,
      String source,
      Optional<String> label,
      boolean uniqueInSample,
      ColumnProfile profile) {
    String name = field.name();
    String type = typeOf(field.dataType());
    List<String> missing = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    boolean isLabel = label.equals(Optional.of(name));
    if (type.equals("string") && !isLabel) {
      // Numbers with a few stray texts: a numeric column whose missing values are marked.
      Column value = ColumnNames.exact(name);
      Row numbers =
          data.agg(
                  count(value),
                  count(expr("try_cast(" + ColumnNames.quoted(name) + " AS DOUBLE)")),
                  count(
                      expr(
                          "CASE WHEN try_cast("
                              + ColumnNames.quoted(name)
                              + " AS DOUBLE) = CAST(try_cast("
                              + ColumnNames.quoted(name)
                              + " AS DOUBLE) AS BIGINT) THEN 1 END")))
              .first();
      long present = numbers.getLong(0);
      List<String> texts =
          data
              .where(value.isin(SENTINEL_TEXTS.toArray()))
              .select(value)
              .distinct()
              .collectAsList()
              .stream()
              .map(r -> r.getString(0))
              .sorted()
              .toList();
      long sentinelRows = texts.isEmpty() ? 0 : data.where(value.isin(texts.toArray())).count();
      missing.addAll(texts);
      if (present > 0 && numbers.getLong(1) > 0 && numbers.getLong(1) + sentinelRows == present) {
        type = numbers.getLong(2) == numbers.getLong(1) ? "integer" : "double";
      }
    }
    if (profile instanceof NumericColumnProfile numeric && numeric.minimum().isDefined()) {
      double min = ((Number) numeric.minimum().get()).doubleValue();
      if (SENTINEL_NUMBERS.contains(min)) {
        missing.add(type.equals("integer") ? String.valueOf((long) min) : String.valueOf(min));
      } else if (min == 0 && !isLabel) {
        Column value = ColumnNames.exact(name);
        Row zeros =
            data.agg(
                    sum(when(value.equalTo(0), 1L).otherwise(0L)),
                    min(when(value.gt(0), value)),
                    count(value))
                .first();
        long zeroRows = zeros.isNullAt(0) ? 0 : zeros.getLong(0);
        double smallest = zeros.isNullAt(1) ? 0 : ((Number) zeros.get(1)).doubleValue();
        if (zeroRows > 0 && smallest >= 10) {
          notes.add(
              String.format(
                  Locale.ROOT,
                  "0 in %d rows while the other values start at %s: if 0 means \"not"
                      + " measured\", add missing-values = [\"0\"]",
                  zeroRows,
                  zeros.get(1)));
        }
      }
    }
    // A measure with no repeats in a sample is not an identifier: only text, and whole numbers
    // named like one (customer_id, account_no), are drafted unique.
    boolean unique =
        uniqueInSample
            && (type.equals("string") || (type.equals("integer") && looksLikeAnId(name)));
    if (uniqueInSample && !unique) {
      notes.add("no repeated value in the sample; a measure, not drafted unique");
    }
    java.util.OptionalDouble completeness = java.util.OptionalDouble.empty();
    if (!missing.isEmpty()) {
      Column value = ColumnNames.exact(name);
      Column sentinel = value.cast("string").isin(missing.toArray());
      for (String text : missing) {
        if (!SENTINEL_TEXTS.contains(text)) { // a number: compared as one
          sentinel = sentinel.or(value.equalTo(Double.valueOf(text)));
        }
      }
      Row shares =
          data.agg(count(lit(1)), sum(when(value.isNotNull().and(not(sentinel)), 1L).otherwise(0L)))
              .first();
      completeness =
          java.util.OptionalDouble.of(
              shares.getLong(0) == 0 ? 0 : (double) shares.getLong(1) / shares.getLong(0));
    }
    return new Facts(
        name, source, type, isLabel ? "label" : "feature", unique, missing, completeness, notes);
  }

  /** Whether the rows come in label order: as few label changes as the label has values. */
  private static boolean sortedBy(Dataset<Row> data, String label, int values) {
    if (values < 2) {
      return false;
    }
    Column order = monotonically_increasing_id();
    Column value = ColumnNames.exact(label).cast("string");
    Dataset<Row> ordered = data.select(order.as("_order"), value.as("_label"));
    long changes =
        ordered
            .withColumn(
                "_previous",
                lag(col("_label"), 1)
                    .over(org.apache.spark.sql.expressions.Window.orderBy(col("_order"))))
            .where(col("_previous").isNotNull().and(col("_previous").notEqual(col("_label"))))
            .count();
    return changes <= values - 1;
  }

  private static List<String> allowedValues(Facts column, ColumnProfile profile) {
    if (!column.type().equals("string")
        || column.unique()
        || profile == null
        || !profile.histogram().isDefined()) {
      return List.of();
    }
    Distribution histogram = profile.histogram().get();
    Map<String, DistributionValue> values = JavaConverters.mapAsJavaMap(histogram.values());
    List<String> allowed =
        values.keySet().stream()
            .filter(v -> !v.equals("NullValue") && !column.missingValues().contains(v))
            .sorted()
            .toList();
    return allowed.size() <= MAX_ALLOWED_VALUES ? allowed : List.of();
  }

  private static String column(
      Facts column,
      String role,
      ColumnProfile profile,
      List<String> suggestions,
      List<String> allowed,
      boolean observedRange) {
    StringBuilder line = new StringBuilder();
    line.append("    # ").append(observed(profile));
    for (String note : column.notes()) {
      line.append("\n    # ").append(note);
    }
    if (!suggestions.isEmpty()) {
      line.append("\n    # Deequ suggests: ").append(String.join("; ", suggestions));
    }
    line.append("\n    { name = ").append(quote(column.name()));
    if (!column.source().equals(column.name())) {
      line.append(", source = ").append(quote(column.source()));
    }
    line.append(", type = ")
        .append(column.type())
        .append(", role = ")
        .append(role)
        .append(", completeness = ")
        .append(floor(completeness(profile, column)));
    if (column.unique() && !role.equals("id")) {
      line.append(", unique = true");
    }
    if (!column.missingValues().isEmpty()) {
      line.append(", missing-values = ").append(list(column.missingValues()));
    }
    if (observedRange
        && profile instanceof NumericColumnProfile numeric
        && numeric.minimum().isDefined()) {
      // A regression label's range: the observed one, to widen where larger values are valid.
      line.append(", min = ")
          .append(number(numeric.minimum().get(), column.type()))
          .append(", max = ")
          .append(number(numeric.maximum().get(), column.type()));
    } else if (column.type().equals("integer") || column.type().equals("double")) {
      if (profile instanceof NumericColumnProfile numeric
          && numeric.minimum().isDefined()
          && ((Number) numeric.minimum().get()).doubleValue() >= 0) {
        line.append(", min = 0");
      }
    }
    if (!allowed.isEmpty()) {
      line.append(", allowed = ").append(list(allowed));
    }
    return line.append(" }\n").toString();
  }

  /**
   * A multiclass label's least class share: half the rarest class's, so the profiled data passes
   * and a class that all but vanishes from a later batch does not.
   */
  private static Optional<String> classShareOf(Row rarest, long rows) {
    double share = rows == 0 ? 0 : (double) rarest.getLong(1) / rows;
    BigDecimal min = BigDecimal.valueOf(share / 2).setScale(3, RoundingMode.FLOOR);
    if (min.signum() == 0) {
      return Optional.empty();
    }
    return Optional.of(
        "class-share { min = "
            + min.stripTrailingZeros().toPlainString()
            + " }  # half the rarest class's share ('"
            + rarest.getString(0)
            + "', "
            + rarest.getLong(1)
            + " of "
            + rows
            + " rows)");
  }

  /** A profiled bound as the contract writes it: integers without a fraction. */
  private static String number(Object value, String type) {
    double bound = ((Number) value).doubleValue();
    return type.equals("integer")
        ? String.valueOf((long) bound)
        : BigDecimal.valueOf(bound).stripTrailingZeros().toPlainString();
  }

  /** The share of values present, sentinels counted as missing. */
  private static double completeness(ColumnProfile profile, Facts column) {
    return column.completeness().orElse(profile == null ? 0 : profile.completeness());
  }

  private static String list(List<String> values) {
    return values.stream().map(ContractDraft::quote).collect(Collectors.joining(", ", "[", "]"));
  }

  private static String observed(ColumnProfile profile) {
    if (profile == null) {
      return "not profiled";
    }
    String text =
        String.format(
            Locale.ROOT,
            "%.1f%% complete, about %d distinct values",
            100 * profile.completeness(),
            profile.approximateNumDistinctValues());
    if (profile instanceof NumericColumnProfile numeric && numeric.minimum().isDefined()) {
      text +=
          String.format(
              Locale.ROOT,
              ", observed %s to %s, mean %s",
              numeric.minimum().get(),
              numeric.maximum().get(),
              numeric.mean().isDefined()
                  ? String.format(Locale.ROOT, "%.4g", (Double) numeric.mean().get())
                  : "?");
    }
    return text;
  }

  private static boolean suggested(
      Map<String, scala.collection.Seq<ConstraintSuggestion>> suggestions,
      String column,
      String rule) {
    scala.collection.Seq<ConstraintSuggestion> forColumn = suggestions.get(column);
    if (forColumn == null) {
      return false;
    }
    return JavaConverters.seqAsJavaList(forColumn).stream()
        .anyMatch(s -> s.suggestingRule().getClass().getSimpleName().contains(rule));
  }

  /** The contract type of a Spark type: integral, fractional, date-like, or else text. */
  static String typeOf(DataType type) {
    if (type.equals(DataTypes.IntegerType)
        || type.equals(DataTypes.LongType)
        || type.equals(DataTypes.ShortType)
        || type.equals(DataTypes.ByteType)) {
      return "integer";
    }
    if (type.equals(DataTypes.DoubleType)
        || type.equals(DataTypes.FloatType)
        || type instanceof DecimalType) {
      return "double";
    }
    if (type.equals(DataTypes.DateType) || type.equals(DataTypes.TimestampType)) {
      return "date";
    }
    return "string";
  }

  /** Completeness rounded down to two places, so the profiled data itself passes. */
  private static String floor(double completeness) {
    return BigDecimal.valueOf(completeness)
        .setScale(2, RoundingMode.FLOOR)
        .stripTrailingZeros()
        .toPlainString();
  }

  private static String quote(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
