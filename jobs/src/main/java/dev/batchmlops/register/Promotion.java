package dev.batchmlops.register;

import dev.batchmlops.PipelineException;
import dev.batchmlops.tracking.ModelRegistry;
import dev.batchmlops.tracking.ModelRegistry.ModelVersion;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Moves the {@code champion} alias by hand, recording on the promoted version who asked, why, when,
 * and which version was champion before; the reason is required.
 */
public final class Promotion {
  private Promotion() {}

  /** The version promoted and the one it replaced, if any. */
  public record Result(ModelVersion promoted, Optional<ModelVersion> previous) {}

  public static Result promote(
      ModelRegistry registry, String model, String version, String reason, String user) {
    if (reason == null || reason.isBlank()) {
      throw new PipelineException("promote: give the reason with --reason");
    }
    ModelVersion target =
        registry.versions(model).stream()
            .filter(v -> v.version().equals(version))
            .findFirst()
            .orElseThrow(
                () ->
                    new PipelineException(
                        "promote: model " + model + " has no version " + version));
    Optional<ModelVersion> previous = registry.versionByAlias(model, ModelRegistry.CHAMPION);
    Map<String, String> record = new LinkedHashMap<>();
    record.put("promotion_reason", reason);
    record.put("promoted_by", user);
    record.put("promoted_at", Instant.now().toString());
    record.put("previous_champion", previous.map(ModelVersion::version).orElse("none"));
    registry.setVersionTags(model, version, record);
    registry.setAlias(model, ModelRegistry.CHAMPION, version);
    return new Result(target, previous);
  }
}
