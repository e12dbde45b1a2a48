package dev.batchmlops.split;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.config.StageConfigs;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Assigns each row to train, validation or test from a hash of its key and the seed alone, so the
 * same row lands in the same split whatever the partitioning, row order or cluster, and rows
 * appended later never move earlier ones. One pass, no shuffle.
 */
public final class HashSplitter {
  public static final String SPLIT_COLUMN = "split";
  public static final String TRAIN = "train";
  public static final String VALIDATION = "validation";
  public static final String TEST = "test";
  private static final long UNIT = 1L << 53;

  private HashSplitter() {}

  public static Dataset<Row> assign(
      Dataset<Row> data, String keyColumn, long seed, StageConfigs.Split ratios) {
    Column draw = pmod(xxhash64(col(keyColumn), lit(seed)), lit(UNIT)).cast("double").divide(UNIT);
    Column split =
        when(draw.lt(ratios.train()), TRAIN)
            .when(draw.lt(ratios.train() + ratios.validation()), VALIDATION)
            .otherwise(TEST);
    return data.withColumn(SPLIT_COLUMN, split);
  }
}
