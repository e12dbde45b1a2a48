package dev.batchmlops.config;

import java.util.Locale;

/** The kinds of column rule a contract declares; each can be given its own severity. */
public enum RuleKind {
  COMPLETENESS,
  UNIQUE,
  ALLOWED,
  RANGE,
  PATTERN;

  static RuleKind parse(String key, String value) {
    try {
      return valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ConfigException.invalid(
          key, "unknown rule '" + value + "' (completeness, unique, allowed, range, pattern)");
    }
  }
}
