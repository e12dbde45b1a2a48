package dev.batchmlops.cli;

import dev.batchmlops.ingest.IngestStage;
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

  static int registration(RegisterStage.Outcome outcome) {
    if (outcome.identicalTo().isPresent()) {
      var existing = outcome.identicalTo().get();
      System.out.println(
          "not registered again: identical to "
              + existing.name()
              + " version "
              + existing.version()
              + " (the same raw data version, split, settings and code)"
              + (outcome.decision().promote() ? "; it is the champion now" : ""));
      return 0;
    }
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
