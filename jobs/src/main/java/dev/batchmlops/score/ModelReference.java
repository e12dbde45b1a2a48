package dev.batchmlops.score;

import dev.batchmlops.PipelineException;
import dev.batchmlops.tracking.ModelRegistry;
import dev.batchmlops.tracking.ModelRegistry.ModelVersion;

/**
 * A registered model version as a user names it: {@code name@alias}, {@code name/version}, or a
 * bare {@code name} (its champion).
 *
 * @param alias null when a version number was given
 * @param version null when an alias was given
 */
public record ModelReference(String name, String alias, String version) {

  /** {@code spec}, or the champion of {@code defaultName} when {@code spec} is empty. */
  public static ModelReference parse(String spec, String defaultName) {
    if (spec == null || spec.isBlank()) {
      return new ModelReference(defaultName, ModelRegistry.CHAMPION, null);
    }
    String text = spec.trim();
    int at = text.indexOf('@');
    int slash = text.lastIndexOf('/');
    if (at >= 0) {
      String name = text.substring(0, at);
      String alias = text.substring(at + 1);
      if (name.isEmpty() || alias.isEmpty()) {
        throw invalid(spec);
      }
      return new ModelReference(name, alias, null);
    }
    if (slash >= 0) {
      String name = text.substring(0, slash);
      String version = text.substring(slash + 1);
      if (name.isEmpty() || !version.matches("[1-9][0-9]*")) {
        throw invalid(spec);
      }
      return new ModelReference(name, null, version);
    }
    return new ModelReference(text, ModelRegistry.CHAMPION, null);
  }

  /** The version it names in the registry; fails naming what is missing. */
  public ModelVersion resolve(ModelRegistry registry) {
    if (alias != null) {
      return registry
          .versionByAlias(name, alias)
          .orElseThrow(
              () ->
                  new PipelineException(
                      "score: model "
                          + name
                          + " has no alias '"
                          + alias
                          + "' (or does not exist)"));
    }
    return registry
        .version(name, version)
        .orElseThrow(
            () ->
                new PipelineException(
                    "score: model "
                        + name
                        + " has no version "
                        + version
                        + " (or does not exist)"));
  }

  @Override
  public String toString() {
    return alias != null ? name + "@" + alias : name + "/" + version;
  }

  private static PipelineException invalid(String spec) {
    return new PipelineException(
        "score: --model '" + spec + "' is not NAME, NAME@ALIAS or NAME/VERSION");
  }
}
