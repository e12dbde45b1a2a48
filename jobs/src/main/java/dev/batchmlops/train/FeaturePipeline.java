package dev.batchmlops.train;

import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.StageConfigs;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;

/**
 * The MLlib pipeline derived from the contract: categorical features indexed (unseen values and
 * nulls kept in their own bucket) and one-hot encoded, numeric features median-imputed, all
 * assembled, optionally scaled, then logistic regression. Every stage is fitted by {@code fit}, so
 * only on the data it is given (the training split).
 */
public final class FeaturePipeline {
  public static final String LABEL = "label";
  public static final String FEATURES = "features";

  private FeaturePipeline() {}

  public static Pipeline build(DatasetContract contract, StageConfigs.Train settings) {
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
    String assembledColumn = settings.standardize() ? "features_raw" : FEATURES;
    stages.add(
        new VectorAssembler()
            .setInputCols(assembled.toArray(String[]::new))
            .setOutputCol(assembledColumn));
    if (settings.standardize()) {
      stages.add(
          new StandardScaler()
              .setInputCol(assembledColumn)
              .setOutputCol(FEATURES)
              .setWithMean(false)
              .setWithStd(true));
    }
    stages.add(logisticRegression(settings));
    return new Pipeline().setStages(stages.toArray(PipelineStage[]::new));
  }

  static LogisticRegression logisticRegression(StageConfigs.Train settings) {
    return new LogisticRegression()
        .setFeaturesCol(FEATURES)
        .setLabelCol(LABEL)
        .setMaxIter(settings.maxIter())
        .setRegParam(settings.regParam())
        .setElasticNetParam(settings.elasticNetParam())
        .setFamily("binomial");
  }
}
