package dev.batchmlops.split;

import dev.batchmlops.table.Commit;
import dev.batchmlops.table.DeltaTables;
import dev.batchmlops.table.TableVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a stratified split extends the latest split version, so that rows assigned before keep
 * their split, or is made afresh; with the reason, which the split records.
 *
 * <p>Algorithm: the latest split version is extended when it was made by the same settings from an
 * earlier version of the same raw table, and every raw commit since was an appended batch (or table
 * maintenance that changes no rows). It is also extended, with nothing new to allocate, when it was
 * itself an extension made from this very raw version, so a re-run gives the same split. Anything
 * else (a snapshot that replaced the content, other settings, no earlier split) is split afresh.
 *
 * @param recorded what the commit of the version extended records (how it was made)
 */
public record SplitExtension(
    Optional<TableVersion> base, Map<String, String> recorded, String reason) {
  public SplitExtension {
    recorded = Map.copyOf(recorded);
  }

  /** The commit metadata key that names the split version a split extended. */
  public static final String EXTENDS = "extends";

  static SplitExtension fresh(String reason) {
    return new SplitExtension(Optional.empty(), Map.of(), reason);
  }

  public static SplitExtension find(
      DeltaTables tables, String splitTable, TableVersion raw, Map<String, String> settings) {
    if (!tables.exists(splitTable)) {
      return fresh("first split");
    }
    Optional<Commit> latest =
        tables.history(splitTable).stream()
            .filter(c -> c.pipelineOperation().equals("split"))
            .findFirst();
    if (latest.isEmpty()) {
      return fresh("no earlier split");
    }
    Commit previous = latest.get();
    TableVersion previousVersion = new TableVersion(splitTable, previous.version());
    List<String> changed = new ArrayList<>();
    settings.forEach(
        (key, value) -> {
          String before = previous.metadata().get(key);
          if (!value.equals(before)) {
            changed.add(key + " was " + (before == null ? "unset" : before) + ", now " + value);
          }
        });
    if (!changed.isEmpty()) {
      return fresh(
          previousVersion + " was made with other settings: " + String.join("; ", changed));
    }
    String source = previous.metadata().getOrDefault("source", "");
    int at = source.lastIndexOf("@v");
    if (at < 0 || !source.substring(0, at).equals(raw.path())) {
      return fresh(previousVersion + " was made from another table (" + source + ")");
    }
    long sourceVersion = Long.parseLong(source.substring(at + 2));
    if (sourceVersion == raw.version()) {
      return previous.metadata().containsKey(EXTENDS)
          ? new SplitExtension(
              Optional.of(previousVersion),
              previous.metadata(),
              previousVersion + " already holds this raw version")
          : fresh(previousVersion + " was made afresh from this raw version: made afresh again");
    }
    if (sourceVersion > raw.version()) {
      return fresh(previousVersion + " was made from a later raw version, " + source);
    }
    for (Commit commit : tables.history(raw.path())) {
      if (commit.version() > sourceVersion
          && commit.version() <= raw.version()
          && !addsRowsOnly(commit)) {
        return fresh(
            raw.path()
                + "@v"
                + commit.version()
                + " ("
                + commit
                    .metadata()
                    .getOrDefault("mode", commit.operation().toLowerCase(Locale.ROOT))
                + ") changed rows "
                + previousVersion
                + " was made from");
      }
    }
    return new SplitExtension(
        Optional.of(previousVersion),
        previous.metadata(),
        "the raw table only grew by appends since "
            + previousVersion
            + " (made from "
            + source
            + ")");
  }

  private static boolean addsRowsOnly(Commit commit) {
    return (commit.pipelineOperation().equals("ingest")
            && "append".equals(commit.metadata().get("mode")))
        || commit.operation().startsWith("VACUUM");
  }
}
