package dev.batchmlops.cli;

import dev.batchmlops.ingest.IngestStage;
import dev.batchmlops.quality.Finding;
import dev.batchmlops.quality.QualityReport;
import dev.batchmlops.register.RegisterStage;

/** What the commands print for a person at the console. */
final class Reports {
  /** Exit code when the pipeline ran but the candidate did not pass the registration gate. */
  static final int NOT_REGISTERED = 3;

  private Reports() {}

  static String ingest(IngestStage.Result result) {
    if (!result.written()) {
      return "already ingested: "
          + result.table()
          + " holds this source's content; nothing written";
    }
    return "ingested "
        + result.table()
        + ": "
        + result.rowsAccepted()
        + " of "
        + result.rowsRead()
        + " rows accepted, "
        + result.rowsQuarantined()
        + " quarantined";
  }

  /**
   * The report's summary, with each warning on a line of its own: a warning does not stop the run,
   * so the console is where a person sees it.
   */
  static String withWarnings(QualityReport report) {
    return withWarnings(report, "");
  }

  /** As {@link #withWarnings(QualityReport)}, with {@code after} right after the summary. */
  static String withWarnings(QualityReport report, String after) {
    StringBuilder text = new StringBuilder(report.summary()).append(after);
    for (Finding warning : report.warnings()) {
      text.append("\n  warning: ").append(warning);
    }
    return text.toString();
  }

  static int registration(RegisterStage.Outcome outcome) {
    if (outcome.version().isEmpty()) {
      System.err.println("batchmlops: model not registered: " + outcome.decision().reason());
      return NOT_REGISTERED;
    }
    var version = outcome.version().get();
    System.out.println(
        "registered model "
            + version.name()
            + " version "
            + version.version()
            + (outcome.decision().promote() ? " (champion)" : "")
            + ": "
            + outcome.decision().reason());
    return 0;
  }
}
