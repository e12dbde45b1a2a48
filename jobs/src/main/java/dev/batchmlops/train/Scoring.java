package dev.batchmlops.train;

import static org.apache.spark.sql.functions.*;

import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Turns data into scored rows with a numeric {@code label} and a positive-class {@code score}, the
 * one shape every model (candidate or baseline) is evaluated in.
 */
public final class Scoring {
  public static final String SCORE = "score";

  private Scoring() {}

  public static Dataset<Row> withLabel(Dataset<Row> data, String labelColumn) {
    return data.withColumn(FeaturePipeline.LABEL, col(labelColumn).cast("double"));
  }

  public static Dataset<Row> score(PipelineModel model, Dataset<Row> labelled) {
    return model
        .transform(labelled)
        .withColumn(SCORE, functions.vector_to_array(col("probability"), "float64").getItem(1));
  }

  /** The prior baseline: every row scored with the positive share seen in training. */
  public static Dataset<Row> scorePrior(Dataset<Row> labelled, double positiveRate) {
    return labelled.withColumn(SCORE, lit(positiveRate));
  }

  /** The positive share of a labelled data set: the prior baseline's whole "model". */
  public static double positiveRate(Dataset<Row> labelled) {
    Row row = labelled.agg(avg(col(FeaturePipeline.LABEL))).first();
    return row.isNullAt(0) ? 0.0 : row.getDouble(0);
  }
}
