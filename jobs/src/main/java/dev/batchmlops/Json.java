package dev.batchmlops;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** JSON text of the pipeline's own values (reports, state, commit metadata). */
public final class Json {
  private static final ObjectMapper COMPACT = new ObjectMapper();
  private static final ObjectMapper PRETTY =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Json() {}

  /** Indented JSON, for files people read. */
  public static String pretty(Object value) {
    return write(PRETTY, value);
  }

  /** One-line JSON, for metadata fields. */
  public static String compact(Object value) {
    return write(COMPACT, value);
  }

  /** A JSON object of text values, as the pipeline writes into commit metadata. */
  public static java.util.Map<String, String> parseStringMap(String json) {
    try {
      return COMPACT.readValue(
          json,
          new com.fasterxml.jackson.core.type.TypeReference<java.util.Map<String, String>>() {});
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a JSON object of strings: " + json, e);
    }
  }

  /** Any JSON text as a tree (a line of a Delta log, for example). */
  public static com.fasterxml.jackson.databind.JsonNode parseTree(String json) {
    try {
      return COMPACT.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + json, e);
    }
  }

  private static String write(ObjectMapper mapper, Object value) {
    try {
      return mapper.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "cannot write " + value.getClass().getSimpleName() + " as JSON", e);
    }
  }
}
