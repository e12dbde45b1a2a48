package dev.batchmlops.train;

import dev.batchmlops.config.StageConfigs;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The trials a search runs, decided before any is fitted, from the configuration and the seed
 * alone: the same settings always give the same trials in the same order.
 */
public final class SearchPlan {
  private SearchPlan() {}

  public static List<Trial> trials(StageConfigs.Train settings, long seed) {
    return switch (settings.search().strategy()) {
      case GRID -> grid(settings);
      case RANDOM -> random(settings, seed);
    };
  }

  /**
   * Every combination of each family, families taking turns, so that a budget smaller than the grid
   * still tries every family.
   */
  static List<Trial> grid(StageConfigs.Train settings) {
    List<List<Map<String, Double>>> perFamily = new ArrayList<>();
    for (StageConfigs.ModelSpace model : settings.models()) {
      perFamily.add(combinations(model.space()));
    }
    List<Trial> trials = new ArrayList<>();
    int budget = settings.search().maxTrials();
    for (int round = 0; trials.size() < budget; round++) {
      boolean any = false;
      for (int f = 0; f < perFamily.size() && trials.size() < budget; f++) {
        if (round < perFamily.get(f).size()) {
          trials.add(
              new Trial(
                  trials.size() + 1,
                  settings.models().get(f).family(),
                  perFamily.get(f).get(round)));
          any = true;
        }
      }
      if (!any) {
        break;
      }
    }
    return trials;
  }

  /** Seeded draws: a family, then a value per hyperparameter; repeats are drawn again. */
  static List<Trial> random(StageConfigs.Train settings, long seed) {
    Random random = new Random(seed);
    long distinct = settings.models().stream().mapToLong(m -> combinations(m.space()).size()).sum();
    int budget = (int) Math.min(settings.search().maxTrials(), distinct);
    Set<String> seen = new HashSet<>();
    List<Trial> trials = new ArrayList<>();
    while (trials.size() < budget) {
      StageConfigs.ModelSpace model =
          settings.models().get(random.nextInt(settings.models().size()));
      Map<String, Double> params = new LinkedHashMap<>();
      model
          .space()
          .forEach((name, values) -> params.put(name, values.get(random.nextInt(values.size()))));
      if (seen.add(model.family() + params.toString())) {
        trials.add(new Trial(trials.size() + 1, model.family(), params));
      } else if (seen.size() >= distinct) {
        break;
      }
    }
    return trials;
  }

  private static List<Map<String, Double>> combinations(Map<String, List<Double>> space) {
    List<Map<String, Double>> combinations = new ArrayList<>();
    combinations.add(new LinkedHashMap<>());
    for (Map.Entry<String, List<Double>> param : space.entrySet()) {
      List<Map<String, Double>> extended = new ArrayList<>();
      for (Map<String, Double> partial : combinations) {
        for (double value : param.getValue()) {
          Map<String, Double> next = new LinkedHashMap<>(partial);
          next.put(param.getKey(), value);
          extended.add(next);
        }
      }
      combinations = extended;
    }
    return combinations;
  }
}
