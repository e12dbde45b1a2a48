package dev.batchmlops.cli;

import dev.batchmlops.PipelineException;
import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.reproduce.ReproduceStage;
import dev.batchmlops.spark.OnDemandSpark;
import dev.batchmlops.tracking.MlflowTracker;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Rebuilds a registered version from its lineage and compares. */
@Command(
    name = "reproduce",
    description = {
      "Rebuild a registered model version from its lineage and compare it with what was",
      "registered: the raw table version it names, the configuration and seed its training run",
      "recorded (config/resolved.json, checked against the version's config_hash), split,",
      "trained and evaluated again in a scratch folder under storage.root (removed after; the",
      "dataset's tables and state are not touched). Prints each comparison side by side.",
      "Exits 0 when the split fingerprint is identical and every training parameter and test",
      "metric matches (to 1e-9: expect it on the same Spark master and partitioning), else 1.",
      "Warns when this jar's code commit differs from the one that trained the version.",
      "Reads: storage.root, tracking.*, register.model-prefix (for the default --model)."
    })
final class ReproduceCommand implements Callable<Integer> {
  @Mixin CommonOptions options;
  @Mixin HelpOption help;

  @Option(
      names = "--model",
      paramLabel = "NAME",
      description = "The registered model (default: the dataset's).")
  String model;

  @Option(names = "--version", required = true, paramLabel = "N", description = "Its version.")
  String version;

  @Override
  public Integer call() {
    PipelineConfig config = options.load();
    MlflowTracker tracker = new MlflowTracker(config.tracking());
    tracker.checkReachable();
    String name = model != null ? model : config.registeredModelName();
    ReproduceStage.Result result =
        ReproduceStage.run(
            config,
            OnDemandSpark.of("batchmlops-reproduce"),
            tracker,
            tracker.registry(),
            name,
            version);
    System.out.printf(
        Locale.ROOT, "%-28s %-24s %-24s %s%n", "compared", "registered", "rebuilt", "");
    for (ReproduceStage.Comparison c : result.comparisons()) {
      System.out.printf(
          Locale.ROOT,
          "%-28s %-24s %-24s %s%n",
          c.what(),
          c.registered(),
          c.rebuilt(),
          c.matches() ? "same" : "DIFFERS");
    }
    result.notes().forEach(note -> System.err.println("batchmlops: warning: " + note));
    if (!result.reproduced()) {
      throw new PipelineException(
          "reproduce: "
              + name
              + " version "
              + version
              + " does not reproduce: "
              + result.differences().stream()
                  .map(
                      c ->
                          c.what()
                              + " (registered "
                              + c.registered()
                              + ", rebuilt "
                              + c.rebuilt()
                              + ")")
                  .collect(Collectors.joining("; ")));
    }
    System.out.println(
        name + " version " + version + " reproduces: " + result.comparisons().size() + " checks");
    return 0;
  }
}
