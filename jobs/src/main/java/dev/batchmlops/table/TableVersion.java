package dev.batchmlops.table;

/** A Delta table pinned at one version: what a stage read or wrote, recorded for lineage. */
public record TableVersion(String path, long version) {
  @Override
  public String toString() {
    return path + "@v" + version;
  }
}
