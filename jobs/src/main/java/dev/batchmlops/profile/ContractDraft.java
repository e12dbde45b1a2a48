package dev.batchmlops.profile;

import com.amazon.deequ.metrics.Distribution;
import com.amazon.deequ.metrics.DistributionValue;
import com.amazon.deequ.profiles.ColumnProfile;
import com.amazon.deequ.profiles.NumericColumnProfile;
import com.amazon.deequ.suggestions.ConstraintSuggestion;
import com.amazon.deequ.suggestions.ConstraintSuggestionResult;
import com.amazon.deequ.suggestions.ConstraintSuggestionRunner;
import com.amazon.deequ.suggestions.Rules;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
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
   */
  public record Options(
      String name,
      Optional<String> label,
      Optional<String> positiveLabel,
      Optional<String> idColumn) {}

  /** The draft contract as HOCON text, and how many rows were profiled. */
  public record Draft(String text, long rows) {}

  public static Draft draft(Dataset<Row> data, Options options) {
    for (Optional<String> named : List.of(options.label(), options.idColumn())) {
      if (named.isPresent() && !List.of(data.columns()).contains(named.get())) {
        throw new IllegalArgumentException(
            "column '"
                + named.get()
                + "' is not in the table (columns: "
                + String.join(", ", data.columns())
                + ")");
      }
    }
    ConstraintSuggestionResult result =
        new ConstraintSuggestionRunner().onData(data).addConstraintRules(Rules.EXTENDED()).run();
    Map<String, ColumnProfile> profiles = JavaConverters.mapAsJavaMap(result.columnProfiles());
    Map<String, scala.collection.Seq<ConstraintSuggestion>> suggestionsByColumn =
        JavaConverters.mapAsJavaMap(result.constraintSuggestions());
    long rows = result.numRecordsUsedForProfiling();

    Optional<String> id =
        options
            .idColumn()
            .or(
                () ->
                    List.of(data.schema().fields()).stream()
                        .map(StructField::name)
                        .filter(c -> !options.label().equals(Optional.of(c)))
                        .filter(c -> suggested(suggestionsByColumn, c, "Unique"))
                        .findFirst());

    StringBuilder text = new StringBuilder();
    text.append("# Draft contract written by `batchmlops profile` from ")
        .append(rows)
        .append(" rows.\n")
        .append("# Review before use: the roles, the label and its positive value, the segment\n")
        .append("# columns, the ranges (observed values are in the comments) and the severities.\n")
        .append("dataset {\n")
        .append("  name = ")
        .append(quote(options.name()))
        .append('\n')
        .append("  label = ")
        .append(quote(options.label().orElse("")))
        .append(options.label().isEmpty() ? "  # TODO: the column to predict" : "")
        .append('\n');
    options
        .positiveLabel()
        .ifPresent(p -> text.append("  positive-label = ").append(quote(p)).append('\n'));
    text.append("  id-column = ")
        .append(quote(id.orElse("")))
        .append(id.isEmpty() ? "  # TODO: a column that identifies each row" : "")
        .append('\n')
        .append("  segment-columns = []\n")
        .append("  min-rows = ")
        .append(Math.max(1, rows / 2))
        .append("  # half the rows profiled\n")
        .append("  anomalies = [\n")
        .append("    { metric = size, strategy = relative-change, max-decrease = 0.2 }\n")
        .append("  ]\n\n")
        .append("  columns = [\n");
    for (StructField field : data.schema().fields()) {
      ColumnProfile profile = profiles.get(field.name());
      List<String> suggestions =
          Optional.ofNullable(suggestionsByColumn.get(field.name()))
              .map(JavaConverters::seqAsJavaList)
              .orElse(List.of())
              .stream()
              .map(ConstraintSuggestion::description)
              .toList();
      text.append(
          column(
              field,
              profile,
              suggestions,
              options,
              id,
              suggested(suggestionsByColumn, field.name(), "Unique")));
    }
    text.append("  ]\n}\n");
    return new Draft(text.toString(), rows);
  }

  private static String column(
      StructField field,
      ColumnProfile profile,
      List<String> suggestions,
      Options options,
      Optional<String> id,
      boolean unique) {
    String name = field.name();
    String type = typeOf(field.dataType());
    String role =
        options.label().equals(Optional.of(name))
            ? "label"
            : id.equals(Optional.of(name)) ? "id" : "feature";
    StringBuilder line = new StringBuilder();
    line.append("    # ").append(observed(profile));
    if (!suggestions.isEmpty()) {
      line.append("\n    # Deequ suggests: ").append(String.join("; ", suggestions));
    }
    line.append("\n    { name = ")
        .append(quote(name))
        .append(", type = ")
        .append(type)
        .append(", role = ")
        .append(role)
        .append(", completeness = ")
        .append(floor(profile == null ? 0 : profile.completeness()));
    if (unique && !role.equals("id")) {
      line.append(", unique = true");
    }
    if (profile instanceof NumericColumnProfile numeric
        && numeric.minimum().isDefined()
        && ((Number) numeric.minimum().get()).doubleValue() >= 0) {
      line.append(", min = 0");
    }
    if (type.equals("string") && profile != null && profile.histogram().isDefined()) {
      Distribution histogram = profile.histogram().get();
      Map<String, DistributionValue> values = JavaConverters.mapAsJavaMap(histogram.values());
      List<String> allowed =
          values.keySet().stream().filter(v -> !v.equals("NullValue")).sorted().toList();
      if (!allowed.isEmpty() && allowed.size() <= MAX_ALLOWED_VALUES && !unique) {
        line.append(", allowed = [")
            .append(allowed.stream().map(ContractDraft::quote).collect(Collectors.joining(", ")))
            .append("]");
      }
    }
    return line.append(" }\n").toString();
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
