package dev.batchmlops.cli;

import dev.batchmlops.pipeline.PipelineContext;
import dev.batchmlops.table.TableVersion;
import java.time.Instant;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** Pins the raw table version a command reads, to replay a run on exactly the data it saw. */
final class RawVersionOptions {
  @ArgGroup(exclusive = true)
  Pin pin;

  static final class Pin {
    @Option(names = "--raw-version", description = "Read this version of the raw table.")
    Long version;

    @Option(
        names = "--raw-as-of",
        description =
            "Read the raw table as of this time (ISO-8601, for example 2026-11-29T12:00:00Z).")
    Instant asOf;
  }

  /** Records the pinned version in the state, when one was asked for; returns it. */
  Optional<TableVersion> apply(PipelineContext context) {
    Optional<TableVersion> table = resolve(context);
    table.ifPresent(t -> context.updateState(s -> s.withRaw(t)));
    return table;
  }

  /** The pinned version, when one was asked for, without recording it. */
  Optional<TableVersion> resolve(PipelineContext context) {
    if (pin == null) {
      return Optional.empty();
    }
    String raw = context.layout().rawTable();
    return Optional.of(
        pin.version != null
            ? context.tables().pinned(raw, pin.version)
            : context.tables().versionAsOf(raw, pin.asOf));
  }
}
