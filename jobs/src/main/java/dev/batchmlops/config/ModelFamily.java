package dev.batchmlops.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.apache.spark.ml.Predictor;
import org.apache.spark.ml.classification.DecisionTreeClassifier;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.regression.DecisionTreeRegressor;
import org.apache.spark.ml.regression.GBTRegressor;
import org.apache.spark.ml.regression.GeneralizedLinearRegression;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.regression.RandomForestRegressor;

/**
 * The MLlib estimators a search can try, per task: a binary or multiclass family gives a
 * probability per class, a regression family a value. Hyperparameters are named as in MLlib ({@code
 * maxDepth}) and written in configuration in kebab case ({@code max-depth}).
 */
public enum ModelFamily {
  LOGISTIC_REGRESSION(LogisticRegression::new, LogisticRegression::new, null),
  RANDOM_FOREST(
      RandomForestClassifier::new, RandomForestClassifier::new, RandomForestRegressor::new),
  // MLlib's GBTClassifier handles two classes only.
  GRADIENT_BOOSTED_TREES(GBTClassifier::new, null, GBTRegressor::new),
  DECISION_TREE(
      DecisionTreeClassifier::new, DecisionTreeClassifier::new, DecisionTreeRegressor::new),
  LINEAR_REGRESSION(null, null, LinearRegression::new),
  // Tweedie covers the normal (variance power 0), Poisson (1), compound Poisson-gamma (1 to 2) and
  // gamma (2) families, with the canonical link unless link-power says otherwise.
  GENERALIZED_LINEAR_REGRESSION(
      null, null, () -> new GeneralizedLinearRegression().setFamily("tweedie"));

  private final Supplier<ProbabilisticClassifier<?, ?, ?>> binary;
  private final Supplier<ProbabilisticClassifier<?, ?, ?>> multiclass;
  private final Supplier<Predictor<?, ?, ?>> regression;

  ModelFamily(
      Supplier<ProbabilisticClassifier<?, ?, ?>> binary,
      Supplier<ProbabilisticClassifier<?, ?, ?>> multiclass,
      Supplier<Predictor<?, ?, ?>> regression) {
    this.binary = binary;
    this.multiclass = multiclass;
    this.regression = regression;
  }

  /** Whether MLlib has this family for the task. */
  public boolean handles(Task task) {
    return switch (task) {
      case BINARY -> binary != null;
      case MULTICLASS -> multiclass != null;
      case REGRESSION -> regression != null;
    };
  }

  /** The families of a task, in declaration order. */
  public static List<ModelFamily> of(Task task) {
    return Arrays.stream(values()).filter(f -> f.handles(task)).toList();
  }

  /** A fresh, unconfigured binary classifier of this family. */
  public ProbabilisticClassifier<?, ?, ?> newEstimator() {
    return (ProbabilisticClassifier<?, ?, ?>) newEstimator(Task.BINARY);
  }

  /**
   * A fresh, unconfigured estimator of this family for the task.
   *
   * @throws IllegalArgumentException when MLlib has no such estimator for the task
   */
  public Predictor<?, ?, ?> newEstimator(Task task) {
    if (!handles(task)) {
      throw new IllegalArgumentException(
          key()
              + " has no MLlib estimator for a "
              + task.label()
              + " label (one of "
              + keys(task)
              + ")");
    }
    return switch (task) {
      case BINARY -> binary.get();
      case MULTICLASS -> multiclass.get();
      case REGRESSION -> regression.get();
    };
  }

  /** The configuration keys of a task's families. */
  public static List<String> keys(Task task) {
    return of(task).stream().map(ModelFamily::key).toList();
  }

  /**
   * Sets a numeric hyperparameter, converting to the parameter's type.
   *
   * @throws IllegalArgumentException when the parameter is not numeric or refuses the value
   */
  @SuppressWarnings("unchecked")
  public static void set(Params estimator, String name, double value) {
    Param<?> param = estimator.getParam(name);
    Object typed;
    if (param instanceof IntParam) {
      if (value != Math.rint(value)) {
        throw new IllegalArgumentException(name + " takes whole numbers, got " + value);
      }
      typed = (int) value;
    } else if (param instanceof DoubleParam) {
      typed = value;
    } else {
      throw new IllegalArgumentException(name + " is not a numeric hyperparameter");
    }
    if (!((Param<Object>) param).isValid().apply(typed).equals(Boolean.TRUE)) {
      throw new IllegalArgumentException(name + " does not accept " + value);
    }
    estimator.set((Param<Object>) param, typed);
  }

  /** Seeds the estimator's randomness (tree families), so a re-run fits the same model. */
  public static void setSeed(Params estimator, long seed) {
    if (estimator.hasParam("seed")) {
      estimator.set(estimator.getParam("seed"), seed);
    }
  }

  /** The family's configuration key, for example {@code random-forest}. */
  public String key() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The MLlib parameter name of a configuration key: {@code max-depth} is {@code maxDepth}. */
  public static String paramName(String configKey) {
    StringBuilder name = new StringBuilder();
    boolean upper = false;
    for (char c : configKey.toCharArray()) {
      if (c == '-') {
        upper = true;
      } else {
        name.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return name.toString();
  }
}
