package dev.batchmlops.monitor;

import dev.batchmlops.config.PipelineConfig;
import dev.batchmlops.evaluate.Charts;
import dev.batchmlops.quality.HtmlReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The monitoring run's HTML report: the decision, every feature's drift, and plots of the drifted.
 */
final class DriftReport {
  private DriftReport() {}

  static String html(
      PipelineConfig config,
      MonitorStage.Result result,
      FeatureBins bins,
      Map<String, Map<String, Long>> reference,
      Map<String, Map<String, Long>> current) {
    var settings = config.monitor();
    HtmlReport report =
        new HtmlReport(
                "Drift report: "
                    + result.model().name()
                    + " version "
                    + result.model().version()
                    + ", batch "
                    + result.batchId())
            .paragraph(
                result.summary()
                    + ". A feature has drifted when its test rejects \"same distribution\" at a"
                    + " false discovery rate of "
                    + settings.falseDiscoveryRate()
                    + " over all features (Benjamini-Hochberg) and its PSI reaches "
                    + settings.minPsi()
                    + ". Reference: the train split the version was trained on; batch: "
                    + result.input()
                    + ", "
                    + result.rows()
                    + " rows.");
    List<List<String>> rows = new ArrayList<>();
    List<DriftRule.FeatureDrift> all = new ArrayList<>(result.features());
    all.add(result.prediction());
    for (DriftRule.FeatureDrift f : all) {
      rows.add(
          List.of(
              f.drifted() ? "drifted" : "stable",
              f.feature(),
              format(f.psi()),
              format(f.statistic()),
              String.format(Locale.ROOT, "%.2g", f.pValue()),
              String.join(", ", result.unseenCategories().getOrDefault(f.feature(), List.of()))));
    }
    report.table(
        "Features and scores",
        List.of("verdict", "feature", "PSI", "KS / JS distance", "p-value", "unseen categories"),
        rows);
    report.paragraph("Contract checks of the batch when it was scored: " + result.batchQuality());
    result.performance().ifPresent(p -> performance(report, p));
    for (DriftRule.FeatureDrift f : result.features()) {
      if (!f.drifted()) {
        continue;
      }
      DriftRule.FeatureCounts counts =
          bins.compare(f.feature(), reference.get(f.feature()), current.get(f.feature()));
      report.image(
          f.feature() + ": share of rows per bin, reference and batch",
          Charts.lines(
              f.feature() + " (PSI " + format(f.psi()) + ")",
              bins.numeric(f.feature()) ? "reference quantile bin" : "category (sorted)",
              "share of rows",
              List.of(
                  new Charts.Series("reference (train split)", shares(counts.reference()), true),
                  new Charts.Series("batch", shares(counts.current()), false))));
    }
    return report.render();
  }

  /** Overall and per-segment metrics of the labelled rows against the version's test values. */
  private static void performance(HtmlReport report, Performance p) {
    report.paragraph(
        String.format(
            Locale.ROOT,
            "Performance on %d labelled rows: %s %s against %s at test. A segment is below when its"
                + " AUC is more than %.2f standard errors of the difference under its test AUC.",
            p.batch().rows(),
            p.metric(),
            format(p.value()),
            format(p.testValue()),
            Performance.Z));
    List<List<String>> rows = new ArrayList<>();
    for (Performance.Segment segment : p.segments()) {
      var batch = segment.batch();
      rows.add(
          List.of(
              batch.label(),
              Long.toString(batch.rows()),
              batch.tooSmall() ? "too few rows" : format(batch.binaryMetrics().auc()),
              Double.isNaN(batch.low())
                  ? ""
                  : "[" + format(batch.low()) + ", " + format(batch.high()) + "]",
              Double.isNaN(segment.testAuc()) ? "not recorded" : format(segment.testAuc()),
              segment.below() ? "below" : ""));
    }
    report.table(
        "AUC per segment, batch against test",
        List.of("segment", "labelled rows", "batch AUC", "95% interval", "test AUC", ""),
        rows);
  }

  private static List<double[]> shares(long[] counts) {
    double total = 0;
    for (long c : counts) {
      total += c;
    }
    List<double[]> points = new ArrayList<>();
    for (int i = 0; i < counts.length; i++) {
      points.add(new double[] {i, total == 0 ? 0 : counts[i] / total});
    }
    return points;
  }

  private static String format(double value) {
    return String.format(Locale.ROOT, "%.4f", value);
  }
}
