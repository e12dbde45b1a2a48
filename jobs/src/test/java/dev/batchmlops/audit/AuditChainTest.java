package dev.batchmlops.audit;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuditChainTest {
  private static List<AuditRecord> chain(int length) {
    List<AuditRecord> records = new ArrayList<>();
    AuditRecord previous = null;
    for (int i = 0; i < length; i++) {
      previous =
          AuditRecord.after(
              previous,
              new AuditRecord.Entry(
                  "ingest", "credit", Map.of("source", "f" + i), Map.of("raw", "v" + i), ""),
              "alice",
              Instant.parse("2026-11-30T10:00:00Z").plusSeconds(i));
      records.add(previous);
    }
    return records;
  }

  @Test
  void aTrailAsWrittenIsWholeAndEachRecordNamesTheOneBefore() {
    List<AuditRecord> records = chain(4);
    assertTrue(AuditChain.verify(records).isEmpty());
    assertEquals(AuditRecord.GENESIS, records.get(0).previousHash());
    assertEquals(records.get(1).hash(), records.get(2).previousHash());
    assertEquals(records.get(3).hash(), AuditChain.head(records));
  }

  @Test
  void aChangedRecordIsNamed() {
    List<AuditRecord> records = chain(4);
    AuditRecord original = records.get(2);
    records.set(
        2,
        new AuditRecord(
            original.sequence(),
            original.at(),
            original.action(),
            "mallory",
            original.dataset(),
            original.inputs(),
            original.outputs(),
            original.reason(),
            original.previousHash(),
            original.hash()));
    AuditChain.Break broken = AuditChain.verify(records).orElseThrow();
    assertEquals(3, broken.record().sequence());
    assertEquals(AuditChain.Problem.CHANGED, broken.problem());
    assertTrue(broken.describe().startsWith("audit record #3 (ingest"), broken.describe());
  }

  @Test
  void aChangedRecordWhoseHashWasRecomputedBreaksTheLinkOfTheNext() {
    List<AuditRecord> records = chain(4);
    AuditRecord original = records.get(1);
    AuditRecord forged =
        new AuditRecord(
            original.sequence(),
            original.at(),
            original.action(),
            original.actor(),
            original.dataset(),
            original.inputs(),
            Map.of("raw", "forged"),
            original.reason(),
            original.previousHash(),
            "");
    records.set(1, forged.withHash(forged.expectedHash()));
    AuditChain.Break broken = AuditChain.verify(records).orElseThrow();
    assertEquals(3, broken.record().sequence());
    assertEquals(AuditChain.Problem.UNLINKED, broken.problem());
  }

  @Test
  void aRemovedRecordIsFoundAtTheOneAfterIt() {
    List<AuditRecord> records = chain(4);
    records.remove(1);
    AuditChain.Break broken = AuditChain.verify(records).orElseThrow();
    assertEquals(3, broken.record().sequence());
    assertEquals(AuditChain.Problem.MISSING, broken.problem());
    assertTrue(broken.describe().contains("expected #2"), broken.describe());
  }

  @Test
  void reorderedRecordsAreFound() {
    List<AuditRecord> records = chain(4);
    records.add(1, records.remove(2));
    AuditChain.Break broken = AuditChain.verify(records).orElseThrow();
    assertEquals(3, broken.record().sequence());
    assertEquals(AuditChain.Problem.MISSING, broken.problem());
    List<AuditRecord> duplicated = chain(3);
    duplicated.add(duplicated.get(1));
    assertEquals(
        AuditChain.Problem.OUT_OF_PLACE, AuditChain.verify(duplicated).orElseThrow().problem());
  }
}
