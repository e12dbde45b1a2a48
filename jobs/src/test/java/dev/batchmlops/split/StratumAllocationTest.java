package dev.batchmlops.split;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.config.StageConfigs;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The allocation arithmetic alone, on counts. */
class StratumAllocationTest {
  private static final StageConfigs.Ratios RATIOS = new StageConfigs.Ratios(0.7, 0.15, 0.15);

  private static StratumAllocation.Stratum stratum(String key, boolean positive, long units) {
    return new StratumAllocation.Stratum(key, positive, key, units);
  }

  private static long total(
      List<StratumAllocation.Allocated> allocation, boolean positive, String split) {
    return allocation.stream()
        .filter(a -> a.stratum().positive() == positive)
        .mapToLong(a -> a.of(split))
        .sum();
  }

  @Test
  void twelvePositivesIn856RowsGiveEightTwoAndTwo() {
    List<StratumAllocation.Allocated> allocation =
        StratumAllocation.allocate(
            List.of(stratum("negative", false, 844), stratum("positive", true, 12)), RATIOS);
    assertEquals(8, total(allocation, true, Splits.TRAIN));
    assertEquals(2, total(allocation, true, Splits.VALIDATION));
    assertEquals(2, total(allocation, true, Splits.TEST));
    // 590.8 / 126.6 / 126.6: the two rows left over go to the largest remainders, test before
    // validation on a tie.
    assertEquals(591, total(allocation, false, Splits.TRAIN));
    assertEquals(126, total(allocation, false, Splits.VALIDATION));
    assertEquals(127, total(allocation, false, Splits.TEST));
  }

  @Test
  void everySplitGetsItsQuotaRoundedInEveryStratumAndEachClassStaysWithinARow() {
    Random random = new Random(7);
    for (StageConfigs.Ratios ratios :
        List.of(
            RATIOS,
            new StageConfigs.Ratios(0.6, 0.2, 0.2),
            new StageConfigs.Ratios(0.8, 0.1, 0.1))) {
      for (int round = 0; round < 200; round++) {
        List<StratumAllocation.Stratum> strata = new ArrayList<>();
        int count = 1 + random.nextInt(30);
        for (int i = 0; i < count; i++) {
          // Many small strata, some large: what a rare class crossed with segments looks like.
          long units = random.nextInt(4) == 0 ? 1 + random.nextInt(500) : 1 + random.nextInt(6);
          strata.add(stratum(String.format("s%03d", i), random.nextBoolean(), units));
        }
        List<StratumAllocation.Allocated> allocation = StratumAllocation.allocate(strata, ratios);
        for (StratumAllocation.Allocated a : allocation) {
          long sum = 0;
          for (String split : Splits.ALL) {
            double quota = a.stratum().units() * StratumAllocation.share(ratios, split);
            assertTrue(
                Math.abs(a.of(split) - quota) < 1,
                a + " " + split + " quota " + quota + ", ratios " + ratios);
            sum += a.of(split);
          }
          assertEquals(a.stratum().units(), sum, "every unit allocated once");
        }
        for (boolean positive : List.of(true, false)) {
          long units =
              strata.stream().filter(s -> s.positive() == positive).mapToLong(s -> s.units()).sum();
          for (String split : Splits.ALL) {
            double quota = units * StratumAllocation.share(ratios, split);
            assertTrue(
                Math.abs(total(allocation, positive, split) - quota) < 1.0 + 1e-9,
                "class "
                    + positive
                    + " "
                    + split
                    + ": "
                    + total(allocation, positive, split)
                    + " vs quota "
                    + quota
                    + " in "
                    + allocation);
          }
        }
      }
    }
  }

  @Test
  void smallStrataGoWhereTheClassIsFurthestBehindTrainFirst() {
    StratumAllocation.Allocated one =
        StratumAllocation.allocate(List.of(stratum("a", true, 1)), RATIOS).get(0);
    assertEquals(List.of(1L, 0L, 0L), counts(one));
    assertTrue(one.tooSmall());
    StratumAllocation.Allocated two =
        StratumAllocation.allocate(List.of(stratum("a", true, 2)), RATIOS).get(0);
    assertEquals(List.of(2L, 0L, 0L), counts(two), "1.4 / 0.3 / 0.3: train first");
    StratumAllocation.Allocated twoEvenly =
        StratumAllocation.allocate(
                List.of(stratum("a", true, 2)), new StageConfigs.Ratios(0.4, 0.3, 0.3))
            .get(0);
    assertEquals(List.of(1L, 1L, 0L), counts(twoEvenly), "0.8 / 0.6 / 0.6: train, then test");

    // Twenty strata of one unit each: not all in train, but 14 / 3 / 3 as for twenty rows.
    List<StratumAllocation.Stratum> singletons = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      singletons.add(stratum(String.format("s%02d", i), true, 1));
    }
    List<StratumAllocation.Allocated> spread = StratumAllocation.allocate(singletons, RATIOS);
    assertEquals(14, total(spread, true, Splits.TRAIN));
    assertEquals(3, total(spread, true, Splits.TEST));
    assertEquals(3, total(spread, true, Splits.VALIDATION));
  }

  @Test
  void theOrderStrataComeInDoesNotMatter() {
    List<StratumAllocation.Stratum> strata = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      strata.add(stratum("s" + i, i % 3 == 0, 1 + i % 5));
    }
    List<StratumAllocation.Allocated> reference = StratumAllocation.allocate(strata, RATIOS);
    Collections.shuffle(strata, new Random(3));
    List<StratumAllocation.Allocated> shuffled = StratumAllocation.allocate(strata, RATIOS);
    assertEquals(new java.util.HashSet<>(reference), new java.util.HashSet<>(shuffled));
  }

  /** Train, test, validation. */
  private static List<Long> counts(StratumAllocation.Allocated a) {
    return List.of(a.of(Splits.TRAIN), a.of(Splits.TEST), a.of(Splits.VALIDATION));
  }
}
