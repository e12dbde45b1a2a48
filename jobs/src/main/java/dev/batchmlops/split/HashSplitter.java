package dev.batchmlops.split;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.config.StageConfigs;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Assigns each row to train, validation or test from a hash of its key and the seed alone, so the
 * same row lands in the same split whatever the partitioning, row order or cluster, rows appended
 * later never move earlier ones, and rows that share a key (an entity) share a split. One pass, no
 * shuffle. Class balance holds in expectation; {@link SplitBalance} checks it.
 */
public final class HashSplitter {
  private static final long UNIT = 1L << 53;

  private HashSplitter() {}

  public static Dataset<Row> assign(
      Dataset<Row> data, String keyColumn, long seed, StageConfigs.Ratios ratios) {
    // The key as text, so 42 and "42" hash alike whatever type a source gave the column.
    Column draw =
        pmod(xxhash64(col(keyColumn).cast("string"), lit(seed)), lit(UNIT))
            .cast("double")
            .divide(UNIT);
    Column split =
        when(draw.lt(ratios.train()), Splits.TRAIN)
            .when(draw.lt(ratios.train() + ratios.validation()), Splits.VALIDATION)
            .otherwise(Splits.TEST);
    return data.withColumn(Splits.COLUMN, split);
  }
}
