package dev.batchmlops.support;

import dev.batchmlops.spark.SparkSessions;
import org.apache.spark.sql.SparkSession;

/** The one SparkSession of a test JVM (local[2], Delta enabled), made on first use. */
public final class TestSpark {
  private TestSpark() {}

  public static SparkSession session() {
    return SparkSessions.getOrCreate("batchmlops-tests");
  }
}
