package dev.batchmlops.metrics;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.config.DatasetContract;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Turns data into scored rows with a numeric {@code label} and a positive-class {@code score}, the
 * one shape every model (candidate or baseline) is evaluated in.
 */
public final class Scoring {
  public static final String LABEL = "label";
  public static final String SCORE = "score";

  private Scoring() {}

  /** Adds {@code label}: 1.0 for the contract's positive class, else 0.0. */
  public static Dataset<Row> withLabel(Dataset<Row> data, DatasetContract contract) {
    return data.withColumn(Scoring.LABEL, when(contract.isPositive(), 1.0).otherwise(0.0));
  }

  /** Adds {@code score}, the positive class's probability, with a fitted model or pipeline. */
  public static Dataset<Row> score(Transformer model, Dataset<Row> labelled) {
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
    Row row = labelled.agg(avg(col(Scoring.LABEL))).first();
    return row.isNullAt(0) ? 0.0 : row.getDouble(0);
  }
}
