package dev.batchmlops.split;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.PipelineException;
import dev.batchmlops.config.StageConfigs;
import java.time.LocalDate;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Splits by event time: rows before {@code validationFrom} train, rows before {@code testFrom}
 * validate, the rest test, so the model is always tested on the future of what it learned from.
 * Rows without an event time get no split (and the split stage refuses them).
 */
public final class TimeSplitter {
  private TimeSplitter() {}

  /** The two dates that cut the rows; recorded with the split. */
  public record Cutoffs(LocalDate validationFrom, LocalDate testFrom) {}

  /** The dates that cut the event times in the ratios: approximate quantiles, one pass. */
  public static Cutoffs cutoffs(Dataset<Row> data, String eventTime, StageConfigs.Ratios ratios) {
    double[] days =
        data.select(datediff(col(eventTime), lit("1970-01-01")).cast("double").as("day"))
            .stat()
            .approxQuantile(
                "day", new double[] {ratios.train(), ratios.train() + ratios.validation()}, 1e-4);
    if (days.length < 2) {
      throw new PipelineException("split: no event times in " + eventTime + " to cut");
    }
    return new Cutoffs(LocalDate.ofEpochDay((long) days[0]), LocalDate.ofEpochDay((long) days[1]));
  }

  public static Dataset<Row> assign(Dataset<Row> data, String eventTime, Cutoffs cutoffs) {
    Column time = col(eventTime);
    Column split =
        when(time.isNull(), lit(null).cast("string"))
            .when(time.lt(lit(cutoffs.validationFrom().toString()).cast("date")), Splits.TRAIN)
            .when(time.lt(lit(cutoffs.testFrom().toString()).cast("date")), Splits.VALIDATION)
            .otherwise(Splits.TEST);
    return data.withColumn(Splits.COLUMN, split);
  }
}
