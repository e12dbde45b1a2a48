package dev.batchmlops.evaluate;

import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.config.Task;
import dev.batchmlops.metrics.Curves;
import dev.batchmlops.pipeline.Evaluation;
import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.pipeline.PipelineState.TrainedModel;
import dev.batchmlops.tracking.ModelRegistry;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What evaluation asks of a task, chosen once from the contract: how it measures the candidate and
 * its rivals on the test rows, when that evidence is too thin, where error analysis starts, and
 * what it draws. The stage's steps and the gates are the same for every task.
 */
interface TaskEvaluation {
  static TaskEvaluation of(Task task) {
    return task == Task.BINARY ? new BinaryEvaluation() : new ClassAndValueEvaluation();
  }

  /** The candidate, the baselines and the champion on the test rows, per segment, with fairness. */
  EvaluateStage.Measured measure(
      PipelineContext context,
      ModelRegistry registry,
      TrainedModel model,
      Dataset<Row> splitTable,
      Dataset<Row> test,
      Dataset<Row> scored);

  /** Why the test metrics are weak evidence, when they are. */
  Optional<String> unreliableEvidence(EvaluateStage.Measured measured, PipelineConfig config);

  /** The mistakes error analysis starts from, as rows of the report. */
  List<Map<String, Object>> mistakes(
      Dataset<Row> scored, PipelineConfig config, TrainedModel model);

  /** Gathers what the plots draw from the scored rows, before they are released. */
  Drawing gather(Dataset<Row> scored, PipelineConfig config);

  /** The plots of an evaluation, from what was gathered: PNG files by name. */
  interface Drawing {
    Map<String, byte[]> plots(Evaluation evaluation);
  }

  /** A binary model, at its decision threshold. */
  final class BinaryEvaluation implements TaskEvaluation {
    @Override
    public EvaluateStage.Measured measure(
        PipelineContext context,
        ModelRegistry registry,
        TrainedModel model,
        Dataset<Row> splitTable,
        Dataset<Row> test,
        Dataset<Row> scored) {
      return EvaluateStage.measure(context, registry, model, test, scored);
    }

    @Override
    public Optional<String> unreliableEvidence(
        EvaluateStage.Measured measured, PipelineConfig config) {
      return EvaluateStage.unreliableEvidence(
          (dev.batchmlops.metrics.ClassificationMetrics) measured.candidate(),
          config.register().minTestPositives());
    }

    @Override
    public List<Map<String, Object>> mistakes(
        Dataset<Row> scored, PipelineConfig config, TrainedModel model) {
      return EvaluateStage.confidentMistakes(scored, config, model.decisionThreshold());
    }

    @Override
    public Drawing gather(Dataset<Row> scored, PipelineConfig config) {
      Curves.Points curves = Curves.of(scored);
      return evaluation ->
          EvaluateStage.plots(
              (dev.batchmlops.metrics.ClassificationMetrics) evaluation.candidate(),
              curves,
              evaluation.segments());
    }
  }
}
