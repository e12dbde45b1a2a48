package dev.batchmlops.quality;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reports print numbers as people read them and colour every status. */
class HtmlReportTest {
  @Test
  void countsPrintAsIntegersAndSharesToFourPlaces() {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("data.size", 5000.0);
    values.put("data.completeness.income", 0.96123);
    values.put("table", "raw@v3");
    String html = new HtmlReport("t").values("Data metrics", values).render();
    assertTrue(html.contains("<td>5000</td>"), html);
    assertFalse(html.contains("5000.0"), html);
    assertTrue(html.contains("<td>0.9612</td>"), html);
    assertTrue(html.contains("<td>raw@v3</td>"), html);
  }

  @Test
  void failedAndNotJudgedGatesAreColouredLikeErrorsAndWarnings() {
    String html =
        new HtmlReport("t")
            .table(
                "Gates",
                List.of("verdict", "gate"),
                List.of(List.of("failed", "min_metric"), List.of("not judged", "max_fairness_gap")))
            .render();
    assertTrue(html.contains("<td class=\"error\">failed</td>"), html);
    assertTrue(html.contains("<td class=\"warning\">not judged</td>"), html);
  }
}
