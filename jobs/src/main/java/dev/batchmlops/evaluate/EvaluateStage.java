package dev.batchmlops.evaluate;

import static org.apache.spark.sql.functions.col;

import dev.batchmlops.Json;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.pipeline.PipelineState.Evaluation;
import dev.batchmlops.pipeline.PipelineState.TrainedModel;
import dev.batchmlops.split.Splits;
import dev.batchmlops.tracking.MetricNames;
import dev.batchmlops.train.Scoring;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Scores the test split with the candidate and the baseline and logs their metrics, overall and per
 * segment, to the evaluate run, the candidate's run and the pipeline run.
 */
public final class EvaluateStage {
  private EvaluateStage() {}

  public static Evaluation run(PipelineContext context) {
    TrainedModel model = context.state().requireModel();
    var config = context.config();
    double threshold = config.evaluate().threshold();
    Evaluation evaluation =
        context.inChildRun(
            "evaluate",
            run -> {
              Dataset<Row> test =
                  Scoring.withLabel(context.tables().read(model.trainedOn()), config.dataset())
                      .where(col(Splits.COLUMN).equalTo(Splits.TEST));
              Dataset<Row> scored =
                  Scoring.score(PipelineModel.load(model.modelPath()), test).cache();
              ClassificationMetrics candidate = MetricsCalculator.compute(scored, threshold);
              ClassificationMetrics baseline =
                  MetricsCalculator.compute(
                      Scoring.scorePrior(test, model.baselinePositiveRate()), threshold);

              Map<String, Double> metrics = new LinkedHashMap<>();
              candidate.asMap().forEach((k, v) -> metrics.put("test_" + k, v));
              baseline.asMap().forEach((k, v) -> metrics.put("baseline_test_" + k, v));
              Map<String, Map<String, ClassificationMetrics>> segments = new LinkedHashMap<>();
              for (String segmentColumn : config.dataset().segmentColumns()) {
                Map<String, ClassificationMetrics> bySegment =
                    MetricsCalculator.bySegment(scored, segmentColumn, threshold);
                segments.put(segmentColumn, bySegment);
                bySegment.forEach(
                    (segment, m) ->
                        m.asMap()
                            .forEach(
                                (k, v) ->
                                    metrics.put(
                                        "test_"
                                            + k
                                            + "."
                                            + segmentColumn
                                            + "."
                                            + MetricNames.safe(segment),
                                        v)));
              }
              scored.unpersist();
              run.logMetrics(metrics);
              run.setTags(
                  Map.of(
                      "batchmlops.candidate_run_id", model.runId(),
                      "batchmlops.splits_version", Long.toString(model.trainedOn().version())));
              run.logText("evaluation/segments.json", Json.pretty(segments));
              Map<String, Double> headline = new LinkedHashMap<>();
              candidate.asMap().forEach((k, v) -> headline.put("test_" + k, v));
              context.tracker().resumeRun(model.runId()).logMetrics(headline);
              context.parentRun().logMetrics(headline);
              return new Evaluation(
                  run.runId(), candidate.asMap(), baseline.asMap(), model.trainedOn());
            });
    context.updateState(s -> s.withEvaluation(evaluation));
    return evaluation;
  }
}
