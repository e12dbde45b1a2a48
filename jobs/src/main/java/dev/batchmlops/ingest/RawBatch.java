package dev.batchmlops.ingest;

import dev.batchmlops.config.StageConfigs.SourceFormat;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A source read as text, before parsing: one string column per contract column plus the corrupt
 * record column.
 *
 * @param source where it came from, as recorded in the table history
 * @param checksum a fingerprint of the source's content (bytes for files, rows for a database)
 * @param watermark for an incremental database load, the largest watermark value read
 * @param fileListing for a file source, its files with their sizes and modification times when the
 *     checksum was taken (see {@link dev.batchmlops.table.HadoopFiles#listing})
 */
public record RawBatch(
    Dataset<Row> text,
    SourceFormat format,
    String source,
    String checksum,
    Optional<String> watermark,
    Optional<String> fileListing) {}
