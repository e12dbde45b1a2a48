package dev.batchmlops.config;

/** What a column is for: the model learns from features only. */
public enum ColumnRole {
  ID,
  LABEL,
  FEATURE,
  SEGMENT,
  OTHER;
}
