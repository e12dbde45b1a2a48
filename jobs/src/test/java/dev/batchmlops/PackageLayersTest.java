package dev.batchmlops;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.support.ProjectPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Packages depend downward, in pipeline order: a package imports only the packages listed before it
 * (and the root package), so no two stages import each other.
 */
class PackageLayersTest {
  /** Lowest first: libraries, the stage hand-over, then the stages in the order they run. */
  private static final List<String> LAYERS =
      List.of(
          "config",
          "spark",
          "table",
          "tracking",
          "quality",
          "metrics",
          "gates",
          "pipeline",
          "audit",
          "integrity",
          "generate",
          "profile",
          "ingest",
          "validate",
          "split",
          "leakage",
          "train",
          "evaluate",
          "register",
          "reproduce",
          "score",
          "monitor",
          "retention",
          "catalog",
          "cli",
          "bench");

  private static final Pattern IMPORT =
      Pattern.compile("^import (?:static )?dev\\.batchmlops\\.([a-z]+)\\.", Pattern.MULTILINE);

  @Test
  void everyPackageImportsOnlyThePackagesBelowIt() throws IOException {
    Path sources = ProjectPaths.root().resolve("jobs/src/main/java/dev/batchmlops");
    List<String> upward = new ArrayList<>();
    List<String> unlisted = new ArrayList<>();
    try (Stream<Path> files = Files.walk(sources)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        Path folder = sources.relativize(file).getParent();
        if (folder == null) {
          continue; // the root package: shared by all
        }
        String from = folder.toString();
        if (!LAYERS.contains(from)) {
          unlisted.add(from);
          continue;
        }
        Matcher imported = IMPORT.matcher(Files.readString(file));
        while (imported.find()) {
          String to = imported.group(1);
          if (!to.equals(from) && LAYERS.indexOf(to) >= LAYERS.indexOf(from)) {
            upward.add(file.getFileName() + " (" + from + ") imports " + to);
          }
        }
      }
    }
    assertEquals(List.of(), unlisted, "every package has its place in LAYERS");
    assertEquals(List.of(), upward);
  }
}
