package dev.batchmlops.config;

import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What a dataset must look like: its columns in file order with their rules, the label and its
 * positive value, the id and the segment columns. Validated when built, so every stage can rely on
 * it.
 */
public record DatasetContract(
    String name,
    String label,
    String positiveLabel,
    String idColumn,
    List<String> segmentColumns,
    long minRows,
    List<ColumnSpec> columns) {

  public DatasetContract {
    segmentColumns = List.copyOf(segmentColumns);
    columns = List.copyOf(columns);
    requireColumn("dataset.label", label, ColumnRole.LABEL, columns);
    requireColumn("dataset.id-column", idColumn, null, columns);
    for (String segment : segmentColumns) {
      requireColumn("dataset.segment-columns", segment, null, columns);
    }
    if (columns.stream().noneMatch(c -> c.role() == ColumnRole.FEATURE)) {
      throw ConfigException.invalid("dataset.columns", "no column has role 'feature'");
    }
    if (columns.stream().filter(c -> c.role() == ColumnRole.LABEL).count() != 1) {
      throw ConfigException.invalid("dataset.columns", "exactly one column must have role 'label'");
    }
  }

  private static void requireColumn(
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
  }

  /**
   * True where a row's label is the positive class (compared as text, so 1 and "bad" both work).
   */
  public Column isPositive() {
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

  public List<String> categoricalFeatures() {
    return columns.stream().filter(ColumnSpec::isCategoricalFeature).map(ColumnSpec::name).toList();
  }

  public List<String> numericFeatures() {
    return columns.stream().filter(ColumnSpec::isNumericFeature).map(ColumnSpec::name).toList();
  }
}
