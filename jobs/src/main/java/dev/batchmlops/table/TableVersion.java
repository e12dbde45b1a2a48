package dev.batchmlops.table;

/** A Delta table pinned at one version: what a stage read or wrote, recorded for lineage. */
public record TableVersion(String path, long version) {
  /** A version as {@link #toString()} writes it, {@code path@vN}, for example in lineage tags. */
  public static TableVersion parse(String text) {
    int at = text.lastIndexOf("@v");
    try {
      return new TableVersion(text.substring(0, at), Long.parseLong(text.substring(at + 2)));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("'" + text + "' is not a table version (path@vN)", e);
    }
  }

  @Override
  public String toString() {
    return path + "@v" + version;
  }
}
