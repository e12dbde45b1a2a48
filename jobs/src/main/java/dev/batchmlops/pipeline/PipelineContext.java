package dev.batchmlops.pipeline;

import dev.batchmlops.Fingerprints;
import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.spark.OnDemandSpark;
import dev.batchmlops.table.Commit;
import dev.batchmlops.table.CommitLog;
import dev.batchmlops.table.DeltaTables;
import dev.batchmlops.table.HadoopFiles;
import dev.batchmlops.table.StorageLayout;
import dev.batchmlops.table.TableVersion;
import dev.batchmlops.tracking.DatasetInput;
import dev.batchmlops.tracking.ExperimentTracker;
import dev.batchmlops.tracking.TrackedRun;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.TimestampType;

/**
 * Everything a stage needs: configuration, Spark, storage, tracking, and the pipeline state with
 * its parent run. Each stage runs in a child run of that parent. Callers check that the tracker is
 * reachable before they start Spark, so an unreachable server costs nothing.
 */
public final class PipelineContext {
  private final PipelineConfig config;
  private final OnDemandSpark spark;
  private final ExperimentTracker tracker;
  private final StorageLayout layout;
  private final HadoopFiles files;
  private DeltaTables tables;
  private final Map<TableVersion, String> digests = new java.util.concurrent.ConcurrentHashMap<>();
  private final StateStore stateStore;
  private final String experimentId;
  private PipelineState state;
  private TrackedRun parentRun;
  private TrackedRun ownRun;

  private PipelineContext(PipelineConfig config, OnDemandSpark spark, ExperimentTracker tracker) {
    this.config = config;
    this.spark = spark;
    this.tracker = tracker;
    this.layout = StorageLayout.of(config);
    this.files = new HadoopFiles(spark.hadoopConfiguration());
    this.stateStore = new StateStore(files, layout.stateFile());
    this.experimentId = tracker.experimentId(config.experimentName());
    this.state = stateStore.load();
  }

  /**
   * Opens the context. With {@code newPipelineRun} a fresh parent run starts; otherwise stages
   * attach to the parent run recorded in the state (or start one when there is none).
   */
  public static PipelineContext open(
      PipelineConfig config,
      SparkSession spark,
      ExperimentTracker tracker,
      boolean newPipelineRun) {
    return open(config, OnDemandSpark.running(spark), tracker, newPipelineRun);
  }

  /** {@link #open(PipelineConfig, SparkSession, ExperimentTracker, boolean)}, Spark on demand. */
  public static PipelineContext open(
      PipelineConfig config,
      OnDemandSpark spark,
      ExperimentTracker tracker,
      boolean newPipelineRun) {
    PipelineContext context = new PipelineContext(config, spark, tracker);
    if (newPipelineRun || context.state.parentRunId() == null) {
      try {
        context.startParentRun();
      } catch (RuntimeException e) {
        // The run exists by now (an unwritable state file fails after it started): never leave it
        // RUNNING.
        context.endPipelineRun(false);
        throw e;
      }
    } else {
      context.parentRun = tracker.resumeRun(context.state.parentRunId());
    }
    return context;
  }

  /**
   * Opens the context for a command that is not a stage of a training pipeline (scoring): it
   * neither starts nor resumes a pipeline run, and its runs are runs of their own.
   */
  public static PipelineContext openWithoutPipelineRun(
      PipelineConfig config, OnDemandSpark spark, ExperimentTracker tracker) {
    return new PipelineContext(config, spark, tracker);
  }

  private void startParentRun() {
    parentRun =
        tracker.startRun(experimentId, "pipeline-" + config.dataset().name(), null, standardTags());
    parentRun.logParams(
        Map.of(
            "dataset", config.dataset().name(),
            "environment", config.environment(),
            "seed", Long.toString(config.seed())));
    parentRun.logText("config/resolved.json", config.resolvedJson());
    updateState(s -> s.withParentRunId(parentRun.runId()));
  }

  /** Tags every run carries: what code, configuration and data it came from. */
  public Map<String, String> standardTags() {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("mlflow.source.git.commit", BuildInfo.gitCommit());
    tags.put("mlflow.source.name", "batchmlops");
    tags.put("batchmlops.git_commit", BuildInfo.gitCommit());
    tags.put("batchmlops.dataset", config.dataset().name());
    tags.put("batchmlops.environment", config.environment());
    tags.put("batchmlops.config_hash", config.hash());
    tags.put("batchmlops.seed", Long.toString(config.seed()));
    tags.put("batchmlops.spark_version", OnDemandSpark.sparkVersion());
    tags.put("batchmlops.java_version", System.getProperty("java.version"));
    BuildInfo.libraries()
        .forEach((library, version) -> tags.put("batchmlops." + library + "_version", version));
    return tags;
  }

  /**
   * Runs {@code body} in a child run named {@code stage}; the run ends as finished, or as failed
   * when the body throws (the exception goes on to the caller).
   */
  public <T> T inChildRun(String stage, Function<TrackedRun, T> body) {
    return inNestedRun(parentRun(), stage, body);
  }

  /**
   * Runs {@code body} in a run named {@code name} nested under {@code parent} (a stage's run, for
   * the trials of a search); ends like {@link #inChildRun}.
   */
  public <T> T inNestedRun(TrackedRun parent, String name, Function<TrackedRun, T> body) {
    return inRun(parent.runId(), name, Map.of(), body);
  }

  /**
   * Runs {@code body} in a top-level run of its own, with {@code tags} besides the standard ones.
   */
  public <T> T inOwnRun(String name, Map<String, String> tags, Function<TrackedRun, T> body) {
    return inRun(null, name, tags, run -> body.apply(ownRun = run));
  }

  /** Every run records its wall time, so a slowdown shows as a trend across runs. */
  private <T> T inRun(
      String parentRunId,
      String name,
      Map<String, String> extraTags,
      Function<TrackedRun, T> body) {
    Map<String, String> tags = standardTags();
    tags.put("batchmlops.stage", name);
    tags.putAll(extraTags);
    TrackedRun run = tracker.startRun(experimentId, name, parentRunId, tags);
    long started = System.nanoTime();
    boolean succeeded = false;
    try {
      T result = body.apply(run);
      run.logMetrics(Map.of(WALL_SECONDS, (System.nanoTime() - started) / 1e9));
      succeeded = true;
      return result;
    } finally {
      run.end(succeeded);
    }
  }

  /** The metric every run records: seconds from its start to its end. */
  public static final String WALL_SECONDS = "wall_seconds";

  /** The metric every stage that reads data records: the rows it worked on, for throughput. */
  public static final String ROWS_PROCESSED = "rows_processed";

  public void updateState(UnaryOperator<PipelineState> change) {
    state = change.apply(state);
    stateStore.save(state);
  }

  /** Ends the parent run: finished when every stage so far succeeded. */
  public void endPipelineRun(boolean succeeded) {
    if (parentRun != null) {
      parentRun.end(succeeded);
    }
  }

  /**
   * A table version the current stage read, as an MLflow dataset input named after the dataset and
   * {@code part} ("credit-train"). The digest is the split's fingerprint, or for a raw version a
   * hash of the version and its content checksum, so equal digests mean the same rows.
   */
  public DatasetInput datasetInput(
      String part, TableVersion table, Dataset<Row> rows, String context) {
    String digest = tableDigest(table);
    Map<String, String> columns = new LinkedHashMap<>();
    for (StructField field : rows.schema().fields()) {
      columns.put(field.name(), mlflowType(field.dataType()));
    }
    return new DatasetInput(
        config.dataset().name() + "-" + part,
        digest,
        table.path(),
        table.version(),
        columns,
        rows.count(),
        context);
  }

  /**
   * What rows a table version holds, from its commit: a split's fingerprint, or for a raw version a
   * hash of the version and its content checksum. Read once per version (commits never change).
   */
  public String tableDigest(TableVersion table) {
    return digests.computeIfAbsent(table, this::digest);
  }

  /**
   * What the pipeline recorded in the commit that wrote {@code table}'s version: from the log file
   * of that one commit (no Spark job), or from Delta's history when that file is gone.
   */
  public Map<String, String> commitMetadata(TableVersion table) {
    return CommitLog.read(files, table)
        .or(
            () ->
                tables().history(table.path()).stream()
                    .filter(c -> c.version() == table.version())
                    .findFirst())
        .map(Commit::metadata)
        .orElse(Map.of());
  }

  private String digest(TableVersion table) {
    Map<String, String> commit = commitMetadata(table);
    return commit.containsKey("fingerprint")
        ? commit.get("fingerprint")
        : Fingerprints.sha256(table + ":" + commit.getOrDefault("source_checksum", ""))
            .substring(0, 16);
  }

  private static String mlflowType(DataType type) {
    if (type instanceof IntegerType) {
      return "integer";
    } else if (type instanceof LongType) {
      return "long";
    } else if (type instanceof DoubleType) {
      return "double";
    } else if (type instanceof FloatType) {
      return "float";
    } else if (type instanceof BooleanType) {
      return "boolean";
    } else if (type instanceof DateType || type instanceof TimestampType) {
      return "datetime";
    } else if (type instanceof BinaryType) {
      return "binary";
    }
    return "string";
  }

  public PipelineConfig config() {
    return config;
  }

  /** The Spark session, started now if this is its first use. */
  public SparkSession spark() {
    return spark.session();
  }

  public ExperimentTracker tracker() {
    return tracker;
  }

  public StorageLayout layout() {
    return layout;
  }

  public HadoopFiles files() {
    return files;
  }

  public synchronized DeltaTables tables() {
    if (tables == null) {
      tables = new DeltaTables(spark.session());
    }
    return tables;
  }

  public PipelineState state() {
    return state;
  }

  public TrackedRun parentRun() {
    if (parentRun == null) {
      throw new IllegalStateException("this command runs outside a pipeline run");
    }
    return parentRun;
  }

  /** The id of the pipeline run this command works in, if it works in one. */
  public Optional<String> pipelineRunId() {
    return Optional.ofNullable(parentRun).map(TrackedRun::runId);
  }

  /** The pipeline run's page in the MLflow UI, once a pipeline run is open. */
  public Optional<String> pipelineRunUrl() {
    return Optional.ofNullable(parentRun).map(this::runUrl);
  }

  /**
   * Where a failure's evidence is, for the line that reports it: "pipeline run URL", or for a
   * command outside a pipeline run (score, monitor) "MLflow run URL" of the run it started.
   */
  public Optional<String> failureLink() {
    if (parentRun != null) {
      return Optional.of("pipeline run " + runUrl(parentRun));
    }
    return Optional.ofNullable(ownRun).map(run -> "MLflow run " + runUrl(run));
  }

  private String runUrl(TrackedRun run) {
    // MLflow 3's UI shows an experiment's runs in its model-training view; the parameter also
    // switches a browser that last showed the GenAI view.
    return config.tracking().uri()
        + "/#/experiments/"
        + run.experimentId()
        + "/runs/"
        + run.runId()
        + "?workflowType=machine_learning";
  }

  public String stateFile() {
    return stateStore.path();
  }
}
