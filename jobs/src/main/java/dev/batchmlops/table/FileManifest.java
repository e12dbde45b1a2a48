package dev.batchmlops.table;

import dev.batchmlops.Fingerprints;
import dev.batchmlops.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Every file of a folder (a model) by its path inside the folder, with the SHA-256 of its bytes.
 * Taken when the model is logged and kept with the registered version; the files are checked
 * against it before they are used, so a changed, removed or added file is found.
 */
public record FileManifest(SortedMap<String, String> files) {
  public FileManifest {
    files = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(files));
  }

  /** The manifest of a local folder. */
  public static FileManifest of(Path folder) {
    SortedMap<String, String> hashes = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(folder)) {
      for (Path file : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
        hashes.put(relative(folder, file), sha256(file));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the files of " + folder, e);
    }
    return new FileManifest(hashes);
  }

  /** The manifest of a folder on any storage Hadoop reaches. */
  public static FileManifest of(HadoopFiles files, String folder) {
    return new FileManifest(files.fileHashes(folder));
  }

  /** The files under {@code prefix} ("sparkml"), by their paths inside it. */
  public FileManifest under(String prefix) {
    String start = prefix.endsWith("/") ? prefix : prefix + "/";
    SortedMap<String, String> inside = new TreeMap<>();
    files.forEach(
        (path, hash) -> {
          if (path.startsWith(start)) {
            inside.put(path.substring(start.length()), hash);
          }
        });
    return new FileManifest(inside);
  }

  /** The manifest's own hash: what the registered version is tagged with. */
  public String hash() {
    return Fingerprints.sha256(json());
  }

  public String json() {
    return Json.compact(Map.of("files", files));
  }

  public static FileManifest parse(String json) {
    var tree = Json.parseTree(json).path("files");
    SortedMap<String, String> hashes = new TreeMap<>();
    tree.fields().forEachRemaining(e -> hashes.put(e.getKey(), e.getValue().asText()));
    return new FileManifest(hashes);
  }

  /** What differs in {@code actual}: missing, changed and extra files, each in name order. */
  public record Differences(List<String> missing, List<String> changed, List<String> extra) {
    public boolean none() {
      return missing.isEmpty() && changed.isEmpty() && extra.isEmpty();
    }

    public String describe() {
      List<String> parts = new ArrayList<>();
      if (!missing.isEmpty()) {
        parts.add("missing " + String.join(", ", missing));
      }
      if (!changed.isEmpty()) {
        parts.add("changed " + String.join(", ", changed));
      }
      if (!extra.isEmpty()) {
        parts.add("extra " + String.join(", ", extra));
      }
      return String.join("; ", parts);
    }
  }

  public Differences differences(FileManifest actual) {
    List<String> missing = new ArrayList<>();
    List<String> changed = new ArrayList<>();
    files.forEach(
        (path, hash) -> {
          String found = actual.files().get(path);
          if (found == null) {
            missing.add(path);
          } else if (!found.equals(hash)) {
            changed.add(path);
          }
        });
    List<String> extra = new ArrayList<>();
    actual.files().keySet().stream().filter(p -> !files.containsKey(p)).forEach(extra::add);
    return new Differences(missing, changed, extra);
  }

  private static String relative(Path folder, Path file) {
    return folder.relativize(file).toString().replace('\\', '/');
  }

  private static String sha256(Path file) {
    MessageDigest digest = Fingerprints.newSha256();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
