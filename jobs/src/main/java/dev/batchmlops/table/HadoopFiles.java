package dev.batchmlops.table;

import dev.batchmlops.Fingerprints;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Small file operations through Hadoop's FileSystem, so every path the pipeline uses may be local,
 * HDFS or an object store alike.
 */
public final class HadoopFiles {
  private final Configuration hadoopConf;

  /**
   * Schemes of object stores whose uploads appear whole or not at all (S3A, Google Cloud Storage).
   */
  private static final java.util.Set<String> OBJECT_STORES = java.util.Set.of("s3a", "gs");

  public HadoopFiles(Configuration hadoopConf) {
    this.hadoopConf = hadoopConf;
  }

  public boolean exists(String path) {
    try {
      return fs(path).exists(new Path(path));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check " + path, e);
    }
  }

  public String readString(String path) {
    try (InputStream in = fs(path).open(new Path(path))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path, e);
    }
  }

  /**
   * Creates a file that must not exist yet: false, and nothing written, when it does. Atomic on a
   * local disk (O_EXCL), on HDFS and on S3 (one conditional PUT); other object stores may let two
   * writers both succeed.
   */
  public boolean createNew(String path, String content) {
    Path target = new Path(path);
    try {
      FileSystem fs = fs(path);
      if (fs instanceof LocalFileSystem) {
        java.nio.file.Path local = Paths.get(fs.makeQualified(target).toUri());
        Files.createDirectories(local.getParent());
        Files.writeString(local, content, StandardOpenOption.CREATE_NEW);
        return true;
      }
      if ("s3a".equals(fs.getScheme())) {
        return S3ConditionalCreate.createNew(fs, target, content.getBytes(StandardCharsets.UTF_8));
      }
      try (OutputStream out = fs.create(target, false)) {
        out.write(content.getBytes(StandardCharsets.UTF_8));
      }
      return true;
    } catch (FileAlreadyExistsException | org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + path, e);
    }
  }

  /** When a file was last written, or empty when there is none. */
  public java.util.Optional<java.time.Instant> modifiedAt(String path) {
    try {
      return java.util.Optional.of(
          java.time.Instant.ofEpochMilli(
              fs(path).getFileStatus(new Path(path)).getModificationTime()));
    } catch (java.io.FileNotFoundException e) {
      return java.util.Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check " + path, e);
    }
  }

  /** Deletes a file; false when there was none. */
  public boolean delete(String path) {
    try {
      return fs(path).delete(new Path(path), false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + path, e);
    }
  }

  /** Deletes a folder and everything under it; false when there was nothing. */
  public boolean deleteTree(String path) {
    try {
      return fs(path).delete(new Path(path), true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + path, e);
    }
  }

  /**
   * Replaces a file's content so that a reader, or a process killed while it writes, sees the old
   * content or the new, never a part: written beside it, then renamed over it.
   */
  public void writeString(String path, String content) {
    Path target = new Path(path);
    Path partial = new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID());
    try {
      FileSystem fs = fs(path);
      if (OBJECT_STORES.contains(fs.getScheme())) {
        // One object's upload is atomic by itself, and a rename there is a copy that refuses an
        // existing target.
        try (OutputStream out = fs.create(target, true)) {
          out.write(content.getBytes(StandardCharsets.UTF_8));
        }
        return;
      }
      try (OutputStream out = fs.create(partial, false)) {
        out.write(content.getBytes(StandardCharsets.UTF_8));
      }
      // Local file systems rename over a file atomically; HDFS refuses to, and there the old file
      // goes first.
      if (!fs.rename(partial, target)
          && !(fs.delete(target, false) && fs.rename(partial, target))) {
        fs.delete(partial, false);
        throw new IOException("cannot rename " + partial + " to " + target);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path, e);
    }
  }

  /**
   * Every file under a path (or the file itself) with its size and modification time, in name
   * order: equal listings taken before and after a read mean nobody wrote to the input meanwhile.
   */
  public String listing(String path) {
    try {
      List<String> entries = new ArrayList<>();
      for (FileStatus file : filesUnder(path)) {
        entries.add(file.getPath() + " " + file.getLen() + " " + file.getModificationTime());
      }
      return String.join("\n", entries);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + path, e);
    }
  }

  /** Every file under a path (or the file itself), in the order of their full names. */
  private List<FileStatus> filesUnder(String path) throws IOException {
    var files = fs(path).listFiles(new Path(path), true);
    List<FileStatus> found = new ArrayList<>();
    while (files.hasNext()) {
      found.add(files.next());
    }
    found.sort(Comparator.comparing(file -> file.getPath().toString()));
    return found;
  }

  /** SHA-256 of a file's bytes, or of every file under a folder in name order. */
  public String sha256(String path) {
    try {
      MessageDigest digest = Fingerprints.newSha256();
      FileSystem fs = fs(path);
      for (FileStatus file : filesUnder(path)) {
        try (InputStream in = new DigestInputStream(fs.open(file.getPath()), digest)) {
          in.transferTo(OutputStream.nullOutputStream());
        }
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path, e);
    }
  }

  /**
   * The SHA-256 of every file under a folder, by its path inside the folder. Hadoop's checksum
   * files ({@code .name.crc}) are left out: they are the local file system's, not the content.
   */
  public java.util.SortedMap<String, String> fileHashes(String folder) {
    try {
      java.util.SortedMap<String, String> hashes = new java.util.TreeMap<>();
      FileSystem fs = fs(folder);
      String root = fs.makeQualified(new Path(folder)).toString();
      for (FileStatus file : filesUnder(folder)) {
        String name = file.getPath().getName();
        if (name.startsWith(".") && name.endsWith(".crc")) {
          continue;
        }
        MessageDigest digest = Fingerprints.newSha256();
        try (InputStream in = new DigestInputStream(fs.open(file.getPath()), digest)) {
          in.transferTo(OutputStream.nullOutputStream());
        }
        String path = fs.makeQualified(file.getPath()).toString();
        hashes.put(
            path.substring(root.length()).replaceAll("^/+", ""),
            HexFormat.of().formatHex(digest.digest()));
      }
      return hashes;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + folder, e);
    }
  }

  /** Moves the single data file Spark wrote into {@code folder} to {@code target}. */
  public void promoteSingleFile(String folder, String extension, String target) {
    try {
      FileSystem fs = fs(folder);
      Path targetPath = new Path(target);
      Path part = null;
      for (var status : fs.listStatus(new Path(folder))) {
        String name = status.getPath().getName();
        if (name.startsWith("part-") && name.endsWith(extension)) {
          part = status.getPath();
        }
      }
      if (part == null) {
        throw new IllegalStateException(
            "Spark wrote no " + extension + " part file into " + folder);
      }
      fs.delete(targetPath, true);
      fs.mkdirs(targetPath.getParent());
      if (!fs.rename(part, targetPath)) {
        throw new IOException("rename " + part + " -> " + target + " refused");
      }
      fs.delete(new Path(folder), true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot move the written file to " + target, e);
    }
  }

  /** Copies a folder (for example a saved model) to the local disk. */
  public void copyToLocal(String source, java.nio.file.Path localTarget) {
    try {
      fs(source).copyToLocalFile(false, new Path(source), new Path(localTarget.toUri()), true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + source + " to " + localTarget, e);
    }
  }

  /**
   * Copies a local folder to {@code target}, which appears whole or not at all: the copy goes to a
   * temporary sibling first and is renamed into place.
   */
  public void copyFromLocal(java.nio.file.Path localSource, String target) {
    String staging = target + ".incoming-" + java.util.UUID.randomUUID();
    try {
      FileSystem fs = fs(target);
      fs.mkdirs(new Path(target).getParent());
      fs.copyFromLocalFile(false, true, new Path(localSource.toUri()), new Path(staging));
      if (!fs.rename(new Path(staging), new Path(target))) {
        fs.delete(new Path(staging), true);
        if (!fs.exists(new Path(target))) {
          throw new IOException("rename " + staging + " -> " + target + " refused");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + localSource + " to " + target, e);
    }
  }

  private FileSystem fs(String path) throws IOException {
    return new Path(path).getFileSystem(hadoopConf);
  }
}
