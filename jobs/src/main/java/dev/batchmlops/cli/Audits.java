package dev.batchmlops.cli;

import dev.batchmlops.audit.AuditTrail;
import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.spark.OnDemandSpark;
import dev.batchmlops.table.HadoopFiles;
import dev.batchmlops.table.StorageLayout;
import dev.batchmlops.tracking.ExperimentTracker;

/** The audit trail for commands that work outside a pipeline context (promote, cleanup, audit). */
final class Audits {
  private Audits() {}

  /** The dataset's trail, written as the tracker's user; Spark starts only when it is read. */
  static AuditTrail trail(PipelineConfig config, ExperimentTracker tracker, String command) {
    return trail(config, tracker.actor(), command);
  }

  static AuditTrail trail(PipelineConfig config, String actor, String command) {
    OnDemandSpark spark = OnDemandSpark.of("batchmlops-" + command);
    return new AuditTrail(
        spark::session,
        new HadoopFiles(spark.hadoopConfiguration()),
        StorageLayout.of(config),
        actor);
  }
}
