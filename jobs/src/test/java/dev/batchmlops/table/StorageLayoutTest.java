package dev.batchmlops.table;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Where concurrent commits are safe decides whether scoring takes the dataset lock. */
class StorageLayoutTest {
  private static boolean safe(String root) {
    return new StorageLayout(root, "/landing", "credit").concurrentCommitsSafe();
  }

  @Test
  void onlyS3NeedsOneWriterAtATime() {
    assertTrue(safe("/data/lake"));
    assertTrue(safe("file:/data/lake"));
    assertTrue(safe("hdfs://namenode:8020/lake"));
    assertTrue(safe("gs://bucket/lake"));
    assertTrue(safe("abfss://container@account.dfs.core.windows.net/lake"));
    assertFalse(safe("s3a://bucket/lake"));
    assertFalse(safe("S3://bucket/lake"));
  }
}
