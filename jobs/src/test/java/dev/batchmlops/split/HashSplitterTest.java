package dev.batchmlops.split;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.generate.CreditDataGenerator;
import dev.batchmlops.support.TestSpark;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class HashSplitterTest {
  private static final StageConfigs.Ratios RATIOS = new StageConfigs.Ratios(0.7, 0.15, 0.15);
  private final Dataset<Row> data = CreditDataGenerator.generate(TestSpark.session(), 5000, 42);

  private static List<Row> assignments(Dataset<Row> input) {
    return HashSplitter.assign(input, "application_id", 7, RATIOS)
        .select("application_id", "split")
        .orderBy("application_id")
        .collectAsList();
  }

  @Test
  void sameAssignmentWhateverThePartitioningOrRowOrder() {
    List<Row> reference = assignments(data.coalesce(1));
    assertEquals(reference, assignments(data.repartition(7)));
    assertEquals(reference, assignments(data.orderBy(col("income").desc())));
  }

  @Test
  void appendedRowsDoNotMoveEarlierOnes() {
    List<Row> before = assignments(data.limit(3000));
    List<Row> after =
        HashSplitter.assign(data, "application_id", 7, RATIOS)
            .where(col("application_id").leq("APP-00002999"))
            .select("application_id", "split")
            .orderBy("application_id")
            .collectAsList();
    assertEquals(before, after);
  }

  @Test
  void sharesFollowTheRatios() {
    for (Row row :
        HashSplitter.assign(data, "application_id", 7, RATIOS)
            .groupBy("split")
            .count()
            .collectAsList()) {
      double share = row.getLong(1) / 5000.0;
      double expected = row.getString(0).equals("train") ? 0.7 : 0.15;
      assertEquals(expected, share, 0.03, "share of " + row.getString(0));
    }
  }
}
