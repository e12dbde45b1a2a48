package dev.batchmlops.catalog;

import dev.batchmlops.score.ModelReference;
import dev.batchmlops.tracking.ModelRegistry;
import dev.batchmlops.tracking.ModelRegistry.ModelVersion;
import dev.batchmlops.tracking.ModelRegistry.RegisteredModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What models exist and what each version was built from, read from the registry's version tags
 * that registration and promotion wrote: the data (tables and versions, test rows), the data
 * checks' verdicts, the gates with their values, the test metrics, and who registered and promoted
 * it, and why.
 */
public final class ModelCatalog {
  private ModelCatalog() {}

  /** One registered version with its aliases. */
  public record Entry(RegisteredModel model, ModelVersion version, List<String> aliases) {
    String tag(String key) {
      return version.tags().getOrDefault(key, "-");
    }

    /** The version's tags that start with {@code prefix}, without it, in name order. */
    Map<String, String> tagsStartingWith(String prefix) {
      Map<String, String> found = new java.util.TreeMap<>();
      version
          .tags()
          .forEach(
              (k, v) -> {
                if (k.startsWith(prefix)) {
                  found.put(k.substring(prefix.length()), v);
                }
              });
      return found;
    }

    /** One line: name/version, aliases, data, verdicts, the metric, who registered it. */
    public String line(String metric) {
      return String.format(
          java.util.Locale.ROOT,
          "%s/%s %s raw=%s splits=%s validation=%s leakage=%s test_%s=%s by=%s",
          version.name(),
          version.version(),
          aliases.isEmpty() ? "-" : "@" + String.join(",@", aliases),
          tag("raw_table"),
          tag("splits_table"),
          tag("validation"),
          tag("leakage_checks"),
          metric,
          tag("test_" + metric),
          tag("registered_by"));
    }

    /** Everything the catalogue knows about the version, one fact per line. */
    public List<String> details() {
      List<String> lines = new ArrayList<>();
      lines.add("model        " + version.name() + " version " + version.version());
      lines.add("aliases      " + (aliases.isEmpty() ? "none" : String.join(", ", aliases)));
      lines.add("registered   by " + tag("registered_by") + " from run " + version.runId());
      lines.add("trained on   " + tag("raw_table") + " (dataset " + tag("dataset") + ")");
      lines.add(
          "split        "
              + tag("splits_table")
              + " fingerprint "
              + tag("split_fingerprint")
              + ", "
              + tag("test_rows")
              + " test rows");
      lines.add(
          "checks       validation " + tag("validation") + ", leakage " + tag("leakage_checks"));
      tagsStartingWith("gate.")
          .forEach((gate, value) -> lines.add("gate         " + gate + " " + value));
      Map<String, String> metrics = new LinkedHashMap<>();
      tagsStartingWith("test_")
          .forEach(
              (metric, value) -> {
                if (!metric.equals("rows") && !metric.startsWith("segment")) {
                  metrics.put(metric, value);
                }
              });
      metrics.forEach((metric, value) -> lines.add("test metric  " + metric + " " + value));
      lines.add("threshold    " + tag("decision_threshold"));
      if (version.tags().containsKey("promoted_by")) {
        lines.add(
            "promoted     by "
                + tag("promoted_by")
                + " at "
                + tag("promoted_at")
                + " (was "
                + tag("previous_champion")
                + "): "
                + tag("promotion_reason"));
      }
      lines.add("code         " + tag("git_commit") + ", config " + tag("config_hash"));
      lines.add("files        manifest " + tag(ModelRegistry.MANIFEST_TAG));
      return lines;
    }
  }

  /** Every version of every registered model, by model name, newest version first. */
  public static List<Entry> list(ModelRegistry registry) {
    List<Entry> entries = new ArrayList<>();
    List<RegisteredModel> models = new ArrayList<>(registry.registeredModels());
    models.sort(Comparator.comparing(RegisteredModel::name));
    for (RegisteredModel model : models) {
      List<ModelVersion> versions = new ArrayList<>(registry.versions(model.name()));
      versions.sort(
          Comparator.comparingLong((ModelVersion v) -> Long.parseLong(v.version())).reversed());
      for (ModelVersion version : versions) {
        entries.add(new Entry(model, version, aliasesOf(model, version.version())));
      }
    }
    return entries;
  }

  /** The version {@code reference} names, with its aliases. */
  public static Entry show(ModelRegistry registry, ModelReference reference) {
    ModelVersion version = reference.resolve(registry);
    RegisteredModel model =
        registry.registeredModels().stream()
            .filter(m -> m.name().equals(version.name()))
            .findFirst()
            .orElse(new RegisteredModel(version.name(), "", Map.of(), Map.of()));
    return new Entry(model, version, aliasesOf(model, version.version()));
  }

  private static List<String> aliasesOf(RegisteredModel model, String version) {
    return model.aliases().entrySet().stream()
        .filter(a -> a.getValue().equals(version))
        .map(Map.Entry::getKey)
        .sorted()
        .toList();
  }
}
