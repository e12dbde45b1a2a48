package dev.batchmlops.cli;

import dev.batchmlops.PipelineException;
import dev.batchmlops.audit.AuditAction;
import dev.batchmlops.audit.AuditChain;
import dev.batchmlops.audit.AuditRecord;
import dev.batchmlops.audit.AuditTrail;
import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.tracking.TrackingCredentials;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Lists the dataset's audit trail, or checks that it is whole. */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    subcommands = AuditCommand.Verify.class,
    description = {
      "List the dataset's audit trail: every action that changed its state (ingest, validation",
      "verdict, split, leakage check, registration or rejection, promotion or its refusal,",
      "scoring, monitoring decision, cleanup, a refused model), oldest first, with when, who",
      "(the MLflow user, else the OS user), what it read and wrote, and why.",
      "`audit verify` checks the hash chain. Reads: storage.root. Needs no MLflow server."
    })
final class AuditCommand implements Callable<Integer> {
  @Mixin CommonOptions options;

  @Option(
      names = "--action",
      paramLabel = "ACTION",
      description = "Only this action (ingest, validation, registration, promotion, ...).")
  String action;

  @Option(
      names = "--model-version",
      paramLabel = "N",
      description = "Only records that read or wrote this model version.")
  String modelVersion;

  @Option(
      names = "--since",
      paramLabel = "TIME",
      description = "Only records at or after this time (2026-11-30 or 2026-11-30T12:00:00Z).")
  String since;

  @Option(
      names = "--until",
      paramLabel = "TIME",
      description = "Only records before this time (a date means its start).")
  String until;

  @Override
  public Integer call() {
    PipelineConfig config = options.load();
    Optional<AuditAction> wanted = Optional.ofNullable(action).map(AuditCommand::action);
    Optional<Instant> from = Optional.ofNullable(since).map(t -> instant("--since", t));
    Optional<Instant> to = Optional.ofNullable(until).map(t -> instant("--until", t));
    AuditTrail trail = trail(config);
    List<AuditRecord> records = trail.records();
    if (records.isEmpty()) {
      System.out.println("no audit records in " + trail.table() + " yet");
      return 0;
    }
    records.stream()
        .filter(r -> wanted.map(a -> a.label().equals(r.action())).orElse(true))
        .filter(r -> modelVersion == null || namesVersion(r, modelVersion))
        .filter(r -> from.map(t -> !r.at().isBefore(t)).orElse(true))
        .filter(r -> to.map(t -> r.at().isBefore(t)).orElse(true))
        .forEach(r -> System.out.println(r.describe()));
    return 0;
  }

  private static boolean namesVersion(AuditRecord record, String version) {
    return version.equals(record.inputs().get(AuditRecord.MODEL_VERSION))
        || version.equals(record.outputs().get(AuditRecord.MODEL_VERSION));
  }

  private static AuditAction action(String label) {
    try {
      return AuditAction.parse(label);
    } catch (IllegalArgumentException e) {
      throw new PipelineException("audit --action: " + e.getMessage());
    }
  }

  static Instant instant(String option, String text) {
    try {
      return text.length() == 10
          ? LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant()
          : Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new PipelineException(
          "audit "
              + option
              + ": '"
              + text
              + "' is not a date (2026-11-30) or a UTC time (2026-11-30T12:00:00Z)");
    }
  }

  /** Reading needs no tracking server: the actor is only for records this command never writes. */
  static AuditTrail trail(PipelineConfig config) {
    return Audits.trail(config, TrackingCredentials.none().actor(), "audit");
  }

  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description = {
        "Check the audit trail's hash chain: every record unchanged, none removed from before",
        "the last, none reordered. Prints the number of records and the last hash (keep it",
        "elsewhere to detect records removed from the end). Exits 1 naming the first bad record."
      })
  static final class Verify implements Callable<Integer> {
    @Mixin CommonOptions options;

    @Override
    public Integer call() {
      AuditTrail trail = trail(options.load());
      List<AuditRecord> records = trail.records();
      Optional<AuditChain.Break> broken = AuditChain.verify(records);
      if (broken.isPresent()) {
        throw new PipelineException(
            "audit trail " + trail.table() + " is broken: " + broken.get().describe());
      }
      System.out.println(
          "audit trail "
              + trail.table()
              + " is whole: "
              + records.size()
              + " records, last hash "
              + AuditChain.head(records));
      return 0;
    }
  }
}
