package dev.batchmlops.split;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.Fingerprints;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A short fingerprint of an assignment: SHA-256 over the row count and the exact sum of a hash of
 * each (id, split) pair. Independent of row order and partitioning, so two runs that print the same
 * fingerprint used the same split.
 */
public final class SplitFingerprint {
  private SplitFingerprint() {}

  public static String of(Dataset<Row> assigned, String idColumn) {
    Row totals =
        assigned
            .agg(
                count(lit(1)),
                sum(
                    xxhash64(col(idColumn).cast("string"), col(Splits.COLUMN))
                        .cast("decimal(38,0)")))
            .first();
    String sum = totals.isNullAt(1) ? "0" : totals.getDecimal(1).toPlainString();
    return Fingerprints.sha256(totals.getLong(0) + ":" + sum).substring(0, 16);
  }
}
