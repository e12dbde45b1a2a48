package dev.batchmlops.ingest;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.config.ColumnSpec;
import dev.batchmlops.config.ColumnType;
import dev.batchmlops.config.DatasetContract;
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
    List<Column> problems = new ArrayList<>();
    problems.add(when(col(CORRUPT_RECORD).isNotNull(), lit("malformed record")));
    List<Column> typed = new ArrayList<>();
    Column[] rawColumns =
        contract.columns().stream().map(c -> col(c.name())).toArray(Column[]::new);
    for (ColumnSpec column : contract.columns()) {
      Column raw = col(column.name());
      Column present = raw.isNotNull().and(trim(raw).notEqual(""));
      Column value = converted(column);
      typed.add(when(present, value).as(column.name()));
      if (column.type() != ColumnType.STRING) {
        problems.add(
            when(
                present.and(value.isNull()),
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
    Column reason = concat_ws("; ", problems.toArray(Column[]::new));
    List<Column> output = new ArrayList<>(typed);
    output.add(when(reason.notEqual(""), reason).as(REASON));
    output.add(coalesce(col(CORRUPT_RECORD), to_json(struct(rawColumns))).as(RAW_RECORD));
    return text.select(output.toArray(Column[]::new));
  }

  /** The typed value, or null where the text does not parse (whatever spark.sql.ansi says). */
  private static Column converted(ColumnSpec column) {
    if (column.type() == ColumnType.STRING) {
      return col(column.name());
    }
    return expr(
        "try_cast(trim(`" + column.name() + "`) AS " + column.type().sparkType().sql() + ")");
  }

  private static String article(ColumnType type) {
    return type == ColumnType.INTEGER ? "an" : "a";
  }
}
