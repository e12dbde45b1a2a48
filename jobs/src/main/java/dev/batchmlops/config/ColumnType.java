package dev.batchmlops.config;

import java.util.Locale;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/** The column types a dataset contract can declare. */
public enum ColumnType {
  STRING(DataTypes.StringType),
  INTEGER(DataTypes.IntegerType),
  DOUBLE(DataTypes.DoubleType),
  DATE(DataTypes.DateType);

  private final DataType sparkType;

  ColumnType(DataType sparkType) {
    this.sparkType = sparkType;
  }

  public DataType sparkType() {
    return sparkType;
  }

  public boolean isNumeric() {
    return this == INTEGER || this == DOUBLE;
  }

  static ColumnType parse(String key, String value) {
    try {
      return valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ConfigException.invalid(
          key, "unknown type '" + value + "' (string, integer, double, date)");
    }
  }
}
