package dev.batchmlops.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The MLflow Model Registry over its REST API (the Java client has no create or alias calls). */
final class MlflowModelRegistry implements ModelRegistry {
  private static final String API = "/api/2.0/mlflow";
  private final MlflowRest rest;

  MlflowModelRegistry(MlflowRest rest) {
    this.rest = rest;
  }

  @Override
  public void ensureRegisteredModel(String name, String description) {
    if (rest.find(API + "/registered-models/get?name=" + encode(name)).isEmpty()) {
      rest.post(
          API + "/registered-models/create", Map.of("name", name, "description", description));
    }
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
    return rest.find(
            API + "/registered-models/alias?name=" + encode(name) + "&alias=" + encode(alias))
        .map(answer -> toVersion(answer.path("model_version")));
  }

  @Override
  public List<ModelVersion> versions(String name) {
    List<ModelVersion> versions = new ArrayList<>();
    String filter = encode("name='" + name.replace("'", "\\'") + "'");
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

  private static ModelVersion toVersion(JsonNode node) {
    Map<String, String> tags = new LinkedHashMap<>();
    node.path("tags")
        .forEach(tag -> tags.put(tag.path("key").asText(), tag.path("value").asText()));
    return new ModelVersion(
        node.path("name").asText(),
        node.path("version").asText(),
        node.path("run_id").asText(),
        tags);
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
