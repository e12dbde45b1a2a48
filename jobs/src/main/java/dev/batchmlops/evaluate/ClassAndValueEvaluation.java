package dev.batchmlops.evaluate;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.config.StageConfigs;
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
final class ClassAndValueEvaluation {
  /** The plot of the registration metric per segment. */
  static final String SEGMENTS_PLOT = "segments-metric.png";

  private static final int MISTAKES_SHOWN = 20;

  private ClassAndValueEvaluation() {}

  static EvaluateStage.Measured measure(
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
  static Optional<String> unreliableEvidence(
      Gates.Evidence evidence, StageConfigs.Register settings) {
    long needed = evidence.kind().needed(settings);
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
  static List<Map<String, Object>> largestMistakes(Dataset<Row> scored, PipelineConfig config) {
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

  /** The registration metric per segment, with its 95% intervals, as PNG. */
  static Map<String, byte[]> plots(PipelineConfig config, Evaluation evaluation) {
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
    return plots;
  }
}
