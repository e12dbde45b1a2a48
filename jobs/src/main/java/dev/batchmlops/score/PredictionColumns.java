package dev.batchmlops.score;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_from_arrays;
import static org.apache.spark.sql.functions.when;

import dev.batchmlops.Json;
import dev.batchmlops.PipelineException;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.Task;
import dev.batchmlops.evaluate.EvaluateStage;
import dev.batchmlops.metrics.Scoring;
import dev.batchmlops.tracking.ModelRegistry.ModelVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Column;

/**
 * What a model version's predictions hold, by its task, as the predictions table's columns after
 * the id: a binary model's positive-class {@code score}, its 0/1 {@code prediction} at the decision
 * threshold and the {@code threshold}; a multiclass model's predicted class (its name), that
 * class's probability as {@code score}, and every class's probability in {@code
 * class_probabilities}; a regression model's predicted value. Read from MLlib's output columns
 * ({@code prediction}, {@code probability}), so one transform gives them all.
 */
public sealed interface PredictionColumns {
  String SCORE = ScoreStage.SCORE;
  String PREDICTION = ScoreStage.PREDICTION;
  String THRESHOLD = "threshold";

  /**
   * Every class's probability, class name to probability. A map, not a column per class: the names
   * are any text the contract allows, and a later version with another class set appends to the
   * same table without a schema change.
   */
  String CLASS_PROBABILITIES = "class_probabilities";

  /** The columns, in table order, computed from the model's output. */
  List<Column> columns();

  /** What the scoring run records as its parameters (the threshold, the classes). */
  Map<String, String> params();

  /** A positive-class probability, predicted positive at or above the threshold. */
  record Binary(double threshold) implements PredictionColumns {
    @Override
    public List<Column> columns() {
      Column score = Scoring.positiveProbability();
      return List.of(
          score.as(SCORE),
          when(score.geq(threshold), 1).otherwise(0).as(PREDICTION),
          lit(threshold).as(THRESHOLD));
    }

    @Override
    public Map<String, String> params() {
      return Map.of("task", Task.BINARY.label(), "decision_threshold", Double.toString(threshold));
    }
  }

  /** The class MLlib predicts, by name, in the order the version was trained with. */
  record Multiclass(List<String> classes) implements PredictionColumns {
    @Override
    public List<Column> columns() {
      Column names = array(classes.stream().map(c -> lit(c)).toArray(Column[]::new));
      Column probabilities = functions.vector_to_array(col(Scoring.PROBABILITY), "float64");
      Column position = col(Scoring.PREDICTION).cast("int").plus(1);
      return List.of(
          element_at(names, position).as(PREDICTION),
          element_at(probabilities, position).as(SCORE),
          map_from_arrays(names, probabilities).as(CLASS_PROBABILITIES));
    }

    @Override
    public Map<String, String> params() {
      return Map.of("task", Task.MULTICLASS.label(), "classes", Json.compact(classes));
    }
  }

  /** The predicted value. */
  record Regression() implements PredictionColumns {
    @Override
    public List<Column> columns() {
      return List.of(col(Scoring.PREDICTION).cast("double").as(PREDICTION));
    }

    @Override
    public Map<String, String> params() {
      return Map.of("task", Task.REGRESSION.label());
    }
  }

  /**
   * The columns of a registered version's predictions, from its tags: its task (binary for versions
   * registered before tasks were recorded), its threshold (or {@code fallbackThreshold}) or its
   * classes. A version of another task than the contract's is refused: its predictions would not be
   * the question the contract asks.
   */
  static PredictionColumns of(
      ModelVersion version, DatasetContract contract, double fallbackThreshold) {
    String task = EvaluateStage.taskOf(version);
    if (!task.equals(contract.task().label())) {
      throw new PipelineException(
          "score: "
              + version.name()
              + " version "
              + version.version()
              + " is a "
              + task
              + " model and the contract says dataset.task = "
              + contract.task().label()
              + ": score with a version trained on this contract (--model)");
    }
    return switch (contract.task()) {
      case BINARY -> new Binary(EvaluateStage.thresholdOf(version, fallbackThreshold));
      case MULTICLASS -> new Multiclass(classesOf(version));
      case REGRESSION -> new Regression();
    };
  }

  private static List<String> classesOf(ModelVersion version) {
    String classes = version.tags().get(EvaluateStage.CLASSES_TAG);
    if (classes == null || classes.isBlank()) {
      throw new PipelineException(
          "score: "
              + version.name()
              + " version "
              + version.version()
              + " has no '"
              + EvaluateStage.CLASSES_TAG
              + "' tag, the order of its classes; register it again with this pipeline");
    }
    List<String> names = new ArrayList<>();
    Json.parseTree(classes).forEach(name -> names.add(name.asText()));
    return names;
  }
}
