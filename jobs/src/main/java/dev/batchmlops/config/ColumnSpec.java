package dev.batchmlops.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One column of a dataset contract.
 *
 * @param required whether every row must have a value; a row without one is quarantined at ingest
 * @param completeness the minimum share of non-null values, 0 to 1
 * @param min inclusive lower bound of a numeric column, if any
 * @param max inclusive upper bound of a numeric column, if any
 * @param allowed the allowed values (as text), empty when any value is allowed
 * @param pattern a regular expression every non-null value must match, if any
 * @param unique whether no two rows may share a value (always true for the id column)
 * @param knownAfterOutcome whether the value is only known once the outcome is: never a feature
 * @param observedAt the date column that says when this column's value was observed, if any; it
 *     must not be later than the dataset's event time
 * @param severities the severity of each rule kind that is not an error
 * @param source the column's name in the source (file header, JSON key, database column), when it
 *     differs from {@code name}: a name with dots, spaces or other punctuation is stored under a
 *     plain name
 * @param missingValues values that mean "missing" here (a sentinel such as {@code ?}, {@code NA},
 *     {@code -999}); ingest stores them as null
 */
public record ColumnSpec(
    String name,
    ColumnType type,
    ColumnRole role,
    boolean required,
    double completeness,
    OptionalDouble min,
    OptionalDouble max,
    List<String> allowed,
    Optional<String> pattern,
    boolean unique,
    boolean knownAfterOutcome,
    Optional<String> observedAt,
    Map<RuleKind, Severity> severities,
    String source,
    List<String> missingValues) {

  /**
   * What a stored column name may hold: ASCII letters, digits and underscores. Spark resolves a dot
   * as a struct field, Delta refuses spaces and punctuation, and SQL text built inside libraries
   * (Deequ's profiler and some of its rules) quotes no names and reads no letters beyond ASCII; a
   * plain name works everywhere.
   */
  public static final java.util.regex.Pattern PLAIN_NAME =
      java.util.regex.Pattern.compile("[A-Za-z0-9_]+");

  public ColumnSpec {
    allowed = List.copyOf(allowed);
    severities = Map.copyOf(severities);
    missingValues = List.copyOf(missingValues);
  }

  /**
   * A plain name for a source name: accents dropped (größe becomes grosse), and each run of other
   * characters one underscore.
   */
  public static String plainName(String sourceName) {
    String ascii =
        java.text.Normalizer.normalize(
                sourceName.strip().replace("ß", "ss"), java.text.Normalizer.Form.NFD)
            .replaceAll("\\p{M}+", "");
    String plain = ascii.replaceAll("[^A-Za-z0-9_]+", "_");
    plain = plain.replaceAll("^_+(?=.)", "").replaceAll("(?<=.)_+$", "");
    return plain.isEmpty() ? "_" : plain;
  }

  public Severity severity(RuleKind kind) {
    return severities.getOrDefault(kind, Severity.ERROR);
  }

  public boolean isCategoricalFeature() {
    return role == ColumnRole.FEATURE && !type.isNumeric();
  }

  public boolean isNumericFeature() {
    return role == ColumnRole.FEATURE && type.isNumeric();
  }
}
