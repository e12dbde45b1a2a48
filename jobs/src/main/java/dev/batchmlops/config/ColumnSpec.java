package dev.batchmlops.config;

import java.util.List;
import java.util.OptionalDouble;

/**
 * One column of a dataset contract.
 *
 * @param required whether every row must have a value; a row without one is quarantined at ingest
 * @param completeness the minimum share of non-null values, 0 to 1
 * @param min inclusive lower bound of a numeric column, if any
 * @param max inclusive upper bound of a numeric column, if any
 * @param allowed the allowed values (as text), empty when any value is allowed
 */
public record ColumnSpec(
    String name,
    ColumnType type,
    ColumnRole role,
    boolean required,
    double completeness,
    OptionalDouble min,
    OptionalDouble max,
    List<String> allowed) {

  public ColumnSpec {
    allowed = List.copyOf(allowed);
  }

  public boolean isCategoricalFeature() {
    return role == ColumnRole.FEATURE && !type.isNumeric();
  }

  public boolean isNumericFeature() {
    return role == ColumnRole.FEATURE && type.isNumeric();
  }
}
