package dev.batchmlops.table;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchmlops.Json;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * One version's commit read straight from the table's transaction log, without Spark: Delta writes
 * version N's actions to {@code _delta_log/<N, 20 digits>.json}, one JSON action per line, with one
 * {@code commitInfo} action holding the operation, the time and the user metadata. Reading one
 * small file replaces a Spark job over the whole history for a version that is pinned anyway.
 */
public final class CommitLog {
  private CommitLog() {}

  /** The commit of {@code version}; empty when its log file is gone (cleaned up) or unreadable. */
  public static Optional<Commit> read(HadoopFiles files, TableVersion version) {
    String file = String.format("%s/_delta_log/%020d.json", version.path(), version.version());
    if (!files.exists(file)) {
      return Optional.empty();
    }
    try {
      for (String line : files.readString(file).split("\n")) {
        JsonNode info = Json.parseTree(line).path("commitInfo");
        if (!info.isMissingNode()) {
          String metadata = info.path("userMetadata").asText("");
          return Optional.of(
              new Commit(
                  version.version(),
                  Instant.ofEpochMilli(info.path("timestamp").asLong()),
                  info.path("operation").asText(""),
                  metadata.isEmpty() ? Map.of() : Json.parseStringMap(metadata)));
        }
      }
    } catch (IllegalArgumentException e) {
      // Not the log this reader knows: the caller asks Delta instead.
      return Optional.empty();
    }
    return Optional.empty();
  }
}
