package dev.batchmlops.spark;

import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.sql.SparkSession;

/**
 * A command's Spark session, started the first time it is needed: a command that only talks to
 * MLflow and reads small files (register, promote) pays no session start-up, while its files are
 * still reached with the Hadoop settings spark-submit was given ({@code spark.hadoop.*}).
 */
public final class OnDemandSpark {
  private final Supplier<SparkSession> starter;
  private final Configuration hadoopConfiguration;
  private SparkSession session;

  private OnDemandSpark(Supplier<SparkSession> starter, Configuration hadoopConfiguration) {
    this.starter = starter;
    this.hadoopConfiguration = hadoopConfiguration;
  }

  /** A session started with {@link SparkSessions#getOrCreate} on first use. */
  public static OnDemandSpark of(String appName) {
    Configuration hadoop = SparkHadoopUtil.get().newConfiguration(new SparkConf());
    return new OnDemandSpark(() -> SparkSessions.getOrCreate(appName), hadoop);
  }

  /** A session that is already running (tests, one JVM running several stages). */
  public static OnDemandSpark running(SparkSession session) {
    return new OnDemandSpark(() -> session, session.sparkContext().hadoopConfiguration());
  }

  public synchronized SparkSession session() {
    if (session == null) {
      session = starter.get();
    }
    return session;
  }

  /** The Hadoop settings files are read and written with; starts no session. */
  public Configuration hadoopConfiguration() {
    return hadoopConfiguration;
  }

  /** The Spark version this code runs with, whether or not a session has started. */
  public static String sparkVersion() {
    return org.apache.spark.package$.MODULE$.SPARK_VERSION();
  }
}
