package dev.batchmlops.split;

import dev.batchmlops.config.StageConfigs;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many units of each stratum go to each split: pure arithmetic on counts, no Spark.
 *
 * <p>Algorithm:
 *
 * <ol>
 *   <li>Strata are taken class by class, each class's strata in the order of their keys, so the
 *       same counts always give the same allocation.
 *   <li>A split's quota of a stratum is the stratum's units times the split's ratio. A stratum with
 *       at least as many units as splits first gives each split its quota rounded down; a smaller
 *       one gives none yet.
 *   <li>The units left over go one each to splits still short of their quota, those furthest behind
 *       their share of the class so far first, ties in the order train, test, validation. So every
 *       split gets its quota rounded down or up in every stratum (within one row), the class's
 *       totals stay within about a row of its quota, and a lone stratum of one or two units gives
 *       them to train, then test.
 * </ol>
 */
public final class StratumAllocation {
  /** The order in which ties are broken, and small strata filled. */
  static final List<String> PRIORITY = List.of(Splits.TRAIN, Splits.TEST, Splits.VALIDATION);

  private static final double EPSILON = 1e-9;

  private StratumAllocation() {}

  /**
   * One stratum: a class crossed with one value of each stratify-by column.
   *
   * @param key identifies the stratum; strata are ordered by it
   * @param labelClass the label's class ({@link LabelStrata}); null where a label is missing
   * @param description readable, for example "defaulted=1, sex=female"
   * @param units how many units (rows, or entities) it holds
   */
  public record Stratum(String key, String labelClass, String description, long units) {
    /** A stratum of a binary label: its class is "true" (positive) or "false". */
    public Stratum(String key, boolean positive, String description, long units) {
      this(key, Boolean.toString(positive), description, units);
    }

    /** Whether a binary label's stratum is of the positive class. */
    public boolean positive() {
      return Boolean.toString(true).equals(labelClass);
    }
  }

  /** The units of one stratum that each split gets. */
  public record Allocated(Stratum stratum, Map<String, Long> units) {
    public Allocated {
      units = Map.copyOf(units);
    }

    public long of(String split) {
      return units.getOrDefault(split, 0L);
    }

    /** Fewer units than splits: some split gets none of this stratum. */
    public boolean tooSmall() {
      return stratum.units() < Splits.ALL.size();
    }
  }

  public static List<Allocated> allocate(List<Stratum> strata, StageConfigs.Ratios ratios) {
    double[] shares = new double[PRIORITY.size()];
    for (int k = 0; k < shares.length; k++) {
      shares[k] = share(ratios, PRIORITY.get(k));
    }
    List<Allocated> result = new ArrayList<>();
    // "false" before "true": a binary label's classes in the order they always had.
    Map<String, List<Stratum>> byClass =
        new TreeMap<>(Comparator.nullsFirst(Comparator.<String>naturalOrder()));
    strata.forEach(s -> byClass.computeIfAbsent(s.labelClass(), c -> new ArrayList<>()).add(s));
    for (List<Stratum> inClass : byClass.values()) {
      inClass.sort(Comparator.comparing(Stratum::key));
      double[] behind = new double[shares.length];
      for (Stratum stratum : inClass) {
        long[] given = allocate(stratum.units(), shares, behind);
        Map<String, Long> units = new TreeMap<>();
        for (int k = 0; k < shares.length; k++) {
          units.put(PRIORITY.get(k), given[k]);
          behind[k] += stratum.units() * shares[k] - given[k];
        }
        result.add(new Allocated(stratum, units));
      }
    }
    return result;
  }

  private static long[] allocate(long units, double[] shares, double[] behind) {
    int splits = shares.length;
    double[] quota = new double[splits];
    long[] given = new long[splits];
    long left = units;
    for (int k = 0; k < splits; k++) {
      quota[k] = units * shares[k];
      given[k] = (long) Math.floor(quota[k] + EPSILON);
      left -= given[k];
    }
    List<Integer> order = new ArrayList<>();
    for (int k = 0; k < splits; k++) {
      if (quota[k] - given[k] > EPSILON) {
        order.add(k);
      }
    }
    // Claims compared to nine decimals, so that equal shares tie exactly; the sort is stable, so
    // ties keep the priority order.
    order.sort(
        Comparator.comparingLong(
                (Integer k) -> Math.round((behind[k] + quota[k] - given[k]) / EPSILON))
            .reversed());
    for (int i = 0; i < left; i++) {
      given[order.get(i)]++;
    }
    return given;
  }

  /** The share of the units a split is due. */
  static double share(StageConfigs.Ratios ratios, String split) {
    return switch (split) {
      case Splits.TRAIN -> ratios.train();
      case Splits.VALIDATION -> ratios.validation();
      default -> ratios.test();
    };
  }
}
