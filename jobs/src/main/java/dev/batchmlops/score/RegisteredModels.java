package dev.batchmlops.score;

import dev.batchmlops.PipelineException;
import dev.batchmlops.integrity.ModelIntegrity;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.table.FileManifest;
import dev.batchmlops.tracking.ModelRegistry;
import dev.batchmlops.tracking.ModelRegistry.ModelVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.commons.io.FileUtils;

/** Registered versions as the jobs that use them read them: from the registry, not the trainer. */
public final class RegisteredModels {
  private RegisteredModels() {}

  /**
   * The version's Spark model, copied once from the registry (through the tracking server) to the
   * storage root, where every executor can read it. Its files are checked against the version's
   * manifest when they are copied and again at every use of the copy: a changed, missing or extra
   * file is refused.
   */
  public static String localCopy(
      PipelineContext context, ModelRegistry registry, ModelVersion version) {
    Optional<FileManifest> manifest = ModelIntegrity.registeredManifest(context, registry, version);
    String target = context.layout().modelCache(version.name(), version.version());
    if (context.files().exists(target)) {
      manifest.ifPresent(
          m ->
              ModelIntegrity.require(
                  context,
                  version,
                  m.under(ModelIntegrity.SPARK_MODEL),
                  FileManifest.of(context.files(), target),
                  target));
      return target;
    }
    Path folder = null;
    try {
      folder = Files.createTempDirectory("batchmlops-registry-");
      registry.download(version, folder);
      Path downloaded = folder;
      manifest.ifPresent(
          m ->
              ModelIntegrity.require(
                  context, version, m, FileManifest.of(downloaded), version.source()));
      Path sparkModel = folder.resolve(ModelIntegrity.SPARK_MODEL);
      if (!Files.isDirectory(sparkModel)) {
        throw new PipelineException(
            "model "
                + version.name()
                + " version "
                + version.version()
                + " at "
                + version.source()
                + " holds no sparkml folder: not a Spark model this pipeline logged");
      }
      context.files().copyFromLocal(sparkModel, target);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy the model from the registry", e);
    } finally {
      if (folder != null) {
        FileUtils.deleteQuietly(folder.toFile());
      }
    }
  }
}
