package dev.batchmlops.table;

import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.config.StageConfigs.FileFormat;
import java.nio.file.Paths;
import java.util.Locale;

/**
 * Where each table and file of a dataset lives under the configured roots. Stages record the tables
 * they wrote, with versions, in the pipeline state; this only names the places.
 */
public record StorageLayout(String root, String landing, String dataset) {

  public static StorageLayout of(PipelineConfig config) {
    return new StorageLayout(
        absolute(config.storage().root()),
        absolute(config.storage().landing()),
        config.dataset().name());
  }

  public String rawTable() {
    return root + "/" + dataset + "/raw";
  }

  /** Where rows that do not fit the contract go, with the reason. */
  public String quarantineTable() {
    return root + "/" + dataset + "/quarantine";
  }

  public String splitTable() {
    return root + "/" + dataset + "/splits";
  }

  /** Batches `score` read from files or a database: one version per batch, as it was scored. */
  public String scoringInputsTable() {
    return root + "/" + dataset + "/scoring-inputs";
  }

  /** What `score` wrote: one row per scored row, appended one batch per commit. */
  public String predictionsTable() {
    return root + "/" + dataset + "/predictions";
  }

  /** What `monitor` found: one row per scored batch and feature, for dashboards and notebooks. */
  public String monitoringTable() {
    return root + "/" + dataset + "/monitoring";
  }

  /** A registered version's model, copied from the registry for the executors to read. */
  public String modelCache(String registeredModel, String version) {
    return root + "/" + dataset + "/_registry-cache/" + registeredModel + "/v" + version;
  }

  public String modelDir(String runId) {
    return root + "/" + dataset + "/models/" + runId;
  }

  public String stateFile() {
    return root + "/" + dataset + "/_pipeline/state.json";
  }

  /** Every action that changed this dataset's state, hash-chained: see {@code audit}. */
  public String auditTable() {
    return root + "/" + dataset + "/audit";
  }

  /** Held while a record is appended to the audit table, where commits are not safe at once. */
  public String auditLockFile() {
    return root + "/" + dataset + "/_pipeline/audit-lock.json";
  }

  /** Held by the training-pipeline command that works on this dataset now. */
  public String lockFile() {
    return root + "/" + dataset + "/_pipeline/lock.json";
  }

  /** Deequ's metrics repository: the data metrics of every validation of this dataset. */
  public String metricsHistory() {
    return root + "/" + dataset + "/_pipeline/metrics-history.json";
  }

  /**
   * Whether two processes committing to one table here at once are safe: Delta's log store writes a
   * version only if absent on local disks, HDFS, Google Cloud Storage and Azure; on S3 its default
   * log store trusts a single writer, so there every command that writes takes the dataset lock.
   */
  public boolean concurrentCommitsSafe() {
    String scheme = root.contains(":/") ? root.substring(0, root.indexOf(':')) : "file";
    return !java.util.Set.of("s3", "s3a", "s3n").contains(scheme.toLowerCase(Locale.ROOT));
  }

  public String landingFile(FileFormat format) {
    return landing + "/" + dataset + "/" + dataset + "." + format.name().toLowerCase(Locale.ROOT);
  }

  /** Local paths become absolute, so Spark and MLflow agree on them; URIs stay as they are. */
  private static String absolute(String location) {
    return location.contains(":/") ? location : Paths.get(location).toAbsolutePath().toString();
  }
}
