package dev.batchmlops.generate;

import dev.batchmlops.PipelineException;
import dev.batchmlops.config.ColumnSpec;
import dev.batchmlops.config.StageConfigs.FileFormat;
import dev.batchmlops.pipeline.PipelineContext;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * Writes the seeded synthetic credit data to the landing folder as one CSV or Parquet file, with
 * the target the dataset's contract declares.
 */
public final class GenerateStage {
  private GenerateStage() {}

  /** Returns the path of the written file. */
  public static String run(PipelineContext context) {
    var config = context.config();
    List<String> declared = config.dataset().columns().stream().map(ColumnSpec::name).toList();
    Dataset<Row> applicants =
        CreditDataGenerator.applicants(
            context.spark(),
            config.generate().rows(),
            config.seed(),
            config.generate().batch(),
            new CreditDataGenerator.Drift(
                config.generate().driftFeatures(),
                config.generate().driftShift(),
                config.generate().conceptDrift()));
    // The contract picks its target: the applicants' columns and one of the three.
    List<String> made = List.of(applicants.columns());
    List<String> targets = declared.stream().filter(CreditDataGenerator.TARGETS::contains).toList();
    List<String> applicantColumns =
        made.stream().filter(c -> !CreditDataGenerator.TARGETS.contains(c)).toList();
    if (targets.size() != 1
        || !declared.equals(
            java.util.stream.Stream.concat(applicantColumns.stream(), targets.stream()).toList())) {
      throw new PipelineException(
          "generate makes the built-in credit data (its applicants' columns, then one of "
              + CreditDataGenerator.TARGETS
              + "), but dataset '"
              + config.dataset().name()
              + "' declares other columns: "
              + declared);
    }
    Dataset<Row> data = applicants.selectExpr(declared.toArray(String[]::new));
    FileFormat format = config.generate().format();
    String target = context.layout().landingFile(format);
    String extension = "." + format.name().toLowerCase(Locale.ROOT);
    return context.inChildRun(
        "generate",
        run -> {
          String staging = target + ".staging";
          // One partition gives one file whose bytes depend only on the seed and row count.
          data.coalesce(1)
              .write()
              .mode(SaveMode.Overwrite)
              .option("header", "true")
              .format(format.name().toLowerCase(Locale.ROOT))
              .save(staging);
          context.files().promoteSingleFile(staging, extension, target);
          String checksum = context.files().sha256(target);
          run.logParams(
              Map.of(
                  "rows", Long.toString(config.generate().rows()),
                  "seed", Long.toString(config.seed()),
                  "batch", Long.toString(config.generate().batch()),
                  "drift",
                      config.generate().driftFeatures()
                          + " x "
                          + config.generate().driftShift()
                          + " sd, concept "
                          + config.generate().conceptDrift(),
                  "format", format.name().toLowerCase(Locale.ROOT)));
          run.setTags(Map.of("batchmlops.output", target, "batchmlops.output_sha256", checksum));
          context.updateState(s -> s.withLandedFile(target));
          return target;
        });
  }
}
