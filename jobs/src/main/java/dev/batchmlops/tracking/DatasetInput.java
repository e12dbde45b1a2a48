package dev.batchmlops.tracking;

import java.util.Map;

/**
 * A Delta table version a run read, recorded as an MLflow dataset input: what the UI's Dataset
 * column and a run's inputs show.
 *
 * @param name the dataset as people call it, for example "credit-train"
 * @param digest identifies the content: equal digests mean the same rows (at most 36 characters)
 * @param path the table's location
 * @param version the table version read
 * @param columns column name to MLflow column type (string, integer, long, double, datetime, ...)
 * @param rows how many rows the run read from it
 * @param context how the run used it: raw, training, validation, test
 */
public record DatasetInput(
    String name,
    String digest,
    String path,
    long version,
    Map<String, String> columns,
    long rows,
    String context) {
  public DatasetInput {
    columns = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(columns));
    if (digest.length() > 36) {
      throw new IllegalArgumentException("an MLflow dataset digest holds at most 36 characters");
    }
  }
}
