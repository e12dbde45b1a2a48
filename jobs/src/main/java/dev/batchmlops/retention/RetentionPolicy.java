package dev.batchmlops.retention;

import dev.batchmlops.table.TableVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How long a table's removed files must be kept so that no protected version loses its data.
 *
 * <p>VACUUM deletes files that versions stopped using more than the retention period ago. Every
 * file a version reads was still in use at that version's commit, so keeping everything removed
 * since the oldest protected commit keeps every protected version whole.
 */
public final class RetentionPolicy {
  private RetentionPolicy() {}

  /** The retention to vacuum with: the configured one, or longer to cover the protected version. */
  public record Decision(long hours, Optional<TableVersion> protectedVersion) {}

  public static Decision retention(
      long configuredHours,
      Optional<TableVersion> oldestProtected,
      Optional<Instant> itsCommitTime,
      Instant now) {
    if (oldestProtected.isEmpty() || itsCommitTime.isEmpty()) {
      return new Decision(configuredHours, Optional.empty());
    }
    // One hour of margin for clock skew between the driver and the storage.
    long needed = Duration.between(itsCommitTime.get(), now).toHours() + 2;
    return new Decision(Math.max(configuredHours, needed), oldestProtected);
  }
}
