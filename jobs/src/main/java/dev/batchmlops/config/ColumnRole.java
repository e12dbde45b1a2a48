package dev.batchmlops.config;

import java.util.Locale;

/** What a column is for: the model learns from features only. */
public enum ColumnRole {
  ID,
  LABEL,
  FEATURE,
  SEGMENT,
  OTHER;

  static ColumnRole parse(String key, String value) {
    try {
      return valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ConfigException.invalid(
          key, "unknown role '" + value + "' (id, label, feature, segment, other)");
    }
  }
}
