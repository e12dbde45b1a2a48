package dev.batchmlops.train;

import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.metrics.Scoring;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The feature stages derived from the contract: categorical features indexed (unseen values and
 * nulls kept in their own bucket) and one-hot encoded, numeric features median-imputed, all
 * assembled into {@code features}, optionally scaled. Every stage is fitted by {@code fit}, so only
 * on the data it is given (the training split); a classifier is appended by the search.
 */
public final class FeaturePipeline {
  public static final String LABEL = Scoring.LABEL;
  public static final String FEATURES = "features";

  private FeaturePipeline() {}

  public static Pipeline build(DatasetContract contract, boolean standardize) {
    List<PipelineStage> stages = new ArrayList<>();
    List<String> assembled = new ArrayList<>();
    List<String> categorical = contract.categoricalFeatures();
    if (!categorical.isEmpty()) {
      String[] indexed = categorical.stream().map(c -> c + "_index").toArray(String[]::new);
      String[] encoded = categorical.stream().map(c -> c + "_onehot").toArray(String[]::new);
      stages.add(
          new StringIndexer()
              .setInputCols(categorical.toArray(String[]::new))
              .setOutputCols(indexed)
              .setHandleInvalid("keep")
              .setStringOrderType("alphabetAsc"));
      stages.add(
          new OneHotEncoder()
              .setInputCols(indexed)
              .setOutputCols(encoded)
              .setHandleInvalid("keep"));
      assembled.addAll(List.of(encoded));
    }
    List<String> numeric = contract.numericFeatures();
    if (!numeric.isEmpty()) {
      String[] imputed = numeric.stream().map(c -> c + "_imputed").toArray(String[]::new);
      stages.add(
          new Imputer()
              .setInputCols(numeric.toArray(String[]::new))
              .setOutputCols(imputed)
              .setStrategy("median"));
      assembled.addAll(List.of(imputed));
    }
    String assembledColumn = standardize ? "features_raw" : FEATURES;
    stages.add(
        new VectorAssembler()
            .setInputCols(assembled.toArray(String[]::new))
            .setOutputCol(assembledColumn));
    if (standardize) {
      stages.add(
          new StandardScaler()
              .setInputCol(assembledColumn)
              .setOutputCol(FEATURES)
              .setWithMean(false)
              .setWithStd(true));
    }
    return new Pipeline().setStages(stages.toArray(PipelineStage[]::new));
  }

  /**
   * The fitted feature stages followed by a fitted classifier, as one model to save and serve.
   * Every stage is already a transformer, so fitting only checks {@code train}'s schema.
   */
  public static PipelineModel withClassifier(
      PipelineModel features, Transformer classifier, Dataset<Row> train) {
    List<PipelineStage> stages = new ArrayList<>(List.of(features.stages()));
    stages.add(classifier);
    return new Pipeline().setStages(stages.toArray(PipelineStage[]::new)).fit(train);
  }
}
