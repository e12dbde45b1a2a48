package dev.batchmlops.pipeline;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.PipelineException;
import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.generate.GenerateStage;
import dev.batchmlops.ingest.IngestStage;
import dev.batchmlops.split.SplitStage;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.TestConfigs;
import dev.batchmlops.support.TestSpark;
import dev.batchmlops.tracking.MlflowTracker;
import dev.batchmlops.validate.ValidateStage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SaveMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data stages in-process, on real temporary Delta tables and the test MLflow server. */
class StagesTest {
  @TempDir Path temp;

  private PipelineContext open(Map<String, String> settings) {
    Map<String, String> overrides = new LinkedHashMap<>(Map.of("generate.rows", "800"));
    overrides.putAll(settings);
    PipelineConfig config = TestConfigs.load(temp, MlflowTestServer.shared().uri(), overrides);
    return PipelineContext.open(
        config, TestSpark.session(), new MlflowTracker(config.tracking()), true);
  }

  @Test
  void generatedFileIsTheSameForTheSameSeed() {
    PipelineContext context = open(Map.of());
    String first = context.files().sha256(GenerateStage.run(context));
    String again = context.files().sha256(GenerateStage.run(context));
    PipelineContext otherSeed = open(Map.of("pipeline.seed", "7"));
    String other = otherSeed.files().sha256(GenerateStage.run(otherSeed));
    assertEquals(first, again);
    assertNotEquals(first, other);
  }

  @Test
  void contractBreachStopsTheRunAtValidateNamingColumnAndRule() throws IOException {
    Path file = temp.resolve("landing/broken.csv");
    CreditDataGenerator.generate(TestSpark.session(), 800, 42)
        .withColumn(
            "age", when(col("application_id").equalTo("APP-00000010"), 150).otherwise(col("age")))
        .coalesce(1)
        .write()
        .mode(SaveMode.Overwrite)
        .option("header", "true")
        .csv(file.toString());
    PipelineContext context = open(Map.of());
    IngestStage.run(context, Optional.of(file.toString()));
    PipelineException error =
        assertThrows(PipelineException.class, () -> ValidateStage.run(context));
    assertTrue(error.getMessage().contains("age: max <= 100.0"), error.getMessage());
    PipelineException refused =
        assertThrows(PipelineException.class, () -> SplitStage.run(context));
    assertTrue(refused.getMessage().contains("has not passed validation"), refused.getMessage());
    assertFalse(
        Files.exists(temp.resolve("delta/credit/splits")), "nothing is split from bad data");
  }
}
