package dev.batchmlops.config;

import java.util.Locale;
import java.util.function.Supplier;
import org.apache.spark.ml.classification.DecisionTreeClassifier;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The MLlib classifiers a search can try. Each gives a probability, so every candidate is scored
 * and compared the same way. Hyperparameters are named as in MLlib ({@code maxDepth}) and written
 * in configuration in kebab case ({@code max-depth}).
 */
public enum ModelFamily {
  LOGISTIC_REGRESSION(LogisticRegression::new),
  RANDOM_FOREST(RandomForestClassifier::new),
  GRADIENT_BOOSTED_TREES(GBTClassifier::new),
  DECISION_TREE(DecisionTreeClassifier::new);

  private final Supplier<ProbabilisticClassifier<?, ?, ?>> factory;

  ModelFamily(Supplier<ProbabilisticClassifier<?, ?, ?>> factory) {
    this.factory = factory;
  }

  /** A fresh, unconfigured estimator of this family. */
  public ProbabilisticClassifier<?, ?, ?> newEstimator() {
    return factory.get();
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
