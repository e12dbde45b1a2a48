package dev.batchmlops.pipeline;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchmlops.Json;
import dev.batchmlops.PipelineException;
import dev.batchmlops.table.HadoopFiles;
import java.io.IOException;

/** Keeps the {@link PipelineState} of a dataset as a JSON file next to its tables. */
public final class StateStore {
  private static final ObjectMapper JSON =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private final HadoopFiles files;
  private final String path;

  public StateStore(HadoopFiles files, String path) {
    this.files = files;
    this.path = path;
  }

  public PipelineState load() {
    if (!files.exists(path)) {
      return PipelineState.empty();
    }
    try {
      return JSON.readValue(files.readString(path), PipelineState.class);
    } catch (IOException e) {
      throw new PipelineException(
          "cannot parse pipeline state "
              + path
              + ": "
              + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  public void save(PipelineState state) {
    files.writeString(path, Json.pretty(state));
  }

  public String path() {
    return path;
  }
}
