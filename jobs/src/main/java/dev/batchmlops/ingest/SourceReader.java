package dev.batchmlops.ingest;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.PipelineException;
import dev.batchmlops.ServiceUnavailableException;
import dev.batchmlops.config.ColumnSpec;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.config.StageConfigs.SourceFormat;
import dev.batchmlops.spark.ColumnNames;
import dev.batchmlops.table.HadoopFiles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Reads a source as text, so that no value is lost to a failed conversion before the parser can
 * quarantine it with its reason: CSV and JSON lines through Spark's permissive readers, Parquet and
 * JDBC cast to text.
 */
public final class SourceReader {
  private final SparkSession spark;
  private final HadoopFiles files;
  private final DatasetContract contract;
  private final Set<String> optional;
  private final String stage;

  /** Reads sources for ingest: every contract column must be there. */
  public SourceReader(SparkSession spark, HadoopFiles files, DatasetContract contract) {
    this(spark, files, contract, Set.of(), "ingest");
  }

  /** Columns the source need not hold: those optional for the stage, and a derived id. */
  private boolean isOptional(ColumnSpec column) {
    return optional.contains(column.name()) || isDerived(column);
  }

  private boolean isDerived(ColumnSpec column) {
    return contract.idFromContent() && column.name().equals(contract.idColumn());
  }

  private SourceReader(
      SparkSession spark,
      HadoopFiles files,
      DatasetContract contract,
      Set<String> optional,
      String stage) {
    this.spark = spark;
    this.files = files;
    this.contract = contract;
    this.optional = optional;
    this.stage = stage;
  }

  /** Reads batches to score: the label may be missing (read as null); errors name `score`. */
  public static SourceReader forScoring(
      SparkSession spark, HadoopFiles files, DatasetContract contract) {
    return new SourceReader(spark, files, contract, Set.of(contract.label()), "score");
  }

  /** The format of a file source, from the setting or else the file name. */
  public SourceFormat formatOf(String path, SourceFormat configured) {
    if (configured != null) {
      return configured;
    }
    return formatFromName(path)
        .orElseThrow(
            () ->
                new PipelineException(
                    stage
                        + ": cannot tell the format of "
                        + path
                        + " (name it .csv, .json, .jsonl or .parquet, or set "
                        + stage
                        + ".source.format)"));
  }

  /** The format a file's name says: .csv, .json or .jsonl, .parquet. */
  public static Optional<SourceFormat> formatFromName(String path) {
    String lower = path.toLowerCase(Locale.ROOT).replaceAll("/+$", "");
    if (lower.endsWith(".csv")) {
      return Optional.of(SourceFormat.CSV);
    }
    if (lower.endsWith(".json") || lower.endsWith(".jsonl")) {
      return Optional.of(SourceFormat.JSON);
    }
    if (lower.endsWith(".parquet")) {
      return Optional.of(SourceFormat.PARQUET);
    }
    return Optional.empty();
  }

  public RawBatch readFile(String path, SourceFormat format, StageConfigs.Csv csv) {
    if (!files.exists(path)) {
      throw new PipelineException(
          stage + ": input path " + path + " does not exist or cannot be read");
    }
    String listing = files.listing(path);
    String checksum = files.sha256(path);
    Dataset<Row> text =
        switch (format) {
          case CSV -> readCsv(path, csv);
          case JSON -> readJson(path);
          case PARQUET -> asText(spark.read().parquet(path), path);
          case JDBC -> throw new IllegalArgumentException("not a file format: " + format);
        };
    return new RawBatch(text, format, path, checksum, Optional.empty(), Optional.of(listing));
  }

  public RawBatch readJdbc(StageConfigs.Jdbc jdbc, Optional<String> lastWatermark) {
    DataFrameReader reader =
        spark.read().format("jdbc").option("url", jdbc.url()).option("fetchsize", "1000");
    if (jdbc.driverClass().isPresent()) {
      reader = reader.option("driver", jdbc.driverClass().get());
    }
    if (!jdbc.user().isEmpty()) {
      reader = reader.option("user", jdbc.user());
    }
    String password = System.getenv(jdbc.passwordVariable());
    if (password != null) {
      reader = reader.option("password", password);
    }
    String base = jdbc.query().isEmpty() ? jdbc.table() : "(" + jdbc.query() + ") AS source_query";
    String source = jdbc.url() + " " + (jdbc.query().isEmpty() ? jdbc.table() : jdbc.query());
    boolean incremental = !jdbc.watermarkColumn().isEmpty();
    String query = "SELECT * FROM " + base;
    if (incremental && lastWatermark.isPresent()) {
      query +=
          " WHERE "
              + jdbc.watermarkColumn()
              + " > '"
              + lastWatermark.get().replace("'", "''")
              + "'";
    }
    Dataset<Row> rows;
    try {
      rows = reader.option("query", query).load().cache();
    } catch (Exception e) { // JDBC drivers' SQLExceptions arrive unannounced through Scala code
      String message = stage + ": cannot read " + source + ": " + firstLine(e);
      throw ServiceUnavailableException.isTransient(e)
          ? new ServiceUnavailableException(message, e)
          : new PipelineException(message, e);
    }
    Optional<String> watermark = Optional.empty();
    if (incremental) {
      Row max = rows.agg(max(col(jdbc.watermarkColumn())).cast("string")).first();
      watermark = max.isNullAt(0) ? lastWatermark : Optional.of(max.getString(0));
    }
    Dataset<Row> text = asText(rows, source);
    return new RawBatch(
        text, SourceFormat.JDBC, source, contentChecksum(text), watermark, Optional.empty());
  }

  private Dataset<Row> readCsv(String path, StageConfigs.Csv csv) {
    DataFrameReader options =
        spark
            .read()
            .option("header", csv.header())
            .option("sep", csv.delimiter())
            .option("quote", csv.quote())
            .option("encoding", csv.encoding())
            .option("multiLine", csv.multiLine());
    List<String> fileColumns =
        csv.header()
            ? headerOf(options.csv(path).columns(), path)
            : contract.columns().stream()
                .filter(column -> !isDerived(column))
                .map(ColumnSpec::source)
                .toList();
    requireContractColumns(fileColumns, path, csv);
    List<String> present = fileColumns;
    StructType textSchema = new StructType();
    for (String column : fileColumns) {
      textSchema = textSchema.add(column, DataTypes.StringType);
    }
    textSchema = textSchema.add(RecordParser.CORRUPT_RECORD, DataTypes.StringType);
    Dataset<Row> rows =
        options
            .schema(textSchema)
            .option("mode", "PERMISSIVE")
            .option("enforceSchema", "true")
            .option("columnNameOfCorruptRecord", RecordParser.CORRUPT_RECORD)
            .csv(path);
    return contractColumns(rows, present, true);
  }

  private Dataset<Row> readJson(String path) {
    StructType textSchema = new StructType();
    for (ColumnSpec column : contract.columns()) {
      if (!isDerived(column)) {
        textSchema = textSchema.add(column.source(), DataTypes.StringType);
      }
    }
    textSchema = textSchema.add(RecordParser.CORRUPT_RECORD, DataTypes.StringType);
    Dataset<Row> rows =
        spark
            .read()
            .schema(textSchema)
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", RecordParser.CORRUPT_RECORD)
            .json(path);
    // A JSON line may leave out any key, so the label counts as present.
    return contractColumns(rows, Arrays.asList(rows.columns()), true);
  }

  /** Typed sources (Parquet, a database) as text, with an always-null corrupt record column. */
  private Dataset<Row> asText(Dataset<Row> typed, String source) {
    List<String> present = Arrays.asList(typed.columns());
    requireContractColumns(present, source, null);
    return contractColumns(
        typed.withColumn(RecordParser.CORRUPT_RECORD, lit(null).cast("string")), present, false);
  }

  /**
   * The contract's columns as text, under their contract names; an optional column the source lacks
   * (and a derived id) is null.
   */
  private Dataset<Row> contractColumns(
      Dataset<Row> rows, List<String> present, boolean alreadyText) {
    List<Column> columns = new ArrayList<>();
    for (ColumnSpec column : contract.columns()) {
      Column read = ColumnNames.exact(column.source());
      Column value =
          isDerived(column) || !present.contains(column.source())
              ? lit(null).cast("string")
              : alreadyText ? read : read.cast("string");
      columns.add(value.as(column.name()));
    }
    columns.add(col(RecordParser.CORRUPT_RECORD));
    return rows.select(columns.toArray(Column[]::new));
  }

  /**
   * Every column the stage needs must be in the source, under its source name. {@code csv} is the
   * CSV settings the file was read with, or null for other sources.
   */
  private void requireContractColumns(List<String> found, String source, StageConfigs.Csv csv) {
    List<String> missing =
        contract.columns().stream()
            .filter(c -> !isOptional(c))
            .map(ColumnSpec::source)
            .filter(name -> !found.contains(name))
            .toList();
    if (!missing.isEmpty()) {
      throw new PipelineException(
          stage
              + ": "
              + source
              + " lacks the contract's column(s) "
              + missing
              + " (found "
              + found
              + ")"
              + (csv == null ? "" : delimiterHint(found, csv)));
    }
  }

  /**
   * The header's names. A byte-order mark is not part of the first name; a file without even a
   * header line is refused here, and so is a name used twice (Spark would number the copies).
   */
  private List<String> headerOf(String[] names, String path) {
    List<String> header = new ArrayList<>(Arrays.asList(names));
    if (header.isEmpty() || (header.size() == 1 && header.get(0).isBlank())) {
      throw new PipelineException(stage + ": " + path + " is empty: not even a header line");
    }
    header.set(0, header.get(0).replace("\uFEFF", ""));
    // Spark reads a repeated name as the name followed by each copy's position: income0, income5.
    for (ColumnSpec column : contract.columns()) {
      java.util.regex.Pattern copy =
          java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(column.source()) + "\\d+");
      if (!header.contains(column.source())
          && header.stream().filter(name -> copy.matcher(name).matches()).count() >= 2) {
        throw new PipelineException(
            stage + ": " + path + " names the column '" + column.source() + "' more than once");
      }
    }
    return header;
  }

  /** A header read as one column that holds another delimiter: the file uses that delimiter. */
  private String delimiterHint(List<String> found, StageConfigs.Csv csv) {
    if (found.size() != 1) {
      return "";
    }
    for (String delimiter : List.of(";", "\t", "|", ",")) {
      if (!delimiter.equals(csv.delimiter()) && found.get(0).contains(delimiter)) {
        String setting = delimiter.equals("\t") ? "\\t" : delimiter;
        return "; its header looks delimited by '"
            + setting
            + "': set "
            + stage
            + ".source.csv.delimiter=\""
            + setting
            + "\"";
      }
    }
    return "";
  }

  /**
   * Runs the read of a file source's rows, then checks that its files are as they were when the
   * checksum was taken: rows written under that checksum must be the rows it fingerprints (an input
   * rewritten or appended to meanwhile would later be ingested again, as new). An input file that
   * disappears while it is read fails the same clear way.
   */
  static <T> T readUnchanged(
      HadoopFiles files, RawBatch batch, java.util.function.Supplier<T> read) {
    T result;
    try {
      result = read.get();
    } catch (Exception e) { // SparkException is checked, yet thrown undeclared
      if (batch.fileListing().isPresent() && causedByMissingFile(e)) {
        throw changedWhileRead(batch, "a file disappeared", e);
      }
      if (listingChanged(files, batch)) {
        // A read that fails on a file being rewritten (a checksum error, a short read).
        throw changedWhileRead(batch, "files were added, removed or rewritten", e);
      }
      throw e;
    }
    if (listingChanged(files, batch)) {
      throw changedWhileRead(batch, "files were added, removed or rewritten", null);
    }
    return result;
  }

  /** Whether a file source's files differ now from when its checksum was taken. */
  private static boolean listingChanged(HadoopFiles files, RawBatch batch) {
    String source = batch.source();
    return batch
        .fileListing()
        .map(then -> !then.equals(files.exists(source) ? files.listing(source) : ""))
        .orElse(false);
  }

  private static boolean causedByMissingFile(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof java.io.FileNotFoundException) {
        return true;
      }
    }
    return false;
  }

  private static PipelineException changedWhileRead(RawBatch batch, String what, Throwable cause) {
    return new PipelineException(
        "input "
            + batch.source()
            + " changed while it was read ("
            + what
            + "): nothing was written; run again once the input is complete",
        cause);
  }

  /** An order-independent fingerprint of rows: their count and the sum of their hashes. */
  static String contentChecksum(Dataset<Row> text) {
    Column[] all = Arrays.stream(text.columns()).map(functions::col).toArray(Column[]::new);
    Row row =
        text.agg(count(lit(1)), sum(xxhash64(all).cast("decimal(38,0)")).cast("string")).first();
    return "rows:" + row.getLong(0) + ";hashsum:" + (row.isNullAt(1) ? "0" : row.getString(1));
  }

  private static String firstLine(Throwable error) {
    String message =
        error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
    return message.lines().findFirst().orElse(message);
  }
}
