package dev.batchmlops.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.config.ModelFamily;
import dev.batchmlops.config.StageConfigs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SearchPlanTest {
  private static StageConfigs.Train settings(StageConfigs.SearchStrategy strategy, int budget) {
    Map<String, List<Double>> lr = new LinkedHashMap<>();
    lr.put("regParam", List.of(0.01, 0.1, 1.0));
    lr.put("elasticNetParam", List.of(0.0, 0.5));
    Map<String, List<Double>> rf = new LinkedHashMap<>();
    rf.put("maxDepth", List.of(3.0, 5.0));
    return new StageConfigs.Train(
        true,
        "auc",
        new StageConfigs.Search(strategy, budget, 0, 2),
        List.of(
            new StageConfigs.ModelSpace(ModelFamily.LOGISTIC_REGRESSION, lr),
            new StageConfigs.ModelSpace(ModelFamily.RANDOM_FOREST, rf)),
        100_000);
  }

  @Test
  void theGridTakesFamiliesInTurnSoASmallBudgetStillTriesEach() {
    List<Trial> all = SearchPlan.trials(settings(StageConfigs.SearchStrategy.GRID, 100), 1);
    assertEquals(8, all.size(), "6 + 2 combinations");
    assertEquals(ModelFamily.LOGISTIC_REGRESSION, all.get(0).family());
    assertEquals(ModelFamily.RANDOM_FOREST, all.get(1).family());
    assertEquals(Map.of("regParam", 0.01, "elasticNetParam", 0.0), all.get(0).params());
    assertEquals("trial-02-random-forest", all.get(1).name());
    List<Trial> three = SearchPlan.trials(settings(StageConfigs.SearchStrategy.GRID, 3), 1);
    assertEquals(all.subList(0, 3), three);
  }

  @Test
  void randomDrawsRepeatForTheSameSeedAndNeverTwiceTheSameTrial() {
    List<Trial> first = SearchPlan.trials(settings(StageConfigs.SearchStrategy.RANDOM, 5), 42);
    assertEquals(first, SearchPlan.trials(settings(StageConfigs.SearchStrategy.RANDOM, 5), 42));
    assertNotEquals(first, SearchPlan.trials(settings(StageConfigs.SearchStrategy.RANDOM, 5), 7));
    assertEquals(5, first.stream().map(t -> t.family() + "" + t.params()).distinct().count());
    assertEquals(
        8,
        SearchPlan.trials(settings(StageConfigs.SearchStrategy.RANDOM, 50), 42).size(),
        "no more trials than distinct combinations");
  }
}
