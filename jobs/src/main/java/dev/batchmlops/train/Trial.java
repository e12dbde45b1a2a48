package dev.batchmlops.train;

import dev.batchmlops.config.ModelFamily;
import java.util.Locale;
import java.util.Map;

/**
 * One candidate of a search: a model family and a value for each searched hyperparameter.
 *
 * @param number 1-based, in the order the search plans them
 * @param params MLlib parameter name to value
 */
public record Trial(int number, ModelFamily family, Map<String, Double> params) {
  public Trial {
    params = Map.copyOf(params);
  }

  /** The trial's run name, for example {@code trial-03-random-forest}. */
  public String name() {
    return String.format(Locale.ROOT, "trial-%02d-%s", number, family.key());
  }

  /** The hyperparameters as people read them: {@code {maxDepth=5, numTrees=50}}. */
  public String describe() {
    StringBuilder text = new StringBuilder("{");
    new java.util.TreeMap<>(params)
        .forEach(
            (name, value) ->
                text.append(text.length() > 1 ? ", " : "")
                    .append(name)
                    .append('=')
                    .append(value == Math.rint(value) ? Long.toString(value.longValue()) : value));
    return text.append('}').toString();
  }
}
