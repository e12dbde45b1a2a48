package dev.batchmlops.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/** Copies of the project's conf folder that a test may edit. */
public final class ConfCopies {
  private ConfCopies() {}

  public static Path copy(Path target) {
    Path source = ProjectPaths.confDir();
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : files.toList()) {
        Path copy = target.resolve(source.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(copy);
        } else {
          Files.copy(file, copy);
        }
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A copy of the conf folder whose credit contract has {@code from} replaced by {@code to}; fails
   * when the contract does not contain {@code from}, so an edit can never silently do nothing.
   */
  public static Path withCreditContract(Path target, String from, String to) {
    Path conf = copy(target);
    edit(
        conf,
        "datasets/credit.conf",
        text -> {
          if (!text.contains(from)) {
            throw new IllegalArgumentException("the credit contract has no '" + from + "'");
          }
          return text.replace(from, to);
        });
    return conf;
  }

  /** Rewrites one file of a copied conf folder. */
  public static void edit(Path confDir, String file, UnaryOperator<String> change) {
    Path path = confDir.resolve(file);
    try {
      Files.writeString(path, change.apply(Files.readString(path)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
