package dev.batchmlops.score;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.PipelineException;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.support.TestConfigs;
import dev.batchmlops.support.TestSpark;
import dev.batchmlops.table.TableVersion;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoreStageTest {
  @TempDir Path temp;

  @Test
  void aBatchWithoutAFeatureIsRefusedNamingTheColumnAndOneWithoutTheLabelIsScored() {
    DatasetContract contract = TestConfigs.load(temp, "http://127.0.0.1:9", Map.of()).dataset();
    Dataset<Row> rows = CreditDataGenerator.generate(TestSpark.session(), 20, 42);
    TableVersion input = new TableVersion("/data/credit/raw", 4);

    ScoreStage.requireColumns(rows.drop("defaulted"), contract, input);
    PipelineException missing =
        assertThrows(
            PipelineException.class,
            () -> ScoreStage.requireColumns(rows.drop("income"), contract, input));
    assertEquals(
        "score: /data/credit/raw@v4 has no column 'income', which the model reads",
        missing.getMessage());
  }
}
