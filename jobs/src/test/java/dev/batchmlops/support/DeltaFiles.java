package dev.batchmlops.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The Parquet files in a (non-partitioned) Delta table's folder, committed or not. */
public final class DeltaFiles {
  private DeltaFiles() {}

  public static Set<Path> dataFiles(Path table) {
    if (!Files.isDirectory(table)) {
      return Set.of();
    }
    try (Stream<Path> files = Files.list(table)) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(".parquet"))
          .collect(Collectors.toSet());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
