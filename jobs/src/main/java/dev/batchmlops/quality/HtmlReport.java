package dev.batchmlops.quality;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A self-contained HTML page (no scripts, no external files) that the MLflow UI shows inline: a
 * title, a verdict line and tables. Built section by section; every value is escaped.
 */
public final class HtmlReport {
  private static final String STYLE =
      "body{font-family:sans-serif;margin:1.5em;color:#222}"
          + "table{border-collapse:collapse;margin:.5em 0 1.5em}"
          + "th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}"
          + "th{background:#f3f3f3}.passed{color:#1a7f37}.warning{color:#9a6700}"
          + ".error{color:#cf222e;font-weight:bold}";

  private final StringBuilder body = new StringBuilder();
  private final String title;

  public HtmlReport(String title) {
    this.title = title;
    body.append("<h1>").append(escape(title)).append("</h1>\n");
  }

  public HtmlReport paragraph(String text) {
    body.append("<p>").append(escape(text)).append("</p>\n");
    return this;
  }

  /** The verdict line and one row per finding, failures first. */
  public HtmlReport findings(QualityReport report) {
    String verdict = report.passed() ? "passed" : "error";
    body.append("<p class=\"")
        .append(verdict)
        .append("\">")
        .append(report.passed() ? "PASSED" : "FAILED")
        .append(": ")
        .append(escape(report.summary()))
        .append("</p>\n");
    List<List<String>> rows = new ArrayList<>();
    for (Finding finding : report.findings()) {
      rows.add(
          List.of(
              finding.status(),
              finding.subject(),
              finding.check(),
              finding.severity().label(),
              finding.message()));
    }
    return table("Checks", List.of("status", "subject", "check", "severity", "evidence"), rows);
  }

  /** A PNG image, embedded so the page stays one self-contained file. */
  public HtmlReport image(String heading, byte[] png) {
    if (png == null) {
      return this; // a picture this report's subject does not have
    }
    body.append("<h2>")
        .append(escape(heading))
        .append("</h2>\n<img alt=\"")
        .append(escape(heading))
        .append("\" src=\"data:image/png;base64,")
        .append(java.util.Base64.getEncoder().encodeToString(png))
        .append("\">\n");
    return this;
  }

  /** A two-column table of named values, in the map's order. */
  public HtmlReport values(String heading, Map<String, ?> values) {
    List<List<String>> rows = new ArrayList<>();
    values.forEach((name, value) -> rows.add(List.of(name, readable(value))));
    return table(heading, List.of("name", "value"), rows);
  }

  /** Whole numbers without a decimal point (5000, not 5000.0); other numbers to four places. */
  static String readable(Object value) {
    if (value instanceof Double || value instanceof Float) {
      double number = ((Number) value).doubleValue();
      if (Double.isNaN(number)) {
        return "-";
      }
      if (number == Math.rint(number) && Math.abs(number) < 1e15) {
        return Long.toString((long) number);
      }
      return String.format(java.util.Locale.ROOT, "%.4f", number);
    }
    return String.valueOf(value);
  }

  public HtmlReport table(String heading, List<String> header, List<List<String>> rows) {
    body.append("<h2>").append(escape(heading)).append("</h2>\n<table>\n<tr>");
    header.forEach(h -> body.append("<th>").append(escape(h)).append("</th>"));
    body.append("</tr>\n");
    for (List<String> row : rows) {
      body.append("<tr>");
      for (int i = 0; i < row.size(); i++) {
        String cell = escape(row.get(i));
        // The first column of a findings or gates table is a status: colour it.
        String status = i == 0 ? STATUS_CLASSES.get(cell) : null;
        if (status != null) {
          body.append("<td class=\"").append(status).append("\">").append(cell).append("</td>");
        } else {
          body.append("<td>").append(cell).append("</td>");
        }
      }
      body.append("</tr>\n");
    }
    body.append("</table>\n");
    return this;
  }

  /** Statuses and the colour class each is shown in. */
  private static final Map<String, String> STATUS_CLASSES =
      Map.of(
          "passed", "passed",
          "warning", "warning",
          "error", "error",
          "failed", "error",
          "not judged", "warning");

  public String render() {
    return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
        + escape(title)
        + "</title><style>"
        + STYLE
        + "</style></head><body>\n"
        + body
        + "</body></html>\n";
  }

  static String escape(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
