package dev.batchmlops.split;

import static org.apache.spark.sql.functions.col;

import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.table.TableVersion;
import dev.batchmlops.tracking.DatasetInput;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** The names of the splits and of the column that holds them in the split table. */
public final class Splits {
  public static final String COLUMN = "split";
  public static final String TRAIN = "train";
  public static final String VALIDATION = "validation";
  public static final String TEST = "test";
  public static final List<String> ALL = List.of(TRAIN, VALIDATION, TEST);

  /** How a run uses each split, in MLflow's words for a dataset's context. */
  private static final Map<String, String> CONTEXTS =
      Map.of(TRAIN, "training", VALIDATION, "validation", TEST, "test");

  private Splits() {}

  /**
   * The named splits of a split table version as MLflow dataset inputs ("credit-train" in context
   * training, ...), for the run that reads them.
   */
  public static List<DatasetInput> inputs(
      PipelineContext context, TableVersion splits, Dataset<Row> table, List<String> parts) {
    return parts.stream()
        .map(
            part ->
                context.datasetInput(
                    part, splits, table.where(col(COLUMN).equalTo(part)), CONTEXTS.get(part)))
        .toList();
  }
}
