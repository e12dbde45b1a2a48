package dev.batchmlops.evaluate;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The per-segment bar chart stays readable with many segments and long names. */
class ChartsTest {
  @Test
  void thirtySegmentsWithFortyCharacterNamesNeverOverlap() throws Exception {
    List<String> labels = new ArrayList<>();
    double[] values = new double[30];
    double[][] intervals = new double[30][];
    for (int i = 0; i < 30; i++) {
      labels.add(String.format("sex_x_age_band_x_region=segment-%02d-%s", i, "x".repeat(5)));
      values[i] = 0.5 + (i * 7 % 30) / 100.0;
      intervals[i] = new double[] {values[i] - 0.05, values[i] + 0.05};
    }
    labels.set(3, "a segment name far longer than any label column should hold, truly");
    assertEquals(40, labels.get(0).length());

    Charts.BarLayout layout = Charts.barLayout(labels, values, intervals);
    List<Charts.BarLayout.Bar> bars = layout.bars();
    assertEquals(30, bars.size());
    for (int i = 1; i < bars.size(); i++) {
      assertTrue(
          bars.get(i).top() >= bars.get(i - 1).top() + layout.rowHeight(),
          "row " + i + " starts below the one before");
      assertTrue(bars.get(i).value() >= bars.get(i - 1).value(), "sorted by value");
    }
    for (Charts.BarLayout.Bar bar : bars) {
      assertTrue(bar.labelPixels() <= layout.labelWidth(), bar.label() + " fits its column");
      assertTrue(layout.labelWidth() <= Charts.MAX_LABEL_WIDTH);
    }
    assertTrue(
        bars.stream().anyMatch(b -> b.label().endsWith("\u2026")), "the longest one is shortened");
    assertTrue(layout.height() >= bars.get(29).top() + layout.rowHeight(), "every row is drawn");

    BufferedImage png =
        ImageIO.read(
            new ByteArrayInputStream(
                Charts.bars("AUC per segment", "AUC", labels, values, intervals)));
    assertEquals(layout.width(), png.getWidth());
    assertEquals(layout.height(), png.getHeight());
  }

  @Test
  void aConfusionMatrixOfTwentyClassesKeepsItsNamesAndCellsApart() throws Exception {
    List<String> classes = new ArrayList<>();
    long[][] counts = new long[20][20];
    for (int c = 0; c < 20; c++) {
      classes.add(String.format("product-category-%02d-%s", c, "y".repeat(12)));
      counts[c][c] = 40;
      counts[c][(c + 1) % 20] = 10;
    }
    classes.set(7, "a class name far longer than any label column should hold, truly");

    Charts.MatrixLayout layout = Charts.matrixLayout(classes);
    java.awt.FontMetrics metrics =
        new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB)
            .createGraphics()
            .getFontMetrics(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 11));
    assertTrue(layout.cell() >= metrics.getHeight(), "a name per cell, never two: " + layout);
    assertTrue(
        layout.sharesWritten(),
        "at 20 classes each cell still holds its share: "
            + layout.cell()
            + " px, 100% takes "
            + metrics.stringWidth("100%"));
    assertTrue(layout.labelWidth() <= Charts.MAX_LABEL_WIDTH);
    assertTrue(layout.labels().get(7).endsWith("\u2026"), "the longest one is shortened");
    assertTrue(
        layout.top() + 20 * layout.cell() <= layout.height()
            && layout.left() + 20 * layout.cell() <= layout.width(),
        "every cell is drawn: " + layout);

    BufferedImage png =
        ImageIO.read(
            new ByteArrayInputStream(Charts.confusionMatrix("Confusion", classes, counts)));
    assertEquals(layout.width(), png.getWidth());
    assertEquals(layout.height(), png.getHeight());
    // The diagonal (80% of each class) is shaded dark, an empty cell stays white.
    int red = png.getRGB(layout.left() + 2, layout.top() + 2) >> 16 & 0xff;
    int emptyRed = png.getRGB(layout.left() + 5 * layout.cell() + 2, layout.top() + 2) >> 16 & 0xff;
    assertTrue(red < 150, "diagonal red " + red);
    assertEquals(255, emptyRed);
  }
}
