package dev.batchmlops.register;

import dev.batchmlops.PipelineException;
import dev.batchmlops.audit.AuditAction;
import dev.batchmlops.audit.AuditRecord;
import dev.batchmlops.audit.AuditTrail;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.tracking.AccessDeniedException;
import dev.batchmlops.tracking.ModelRegistry;
import dev.batchmlops.tracking.ModelRegistry.ModelVersion;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Moves the {@code champion} alias by hand, recording on the promoted version who asked, why, when,
 * and which version was champion before; the reason is required. With release users configured,
 * anyone else is refused before anything changes. Both outcomes go into the audit trail.
 */
public final class Promotion {
  private Promotion() {}

  /** The version promoted and the one it replaced, if any. */
  public record Result(ModelVersion promoted, Optional<ModelVersion> previous) {}

  /** What to promote and why, and who asks. */
  public record Request(String model, String version, String reason, String actor) {}

  public static Result promote(
      ModelRegistry registry, AuditTrail trail, StageConfigs.Promote settings, Request request) {
    if (request.reason() == null || request.reason().isBlank()) {
      throw new PipelineException("promote: give the reason with --reason");
    }
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("model", request.model());
    inputs.put(AuditRecord.MODEL_VERSION, request.version());
    if (settings.restricted() && !settings.releaseUsers().contains(request.actor())) {
      String refusal =
          "'"
              + request.actor()
              + "' may not move the champion of "
              + request.model()
              + ": only the release users in promote.release-users "
              + settings.releaseUsers()
              + " may";
      trail.append(AuditAction.PROMOTION_REFUSED, inputs, Map.of(), refusal);
      throw new PipelineException("promote: " + refusal);
    }
    ModelVersion target =
        registry
            .version(request.model(), request.version())
            .orElseThrow(
                () ->
                    new PipelineException(
                        "promote: model "
                            + request.model()
                            + " has no version "
                            + request.version()));
    Optional<ModelVersion> previous =
        registry.versionByAlias(request.model(), ModelRegistry.CHAMPION);
    Map<String, String> record = new LinkedHashMap<>();
    record.put("promotion_reason", request.reason());
    record.put("promoted_by", request.actor());
    record.put("promoted_at", Instant.now().toString());
    record.put("previous_champion", previous.map(ModelVersion::version).orElse("none"));
    try {
      registry.setVersionTags(request.model(), request.version(), record);
      registry.setAlias(request.model(), ModelRegistry.CHAMPION, request.version());
    } catch (AccessDeniedException refused) {
      trail.append(AuditAction.PROMOTION_REFUSED, inputs, Map.of(), refused.getMessage());
      throw refused;
    }
    trail.append(
        AuditAction.PROMOTION,
        inputs,
        Map.of(
            ModelRegistry.CHAMPION,
            request.version(),
            "previous_champion",
            previous.map(ModelVersion::version).orElse("none")),
        request.reason());
    return new Result(target, previous);
  }
}
