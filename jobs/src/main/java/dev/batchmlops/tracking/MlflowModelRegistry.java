package dev.batchmlops.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchmlops.PipelineException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The MLflow Model Registry over its REST API (the Java client has no create or alias calls). */
final class MlflowModelRegistry implements ModelRegistry {
  private static final String API = "/api/2.0/mlflow";
  private static final String ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts";
  private static final String SERVED_ARTIFACTS = "mlflow-artifacts:";
  private final MlflowRest rest;

  MlflowModelRegistry(MlflowRest rest) {
    this.rest = rest;
  }

  @Override
  public void ensureRegisteredModel(String name, String description, Map<String, String> tags) {
    if (lookUp(name, "/registered-models/get?name=" + encode(name)).isEmpty()) {
      List<Map<String, String>> tagList = new ArrayList<>();
      tags.forEach((k, v) -> tagList.add(Map.of("key", k, "value", v)));
      rest.post(
          API + "/registered-models/create",
          Map.of("name", name, "description", description, "tags", tagList));
    }
  }

  @Override
  public List<RegisteredModel> registeredModels() {
    List<RegisteredModel> models = new ArrayList<>();
    String pageToken = "";
    do {
      JsonNode page =
          rest.get(
              API
                  + "/registered-models/search?max_results=1000"
                  + (pageToken.isEmpty() ? "" : "&page_token=" + encode(pageToken)));
      for (JsonNode model : page.path("registered_models")) {
        Map<String, String> aliases = new java.util.TreeMap<>();
        model
            .path("aliases")
            .forEach(a -> aliases.put(a.path("alias").asText(), a.path("version").asText()));
        Map<String, String> tags = new LinkedHashMap<>();
        model.path("tags").forEach(t -> tags.put(t.path("key").asText(), t.path("value").asText()));
        models.add(
            new RegisteredModel(
                model.path("name").asText(), model.path("description").asText(""), aliases, tags));
      }
      pageToken = page.path("next_page_token").asText("");
    } while (!pageToken.isEmpty());
    return models;
  }

  @Override
  public void describeVersion(String name, String version, String description) {
    rest.patch(
        API + "/model-versions/update",
        Map.of("name", name, "version", version, "description", description));
  }

  @Override
  public ModelVersion createVersion(
      String name, String source, String runId, String modelId, Map<String, String> tags) {
    List<Map<String, String>> tagList = new ArrayList<>();
    tags.forEach((k, v) -> tagList.add(Map.of("key", k, "value", v)));
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("name", name);
    request.put("source", source);
    request.put("run_id", runId);
    request.put("tags", tagList);
    if (modelId != null) {
      request.put("model_id", modelId);
    }
    JsonNode created = rest.post(API + "/model-versions/create", request);
    return toVersion(created.path("model_version"));
  }

  @Override
  public Optional<ModelVersion> versionByAlias(String name, String alias) {
    return find(name, "/registered-models/alias?name=" + encode(name) + "&alias=" + encode(alias));
  }

  @Override
  public List<ModelVersion> versions(String name) {
    List<ModelVersion> versions = new ArrayList<>();
    String filter = nameFilter(name);
    String pageToken = "";
    do {
      JsonNode page =
          rest.get(
              API
                  + "/model-versions/search?max_results=200&filter="
                  + filter
                  + (pageToken.isEmpty() ? "" : "&page_token=" + encode(pageToken)));
      page.path("model_versions").forEach(v -> versions.add(toVersion(v)));
      pageToken = page.path("next_page_token").asText("");
    } while (!pageToken.isEmpty());
    return versions;
  }

  @Override
  public void setAlias(String name, String alias, String version) {
    rest.post(
        API + "/registered-models/alias", Map.of("name", name, "alias", alias, "version", version));
  }

  @Override
  public void setVersionTags(String name, String version, Map<String, String> tags) {
    tags.forEach(
        (key, value) ->
            rest.post(
                API + "/model-versions/set-tag",
                Map.of("name", name, "version", version, "key", key, "value", value)));
  }

  @Override
  public Optional<ModelVersion> version(String name, String version) {
    return find(name, "/model-versions/get?name=" + encode(name) + "&version=" + encode(version));
  }

  /** The version a lookup answers with, when it exists. */
  private Optional<ModelVersion> find(String name, String query) {
    return lookUp(name, query).map(answer -> toVersion(answer.path("model_version")));
  }

  /**
   * A lookup on registered model {@code name}. A server with authentication on answers 403, not
   * 404, for a model that does not exist (it cannot tell whose it would be); a search, which only
   * lists what the user may read, tells the two apart.
   */
  private Optional<JsonNode> lookUp(String name, String query) {
    try {
      return rest.find(API + query);
    } catch (AccessDeniedException denied) {
      if (!registeredModelListed(name)) {
        return Optional.empty();
      }
      throw denied;
    }
  }

  private boolean registeredModelListed(String name) {
    return rest.get(API + "/registered-models/search?max_results=1&filter=" + nameFilter(name))
            .path("registered_models")
            .size()
        > 0;
  }

  /** Lists and fetches the files through the artifact proxy: /api/2.0/mlflow-artifacts/. */
  @Override
  public void download(ModelVersion version, Path folder) {
    String source = version.source();
    if (!source.startsWith(SERVED_ARTIFACTS)) {
      throw new PipelineException(
          "model "
              + version.name()
              + " version "
              + version.version()
              + " lives at "
              + source
              + ", which the tracking server does not serve (mlflow-artifacts: URIs only)");
    }
    String root = source.substring(SERVED_ARTIFACTS.length()).replaceAll("^/+", "");
    int files = downloadFolder(root, folder);
    if (files == 0) {
      throw new PipelineException(
          "model "
              + version.name()
              + " version "
              + version.version()
              + " has no files at "
              + source);
    }
  }

  @Override
  public Optional<String> runArtifactText(String runId, String path) {
    String artifactUri =
        rest.get(API + "/runs/get?run_id=" + encode(runId))
            .path("run")
            .path("info")
            .path("artifact_uri")
            .asText();
    if (!artifactUri.startsWith(SERVED_ARTIFACTS)) {
      throw new PipelineException(
          "run "
              + runId
              + " keeps its artifacts at "
              + artifactUri
              + ", which the tracking server does not serve (mlflow-artifacts: URIs only)");
    }
    String root = artifactUri.substring(SERVED_ARTIFACTS.length()).replaceAll("^/+", "");
    return rest.findText(ARTIFACTS + "/" + root + "/" + path);
  }

  private int downloadFolder(String remote, Path local) {
    int files = 0;
    JsonNode listing = rest.get(ARTIFACTS + "?path=" + encode(remote));
    for (JsonNode entry : listing.path("files")) {
      String name = entry.path("path").asText();
      String child = remote + "/" + name;
      Path target = local.resolve(name);
      if (entry.path("is_dir").asBoolean()) {
        files += downloadFolder(child, target);
      } else {
        try {
          Files.createDirectories(target.getParent());
          Files.write(target, rest.getBytes(ARTIFACTS + "/" + child));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot write " + target, e);
        }
        files++;
      }
    }
    return files;
  }

  private static ModelVersion toVersion(JsonNode node) {
    Map<String, String> tags = new LinkedHashMap<>();
    node.path("tags")
        .forEach(tag -> tags.put(tag.path("key").asText(), tag.path("value").asText()));
    return new ModelVersion(
        node.path("name").asText(),
        node.path("version").asText(),
        node.path("run_id").asText(),
        node.path("source").asText(),
        tags);
  }

  /** A search filter for the one registered model called {@code name}. */
  private static String nameFilter(String name) {
    return encode("name='" + name.replace("'", "\\'") + "'");
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
