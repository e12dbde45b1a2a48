package dev.batchmlops.ingest;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.config.ColumnSpec;
import dev.batchmlops.config.ColumnType;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.spark.ColumnNames;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Turns raw text records into typed rows of the contract, or into quarantine with the reason.
 *
 * <p>Input: one string column per contract column plus {@link #CORRUPT_RECORD} (set by Spark's
 * readers for a line they could not split). Output: the typed contract columns, {@link #REASON}
 * (null for a good row) and {@link #RAW_RECORD} (the record as read, for the quarantine).
 */
public final class RecordParser {
  public static final String CORRUPT_RECORD = "_corrupt_record";
  public static final String REASON = "_quarantine_reason";
  public static final String RAW_RECORD = "_raw_record";

  private RecordParser() {}

  public static Dataset<Row> parse(Dataset<Row> text, DatasetContract contract) {
    if (contract.idFromContent()) {
      text = withContentId(text, contract);
    }
    List<Column> problems = new ArrayList<>();
    problems.add(when(col(CORRUPT_RECORD).isNotNull(), lit("malformed record")));
    List<Column> typed = new ArrayList<>();
    Column[] rawColumns =
        contract.columns().stream().map(c -> col(c.name())).toArray(Column[]::new);
    for (ColumnSpec column : contract.columns()) {
      Column raw = col(column.name());
      Column present = raw.isNotNull().and(trim(raw).notEqual("")).and(not(isSentinel(column)));
      Column value = converted(column);
      Column parsed = value;
      if (column.type() == ColumnType.DOUBLE) {
        // NaN and Infinity parse as doubles, then poison every mean, scaler and metric downstream.
        problems.add(
            when(
                present
                    .and(value.isNotNull())
                    .and(isnan(value).or(abs(value).equalTo(Double.POSITIVE_INFINITY))),
                concat(
                    lit("column '" + column.name() + "': '"),
                    raw,
                    lit("' is not a finite number"))));
        value = when(not(isnan(value)).and(abs(value).notEqual(Double.POSITIVE_INFINITY)), value);
      }
      // The decoder put U+FFFD where bytes were not valid in the declared encoding.
      problems.add(
          when(
              instr(raw, "\uFFFD").gt(0),
              lit(
                  "column '"
                      + column.name()
                      + "': bytes that are not valid text in the declared encoding (csv.encoding)")));
      typed.add(when(present, value).as(column.name()));
      if (column.type() != ColumnType.STRING) {
        problems.add(
            when(
                present.and(parsed.isNull()),
                concat(
                    lit("column '" + column.name() + "': '"),
                    raw,
                    lit(
                        "' is not "
                            + article(column.type())
                            + " "
                            + column.type().name().toLowerCase()))));
      }
      if (column.required()) {
        problems.add(
            when(not(present), lit("column '" + column.name() + "': required value missing")));
      }
    }
    // Most rows fit: their reason and raw record stay null, and only a row with a problem pays for
    // the text of its reasons and a JSON copy of its record (ingest caches every parsed row).
    Column anyProblem = problems.stream().map(Column::isNotNull).reduce(Column::or).orElseThrow();
    List<Column> output = new ArrayList<>(typed);
    output.add(when(anyProblem, concat_ws("; ", problems.toArray(Column[]::new))).as(REASON));
    output.add(
        when(anyProblem, coalesce(col(CORRUPT_RECORD), to_json(struct(rawColumns))))
            .as(RAW_RECORD));
    return text.select(output.toArray(Column[]::new));
  }

  /**
   * Whether the text is one of the column's missing-value sentinels: the same text once trimmed,
   * or, in a numeric column, the same number ({@code -999.0} for {@code -999}).
   */
  private static Column isSentinel(ColumnSpec column) {
    Column raw = trim(col(column.name()));
    Column sentinel = lit(false);
    for (String value : column.missingValues()) {
      sentinel = sentinel.or(raw.equalTo(value.strip()));
      if (column.type().isNumeric() && asNumber(value) != null) {
        sentinel =
            sentinel.or(
                coalesce(
                    expr("try_cast(" + ColumnNames.quoted(column.name()) + " AS DOUBLE)")
                        .equalTo(asNumber(value)),
                    lit(false)));
      }
    }
    return sentinel;
  }

  private static Double asNumber(String text) {
    try {
      return Double.valueOf(text.strip());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * Fills the id column with a hash of the row's other values (SHA-256, first 16 bytes, in hex),
   * adding -1, -2, ... to rows identical to an earlier one: the same content gets the same id on
   * any cluster and in any row order.
   */
  static Dataset<Row> withContentId(Dataset<Row> text, DatasetContract contract) {
    String id = contract.idColumn();
    Column[] values =
        contract.columns().stream()
            .filter(c -> !c.name().equals(id))
            // A separator no text holds, and a marker for null apart from the empty string.
            .map(c -> coalesce(concat(lit("v"), col(c.name())), lit("n")))
            .toArray(Column[]::new);
    Column hash = substring(sha2(concat_ws("\u001f", values), 256), 1, 32);
    String hashColumn = "_content_hash";
    Dataset<Row> hashed = text.withColumn(hashColumn, hash);
    Column copy =
        row_number()
            .over(
                org.apache.spark.sql.expressions.Window.partitionBy(col(hashColumn))
                    .orderBy(col(hashColumn)))
            .minus(1);
    return hashed
        .withColumn(
            id,
            when(copy.equalTo(0), col(hashColumn))
                .otherwise(concat(col(hashColumn), lit("-"), copy.cast("string"))))
        .drop(hashColumn);
  }

  /** The typed value, or null where the text does not parse (whatever spark.sql.ansi says). */
  private static Column converted(ColumnSpec column) {
    if (column.type() == ColumnType.STRING) {
      return col(column.name());
    }
    return expr(
        "try_cast(trim("
            + ColumnNames.quoted(column.name())
            + ") AS "
            + column.type().sparkType().sql()
            + ")");
  }

  private static String article(ColumnType type) {
    return type == ColumnType.INTEGER ? "an" : "a";
  }
}
