package dev.batchmlops.spark;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;

/** Column names as Spark must be given them when they may hold dots, spaces or backticks. */
public final class ColumnNames {
  private ColumnNames() {}

  /** The name quoted for Spark SQL text and for {@code col}: {@code `a.b`}. */
  public static String quoted(String name) {
    return "`" + name.replace("`", "``") + "`";
  }

  /** The column of that exact name (a dot in it does not reach into a struct). */
  public static Column exact(String name) {
    return functions.col(quoted(name));
  }
}
