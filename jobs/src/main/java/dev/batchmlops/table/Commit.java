package dev.batchmlops.table;

import java.time.Instant;
import java.util.Map;

/**
 * One version in a Delta table's history, with the metadata the pipeline wrote into it.
 *
 * @param metadata the commit's user metadata as written by {@link DeltaTables#write}; empty for
 *     commits other tools made
 */
public record Commit(
    long version, Instant timestamp, String operation, Map<String, String> metadata) {
  public Commit {
    metadata = Map.copyOf(metadata);
  }

  /** The pipeline operation (ingest, split, ...) that wrote this version, or "" for others. */
  public String pipelineOperation() {
    return metadata.getOrDefault("operation", "");
  }
}
