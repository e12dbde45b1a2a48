package dev.batchmlops.config;

/** The kinds of column rule a contract declares; each can be given its own severity. */
public enum RuleKind {
  COMPLETENESS,
  UNIQUE,
  ALLOWED,
  RANGE,
  PATTERN;
}
