package dev.batchmlops.tracking;

/**
 * A model a run produced, as the tracking server holds it.
 *
 * @param modelId MLflow 3's logged-model id; null on an earlier server, which knows models only as
 *     run artifacts (and the run's model history)
 * @param source where a registered version points: the logged model's artifacts, else the run's
 *     artifact folder
 * @param manifestHash the hash of the manifest of the model's files, logged beside them as {@link
 *     #MANIFEST_ARTIFACT}
 */
public record LoggedModel(String modelId, String source, String manifestHash) {
  /** The run artifact that lists every file of the model with its SHA-256. */
  public static final String MANIFEST_ARTIFACT = "model-manifest.json";
}
