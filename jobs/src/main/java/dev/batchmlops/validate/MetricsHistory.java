package dev.batchmlops.validate;

import com.amazon.deequ.analyzers.Analyzer;
import com.amazon.deequ.analyzers.runners.AnalyzerContext;
import com.amazon.deequ.metrics.Metric;
import com.amazon.deequ.repository.AnalysisResult;
import com.amazon.deequ.repository.MetricsRepository;
import com.amazon.deequ.repository.ResultKey;
import com.amazon.deequ.repository.fs.FileSystemMetricsRepository;
import com.amazon.deequ.repository.memory.InMemoryMetricsRepository;
import dev.batchmlops.table.TableVersion;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import scala.collection.JavaConverters;

/**
 * The data metrics of every validation of one dataset, in Deequ's metrics repository: one entry per
 * run, tagged with the dataset, the table version it measured, the run and whether it passed.
 * Anomaly rules compare against the runs that passed only, so a failed run never becomes the
 * reference its own repair is judged against.
 */
public final class MetricsHistory {
  static final String DATASET = "dataset";
  static final String TABLE = "table";
  static final String TABLE_VERSION = "table_version";
  static final String STATUS = "status";
  static final String RUN_ID = "run_id";
  static final String PASSED = "passed";
  static final String FAILED = "failed";

  private final MetricsRepository repository;
  private final String dataset;

  private MetricsHistory(MetricsRepository repository, String dataset) {
    this.repository = repository;
    this.dataset = dataset;
  }

  /** The history persisted as Deequ's JSON file at a Hadoop path (local, HDFS, object store). */
  public static MetricsHistory persisted(SparkSession spark, String path, String dataset) {
    return new MetricsHistory(new FileSystemMetricsRepository(spark, path), dataset);
  }

  /** A history that lives as long as the object, for tests and one-off checks. */
  public static MetricsHistory inMemory(String dataset) {
    return new MetricsHistory(new InMemoryMetricsRepository(), dataset);
  }

  /** One earlier value of a metric, from a run that passed. */
  public record Point(long time, double value, String table) {}

  /** The metric's values in earlier passing runs of this dataset, oldest first. */
  public List<Point> passed(Analyzer<?, Metric<?>> analyzer) {
    scala.collection.Seq<AnalysisResult> results =
        repository
            .load()
            .withTagValues(scalaMap(Map.of(DATASET, dataset, STATUS, PASSED)))
            .forAnalyzers(JavaConverters.asScalaBuffer(List.<Analyzer<?, Metric<?>>>of(analyzer)))
            .get();
    List<Point> points = new ArrayList<>();
    for (AnalysisResult result : JavaConverters.seqAsJavaList(results)) {
      result
          .analyzerContext()
          .metric(analyzer)
          .filter(metric -> metric.value().isSuccess())
          .foreach(
              metric ->
                  points.add(
                      new Point(
                          result.resultKey().dataSetDate(),
                          ((Number) metric.value().get()).doubleValue(),
                          result.resultKey().tags().getOrElse(TABLE, () -> "?"))));
    }
    points.sort(Comparator.comparingLong(Point::time));
    return points;
  }

  /** Keeps the metrics of a run that has just been judged, at a time later than any before. */
  public void record(TableVersion table, String runId, boolean passed, AnalyzerContext metrics) {
    Map<String, String> tags =
        Map.of(
            DATASET,
            dataset,
            TABLE,
            table.toString(),
            TABLE_VERSION,
            Long.toString(table.version()),
            STATUS,
            passed ? PASSED : FAILED,
            RUN_ID,
            runId);
    repository.save(new ResultKey(nextTime(), scalaMap(tags)), metrics);
  }

  /** Now, or just after the latest entry when the clock has not moved on (two runs in 1 ms). */
  private long nextTime() {
    long latest = 0;
    for (AnalysisResult result :
        JavaConverters.seqAsJavaList(
            repository.load().withTagValues(scalaMap(Map.of(DATASET, dataset))).get())) {
      latest = Math.max(latest, result.resultKey().dataSetDate());
    }
    return Math.max(System.currentTimeMillis(), latest + 1);
  }

  private static scala.collection.immutable.Map<String, String> scalaMap(Map<String, String> map) {
    return JavaConverters.mapAsScalaMapConverter(map)
        .asScala()
        .toMap(scala.Predef.<scala.Tuple2<String, String>>$conforms());
  }
}
