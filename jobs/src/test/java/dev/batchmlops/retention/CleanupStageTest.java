package dev.batchmlops.retention;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.ingest.IngestStage;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.TestConfigs;
import dev.batchmlops.support.TestSpark;
import dev.batchmlops.table.StorageLayout;
import dev.batchmlops.table.TableVersion;
import dev.batchmlops.tracking.MlflowTracker;
import dev.batchmlops.tracking.ModelRegistry;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VACUUM on real Delta tables, with protection read from the real MLflow registry. */
class CleanupStageTest {
  private final SparkSession spark = TestSpark.session();
  @TempDir Path temp;

  /** Two snapshots (v0, v1) of a dataset under {@code root}; v0's files are then unused by v1. */
  private PipelineContext twoSnapshots(Path root, String modelPrefix) {
    PipelineConfig config =
        TestConfigs.load(
            root, MlflowTestServer.shared().uri(), Map.of("register.model-prefix", modelPrefix));
    PipelineContext context =
        PipelineContext.open(config, spark, new MlflowTracker(config.tracking()), true);
    for (long seed : List.of(1L, 2L)) {
      Path file = root.resolve("landing/batch-" + seed + ".parquet");
      CreditDataGenerator.generate(spark, 200 + seed, seed)
          .write()
          .mode(SaveMode.Overwrite)
          .parquet(file.toString());
      IngestStage.run(context, Optional.of(file.toString()));
    }
    return context;
  }

  @Test
  void versionsOfRegisteredModelsSurviveAVacuumThatRemovesEverythingElse() {
    String prefix = "cleanup-" + UUID.randomUUID().toString().substring(0, 8);
    Path keptRoot = temp.resolve("kept");
    PipelineContext kept = twoSnapshots(keptRoot, prefix);
    MlflowTracker tracker = new MlflowTracker(kept.config().tracking());
    ModelRegistry registry = tracker.registry();
    String model = kept.config().registeredModelName();
    registry.ensureRegisteredModel(model, "cleanup test", java.util.Map.of());
    TableVersion trainedOn = new TableVersion(kept.layout().rawTable(), 0);
    // MLflow 3 checks that a version's source lies under its run's artifacts.
    registry.createVersion(
        model,
        kept.parentRun().artifactUri() + "/model",
        kept.parentRun().runId(),
        null,
        Map.of("raw_table", trainedOn.toString()));

    List<CleanupStage.Vacuumed> done =
        CleanupStage.run(spark, StorageLayout.of(kept.config()), registry, model, 0);
    assertEquals(Optional.of(trainedOn), done.get(0).protectedVersion());
    // collectAsList reads the files; count() could be answered from the log's statistics.
    assertEquals(
        201,
        kept.tables().read(trainedOn).collectAsList().size(),
        "the registered model's data is intact");

    Path lostRoot = temp.resolve("lost");
    PipelineContext unprotected = twoSnapshots(lostRoot, prefix + "-none");
    CleanupStage.run(
        spark,
        StorageLayout.of(unprotected.config()),
        registry,
        unprotected.config().registeredModelName(),
        0);
    TableVersion old = new TableVersion(unprotected.layout().rawTable(), 0);
    assertThrows(
        Exception.class,
        () -> unprotected.tables().read(old).collectAsList(),
        "unprotected files are gone");
    assertEquals(202, unprotected.tables().read(new TableVersion(old.path(), 1)).count());
  }

  @Test
  void retentionStretchesToTheOldestProtectedCommit() {
    Instant now = Instant.parse("2026-11-29T12:00:00Z");
    TableVersion v = new TableVersion("/t", 3);
    assertEquals(
        168, RetentionPolicy.retention(168, Optional.empty(), Optional.empty(), now).hours());
    assertEquals(
        168,
        RetentionPolicy.retention(
                168, Optional.of(v), Optional.of(now.minusSeconds(3600 * 10)), now)
            .hours());
    assertEquals(
        402,
        RetentionPolicy.retention(
                168, Optional.of(v), Optional.of(now.minusSeconds(3600 * 400)), now)
            .hours());
  }

  @Test
  void lineageTagsParseBackToTableVersions() {
    assertEquals(
        new TableVersion("/data/credit/raw", 12),
        CleanupStage.parse("/data/credit/raw@v12", "m", "1"));
    assertThrows(RuntimeException.class, () -> CleanupStage.parse("garbage", "m", "1"));
  }
}
