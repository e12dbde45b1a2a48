package dev.batchmlops.table;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.pipeline.DatasetLock;
import dev.batchmlops.support.S3TestServer;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * The small files the pipeline keeps beside its tables (state, lock, metrics history) on a real
 * S3-compatible server through Hadoop's S3A, as spark-submit gives it: a file created only when
 * absent is decided by the store, so of many writers at once exactly one creates it; a replaced
 * file holds the new content.
 */
class HadoopFilesOnS3Test {
  private static final S3TestServer S3 = S3TestServer.shared();

  private static HadoopFiles files() {
    Configuration conf = new Configuration();
    conf.set("fs.s3a.endpoint", S3.endpoint());
    conf.set("fs.s3a.path.style.access", "true");
    conf.set("fs.s3a.connection.ssl.enabled", "false");
    conf.set("fs.s3a.access.key", S3TestServer.ACCESS_KEY);
    conf.set("fs.s3a.secret.key", S3TestServer.SECRET_KEY);
    // A file system per test class, so that no cached one holds another test's settings.
    conf.set("fs.s3a.impl.disable.cache", "true");
    return new HadoopFiles(conf);
  }

  private static String bucket() {
    String bucket = "files-" + UUID.randomUUID().toString().substring(0, 8);
    S3.createBucket(bucket);
    return bucket;
  }

  @Test
  void ofEightWritersCreatingOneFileAtOnceExactlyOneDoes() throws Exception {
    HadoopFiles files = files();
    String path = "s3a://" + bucket() + "/credit/_pipeline/lock.json";
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      java.util.List<Callable<Boolean>> writers = new java.util.ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String content = "writer " + i;
        writers.add(() -> files.createNew(path, content));
      }
      int created = 0;
      for (Future<Boolean> result : pool.invokeAll(writers)) {
        created += result.get() ? 1 : 0;
      }
      assertEquals(1, created);
      assertTrue(files.readString(path).startsWith("writer "));
      assertFalse(files.createNew(path, "late"), "an existing file is never replaced");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aFileIsReplacedWholeAndTheDatasetLockIsExclusive() {
    HadoopFiles files = files();
    String bucket = bucket();
    String state = "s3a://" + bucket + "/credit/_pipeline/state.json";
    files.writeString(state, "{\"v\":1}");
    files.writeString(state, "{\"v\":2}");
    assertEquals("{\"v\":2}", files.readString(state));

    String lock = "s3a://" + bucket + "/credit/_pipeline/lock.json";
    try (DatasetLock held = DatasetLock.acquire(files, lock, "credit", "ingest")) {
      assertThrows(
          DatasetLock.BusyException.class,
          () -> DatasetLock.acquire(files, lock, "credit", "ingest"));
    }
    assertFalse(files.exists(lock), "letting go deletes the lock");
  }
}
