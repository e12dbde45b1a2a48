package dev.batchmlops.config;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The typed settings of each stage, one record per stage, validated when built. */
public final class StageConfigs {
  private StageConfigs() {}

  /** Where Delta tables, saved models and the pipeline state live, and where raw files land. */
  public record Storage(String root, String landing, long retentionHours) {
    public Storage {
      if (retentionHours < 0) {
        throw ConfigException.invalid("storage.retention-hours", "must be >= 0");
      }
    }
  }

  /** The MLflow tracking server and how runs are named. */
  public record Tracking(String uri, String experimentPrefix, int timeoutSeconds) {
    public Tracking {
      if (!uri.startsWith("http://") && !uri.startsWith("https://")) {
        throw ConfigException.invalid("tracking.uri", "must be an http(s) URL, got '" + uri + "'");
      }
      if (java.net.URI.create(uri).getUserInfo() != null) {
        // The URI is logged with the resolved configuration; a password in it would be too.
        throw ConfigException.invalid(
            "tracking.uri",
            "must not carry credentials (user:password@): set MLFLOW_TRACKING_USERNAME and"
                + " MLFLOW_TRACKING_PASSWORD instead");
      }
      if (timeoutSeconds <= 0) {
        throw ConfigException.invalid("tracking.timeout-seconds", "must be positive");
      }
    }
  }

  /**
   * Synthetic data generation.
   *
   * @param batch which batch: its rows are new applications, numbered from batch x 1,000,000
   * @param driftFeatures numeric features whose distribution moves by {@code driftShift} standard
   *     deviations
   * @param conceptDrift the share (0 to 1) of the label's dependence on its strongest drivers that
   *     is gone
   */
  public record Generate(
      long rows,
      FileFormat format,
      int batch,
      List<String> driftFeatures,
      double driftShift,
      double conceptDrift) {
    public static final List<String> DRIFTABLE = List.of("age", "income", "loan_amount");

    public Generate {
      driftFeatures = List.copyOf(driftFeatures);
      if (rows <= 0) {
        throw ConfigException.invalid("generate.rows", "must be positive, got " + rows);
      }
      if (batch < 0 || batch > 99) {
        throw ConfigException.invalid("generate.batch", "must be 0 to 99, got " + batch);
      }
      if (batch > 0 && rows > 1_000_000) {
        throw ConfigException.invalid(
            "generate.rows", "a batch after the first holds at most 1,000,000 rows, got " + rows);
      }
      for (String feature : driftFeatures) {
        if (!DRIFTABLE.contains(feature)) {
          throw ConfigException.invalid(
              "generate.drift.features",
              "'" + feature + "' cannot drift (one of " + DRIFTABLE + ")");
        }
      }
      if (conceptDrift < 0 || conceptDrift > 1) {
        throw ConfigException.invalid(
            "generate.drift.concept", "must be 0 to 1, got " + conceptDrift);
      }
    }
  }

  /**
   * How raw data lands in the raw Delta table.
   *
   * @param maxQuarantineShare the ingest fails when a larger share of the rows read is quarantined
   * @param allowNewColumns whether columns the contract adds may be added to an existing table
   */
  public record Ingest(
      IngestMode mode, Source source, double maxQuarantineShare, boolean allowNewColumns) {
    public Ingest {
      if (maxQuarantineShare < 0 || maxQuarantineShare > 1) {
        throw ConfigException.invalid("ingest.max-quarantine-share", "must be between 0 and 1");
      }
    }
  }

  /**
   * Where raw data comes from: a file or folder (CSV, JSON lines, Parquet) or a database table.
   *
   * @param format the source format; null to take it from the file name
   * @param path a file or a folder of files; null to use the file `generate` landed last
   */
  public record Source(SourceFormat format, String path, Csv csv, Jdbc jdbc) {
    /** Whether anything says where to read: a format or a path. */
    public boolean configured() {
      return format != null || path != null;
    }
  }

  /**
   * Where `score` reads new batches when no raw version or file is named.
   *
   * @param source the batches' source; not configured: score the latest raw version
   * @param maxQuarantineShare scoring fails when a larger share of the batch is quarantined
   */
  public record Score(Source source, double maxQuarantineShare) {
    public Score {
      if (maxQuarantineShare < 0 || maxQuarantineShare > 1) {
        throw ConfigException.invalid("score.max-quarantine-share", "must be between 0 and 1");
      }
    }
  }

  /** How CSV files are parsed. */
  public record Csv(
      boolean header, String delimiter, String quote, String encoding, boolean multiLine) {}

  /**
   * A database source read over JDBC.
   *
   * @param query a SELECT to read instead of the whole table; empty to read {@code table}
   * @param passwordVariable the environment variable holding the password (never the password)
   * @param watermarkColumn for incremental loads: only rows above the last ingested maximum
   * @param driver the JDBC driver class; empty: PostgreSQL's for a jdbc:postgresql URL (it ships in
   *     the job jar), else whatever driver the class path registers for the URL
   */
  public record Jdbc(
      String url,
      String table,
      String query,
      String user,
      String passwordVariable,
      String watermarkColumn,
      String driver) {
    /** The driver class to name to Spark, which cannot find one in a jar given to spark-submit. */
    public java.util.Optional<String> driverClass() {
      if (!driver.isEmpty()) {
        return java.util.Optional.of(driver);
      }
      return url.startsWith("jdbc:postgresql:")
          ? java.util.Optional.of("org.postgresql.Driver")
          : java.util.Optional.empty();
    }
  }

  /** The formats a source can have. */
  public enum SourceFormat {
    CSV,
    JSON,
    PARQUET,
    JDBC
  }

  /** Train / validation / test shares of the rows; each strictly between 0 and 1, summing to 1. */
  public record Ratios(double train, double validation, double test) {
    public Ratios {
      requireRatio("split.train", train);
      requireRatio("split.validation", validation);
      requireRatio("split.test", test);
      if (Math.abs(train + validation + test - 1.0) > 1e-9) {
        throw ConfigException.invalid(
            "split", "train + validation + test must sum to 1, got " + (train + validation + test));
      }
    }

    private static void requireRatio(String key, double value) {
      if (!(value > 0 && value < 1)) {
        throw ConfigException.invalid(key, "must be between 0 and 1 (exclusive), got " + value);
      }
    }

    @Override
    public String toString() {
      return train + "/" + validation + "/" + test;
    }
  }

  /**
   * How rows are assigned: stratified allocation within each class and segment, a hash of their key
   * alone, or their event time.
   */
  public enum SplitMethod {
    STRATIFIED,
    HASH,
    TIME
  }

  /** The class an entity is stratified by when its rows disagree. */
  public enum EntityLabel {
    /** Positive when any of its rows is positive. */
    ANY_POSITIVE,
    /** Positive when at least half of its rows are positive. */
    MAJORITY
  }

  /**
   * How the validated raw version is split.
   *
   * @param key the column whose rows share a split (the unit allocated, or hashed); empty: the
   *     entity column if the contract has one, else the id column
   * @param stratifyBy segment columns whose values, with the label, form the strata: allocated
   *     exactly by the stratified method, and checked for balance in every split by every method
   * @param entityLabel the class of a unit whose rows disagree (stratified method)
   * @param labelBins a regression label is stratified (and its balance checked) in this many
   *     quantile bins of the whole's label
   * @param tolerance the largest allowed gap between a class's share in a split and in the whole,
   *     judged where the split holds enough rows of the stratum for hashing to keep it
   * @param validationFrom method time: rows from this date on validate; empty: the date that cuts
   *     the event times in the ratios
   * @param testFrom method time: rows from this date on test; empty: as above
   */
  public record Split(
      SplitMethod method,
      Ratios ratios,
      Optional<String> key,
      List<String> stratifyBy,
      EntityLabel entityLabel,
      int labelBins,
      double tolerance,
      Optional<LocalDate> validationFrom,
      Optional<LocalDate> testFrom) {
    public Split {
      stratifyBy = List.copyOf(stratifyBy);
      if (labelBins < 2 || labelBins > 50) {
        throw ConfigException.invalid(
            "split.label-bins", "must be between 2 and 50, got " + labelBins);
      }
      if (!(tolerance > 0 && tolerance < 1)) {
        throw ConfigException.invalid(
            "split.tolerance", "must be between 0 and 1, got " + tolerance);
      }
      if (validationFrom.isPresent() != testFrom.isPresent()) {
        throw ConfigException.invalid(
            "split.time", "set both validation-from and test-from, or neither");
      }
      if (validationFrom.isPresent() && !validationFrom.get().isBefore(testFrom.get())) {
        throw ConfigException.invalid("split.time", "validation-from must be before test-from");
      }
    }

    /** The columns the split depends on must be declared by the contract. */
    void requireCompatible(DatasetContract contract) {
      key.ifPresent(
          k -> {
            if (contract.columns().stream().noneMatch(c -> c.name().equals(k))) {
              throw ConfigException.invalid(
                  "split.key", "column '" + k + "' is not declared in dataset.columns");
            }
          });
      for (String column : stratifyBy) {
        if (!contract.segmentColumns().contains(column)) {
          throw ConfigException.invalid(
              "split.stratify-by", "'" + column + "' is not one of dataset.segment-columns");
        }
      }
      if (method == SplitMethod.TIME && contract.eventTimeColumn().isEmpty()) {
        throw ConfigException.invalid("split.method", "time needs dataset.event-time-column");
      }
    }

    /** The column whose rows share a split: the configured key, else the entity, else the id. */
    public String keyColumn(DatasetContract contract) {
      return key.or(contract::entityColumn).orElse(contract.idColumn());
    }
  }

  /**
   * Where a single column's score (or the id's, or the row order's) becomes a finding: from {@code
   * warning} on a warning (suspiciously strong), from {@code error} on an error (it encodes the
   * label: the run stops).
   */
  public record LeakageLimits(double error, double warning) {}

  /**
   * Limits of the leakage checks that run between split and train.
   *
   * @param binary the limits of the single-feature AUC of a binary label
   * @param multiclass the limits of the macro one-vs-rest AUC of a multiclass label
   * @param regression the limits of the share of the label's rank variance a column explains
   * @param bins numeric values are cut into this many quantile bins to score them alone
   * @param minBinRows categories (and bins) with fewer training rows are pooled, so that a rare
   *     value cannot look predictive by chance
   * @param maxDuplicateShare the largest share of validation and test rows whose exact feature
   *     values also appear in training; any at all is a warning
   */
  public record Leakage(
      LeakageLimits binary,
      LeakageLimits multiclass,
      LeakageLimits regression,
      int bins,
      long minBinRows,
      double maxDuplicateShare) {
    public Leakage {
      checkLimits("leakage", "warning-auc", "error-auc", binary, 0.5);
      checkLimits("leakage.multiclass", "warning-auc", "error-auc", multiclass, 0.5);
      checkLimits("leakage.regression", "warning-r2", "error-r2", regression, 0);
      if (bins < 2) {
        throw ConfigException.invalid("leakage.bins", "must be at least 2, got " + bins);
      }
      if (minBinRows < 1) {
        throw ConfigException.invalid("leakage.min-bin-rows", "must be positive");
      }
      if (maxDuplicateShare < 0 || maxDuplicateShare > 1) {
        throw ConfigException.invalid("leakage.max-duplicate-share", "must be between 0 and 1");
      }
    }

    /** The limits of a task's single-column score. */
    public LeakageLimits limits(Task task) {
      return switch (task) {
        case BINARY -> binary;
        case MULTICLASS -> multiclass;
        case REGRESSION -> regression;
      };
    }

    private static void checkLimits(
        String path, String warningKey, String errorKey, LeakageLimits limits, double chance) {
      if (!(limits.warning() > chance
          && limits.warning() <= limits.error()
          && limits.error() <= 1.0)) {
        throw ConfigException.invalid(
            path,
            "needs "
                + chance
                + " < "
                + warningKey
                + " <= "
                + errorKey
                + " <= 1, got "
                + limits.warning()
                + ", "
                + limits.error());
      }
    }
  }

  /** How a search picks its trials from the hyperparameter spaces. */
  public enum SearchStrategy {
    GRID,
    RANDOM
  }

  /**
   * The search's budget and how trials are judged.
   *
   * @param maxTrials grid: the first trials of the grid, in order; random: the number of draws
   * @param folds 0 to judge trials on the validation split; k >= 2 for k-fold cross-validation
   *     within the train split
   * @param parallelism how many trials are fitted at the same time
   */
  public record Search(SearchStrategy strategy, int maxTrials, int folds, int parallelism) {
    public Search {
      if (maxTrials < 1) {
        throw ConfigException.invalid("train.search.max-trials", "must be at least 1");
      }
      if (folds == 1 || folds < 0) {
        throw ConfigException.invalid(
            "train.search.folds", "must be 0 or at least 2, got " + folds);
      }
      if (parallelism < 1) {
        throw ConfigException.invalid("train.search.parallelism", "must be at least 1");
      }
    }
  }

  /**
   * One model family and the values to try for each of its hyperparameters.
   *
   * @param space MLlib parameter name to the values to try, in configuration order
   */
  public record ModelSpace(ModelFamily family, Map<String, List<Double>> space) {
    public ModelSpace {
      space = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(space));
    }
  }

  /**
   * Training: feature scaling, the metric trials are ranked by, the search, and the model families,
   * all for the contract's task (a multiclass or regression label reads them under {@code
   * train.multiclass} or {@code train.regression}).
   *
   * @param selectionMetric a validation metric of the task; {@link #lowerIsBetter} says which way
   * @param trainMetricsRows the training-split metrics of a trial (beside validation's, to show
   *     over-fitting) are measured on a seeded sample of at most this many training rows
   */
  public record Train(
      Task task,
      boolean standardize,
      String selectionMetric,
      Search search,
      List<ModelSpace> models,
      long trainMetricsRows) {
    /** The metrics each task's search can rank by. */
    public static final Map<Task, List<String>> SELECTION_METRICS =
        Map.of(
            Task.BINARY, List.of("auc", "area_under_pr", "f1", "accuracy"),
            Task.MULTICLASS, List.of("log_loss", "macro_f1", "weighted_f1", "accuracy"),
            Task.REGRESSION, List.of("rmse", "mae", "r2", "median_absolute_error"));

    private static final java.util.Set<String> LOWER_IS_BETTER =
        java.util.Set.of("log_loss", "rmse", "mae", "median_absolute_error");

    public Train {
      models = List.copyOf(models);
      if (!SELECTION_METRICS.get(task).contains(selectionMetric)) {
        throw ConfigException.invalid(
            keyOf(task, "selection-metric"),
            "unknown metric '"
                + selectionMetric
                + "' for a "
                + task.label()
                + " label (one of "
                + SELECTION_METRICS.get(task)
                + ")");
      }
      if (models.isEmpty()) {
        throw ConfigException.invalid(keyOf(task, "models"), "enable at least one model family");
      }
      if (trainMetricsRows < 1) {
        throw ConfigException.invalid("train.train-metrics-rows", "must be at least 1");
      }
    }

    /** A binary label's training settings. */
    public Train(
        boolean standardize,
        String selectionMetric,
        Search search,
        List<ModelSpace> models,
        long trainMetricsRows) {
      this(Task.BINARY, standardize, selectionMetric, search, models, trainMetricsRows);
    }

    /** Whether the search prefers a lower value of its metric (an error or a loss). */
    public boolean lowerIsBetter() {
      return LOWER_IS_BETTER.contains(selectionMetric);
    }

    /** The key of a task's own training setting: train.models, train.regression.models. */
    public static String keyOf(Task task, String setting) {
      return task == Task.BINARY ? "train." + setting : "train." + task.label() + "." + setting;
    }
  }

  /** How the decision threshold is chosen on the validation split. */
  public enum ThresholdRule {
    /** evaluate.threshold, as configured. */
    FIXED,
    /** The threshold with the highest F1. */
    MAX_F1,
    /** The lowest threshold whose precision reaches evaluate.min-precision: the most recall. */
    MIN_PRECISION,
    /** The highest threshold whose recall reaches evaluate.min-recall: the most precision. */
    MIN_RECALL,
    /** The threshold with the lowest total cost of false positives and false negatives. */
    MIN_COST
  }

  /**
   * The decision threshold: a rule, and what each rule reads.
   *
   * @param fixed the threshold of rule fixed, and the one trials are compared at
   */
  public record Threshold(
      ThresholdRule rule,
      double fixed,
      double minPrecision,
      double minRecall,
      double costFalsePositive,
      double costFalseNegative) {
    public Threshold {
      if (!(fixed > 0 && fixed < 1)) {
        throw ConfigException.invalid("evaluate.threshold", "must be between 0 and 1");
      }
      requireShare("evaluate.min-precision", minPrecision);
      requireShare("evaluate.min-recall", minRecall);
      if (costFalsePositive < 0
          || costFalseNegative < 0
          || costFalsePositive + costFalseNegative == 0) {
        throw ConfigException.invalid(
            "evaluate.cost", "false-positive and false-negative must be >= 0, not both 0");
      }
    }
  }

  /**
   * Evaluation on the test split.
   *
   * @param threshold how the decision threshold is chosen (on validation, by train)
   * @param minSegmentRows segments with fewer test rows are reported as too small, not scored
   * @param intersections groups of segment columns also evaluated together, for example sex with
   *     age band
   */
  public record Evaluate(
      Threshold threshold, long minSegmentRows, List<List<String>> intersections) {
    public Evaluate {
      intersections = intersections.stream().map(List::copyOf).toList();
    }

    /** Every intersection must name at least two of the contract's segment columns. */
    void requireCompatible(DatasetContract contract) {
      for (List<String> columns : intersections) {
        if (columns.size() < 2 || !contract.segmentColumns().containsAll(columns)) {
          throw ConfigException.invalid(
              "evaluate.intersections",
              columns + " must name two or more of dataset.segment-columns");
        }
      }
    }

    /** The name an intersection is reported under: its columns joined by "_x_". */
    public static String intersectionName(List<String> columns) {
      return String.join("_x_", columns);
    }
  }

  /** The baseline a candidate must beat, scored on the same test rows. */
  public enum Baseline {
    /** A logistic regression with MLlib's defaults, trained on the same rows as the candidate. */
    REFERENCE,
    /** Every row scored with the positive share of the training split. */
    PRIOR
  }

  /**
   * When a candidate is registered and when it becomes the champion. Every gate must pass for a
   * candidate to be registered.
   *
   * @param minMetric gate: the least overall value of {@code metric}
   * @param baseline what the {@code beats_baseline} gate compares with; the prior is a floor
   * @param minGainOverBaseline gate: by how much it must beat that baseline (negative: how far it
   *     may trail it)
   * @param maxLossToChampion gate: by how much it may fall behind the champion, both scored on the
   *     same test rows
   * @param minSegmentMetric gate: the least {@code metric} in every segment large enough to judge
   * @param maxFairnessGap gate: the largest demographic parity or equal opportunity difference
   *     between the groups of a protected column
   * @param minTestPositives gate: the fewest positive rows the test split must hold for its metrics
   *     to count as evidence; the split and train stages warn when validation or test holds fewer
   * @param blockNotJudged whether a gate with nothing to judge (no segment, or fewer than two
   *     groups of a protected column, large enough) stops registration; it is reported either way
   * @param autoPromote whether a registered candidate that beats the champion by more than {@code
   *     minGainOverChampion} becomes the champion; otherwise only `promote` moves it
   */
  /**
   * Who may move the champion alias with {@code promote}.
   *
   * @param releaseUsers the tracking server's users (MLFLOW_TRACKING_USERNAME) who may; empty:
   *     anyone the server lets set aliases
   */
  public record Promote(List<String> releaseUsers) {
    public Promote {
      releaseUsers = List.copyOf(releaseUsers);
      if (releaseUsers.stream().anyMatch(String::isBlank)) {
        throw ConfigException.invalid("promote.release-users", "holds an empty user name");
      }
    }

    /** Whether only the release users may promote. */
    public boolean restricted() {
      return !releaseUsers.isEmpty();
    }
  }

  /**
   * The gates and the registration. {@code metric}, {@code minMetric}, {@code minSegmentMetric}
   * (and regression's {@code minTestRows}) are the task's, from {@code register.<task>} for a
   * multiclass or regression label; the rest compare differences of that metric and hold for every
   * task.
   *
   * @param minTestPositives the fewest test rows of the positive class (binary) or of every class
   *     (multiclass)
   * @param minTestRows the fewest test rows (regression)
   */
  public record Register(
      Task task,
      String modelPrefix,
      String metric,
      double minMetric,
      Baseline baseline,
      double minGainOverBaseline,
      double maxLossToChampion,
      double minSegmentMetric,
      double maxFairnessGap,
      long minTestPositives,
      long minTestRows,
      boolean blockNotJudged,
      boolean autoPromote,
      double minGainOverChampion) {
    /** The metrics each task's gates may compare: all higher-is-better, so a gain is a gain. */
    public static final Map<Task, List<String>> METRICS =
        Map.of(
            Task.BINARY,
            List.of("auc", "area_under_pr", "accuracy", "precision", "recall", "f1"),
            Task.MULTICLASS,
            List.of("macro_f1", "weighted_f1", "accuracy", "macro_recall", "macro_precision"),
            Task.REGRESSION,
            List.of("r2"));

    public Register {
      if (!METRICS.get(task).contains(metric)) {
        throw ConfigException.invalid(
            keyOf(task, "metric"),
            "unknown metric '"
                + metric
                + "' for a "
                + task.label()
                + " label (one of "
                + METRICS.get(task)
                + ")");
      }
      requireShare(keyOf(task, "min-metric"), minMetric);
      requireShare(keyOf(task, "min-segment-metric"), minSegmentMetric);
      requireShare("register.gates.max-fairness-gap", maxFairnessGap);
      requireShare("register.gates.max-loss-to-champion", maxLossToChampion);
      if (minTestPositives < 0) {
        throw ConfigException.invalid(
            "register.gates.min-test-positives", "must be >= 0, got " + minTestPositives);
      }
      if (minTestRows < 0) {
        throw ConfigException.invalid(
            "register.regression.min-test-rows", "must be >= 0, got " + minTestRows);
      }
    }

    /** A binary label's registration settings. */
    public Register(
        String modelPrefix,
        String metric,
        double minMetric,
        Baseline baseline,
        double minGainOverBaseline,
        double maxLossToChampion,
        double minSegmentMetric,
        double maxFairnessGap,
        long minTestPositives,
        boolean blockNotJudged,
        boolean autoPromote,
        double minGainOverChampion) {
      this(
          Task.BINARY,
          modelPrefix,
          metric,
          minMetric,
          baseline,
          minGainOverBaseline,
          maxLossToChampion,
          minSegmentMetric,
          maxFairnessGap,
          minTestPositives,
          0,
          blockNotJudged,
          autoPromote,
          minGainOverChampion);
    }

    /**
     * Where a task's own setting lives: register.metric and register.gates.min-metric for binary,
     * register.multiclass.metric and register.multiclass.min-metric for the others.
     */
    public static String keyOf(Task task, String setting) {
      if (task != Task.BINARY) {
        return "register." + task.label() + "." + setting;
      }
      return setting.equals("metric") ? "register.metric" : "register.gates." + setting;
    }
  }

  /** Metrics and gaps compared by the gates are shares: 0 to 1. */
  private static void requireShare(String key, double value) {
    if (value < 0 || value > 1) {
      throw ConfigException.invalid(key, "must be between 0 and 1, got " + value);
    }
  }

  /** Raw file formats that `generate` writes and `ingest` reads. */
  public enum FileFormat {
    CSV,
    PARQUET
  }

  /** Snapshot replaces the table's content (history keeps it); append adds a batch. */
  public enum IngestMode {
    SNAPSHOT,
    APPEND
  }

  /**
   * How `monitor` judges a scored batch against the model's reference, and when it recommends
   * retraining.
   *
   * @param bins quantile bins of the reference for numeric features and the scores
   * @param falseDiscoveryRate the Benjamini-Hochberg rate over the features' test p-values
   * @param minPsi the population stability index a feature must also reach to count as drifted
   * @param cooldownHours the least time between two retraining recommendations
   * @param minNewLabelledRows labelled raw rows the model was not trained on, needed to retrain
   */
  public record Monitor(
      int bins,
      double falseDiscoveryRate,
      double minPsi,
      double maxDriftedShare,
      double maxPredictionPsi,
      double maxMetricDrop,
      long cooldownHours,
      long minNewLabelledRows) {
    public Monitor {
      if (bins < 2 || bins > 100) {
        throw ConfigException.invalid("monitor.bins", "must be 2 to 100, got " + bins);
      }
      if (!(falseDiscoveryRate > 0 && falseDiscoveryRate < 1)) {
        throw ConfigException.invalid(
            "monitor.drift.false-discovery-rate",
            "must be between 0 and 1, got " + falseDiscoveryRate);
      }
      requireShare("monitor.retrain.max-drifted-share", maxDriftedShare);
      if (minPsi < 0
          || maxPredictionPsi < 0
          || maxMetricDrop < 0
          || cooldownHours < 0
          || minNewLabelledRows < 0) {
        throw ConfigException.invalid(
            "monitor",
            "min-psi, max-prediction-psi, max-metric-drop, cooldown-hours and"
                + " min-new-labelled-rows must not be negative");
      }
    }
  }
}
