package dev.batchmlops.retention;

import dev.batchmlops.PipelineException;
import dev.batchmlops.table.Commit;
import dev.batchmlops.table.DeltaTables;
import dev.batchmlops.table.StorageLayout;
import dev.batchmlops.table.TableVersion;
import dev.batchmlops.tracking.ModelRegistry;
import io.delta.tables.DeltaTable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/**
 * Vacuums the dataset's tables under the retention policy, never removing files that a version some
 * registered model was trained on still reads (found through the model versions' lineage tags in
 * the registry).
 */
public final class CleanupStage {
  /** The model-version tags that name the table versions a model was built from. */
  public static final List<String> LINEAGE_TAGS = List.of("raw_table", "splits_table");

  private CleanupStage() {}

  /** What was done to one table. */
  public record Vacuumed(
      String table, long retentionHours, Optional<TableVersion> protectedVersion) {}

  public static List<Vacuumed> run(
      SparkSession spark,
      StorageLayout layout,
      ModelRegistry registry,
      String registeredModel,
      long configuredHours) {
    DeltaTables tables = new DeltaTables(spark);
    List<TableVersion> protectedVersions = protectedVersions(registry, registeredModel);
    List<Vacuumed> done = new ArrayList<>();
    for (String path : List.of(layout.rawTable(), layout.quarantineTable(), layout.splitTable())) {
      if (!tables.exists(path)) {
        continue;
      }
      Optional<TableVersion> oldest =
          protectedVersions.stream()
              .filter(v -> v.path().equals(path))
              .min(Comparator.comparingLong(TableVersion::version));
      Optional<Instant> committed =
          oldest.flatMap(
              v ->
                  tables.history(path).stream()
                      .filter(c -> c.version() == v.version())
                      .map(Commit::timestamp)
                      .findFirst());
      RetentionPolicy.Decision decision =
          RetentionPolicy.retention(configuredHours, oldest, committed, Instant.now());
      vacuum(spark, path, decision.hours());
      done.add(new Vacuumed(path, decision.hours(), decision.protectedVersion()));
    }
    return done;
  }

  /** The table versions registered models were built from, parsed from "path@vN" tags. */
  static List<TableVersion> protectedVersions(ModelRegistry registry, String registeredModel) {
    List<TableVersion> versions = new ArrayList<>();
    for (ModelRegistry.ModelVersion version : registry.versions(registeredModel)) {
      for (String tag : LINEAGE_TAGS) {
        String value = version.tags().get(tag);
        if (value != null) {
          versions.add(parse(value, registeredModel, version.version()));
        }
      }
    }
    return versions;
  }

  static TableVersion parse(String value, String model, String version) {
    try {
      return TableVersion.parse(value);
    } catch (IllegalArgumentException e) {
      throw new PipelineException(
          "model "
              + model
              + " version "
              + version
              + " has an unreadable lineage tag '"
              + value
              + "'");
    }
  }

  private static void vacuum(SparkSession spark, String path, long hours) {
    Map<String, String> settings = new LinkedHashMap<>();
    // Delta refuses retentions under its 7-day default unless told the policy was checked; the
    // policy above has.
    settings.put("spark.databricks.delta.retentionDurationCheck.enabled", "false");
    // VACUUM lists files with this many tasks (Spark's default is 10,000); unless the user chose a
    // number, size it to the cluster.
    String listing = "spark.sql.sources.parallelPartitionDiscovery.parallelism";
    if (!spark.sparkContext().getConf().contains(listing)) {
      settings.put(listing, Integer.toString(4 * spark.sparkContext().defaultParallelism()));
    }
    Map<String, String> before = new LinkedHashMap<>();
    settings.forEach(
        (key, value) -> {
          before.put(key, spark.conf().getOption(key).getOrElse(() -> null));
          spark.conf().set(key, value);
        });
    try {
      DeltaTable.forPath(spark, path).vacuum(hours);
    } finally {
      before.forEach(
          (key, value) -> {
            if (value == null) {
              spark.conf().unset(key);
            } else {
              spark.conf().set(key, value);
            }
          });
    }
  }
}
