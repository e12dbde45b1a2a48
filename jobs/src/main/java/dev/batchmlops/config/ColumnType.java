package dev.batchmlops.config;

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
}
