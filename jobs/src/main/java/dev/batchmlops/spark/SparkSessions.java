package dev.batchmlops.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** The one place a SparkSession is configured: Delta enabled, sane defaults for small clusters. */
public final class SparkSessions {
  private SparkSessions() {}

  private static final String DELTA_SNAPSHOT_PARTITIONS =
      "spark.databricks.delta.snapshotPartitions";

  /**
   * Returns the session of this JVM. Under spark-submit the master and any --conf come from the
   * launcher; run elsewhere (tests, an IDE) it falls back to local[2].
   */
  public static SparkSession getOrCreate(String appName) {
    SparkConf launcherConf = new SparkConf();
    SparkSession.Builder builder =
        SparkSession.builder()
            .appName(appName)
            .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
            .config(
                "spark.sql.catalog.spark_catalog",
                "org.apache.spark.sql.delta.catalog.DeltaCatalog");
    // Time travel needs the log of every version a model was trained on: keep table logs for ten
    // years (they are small) instead of Delta's 30 days. Applies to tables this session creates.
    builder.config(
        "spark.databricks.delta.properties.defaults.logRetentionDuration", "interval 3650 days");
    if (!launcherConf.contains("spark.master")) {
      builder.master("local[2]");
    }
    String shufflePartitions = launcherConf.get("spark.sql.shuffle.partitions", "8");
    // Adaptive execution coalesces further; 200 default partitions are wasteful on small data.
    builder.config("spark.sql.shuffle.partitions", shufflePartitions);
    if (!launcherConf.contains(DELTA_SNAPSHOT_PARTITIONS)) {
      // Delta rebuilds a table's state from its log in 50 tasks, however short the log, and a
      // stage reading pinned versions does so several times: a fifth of a small stage's time.
      builder.config(DELTA_SNAPSHOT_PARTITIONS, shufflePartitions);
    }
    if (!launcherConf.contains("spark.ui.enabled")) {
      builder.config("spark.ui.enabled", "false");
    }
    return builder.getOrCreate();
  }
}
