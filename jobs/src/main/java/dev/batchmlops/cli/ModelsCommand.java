package dev.batchmlops.cli;

import dev.batchmlops.catalog.ModelCatalog;
import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.score.ModelReference;
import dev.batchmlops.tracking.MlflowTracker;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** The model catalogue: what is registered, built from what, judged how, promoted by whom. */
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    subcommands = {ModelsCommand.ListModels.class, ModelsCommand.Show.class},
    description = {
      "The model catalogue, from the registry's version tags: `models list` for every",
      "registered version, `models show NAME[@ALIAS|/VERSION]` for one in full.",
      "Reads: tracking.*, register.metric. Needs no Spark."
    })
final class ModelsCommand implements Callable<Integer> {
  @Mixin CommonOptions options;

  @Override
  public Integer call() {
    return new ListModels().print(options.load());
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "Every registered model and version, newest first: aliases, the raw and split table",
        "versions it was trained on, the validation and leakage verdicts, the test value of",
        "register.metric, and who registered it."
      })
  static final class ListModels implements Callable<Integer> {
    @Mixin CommonOptions options;

    @Override
    public Integer call() {
      return print(options.load());
    }

    int print(PipelineConfig config) {
      MlflowTracker tracker = new MlflowTracker(config.tracking());
      tracker.checkReachable();
      List<ModelCatalog.Entry> entries = ModelCatalog.list(tracker.registry());
      if (entries.isEmpty()) {
        System.out.println("no registered models at " + config.tracking().uri());
      }
      entries.forEach(e -> System.out.println(e.line(config.register().metric())));
      return 0;
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = {
        "One version in full: aliases, data, checks, each gate with its value, test metrics,",
        "decision threshold, who promoted it, when and why, code and configuration, and the",
        "hash of its files' manifest."
      })
  static final class Show implements Callable<Integer> {
    @Mixin CommonOptions options;

    @Parameters(
        paramLabel = "MODEL",
        arity = "0..1",
        description = "NAME@ALIAS, NAME/VERSION or NAME (its champion); default: the dataset's.")
    String model;

    @Override
    public Integer call() {
      PipelineConfig config = options.load();
      MlflowTracker tracker = new MlflowTracker(config.tracking());
      tracker.checkReachable();
      ModelCatalog.show(
              tracker.registry(), ModelReference.parse(model, config.registeredModelName()))
          .details()
          .forEach(System.out::println);
      return 0;
    }
  }
}
