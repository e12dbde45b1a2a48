package dev.batchmlops.ingest;

import static org.apache.spark.sql.functions.col;

import dev.batchmlops.PipelineException;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.StageConfigs.FileFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Reads a raw CSV or Parquet file with the types the contract declares, checking its columns. */
public final class RawFileReader {
  private RawFileReader() {}

  public static FileFormat formatOf(String path) {
    String lower = path.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".csv")) {
      return FileFormat.CSV;
    }
    if (lower.endsWith(".parquet")) {
      return FileFormat.PARQUET;
    }
    throw new PipelineException(
        "ingest: cannot tell the format of " + path + " (expected .csv or .parquet)");
  }

  public static Dataset<Row> read(SparkSession spark, String path, DatasetContract contract) {
    FileFormat format = formatOf(path);
    List<String> found =
        Arrays.asList(
            format == FileFormat.CSV
                ? spark.read().option("header", "true").csv(path).columns()
                : spark.read().parquet(path).columns());
    List<String> missing = new ArrayList<>();
    for (String expected : contract.schema().fieldNames()) {
      if (!found.contains(expected)) {
        missing.add(expected);
      }
    }
    if (!missing.isEmpty()) {
      throw new PipelineException(
          "ingest: "
              + path
              + " lacks the contract's column(s) "
              + missing
              + " (found "
              + found
              + ")");
    }
    if (format == FileFormat.CSV) {
      // FAILFAST: a value that does not parse as its declared type stops the load.
      return spark
          .read()
          .option("header", "true")
          .option("mode", "FAILFAST")
          .option("enforceSchema", "false")
          .schema(contract.schema())
          .csv(path);
    }
    Column[] typed =
        Arrays.stream(contract.schema().fields())
            .map(f -> col(f.name()).cast(f.dataType()).as(f.name()))
            .toArray(Column[]::new);
    return spark.read().parquet(path).select(typed);
  }
}
