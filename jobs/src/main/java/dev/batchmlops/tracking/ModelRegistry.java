package dev.batchmlops.tracking;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Registered models, their versions and aliases. */
public interface ModelRegistry {
  /**
   * The alias of the version in service: the one scoring uses and candidates must not fall behind.
   */
  String CHAMPION = "champion";

  /** The alias of the latest version registered. */
  String CHALLENGER = "challenger";

  /**
   * The version tag with the hash of the manifest of its files ({@link
   * LoggedModel#MANIFEST_ARTIFACT} of the run that logged it), which the files are checked against
   * before use.
   */
  String MANIFEST_TAG = "model_manifest_sha256";

  /**
   * A registered version: its number, the run that produced it, where its files are ({@code
   * source}, an artifact URI) and its tags.
   */
  record ModelVersion(
      String name, String version, String runId, String source, Map<String, String> tags) {}

  /** A registered model: its description, aliases (alias to version) and tags. */
  record RegisteredModel(
      String name, String description, Map<String, String> aliases, Map<String, String> tags) {}

  /** Every registered model the user may read, by name. */
  List<RegisteredModel> registeredModels();

  /** Makes the registered model when it does not exist yet, with a description and tags. */
  void ensureRegisteredModel(String name, String description, Map<String, String> tags);

  /**
   * A new version of {@code source}, produced by run {@code runId}; linked to its logged model when
   * {@code modelId} is not null (MLflow 3).
   */
  ModelVersion createVersion(
      String name, String source, String runId, String modelId, Map<String, String> tags);

  Optional<ModelVersion> versionByAlias(String name, String alias);

  /** One version of a registered model, when both exist. */
  Optional<ModelVersion> version(String name, String version);

  /**
   * Copies a version's files (its source) into a local folder, through the tracking server: the
   * machine that scores needs no access to where the model was trained.
   */
  void download(ModelVersion version, java.nio.file.Path folder);

  /** The text of a run's artifact, when the run has one at {@code path}. */
  Optional<String> runArtifactText(String runId, String path);

  /** Every version of a registered model (none when the model does not exist). */
  List<ModelVersion> versions(String name);

  void setAlias(String name, String alias, String version);

  /** Sets a version's description, which the MLflow UI shows and its search finds. */
  void describeVersion(String name, String version, String description);

  /** Adds or replaces tags of one version. */
  void setVersionTags(String name, String version, Map<String, String> tags);
}
