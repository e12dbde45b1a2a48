package dev.batchmlops.bench;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.Json;
import dev.batchmlops.config.ColumnSpec;
import dev.batchmlops.config.ConfigLoader;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.metrics.Scoring;
import dev.batchmlops.spark.SparkSessions;
import dev.batchmlops.split.Splits;
import dev.batchmlops.train.FeaturePipeline;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * What each pipeline stage would cost written directly against Spark, with none of the pipeline's
 * checks, tracking or bookkeeping: the bare side of {@code scripts/bench}. One step per invocation,
 * so that each pays the same start-up as the pipeline's stage it is compared with.
 *
 * <ul>
 *   <li>{@code startup}: a Spark session with Delta, and nothing else (the start-up subtracted);
 *   <li>{@code rules OUT}: the contract's rules as JSON, for a peer tool (Great Expectations) to
 *       check the same things; starts no Spark;
 *   <li>{@code ingest CSV DIR}: the CSV, read with the contract's schema, written as a Delta table;
 *   <li>{@code validate DIR}: one aggregation of the contract's rules (completeness, ranges,
 *       allowed values, patterns, the id's uniqueness, the positive share);
 *   <li>{@code split DIR OUT}: a split column from a hash of the id, written as a Delta table;
 *   <li>{@code train OUT MODEL}: the pipeline's feature stages and one logistic regression, fitted
 *       on the train rows and saved;
 *   <li>{@code evaluate OUT MODEL}: the test rows scored once, AUC overall and per segment value.
 * </ul>
 *
 * <p>The contract is read from {@code conf/datasets/credit.conf}; only its column list and rules
 * are used.
 */
public final class BareSpark {
  private BareSpark() {}

  public static void main(String[] args) {
    if (args.length == 0) {
      System.err.println(
          "usage: BareSpark startup|rules|ingest|validate|split|train|evaluate ARGS...");
      System.exit(2);
    }
    DatasetContract contract =
        ConfigLoader.load(
                new ConfigLoader.Request(Path.of("conf"), "dev", "credit", Map.of()), Map.of())
            .dataset();
    if (args[0].equals("rules")) {
      writeRules(contract, Path.of(args[1]));
      return;
    }
    SparkSession spark = SparkSessions.getOrCreate("bare-" + args[0]);
    switch (args[0]) {
      case "startup" -> {}
      case "ingest" -> ingest(spark, contract, args[1], args[2]);
      case "validate" -> validate(spark, contract, args[1]);
      case "split" -> split(spark, contract, args[1], args[2]);
      case "train" -> train(spark, contract, args[1], args[2]);
      case "evaluate" -> evaluate(spark, contract, args[1], args[2]);
      default -> {
        System.err.println("unknown step " + args[0]);
        System.exit(2);
      }
    }
    spark.stop();
    System.exit(0);
  }

  /** One column's rules, as the bare validate aggregates them, for a peer tool to check. */
  record ColumnRules(
      String name,
      boolean required,
      double completeness,
      Double min,
      Double max,
      List<String> allowed,
      String pattern,
      boolean unique) {}

  /** The contract's rules as JSON (rows at least, and per column), without starting Spark. */
  private static void writeRules(DatasetContract contract, Path out) {
    List<ColumnRules> columns =
        contract.columns().stream()
            .map(
                c ->
                    new ColumnRules(
                        c.name(),
                        c.required(),
                        c.completeness(),
                        c.min().isPresent() ? c.min().getAsDouble() : null,
                        c.max().isPresent() ? c.max().getAsDouble() : null,
                        c.allowed(),
                        c.pattern().orElse(null),
                        c.name().equals(contract.idColumn()) || c.unique()))
            .toList();
    try {
      java.nio.file.Files.writeString(
          out, Json.pretty(Map.of("min_rows", contract.minRows(), "columns", columns)));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void ingest(SparkSession spark, DatasetContract contract, String csv, String out) {
    spark
        .read()
        .option("header", "true")
        .schema(contract.schema())
        .csv(csv)
        .write()
        .format("delta")
        .mode(SaveMode.Overwrite)
        .save(out);
  }

  private static void validate(SparkSession spark, DatasetContract contract, String table) {
    List<Column> rules = new ArrayList<>();
    rules.add(count(lit(1)));
    for (ColumnSpec column : contract.columns()) {
      Column value = col(column.name());
      rules.add(count(value));
      column.min().ifPresent(min -> rules.add(sum(when(value.lt(min), 1).otherwise(0))));
      column.max().ifPresent(max -> rules.add(sum(when(value.gt(max), 1).otherwise(0))));
      if (!column.allowed().isEmpty()) {
        rules.add(sum(when(value.cast("string").isin(column.allowed().toArray()), 0).otherwise(1)));
      }
      column.pattern().ifPresent(p -> rules.add(sum(when(value.rlike(p), 0).otherwise(1))));
    }
    rules.add(countDistinct(col(contract.idColumn())));
    rules.add(avg(when(contract.isPositive(), 1.0).otherwise(0.0)));
    Row result =
        spark
            .read()
            .format("delta")
            .load(table)
            .agg(rules.get(0), rules.subList(1, rules.size()).toArray(Column[]::new))
            .first();
    System.out.println("bare validate: " + result.size() + " values, " + result.get(0) + " rows");
  }

  private static void split(
      SparkSession spark, DatasetContract contract, String table, String out) {
    Column draw = pmod(xxhash64(col(contract.idColumn())), lit(100));
    spark
        .read()
        .format("delta")
        .load(table)
        .withColumn(
            Splits.COLUMN,
            when(draw.lt(70), Splits.TRAIN)
                .when(draw.lt(85), Splits.VALIDATION)
                .otherwise(Splits.TEST))
        .write()
        .format("delta")
        .mode(SaveMode.Overwrite)
        .save(out);
  }

  private static Dataset<Row> labelled(
      SparkSession spark, DatasetContract contract, String splits, String split) {
    return Scoring.withLabel(spark.read().format("delta").load(splits), contract)
        .where(col(Splits.COLUMN).equalTo(split));
  }

  private static void train(
      SparkSession spark, DatasetContract contract, String splits, String modelPath) {
    Dataset<Row> train = labelled(spark, contract, splits, Splits.TRAIN);
    Pipeline features = FeaturePipeline.build(contract, true);
    List<PipelineStage> stages = new ArrayList<>(List.of(features.getStages()));
    stages.add(
        new LogisticRegression()
            .setFeaturesCol(FeaturePipeline.FEATURES)
            .setLabelCol(FeaturePipeline.LABEL));
    PipelineModel model = new Pipeline().setStages(stages.toArray(PipelineStage[]::new)).fit(train);
    try {
      model.write().overwrite().save(modelPath);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void evaluate(
      SparkSession spark, DatasetContract contract, String splits, String modelPath) {
    Dataset<Row> scored =
        PipelineModel.load(modelPath)
            .transform(labelled(spark, contract, splits, Splits.TEST))
            .cache();
    BinaryClassificationEvaluator auc =
        new BinaryClassificationEvaluator().setLabelCol(FeaturePipeline.LABEL);
    StringBuilder report =
        new StringBuilder(
            String.format(Locale.ROOT, "bare evaluate: AUC %.4f", auc.evaluate(scored)));
    for (String segment : contract.segmentColumns()) {
      for (Row value : scored.select(segment).distinct().collectAsList()) {
        Dataset<Row> rows = scored.where(col(segment).eqNullSafe(value.get(0)));
        report.append(
            String.format(Locale.ROOT, "; %s=%s %.4f", segment, value.get(0), auc.evaluate(rows)));
      }
    }
    System.out.println(report);
    scored.unpersist();
  }
}
