package dev.batchmlops.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.table.HadoopFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-dataset lease on a real local file system, with real processes as holders. */
class DatasetLockTest {
  private final HadoopFiles files = new HadoopFiles(new Configuration());
  @TempDir Path temp;

  private String lockPath() {
    return temp.resolve("credit/_pipeline/lock.json").toString();
  }

  private static Instant ago(Duration age) {
    return Instant.now().minus(age);
  }

  private void holdAs(String command, String host, long pid, Instant refreshed) throws Exception {
    Path file = Path.of(lockPath());
    Files.createDirectories(file.getParent());
    Files.writeString(
        file,
        new DatasetLock.Holder(command, host, pid, "", refreshed, refreshed, "theirs").json());
  }

  @Test
  void aSecondCommandIsRefusedAsBusyUntilTheFirstLetsGo() {
    try (DatasetLock train = DatasetLock.acquire(files, lockPath(), "credit", "train")) {
      assertTrue(train.tookOverFrom().isEmpty());
      DatasetLock.BusyException busy =
          assertThrows(
              DatasetLock.BusyException.class,
              () -> DatasetLock.acquire(files, lockPath(), "credit", "run"));
      assertTrue(
          busy.getMessage()
              .startsWith(
                  "dataset 'credit' is busy: `train` (pid " + ProcessHandle.current().pid()),
          busy.getMessage());
      assertTrue(busy.getMessage().contains(lockPath()), busy.getMessage());
    }
    assertFalse(Files.exists(Path.of(lockPath())), "letting go deletes the file");
    try (DatasetLock run = DatasetLock.acquire(files, lockPath(), "credit", "run")) {
      assertEquals("run", run.holder().command());
    }
  }

  @Test
  void aHolderThatIsGoneFromThisHostIsTakenOverAtOnce() throws Exception {
    Process ended = new ProcessBuilder("true").start();
    ended.waitFor();
    DatasetLock.Holder self = DatasetLock.Holder.current("probe", Instant.now());
    holdAs("split", self.host(), ended.pid(), Instant.now());
    try (DatasetLock lock = DatasetLock.acquire(files, lockPath(), "credit", "split")) {
      assertEquals("split", lock.tookOverFrom().orElseThrow().command());
      assertEquals(ended.pid(), lock.tookOverFrom().orElseThrow().pid());
    }
  }

  @Test
  void aHolderElsewhereIsTakenOverOnlyOnceItsLeaseHasNotBeenRefreshedForLong() throws Exception {
    holdAs("evaluate", "another-host", 1, ago(Duration.ofSeconds(30)));
    assertThrows(
        DatasetLock.BusyException.class,
        () -> DatasetLock.acquire(files, lockPath(), "credit", "evaluate"),
        "a holder on another host that refreshed recently may still be working");

    holdAs("evaluate", "another-host", 1, ago(DatasetLock.STALE_AFTER.plusSeconds(1)));
    try (DatasetLock lock = DatasetLock.acquire(files, lockPath(), "credit", "evaluate")) {
      assertEquals("another-host", lock.tookOverFrom().orElseThrow().host());
    }
  }

  @Test
  void anUnreadableLockFileCountsAsRefreshedWhenLastWritten() throws Exception {
    Path file = Path.of(lockPath());
    Files.createDirectories(file.getParent());
    Files.writeString(file, "");
    assertThrows(
        DatasetLock.BusyException.class,
        () -> DatasetLock.acquire(files, lockPath(), "credit", "ingest"));

    Files.setLastModifiedTime(
        file, FileTime.from(ago(DatasetLock.STALE_AFTER.plus(Duration.ofMinutes(1)))));
    try (DatasetLock lock = DatasetLock.acquire(files, lockPath(), "credit", "ingest")) {
      assertTrue(lock.tookOverFrom().isPresent());
    }
  }

  @Test
  void lettingGoLeavesALockThatAnotherCommandTookOver() throws Exception {
    DatasetLock lock = DatasetLock.acquire(files, lockPath(), "credit", "register");
    holdAs("register", "another-host", 7, Instant.now());
    lock.close();
    assertTrue(Files.readString(Path.of(lockPath())).contains("another-host"));
  }
}
