package dev.batchmlops.tracking;

/** MLflow refuses metric names with characters outside letters, digits and _ - . / : space. */
public final class MetricNames {
  private MetricNames() {}

  /** The name with "+" spelled out and every other refused character replaced by "_". */
  public static String safe(String name) {
    return name.replace("+", "plus").replaceAll("[^A-Za-z0-9_\\-./: ]", "_");
  }
}
