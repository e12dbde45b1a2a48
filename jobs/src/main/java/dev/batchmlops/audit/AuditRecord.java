package dev.batchmlops.audit;

import dev.batchmlops.Fingerprints;
import dev.batchmlops.Json;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One action that changed state: what ({@code action}), when, who ({@code actor}: the MLflow user,
 * else the operating system user), on which dataset, what it read and wrote (table versions, run
 * ids, model versions) and why. Each record holds the hash of the one before it, so changing,
 * removing or reordering a record breaks every hash after it.
 *
 * @param sequence the record's place in the trail, from 1
 * @param previousHash the hash of record {@code sequence - 1}, {@link #GENESIS} for the first
 * @param hash SHA-256 of every other field, in a fixed canonical form
 */
public record AuditRecord(
    long sequence,
    Instant at,
    String action,
    String actor,
    String dataset,
    Map<String, String> inputs,
    Map<String, String> outputs,
    String reason,
    String previousHash,
    String hash) {

  /** What the first record names as its predecessor. */
  public static final String GENESIS = "0".repeat(64);

  /** The key under which records name a registered model version in their inputs or outputs. */
  public static final String MODEL_VERSION = "model_version";

  public AuditRecord {
    inputs = Map.copyOf(inputs);
    outputs = Map.copyOf(outputs);
    reason = reason == null ? "" : reason;
  }

  /** What happened, before it has a place in the trail. */
  public record Entry(
      String action,
      String dataset,
      Map<String, String> inputs,
      Map<String, String> outputs,
      String reason) {}

  /** The record that follows {@code previous} (null for the first one) with {@code entry}. */
  public static AuditRecord after(AuditRecord previous, Entry entry, String actor, Instant at) {
    long sequence = previous == null ? 1 : previous.sequence() + 1;
    String previousHash = previous == null ? GENESIS : previous.hash();
    AuditRecord unsealed =
        new AuditRecord(
            sequence,
            at.truncatedTo(ChronoUnit.MILLIS),
            entry.action(),
            actor,
            entry.dataset(),
            entry.inputs(),
            entry.outputs(),
            entry.reason(),
            previousHash,
            "");
    return unsealed.withHash(unsealed.expectedHash());
  }

  /** The hash the record's content gives, to compare with the one it holds. */
  public String expectedHash() {
    Map<String, Object> canonical = new LinkedHashMap<>();
    canonical.put("sequence", sequence);
    canonical.put("at", at.toString());
    canonical.put("action", action);
    canonical.put("actor", actor);
    canonical.put("dataset", dataset);
    canonical.put("inputs", new TreeMap<>(inputs));
    canonical.put("outputs", new TreeMap<>(outputs));
    canonical.put("reason", reason);
    canonical.put("previous_hash", previousHash);
    return Fingerprints.sha256(Json.compact(canonical));
  }

  AuditRecord withHash(String newHash) {
    return new AuditRecord(
        sequence, at, action, actor, dataset, inputs, outputs, reason, previousHash, newHash);
  }

  /** One line for listings: sequence, time, action, actor, what it read and wrote, why. */
  public String describe() {
    StringBuilder line =
        new StringBuilder()
            .append('#')
            .append(sequence)
            .append(' ')
            .append(at)
            .append(' ')
            .append(action)
            .append(" by ")
            .append(actor);
    if (!inputs.isEmpty()) {
      line.append(" in ").append(new TreeMap<>(inputs));
    }
    if (!outputs.isEmpty()) {
      line.append(" out ").append(new TreeMap<>(outputs));
    }
    if (!reason.isEmpty()) {
      line.append(": ").append(reason);
    }
    return line.toString();
  }
}
