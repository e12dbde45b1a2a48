package dev.batchmlops.config;

import java.util.List;

/** The typed settings of each stage, one record per stage, validated when built. */
public final class StageConfigs {
  private StageConfigs() {}

  /** Where Delta tables, saved models and the pipeline state live, and where raw files land. */
  public record Storage(String root, String landing) {}

  /** The MLflow tracking server and how runs are named. */
  public record Tracking(String uri, String experimentPrefix, int timeoutSeconds) {
    public Tracking {
      if (!uri.startsWith("http://") && !uri.startsWith("https://")) {
        throw ConfigException.invalid("tracking.uri", "must be an http(s) URL, got '" + uri + "'");
      }
      if (timeoutSeconds <= 0) {
        throw ConfigException.invalid("tracking.timeout-seconds", "must be positive");
      }
    }
  }

  /** Synthetic data generation. */
  public record Generate(long rows, FileFormat format) {
    public Generate {
      if (rows <= 0) {
        throw ConfigException.invalid("generate.rows", "must be positive, got " + rows);
      }
    }
  }

  /** How raw files land in the raw Delta table. */
  public record Ingest(IngestMode mode) {}

  /** Train / validation / test ratios. */
  public record Split(double train, double validation, double test) {
    public Split {
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
  }

  /** Logistic regression hyperparameters and feature scaling. */
  public record Train(int maxIter, double regParam, double elasticNetParam, boolean standardize) {
    public Train {
      if (maxIter <= 0) {
        throw ConfigException.invalid("train.logistic-regression.max-iter", "must be positive");
      }
      if (regParam < 0) {
        throw ConfigException.invalid("train.logistic-regression.reg-param", "must be >= 0");
      }
      if (elasticNetParam < 0 || elasticNetParam > 1) {
        throw ConfigException.invalid(
            "train.logistic-regression.elastic-net-param", "must be between 0 and 1");
      }
    }
  }

  /** Evaluation on the test split. */
  public record Evaluate(double threshold) {
    public Evaluate {
      if (!(threshold > 0 && threshold < 1)) {
        throw ConfigException.invalid("evaluate.threshold", "must be between 0 and 1");
      }
    }
  }

  /** When a candidate is registered and when it becomes the champion. */
  public record Register(
      String modelPrefix, String metric, double minGainOverBaseline, double minGainOverChampion) {
    public static final List<String> METRICS =
        List.of("auc", "accuracy", "precision", "recall", "f1");

    public Register {
      if (!METRICS.contains(metric)) {
        throw ConfigException.invalid(
            "register.metric", "unknown metric '" + metric + "' (one of " + METRICS + ")");
      }
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
}
