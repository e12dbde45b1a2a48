package dev.batchmlops.audit;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.support.TestSpark;
import dev.batchmlops.table.HadoopFiles;
import dev.batchmlops.table.StorageLayout;
import io.delta.tables.DeltaTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trail on a real Delta table in the shared test session. */
class AuditTrailTest {
  @TempDir Path temp;

  private AuditTrail trail(String actor) {
    return new AuditTrail(
        TestSpark::session,
        new HadoopFiles(TestSpark.session().sparkContext().hadoopConfiguration()),
        new StorageLayout(temp.resolve("delta").toString(), temp.toString(), "credit"),
        actor);
  }

  @Test
  void recordsComeBackAsWrittenInOrderAndTheChainVerifies() {
    AuditTrail trail = trail("alice");
    AuditRecord first =
        trail.append(
            AuditAction.INGEST, Map.of("source", "a.csv"), Map.of("raw_table", "raw@v0"), "");
    AuditRecord second =
        trail.append(
            AuditAction.REJECTION, Map.of(), Map.of("gate.min_metric", "failed"), "auc 0.61 < 0.7");
    List<AuditRecord> records = trail.records();
    assertEquals(List.of(first, second), records);
    assertEquals("rejection", records.get(1).action());
    assertEquals("alice", records.get(1).actor());
    assertEquals("credit", records.get(1).dataset());
    assertTrue(AuditChain.verify(records).isEmpty());
  }

  @Test
  void commandsAppendingAtOnceNeverForkTheChain() throws Exception {
    int writers = 3;
    int each = 2;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        AuditTrail trail = trail("writer-" + w);
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < each; i++) {
                    trail.append(AuditAction.SCORING, Map.of(), Map.of(), "");
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    List<AuditRecord> records = trail("reader").records();
    assertEquals(writers * each, records.size());
    assertTrue(AuditChain.verify(records).isEmpty(), () -> AuditChain.verify(records).toString());
  }

  @Test
  void aRecordChangedInTheTableIsNamedByVerify() {
    AuditTrail trail = trail("alice");
    for (int i = 0; i < 3; i++) {
      trail.append(AuditAction.SCORING, Map.of("batch", "b" + i), Map.of(), "");
    }
    DeltaTable.forPath(TestSpark.session(), trail.table())
        .updateExpr("sequence = 2", Map.of("actor", "'mallory'"));
    AuditChain.Break broken = AuditChain.verify(trail.records()).orElseThrow();
    assertEquals(2, broken.record().sequence());
    assertEquals(AuditChain.Problem.CHANGED, broken.problem());
  }
}
