package dev.batchmlops.evaluate;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.config.Task;
import dev.batchmlops.gates.Gates;
import dev.batchmlops.metrics.ClassAndValueMetrics;
import dev.batchmlops.metrics.MetricGap;
import dev.batchmlops.metrics.MulticlassMetrics;
import dev.batchmlops.metrics.PriorBaseline;
import dev.batchmlops.metrics.Scoring;
import dev.batchmlops.metrics.TaskMetrics;
import dev.batchmlops.pipeline.Evaluation;
import dev.batchmlops.pipeline.Evaluation.SegmentResult;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.pipeline.PipelineState.TrainedModel;
import dev.batchmlops.split.Splits;
import dev.batchmlops.tracking.ModelRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Evaluation of a model that predicts the class (multiclass) or the value (regression) itself: the
 * candidate, the prior and reference baselines and the champion on the same test rows, per segment
 * with a 95% interval of the registration metric, the gap in that metric between the groups of each
 * protected column, and the largest mistakes. The gates then judge it as they judge a binary model.
 */
final class ClassAndValueEvaluation implements TaskEvaluation {
  /** The plot of the registration metric per segment. */
  static final String SEGMENTS_PLOT = "segments-metric.png";

  private static final int MISTAKES_SHOWN = 20;

  /** The most confused pairs of classes shown. */
  static final int PAIRS_SHOWN = 10;

  @Override
  public EvaluateStage.Measured measure(
      PipelineContext context,
      ModelRegistry registry,
      TrainedModel model,
      Dataset<Row> splitTable,
      Dataset<Row> test,
      Dataset<Row> scored) {
    PipelineConfig config = context.config();
    DatasetContract contract = config.dataset();
    String metric = config.register().metric();
    long minRows = config.evaluate().minSegmentRows();
    TaskMetrics candidate = ClassAndValueMetrics.of(contract, scored);
    // The prior is a statistic of the training rows: recomputed, it is the one training measured.
    Dataset<Row> train =
        Scoring.withLabel(splitTable, contract)
            .where(col(Splits.COLUMN).equalTo(Splits.TRAIN).and(col(Scoring.LABEL).isNotNull()));
    TaskMetrics prior =
        ClassAndValueMetrics.of(
            contract, PriorBaseline.of(contract, config.train(), train).score(test));
    TaskMetrics reference =
        EvaluateStage.readableModel(context, model.referenceModelPath())
            .map(m -> ClassAndValueMetrics.of(contract, m.transform(test)))
            .orElse(null);
    Evaluation.Champion champion =
        EvaluateStage.comparableChampion(context, registry)
            .map(
                version ->
                    EvaluateStage.champion(
                        context,
                        registry,
                        version,
                        Double.NaN,
                        m -> ClassAndValueMetrics.of(contract, m.transform(test))))
            .orElse(null);
    List<SegmentResult> segments = new ArrayList<>();
    List<MetricGap> gaps = new ArrayList<>();
    for (String dimension : EvaluateStage.segmentDimensions(config)) {
      Map<String, TaskMetrics> bySegment =
          ClassAndValueMetrics.bySegment(contract, scored, dimension);
      bySegment.forEach(
          (value, m) ->
              segments.add(EvaluateStage.segmentResult(dimension, value, m, metric, minRows)));
      if (contract.protectedColumns().contains(dimension)) {
        gaps.add(MetricGap.of(dimension, metric, bySegment, minRows));
      }
    }
    return new EvaluateStage.Measured(
        model,
        candidate,
        evidence(candidate),
        new Evaluation.Baseline(
            EvaluateStage.comparedBaseline(config.register(), reference, prior), reference, prior),
        champion,
        segments,
        List.of(),
        gaps);
  }

  /** The test rows behind the metrics: a multiclass label's rarest class, a regression's rows. */
  static Gates.Evidence evidence(TaskMetrics test) {
    if (test instanceof MulticlassMetrics classes) {
      MulticlassMetrics.PerClass rarest =
          classes.perClass().stream()
              .min(Comparator.comparingLong(MulticlassMetrics.PerClass::support))
              .orElseThrow();
      return new Gates.Evidence(
          Gates.Evidence.Kind.ROWS_OF_EVERY_CLASS,
          rarest.support(),
          "rows of its rarest class, " + rarest.name());
    }
    return new Gates.Evidence(Gates.Evidence.Kind.ROWS, test.rows(), "rows");
  }

  /** Why the test metrics are weak evidence, when they rest on too few rows. */
  @Override
  public Optional<String> unreliableEvidence(
      EvaluateStage.Measured measured, PipelineConfig config) {
    Gates.Evidence evidence = measured.evidence();
    long needed = evidence.kind().needed(config.register());
    if (evidence.rows() >= needed) {
      return Optional.empty();
    }
    return Optional.of(
        "the test split holds only "
            + evidence.rows()
            + " "
            + evidence.counted()
            + " (fewer than "
            + evidence.kind().setting()
            + " = "
            + needed
            + "): its metrics, and the gates judged on them, rest on too few rows");
  }

  /**
   * Where error analysis starts: a regression's largest absolute errors; a multiclass model's wrong
   * predictions it was surest of.
   */
  @Override
  public List<Map<String, Object>> mistakes(
      Dataset<Row> scored, PipelineConfig config, TrainedModel model) {
    DatasetContract contract = config.dataset();
    Column label = col(Scoring.LABEL);
    Column prediction = col(Scoring.PREDICTION);
    boolean multiclass = contract.task() == Task.MULTICLASS;
    Column size =
        multiclass
            ? array_max(functions.vector_to_array(col(Scoring.PROBABILITY), "float64"))
            : abs(prediction.minus(label));
    Dataset<Row> wrong =
        scored
            .where(label.isNotNull().and(multiclass ? prediction.notEqual(label) : lit(true)))
            .withColumn("mistake_size", size)
            .orderBy(col("mistake_size").desc(), col(contract.idColumn()))
            .limit(MISTAKES_SHOWN);
    List<String> shown = new ArrayList<>(List.of(contract.idColumn()));
    shown.addAll(contract.segmentColumns());
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Row row : wrong.collectAsList()) {
      Map<String, Object> mistake = new LinkedHashMap<>();
      for (String column : shown) {
        mistake.put(column, String.valueOf(row.<Object>getAs(column)));
      }
      double truth = row.<Double>getAs(Scoring.LABEL);
      double predicted = row.<Double>getAs(Scoring.PREDICTION);
      if (multiclass) {
        mistake.put("label", contract.labelValues().get((int) truth));
        mistake.put("predicted", contract.labelValues().get((int) predicted));
        mistake.put("probability", row.<Double>getAs("mistake_size"));
      } else {
        mistake.put("label", truth);
        mistake.put("predicted", predicted);
        mistake.put("error", predicted - truth);
      }
      rows.add(mistake);
    }
    return rows;
  }

  /** Bins of the regression pictures: readable, and enough to show a bend. */
  private static final int BINS = 20;

  /**
   * What the pictures of a regression model draw, gathered before the scored rows are released: the
   * mean prediction per quantile bin of the label (against the bin's mean label), and the share of
   * rows per bin of the error.
   *
   * @param low the smallest label, the pictures' scale from {@code low} to {@code high}
   */
  record ValuePictures(
      List<double[]> predictedAgainstActual,
      List<String> errorBins,
      double[] errorShares,
      double low,
      double high) {}

  @Override
  public Drawing gather(Dataset<Row> scored, PipelineConfig config) {
    ValuePictures pictures = pictures(scored, config);
    return evaluation -> plots(config, evaluation, pictures);
  }

  /** The pictures' points of a regression model's test rows; null for a multiclass model. */
  private static ValuePictures pictures(Dataset<Row> scored, PipelineConfig config) {
    if (config.dataset().task() != Task.REGRESSION) {
      return null;
    }
    Column label = col(Scoring.LABEL);
    Column error = col(Scoring.PREDICTION).minus(label);
    Dataset<Row> labelled = scored.where(label.isNotNull());
    Row range = labelled.agg(min(label), max(label), min(error), max(error), count(lit(1))).first();
    if (range.getLong(4) == 0) {
      return new ValuePictures(List.of(), List.of(), new double[0], 0, 1);
    }
    double low = range.getDouble(0);
    double high = range.getDouble(1);
    double span = high > low ? high - low : 1;
    double[] quantiles = new double[BINS - 1];
    for (int q = 0; q < quantiles.length; q++) {
      quantiles[q] = (q + 1.0) / BINS;
    }
    double[] edges = labelled.stat().approxQuantile(Scoring.LABEL, quantiles, 0.001);
    Column bin = lit(edges.length);
    for (int e = edges.length - 1; e >= 0; e--) {
      bin = when(label.lt(edges[e]), e).otherwise(bin);
    }
    List<double[]> points = new ArrayList<>();
    for (Row row :
        labelled
            .groupBy(bin.as("bin"))
            .agg(avg(label), avg(col(Scoring.PREDICTION)))
            .orderBy("bin")
            .collectAsList()) {
      points.add(new double[] {(row.getDouble(1) - low) / span, (row.getDouble(2) - low) / span});
    }
    double errorLow = range.getDouble(2);
    double width = Math.max((range.getDouble(3) - errorLow) / 10, Double.MIN_NORMAL);
    Column errorBin = least(floor(error.minus(errorLow).divide(width)).cast("int"), lit(9));
    double[] shares = new double[10];
    for (Row row : labelled.groupBy(errorBin).count().collectAsList()) {
      shares[row.getInt(0)] = (double) row.getLong(1) / range.getLong(4);
    }
    List<String> bins = new ArrayList<>();
    for (int b = 0; b < 10; b++) {
      bins.add(
          String.format(
              java.util.Locale.ROOT,
              "[%.4g, %.4g)",
              errorLow + b * width,
              errorLow + (b + 1) * width));
    }
    return new ValuePictures(points, bins, shares, low, high);
  }

  /**
   * The registration metric per segment with its 95% intervals; a regression model's predicted
   * against actual and its errors; a multiclass model's F1 per class: as PNG.
   */
  private static Map<String, byte[]> plots(
      PipelineConfig config, Evaluation evaluation, ValuePictures pictures) {
    String metric = config.register().metric();
    List<String> labels = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    List<double[]> intervals = new ArrayList<>();
    for (SegmentResult segment : evaluation.segments()) {
      double value = segment.tooSmall() ? Double.NaN : segment.metrics().metric(metric);
      if (!Double.isNaN(value)) {
        labels.add(segment.label());
        values.add(value);
        intervals.add(
            Double.isNaN(segment.low()) ? null : new double[] {segment.low(), segment.high()});
      }
    }
    Map<String, byte[]> plots = new LinkedHashMap<>();
    plots.put(
        SEGMENTS_PLOT,
        Charts.bars(
            metric + " per segment, with 95% intervals",
            metric,
            labels,
            values.stream().mapToDouble(Double::doubleValue).toArray(),
            intervals.toArray(double[][]::new)));
    if (evaluation.candidate() instanceof MulticlassMetrics classes) {
      List<MulticlassMetrics.PerClass> perClass = classes.perClass();
      plots.put(
          CLASSES_PLOT,
          Charts.bars(
              "F1 per class",
              "F1",
              perClass.stream().map(c -> c.name() + " (" + c.support() + " rows)").toList(),
              perClass.stream().mapToDouble(MulticlassMetrics.PerClass::f1).toArray(),
              new double[perClass.size()][]));
      plots.put(
          CONFUSION_PLOT,
          Charts.confusionMatrix(
              "Confusion matrix, normalized by true class",
              classes.classes(),
              classes.confusion()));
    }
    if (pictures != null) {
      plots.put(
          PREDICTED_PLOT,
          Charts.lines(
              String.format(
                  java.util.Locale.ROOT,
                  "Predicted against actual (%d label bins; scale %.4g to %.4g)",
                  pictures.predictedAgainstActual().size(),
                  pictures.low(),
                  pictures.high()),
              "mean actual (scaled)",
              "mean predicted (scaled)",
              List.of(
                  new Charts.Series("candidate", pictures.predictedAgainstActual(), false),
                  new Charts.Series(
                      "perfect", List.of(new double[] {0, 0}, new double[] {1, 1}), true))));
      plots.put(
          ERRORS_PLOT,
          Charts.bars(
              "Errors (predicted - actual): share of test rows",
              "share of rows",
              pictures.errorBins(),
              pictures.errorShares(),
              new double[pictures.errorShares().length][]));
    }
    return plots;
  }

  static final String CLASSES_PLOT = "class-f1.png";
  static final String CONFUSION_PLOT = "confusion-matrix.png";
  static final String PREDICTED_PLOT = "predicted-actual.png";
  static final String ERRORS_PLOT = "errors.png";
}
