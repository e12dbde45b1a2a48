package dev.batchmlops.config;

import java.util.Collection;
import java.util.Comparator;

/** The known name closest to a misspelt one, to suggest in an error. */
public final class Spelling {
  private Spelling() {}

  /** The candidate with the fewest single-character edits from {@code name} (first on a tie). */
  public static String nearest(String name, Collection<String> candidates) {
    return candidates.stream()
        .min(Comparator.comparingInt((String candidate) -> distance(name, candidate)))
        .orElse("");
  }

  /** Levenshtein distance: insertions, deletions and substitutions. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
