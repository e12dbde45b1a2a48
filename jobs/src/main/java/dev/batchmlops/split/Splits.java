package dev.batchmlops.split;

import java.util.List;

/** The names of the splits and of the column that holds them in the split table. */
public final class Splits {
  public static final String COLUMN = "split";
  public static final String TRAIN = "train";
  public static final String VALIDATION = "validation";
  public static final String TEST = "test";
  public static final List<String> ALL = List.of(TRAIN, VALIDATION, TEST);

  private Splits() {}
}
