package dev.batchmlops.config;

import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What a dataset must look like: its columns in file order with their rules, the task and its label
 * (with the positive value of a binary one), the id, entity, event-time and segment columns, and
 * how its metrics may move between runs. Validated when built, so every stage can rely on it.
 *
 * @param positiveLabel the positive class of a binary label; not used by the other tasks
 * @param classShare the least share of rows each class of a multiclass label must hold
 * @param entityColumn the entity (customer, account) whose rows must all fall in one split
 * @param eventTimeColumn when the prediction is made; no feature may be observed later
 * @param protectedColumns segment columns whose groups the model must treat alike (fairness)
 * @param segmentCompleteness whether completeness rules also hold within every value of every
 *     segment column that lists its allowed values, and from how many rows a group is judged
 * @param idFromContent whether ingest derives the id from each row's content (a hash of its other
 *     columns) rather than reading it from the source
 */
public record DatasetContract(
    String name,
    Task task,
    String label,
    String positiveLabel,
    String idColumn,
    Optional<String> entityColumn,
    Optional<String> eventTimeColumn,
    List<String> segmentColumns,
    List<String> protectedColumns,
    long minRows,
    PositiveShare positiveShare,
    ClassShare classShare,
    SegmentCompleteness segmentCompleteness,
    List<ColumnSpec> columns,
    List<AnomalyRule> anomalies,
    boolean idFromContent) {

  /** Bounds on the share of rows whose label is the positive class. */
  public record PositiveShare(double min, double max, Severity severity) {
    public PositiveShare {
      if (min < 0 || max > 1 || min > max) {
        throw ConfigException.invalid(
            "dataset.positive-share", "needs 0 <= min <= max <= 1, got " + min + " and " + max);
      }
    }

    public boolean bounded() {
      return min > 0 || max < 1;
    }
  }

  /** The least share of rows of every class of a multiclass label. */
  public record ClassShare(double min, Severity severity) {
    public ClassShare {
      if (min < 0 || min >= 1) {
        throw ConfigException.invalid("dataset.class-share.min", "needs 0 <= min < 1, got " + min);
      }
    }
  }

  /** Completeness per segment value; groups with fewer rows are reported, not judged. */
  public record SegmentCompleteness(boolean enabled, long minRows) {
    public SegmentCompleteness {
      if (minRows < 1) {
        throw ConfigException.invalid("dataset.segment-completeness.min-rows", "must be positive");
      }
    }
  }

  public DatasetContract {
    segmentColumns = List.copyOf(segmentColumns);
    protectedColumns = List.copyOf(protectedColumns);
    for (String column : protectedColumns) {
      if (!segmentColumns.contains(column)) {
        throw ConfigException.invalid(
            "dataset.protected-columns", "'" + column + "' is not one of dataset.segment-columns");
      }
    }
    columns = List.copyOf(columns);
    anomalies = List.copyOf(anomalies);
    List<ColumnSpec> declared = columns;
    ColumnSpec labelColumn = requireColumn("dataset.label", label, ColumnRole.LABEL, columns);
    requireLabelOfTask(task, positiveLabel, positiveShare, classShare, labelColumn);
    requireColumn("dataset.id-column", idColumn, null, columns);
    for (String segment : segmentColumns) {
      requireColumn("dataset.segment-columns", segment, null, columns);
    }
    entityColumn.ifPresent(c -> requireColumn("dataset.entity-column", c, null, declared));
    eventTimeColumn.ifPresent(
        c -> {
          if (requireColumn("dataset.event-time-column", c, null, declared).type()
              != ColumnType.DATE) {
            throw ConfigException.invalid(
                "dataset.event-time-column", "column '" + c + "' must have type 'date'");
          }
        });
    for (ColumnSpec column : columns) {
      if (column.observedAt().isPresent()) {
        String key = "dataset.columns (" + column.name() + ").observed-at";
        String stamp = column.observedAt().get();
        if (requireColumn(key, stamp, null, columns).type() != ColumnType.DATE) {
          throw ConfigException.invalid(key, "column '" + stamp + "' must have type 'date'");
        }
        if (eventTimeColumn.isEmpty()) {
          throw ConfigException.invalid(key, "needs dataset.event-time-column to compare with");
        }
      }
    }
    for (AnomalyRule rule : anomalies) {
      rule.column()
          .ifPresent(
              c -> {
                ColumnSpec watched = requireColumn("dataset.anomalies", c, null, declared);
                if (rule.metric() != AnomalyRule.Metric.COMPLETENESS
                    && !watched.type().isNumeric()) {
                  throw ConfigException.invalid(
                      "dataset.anomalies", rule.subject() + ": column '" + c + "' is not numeric");
                }
              });
    }
    if (columns.stream().noneMatch(c -> c.role() == ColumnRole.FEATURE)) {
      throw ConfigException.invalid("dataset.columns", "no column has role 'feature'");
    }
    if (columns.stream().filter(c -> c.role() == ColumnRole.LABEL).count() != 1) {
      throw ConfigException.invalid("dataset.columns", "exactly one column must have role 'label'");
    }
  }

  /** The label column declares what its task needs, and nothing of another task's. */
  private static void requireLabelOfTask(
      Task task,
      String positiveLabel,
      PositiveShare positiveShare,
      ClassShare classShare,
      ColumnSpec labelColumn) {
    String label = labelColumn.name();
    String allowedKey = "dataset.columns (" + label + ").allowed";
    if (task != Task.BINARY && positiveShare.bounded()) {
      throw ConfigException.invalid(
          "dataset.positive-share",
          "bounds the positive class of a binary label; dataset.task is " + task.label());
    }
    if (task != Task.MULTICLASS && classShare.min() > 0) {
      throw ConfigException.invalid(
          "dataset.class-share", "bounds a multiclass label; dataset.task is " + task.label());
    }
    switch (task) {
      case BINARY -> {
        // A value outside this list would otherwise be read as a negative, silently.
        if (!labelColumn.allowed().contains(positiveLabel) || labelColumn.allowed().size() != 2) {
          throw ConfigException.invalid(
              allowedKey,
              "declare the binary label's two values, the positive label '"
                  + positiveLabel
                  + "' and the negative one, for example allowed = [\"0\", \"1\"] (found "
                  + labelColumn.allowed()
                  + (labelColumn.allowed().size() > 2
                      ? "; more classes: dataset.task = multiclass"
                      : "")
                  + ")");
        }
      }
      case MULTICLASS -> {
        // An undeclared class would be a class the model was never asked to predict.
        if (labelColumn.allowed().size() < 3) {
          throw ConfigException.invalid(
              allowedKey,
              "declare every class of the multiclass label, at least three (found "
                  + labelColumn.allowed()
                  + (labelColumn.allowed().size() == 2
                      ? "; two classes: dataset.task = binary with dataset.positive-label"
                      : "")
                  + ")");
        }
      }
      case REGRESSION -> {
        if (!labelColumn.type().isNumeric()) {
          throw ConfigException.invalid(
              "dataset.columns (" + label + ").type",
              "a regression label is a number: integer or double, not "
                  + labelColumn.type().name().toLowerCase(java.util.Locale.ROOT));
        }
        if (!labelColumn.allowed().isEmpty()) {
          throw ConfigException.invalid(
              allowedKey,
              "a regression label has a range (min, max), not a list of values; a few values"
                  + " are classes: dataset.task = multiclass");
        }
      }
    }
  }

  private static ColumnSpec requireColumn(
      String key, String name, ColumnRole role, List<ColumnSpec> columns) {
    Optional<ColumnSpec> column = columns.stream().filter(c -> c.name().equals(name)).findFirst();
    if (column.isEmpty()) {
      throw ConfigException.invalid(
          key, "column '" + name + "' is not declared in dataset.columns");
    }
    if (role != null && column.get().role() != role) {
      throw ConfigException.invalid(
          key, "column '" + name + "' must have role '" + role.name().toLowerCase() + "'");
    }
    return column.get();
  }

  /**
   * The contract a batch to score must meet: the label may be missing or null, its share is not
   * bounded, no rule or anomaly watches it, one row is enough, and no anomaly rule watches the row
   * count (a batch is as large as what arrived); every other rule holds as declared.
   */
  public DatasetContract forScoring() {
    List<ColumnSpec> scoringColumns =
        columns.stream()
            .map(
                c ->
                    !c.name().equals(label)
                        ? c
                        : new ColumnSpec(
                            c.name(),
                            c.type(),
                            c.role(),
                            false,
                            0.0,
                            c.min(),
                            c.max(),
                            c.allowed(),
                            c.pattern(),
                            false,
                            c.knownAfterOutcome(),
                            c.observedAt(),
                            c.severities(),
                            c.source(),
                            c.missingValues()))
            .toList();
    return new DatasetContract(
        name,
        task,
        label,
        positiveLabel,
        idColumn,
        entityColumn,
        eventTimeColumn,
        segmentColumns,
        protectedColumns,
        1,
        new PositiveShare(0, 1, positiveShare.severity()),
        new ClassShare(0, classShare.severity()),
        segmentCompleteness,
        scoringColumns,
        anomalies.stream()
            .filter(a -> !a.column().equals(Optional.of(label)))
            .filter(a -> a.metric() != AnomalyRule.Metric.SIZE)
            .toList(),
        idFromContent);
  }

  /** The id column that {@code id-from-content} declares when the contract does not. */
  static ColumnSpec contentIdColumn(String name) {
    return new ColumnSpec(
        name,
        ColumnType.STRING,
        ColumnRole.ID,
        true,
        1.0,
        java.util.OptionalDouble.empty(),
        java.util.OptionalDouble.empty(),
        List.of(),
        Optional.empty(),
        true,
        false,
        Optional.empty(),
        java.util.Map.of(),
        name,
        List.of());
  }

  /**
   * The label's values as its column's {@code allowed} list declares them: the positive and the
   * negative value of a binary label, the classes of a multiclass one; none for regression.
   */
  public List<String> labelValues() {
    return column(label).allowed();
  }

  /** The declared column of that name. */
  public ColumnSpec column(String name) {
    return columns.stream()
        .filter(c -> c.name().equals(name))
        .findFirst()
        .orElseThrow(
            () -> new IllegalArgumentException("no column '" + name + "' in " + this.name));
  }

  /**
   * Whether a version that passed validation holds no two rows with the same value in {@code name}:
   * the column has a uniqueness rule (the id always does) and breaking it is an error.
   */
  public boolean validatedUnique(String name) {
    return columns.stream()
        .anyMatch(
            c ->
                c.name().equals(name)
                    && (name.equals(idColumn) || c.unique())
                    && c.severity(RuleKind.UNIQUE) == Severity.ERROR);
  }

  /**
   * True where a row's label is the positive class (compared as text, so 1 and "bad" both work).
   */
  public Column isPositive() {
    if (task != Task.BINARY) {
      throw new IllegalStateException(
          name + ": a " + task.label() + " label has no positive class");
    }
    return functions.col(label).cast("string").equalTo(positiveLabel);
  }

  /** The schema raw files are read with: the declared columns, in order, nullable. */
  public StructType schema() {
    StructField[] fields =
        columns.stream()
            .map(c -> DataTypes.createStructField(c.name(), c.type().sparkType(), true))
            .toArray(StructField[]::new);
    return DataTypes.createStructType(fields);
  }

  public List<ColumnSpec> features() {
    return columns.stream().filter(c -> c.role() == ColumnRole.FEATURE).toList();
  }

  public List<String> categoricalFeatures() {
    return columns.stream().filter(ColumnSpec::isCategoricalFeature).map(ColumnSpec::name).toList();
  }

  public List<String> numericFeatures() {
    return columns.stream().filter(ColumnSpec::isNumericFeature).map(ColumnSpec::name).toList();
  }
}
