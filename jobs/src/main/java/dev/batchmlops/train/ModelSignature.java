package dev.batchmlops.train;

import dev.batchmlops.Json;
import dev.batchmlops.config.ColumnSpec;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.Task;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a logged model takes and gives, in MLflow's terms: the contract's features as the input
 * columns, one {@code prediction} per row as the output (the value for regression, the class's
 * index for classification), and, as the model's metadata, the task and the classes in index order,
 * so that a pyfunc user can turn an index back into a class.
 *
 * @param inputs the features, in the contract's order
 * @param classes the label's classes by index: binary the negative then the positive value;
 *     multiclass the contract's {@code allowed} order; none for regression
 */
public record ModelSignature(Task task, String label, List<Input> inputs, List<String> classes) {

  /** One input column and the MLflow type a pandas frame must have for it. */
  public record Input(String name, String type) {}

  public static ModelSignature of(DatasetContract contract) {
    List<Input> inputs =
        contract.features().stream().map(f -> new Input(f.name(), mlflowType(f))).toList();
    return new ModelSignature(contract.task(), contract.label(), inputs, classes(contract));
  }

  private static List<String> classes(DatasetContract contract) {
    return switch (contract.task()) {
      case BINARY ->
          List.of(
              contract.labelValues().stream()
                  .filter(v -> !v.equals(contract.positiveLabel()))
                  .findFirst()
                  .orElseThrow(),
              contract.positiveLabel());
      case MULTICLASS -> contract.labelValues();
      case REGRESSION -> List.of();
    };
  }

  /**
   * An integer column that may be empty is a double to MLflow: pandas holds a missing integer as
   * NaN in a float column, which MLflow's schema check refuses for {@code long}.
   */
  private static String mlflowType(ColumnSpec column) {
    return switch (column.type()) {
      case STRING -> "string";
      case DOUBLE -> "double";
      case INTEGER -> column.completeness() < 1.0 ? "double" : "long";
      case DATE -> "datetime";
    };
  }

  /** The {@code signature} and {@code metadata} entries of an MLmodel file. */
  public List<String> mlmodelLines() {
    List<Map<String, Object>> columns =
        inputs.stream().map(i -> column(i.name(), i.type())).toList();
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("task", task.label());
    metadata.put("label", label);
    if (!classes.isEmpty()) {
      metadata.put("classes", classes);
    }
    List<String> lines =
        new java.util.ArrayList<>(
            List.of(
                "signature:",
                "  inputs: " + yamlString(Json.compact(columns)),
                "  outputs: " + yamlString(Json.compact(List.of(column("prediction", "double")))),
                "  params: null",
                "metadata:"));
    // JSON is YAML's flow style: each value as JSON reads back as written.
    metadata.forEach((key, value) -> lines.add("  " + key + ": " + Json.compact(value)));
    return lines;
  }

  private static Map<String, Object> column(String name, String type) {
    Map<String, Object> column = new LinkedHashMap<>();
    column.put("type", type);
    column.put("name", name);
    column.put("required", true);
    return column;
  }

  /** A single-quoted YAML scalar: quotes inside are doubled. */
  private static String yamlString(String text) {
    return "'" + text.replace("'", "''") + "'";
  }
}
