package dev.batchmlops.cli;

import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.table.TableVersion;
import java.time.Instant;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Pins the raw table version a command reads, to replay a run on exactly the data it saw. */
final class RawVersionOptions {
  // Plain options, not an exclusive @ArgGroup: picocli lists a mixed-in group's options twice.
  @Option(names = "--raw-version", description = "Read this version of the raw table.")
  Long version;

  @Option(
      names = "--raw-as-of",
      description =
          "Read the raw table as of this time (ISO-8601, for example 2026-11-29T12:00:00Z).")
  Instant asOf;

  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  /** Whether a version was pinned; refuses both options at once as a usage error. */
  boolean pinned() {
    if (version != null && asOf != null) {
      throw new ParameterException(
          command.commandLine(), "give --raw-version or --raw-as-of, not both");
    }
    return version != null || asOf != null;
  }

  /** Records the pinned version in the state, when one was asked for; returns it. */
  Optional<TableVersion> apply(PipelineContext context) {
    Optional<TableVersion> table = resolve(context);
    table.ifPresent(t -> context.updateState(s -> s.withRaw(t)));
    return table;
  }

  /** The pinned version, when one was asked for, without recording it. */
  Optional<TableVersion> resolve(PipelineContext context) {
    if (!pinned()) {
      return Optional.empty();
    }
    String raw = context.layout().rawTable();
    return Optional.of(
        version != null
            ? context.tables().pinned(raw, version)
            : context.tables().versionAsOf(raw, asOf));
  }
}
