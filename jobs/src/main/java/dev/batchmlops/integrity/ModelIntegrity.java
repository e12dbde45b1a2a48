package dev.batchmlops.integrity;

import dev.batchmlops.PipelineException;
import dev.batchmlops.audit.AuditAction;
import dev.batchmlops.audit.AuditRecord;
import dev.batchmlops.audit.AuditTrail;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.table.FileManifest;
import dev.batchmlops.tracking.LoggedModel;
import dev.batchmlops.tracking.ModelRegistry;
import dev.batchmlops.tracking.ModelRegistry.ModelVersion;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Checks a registered version's files against the manifest it was registered with before anything
 * uses them. A version whose files (or manifest) changed is refused with one line naming the files,
 * and the refusal goes into the audit trail.
 */
public final class ModelIntegrity {
  /** Where the Spark model sits inside a registered version's files. */
  public static final String SPARK_MODEL = "sparkml";

  private ModelIntegrity() {}

  /**
   * The manifest {@code version} was registered with, checked against the hash in its tag; empty
   * for a version registered before manifests were kept (said once on standard error).
   */
  public static Optional<FileManifest> registeredManifest(
      PipelineContext context, ModelRegistry registry, ModelVersion version) {
    String registeredHash = version.tags().get(ModelRegistry.MANIFEST_TAG);
    if (registeredHash == null) {
      System.err.println(
          "batchmlops: warning: "
              + describe(version)
              + " was registered without a manifest of its files; they cannot be checked");
      return Optional.empty();
    }
    Optional<String> text =
        registry.runArtifactText(version.runId(), LoggedModel.MANIFEST_ARTIFACT);
    if (text.isEmpty()) {
      throw refuse(
          context,
          version,
          "its manifest " + LoggedModel.MANIFEST_ARTIFACT + " is gone from run " + version.runId());
    }
    FileManifest manifest = FileManifest.parse(text.get());
    if (!manifest.hash().equals(registeredHash)) {
      throw refuse(
          context,
          version,
          "its manifest "
              + LoggedModel.MANIFEST_ARTIFACT
              + " in run "
              + version.runId()
              + " changed after registration (hash "
              + manifest.hash().substring(0, 12)
              + ", registered "
              + registeredHash.substring(0, Math.min(12, registeredHash.length()))
              + ")");
    }
    return Optional.of(manifest);
  }

  /**
   * Fails unless {@code actual} (the files as found at {@code where}) are exactly {@code
   * expected}'s; the refusal is audited.
   */
  public static void require(
      PipelineContext context,
      ModelVersion version,
      FileManifest expected,
      FileManifest actual,
      String where) {
    FileManifest.Differences differences = expected.differences(actual);
    if (!differences.none()) {
      throw refuse(
          context, version, "its files at " + where + " differ: " + differences.describe());
    }
  }

  /**
   * Checks the Spark model saved at {@code path} on storage (the copy evaluate reads the champion
   * from) against the version's manifest.
   */
  public static void requireSavedModel(
      PipelineContext context, ModelRegistry registry, ModelVersion version, String path) {
    registeredManifest(context, registry, version)
        .ifPresent(
            manifest ->
                require(
                    context,
                    version,
                    manifest.under(SPARK_MODEL),
                    FileManifest.of(context.files(), path),
                    path));
  }

  private static PipelineException refuse(
      PipelineContext context, ModelVersion version, String problem) {
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("model", version.name());
    inputs.put(AuditRecord.MODEL_VERSION, version.version());
    AuditTrail.of(context).append(AuditAction.MODEL_INTEGRITY_REFUSED, inputs, Map.of(), problem);
    return new PipelineException(
        describe(version) + " is not what was registered: " + problem + "; refusing to use it");
  }

  private static String describe(ModelVersion version) {
    return "model " + version.name() + " version " + version.version();
  }
}
