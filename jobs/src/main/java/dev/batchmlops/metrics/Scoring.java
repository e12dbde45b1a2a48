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

  /** What MLlib's predictors add: the predicted value (regression) or class index. */
  public static final String PREDICTION = "prediction";

  /** What MLlib's classifiers add: the probability of every class, by index. */
  public static final String PROBABILITY = "probability";

  private Scoring() {}

  /**
   * Adds {@code label} as MLlib reads it: binary 1.0 for the contract's positive class, else 0.0;
   * multiclass the index of the row's class in the contract's {@code allowed} order; regression the
   * value.
   */
  public static Dataset<Row> withLabel(Dataset<Row> data, DatasetContract contract) {
    return data.withColumn(Scoring.LABEL, labelOf(contract));
  }

  private static org.apache.spark.sql.Column labelOf(DatasetContract contract) {
    return switch (contract.task()) {
      case BINARY -> when(contract.isPositive(), 1.0).otherwise(0.0);
      case MULTICLASS -> {
        org.apache.spark.sql.Column label = col(contract.label()).cast("string");
        java.util.List<String> classes = contract.labelValues();
        org.apache.spark.sql.Column index = lit(null).cast("double");
        for (int c = classes.size() - 1; c >= 0; c--) {
          index = when(label.equalTo(classes.get(c)), (double) c).otherwise(index);
        }
        yield index;
      }
      case REGRESSION -> col(contract.label()).cast("double");
    };
  }

  /** Adds {@code score}, the positive class's probability, with a fitted model or pipeline. */
  public static Dataset<Row> score(Transformer model, Dataset<Row> labelled) {
    return model.transform(labelled).withColumn(SCORE, positiveProbability());
  }

  /** The positive class's probability in a binary classifier's output. */
  public static org.apache.spark.sql.Column positiveProbability() {
    return functions.vector_to_array(col(PROBABILITY), "float64").getItem(1);
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
