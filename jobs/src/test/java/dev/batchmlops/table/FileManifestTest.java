package dev.batchmlops.table;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.support.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileManifestTest {
  @TempDir Path temp;

  private Path model() throws IOException {
    Path folder = temp.resolve("model");
    Files.createDirectories(folder.resolve("sparkml/stages/0"));
    Files.writeString(folder.resolve("MLmodel"), "flavors: spark\n");
    Files.writeString(folder.resolve("sparkml/metadata"), "{\"class\": \"PipelineModel\"}");
    Files.write(folder.resolve("sparkml/stages/0/part-0.parquet"), new byte[] {1, 2, 3, 4});
    return folder;
  }

  @Test
  void theSameFilesGiveTheSameManifestAndItSurvivesItsJson() throws IOException {
    Path folder = model();
    FileManifest manifest = FileManifest.of(folder);
    assertEquals(
        List.of("MLmodel", "sparkml/metadata", "sparkml/stages/0/part-0.parquet"),
        List.copyOf(manifest.files().keySet()));
    assertEquals(manifest, FileManifest.parse(manifest.json()));
    assertEquals(manifest.hash(), FileManifest.of(folder).hash());
    assertTrue(manifest.differences(FileManifest.of(folder)).none());
  }

  @Test
  void aFlippedByteARemovedFileAndAnAddedFileAreEachNamed() throws IOException {
    Path folder = model();
    FileManifest registered = FileManifest.of(folder);
    Path part = folder.resolve("sparkml/stages/0/part-0.parquet");
    byte[] bytes = Files.readAllBytes(part);
    bytes[2] ^= 1;
    Files.write(part, bytes);
    Files.delete(folder.resolve("MLmodel"));
    Files.writeString(folder.resolve("sparkml/extra"), "x");
    FileManifest.Differences differences = registered.differences(FileManifest.of(folder));
    assertEquals(List.of("MLmodel"), differences.missing());
    assertEquals(List.of("sparkml/stages/0/part-0.parquet"), differences.changed());
    assertEquals(List.of("sparkml/extra"), differences.extra());
    assertEquals(
        "missing MLmodel; changed sparkml/stages/0/part-0.parquet; extra sparkml/extra",
        differences.describe());
    assertNotEquals(registered.hash(), FileManifest.of(folder).hash());
  }

  @Test
  void aCopyOnHadoopStorageMatchesThePartOfTheManifestItHolds() throws IOException {
    Path folder = model();
    HadoopFiles files = new HadoopFiles(TestSpark.session().sparkContext().hadoopConfiguration());
    String copy = temp.resolve("cache/v1").toString();
    files.copyFromLocal(folder.resolve("sparkml"), copy);
    FileManifest registered = FileManifest.of(folder);
    assertTrue(
        registered.under("sparkml").differences(FileManifest.of(files, copy)).none(),
        () -> FileManifest.of(files, copy).files().toString());
  }
}
