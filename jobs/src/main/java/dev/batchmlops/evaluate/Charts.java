package dev.batchmlops.evaluate;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Small PNG charts drawn with Java's own imaging (headless, no plotting library): curves on the
 * unit square, horizontal bars with intervals sized to their number, a confusion matrix.
 */
public final class Charts {
  private static final int WIDTH = 520;
  private static final int HEIGHT = 420;
  private static final int LEFT = 60;
  private static final int RIGHT = 20;
  private static final int TOP = 40;
  private static final int BOTTOM = 50;
  private static final Color[] COLORS = {
    new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44), Color.GRAY
  };

  static {
    System.setProperty("java.awt.headless", "true");
  }

  private Charts() {}

  /** One line of a chart: its name and its points, x and y between 0 and 1. */
  public record Series(String name, List<double[]> points, boolean dashed) {}

  /** Lines on the unit square, for ROC, PR and calibration curves. */
  public static byte[] lines(String title, String xLabel, String yLabel, List<Series> series) {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas(image, title);
    axes(g, xLabel, yLabel);
    int i = 0;
    for (Series line : series) {
      g.setColor(line.dashed() ? Color.GRAY : COLORS[i++ % COLORS.length]);
      g.setStroke(
          line.dashed()
              ? new BasicStroke(
                  1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0)
              : new BasicStroke(2f));
      for (int p = 1; p < line.points().size(); p++) {
        double[] a = line.points().get(p - 1);
        double[] b = line.points().get(p);
        g.drawLine(x(a[0]), y(a[1]), x(b[0]), y(b[1]));
      }
      g.drawString(line.name(), LEFT + 10, TOP + 15 + 15 * (i + (line.dashed() ? 3 : 0)));
    }
    return png(image, g);
  }

  /**
   * Where each bar of a horizontal bar chart goes: one row per bar, sorted by value (lowest first),
   * each row as tall as its label's text, the label column as wide as the longest label (long
   * labels are shortened with an ellipsis beyond {@link #MAX_LABEL_WIDTH} pixels), and the image as
   * tall as its rows. Labels never overlap, however many bars there are.
   */
  record BarLayout(int width, int height, int labelWidth, int rowHeight, List<Bar> bars) {
    /** One bar: its label as drawn, its value and interval, and the top of its row. */
    record Bar(String label, int labelPixels, double value, double[] interval, int top) {}

    int plotLeft() {
      return labelWidth + 16;
    }

    int plotWidth() {
      return width - plotLeft() - RIGHT;
    }
  }

  static final int MAX_LABEL_WIDTH = 320;
  private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
  private static final int BAR_PLOT_WIDTH = 380;

  static BarLayout barLayout(List<String> labels, double[] values, double[][] intervals) {
    FontMetrics metrics = metrics(LABEL_FONT);
    int rowHeight = metrics.getHeight() + 6;
    Integer[] order = new Integer[labels.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(
        order,
        java.util.Comparator.comparingDouble((Integer i) -> values[i]).thenComparing(i -> i));
    int labelWidth = 0;
    List<String> shown = new java.util.ArrayList<>();
    for (String label : labels) {
      String fitted = fit(label, metrics);
      shown.add(fitted);
      labelWidth = Math.max(labelWidth, metrics.stringWidth(fitted));
    }
    List<BarLayout.Bar> bars = new java.util.ArrayList<>();
    for (int row = 0; row < order.length; row++) {
      int i = order[row];
      bars.add(
          new BarLayout.Bar(
              shown.get(i),
              metrics.stringWidth(shown.get(i)),
              values[i],
              intervals[i],
              TOP + row * rowHeight));
    }
    int width = labelWidth + 16 + BAR_PLOT_WIDTH + RIGHT;
    int height = TOP + Math.max(1, order.length) * rowHeight + BOTTOM;
    return new BarLayout(width, height, labelWidth, rowHeight, bars);
  }

  /** The label, shortened with an ellipsis until it fits the label column. */
  private static String fit(String label, FontMetrics metrics) {
    if (metrics.stringWidth(label) <= MAX_LABEL_WIDTH) {
      return label;
    }
    String shortened = label;
    while (shortened.length() > 1 && metrics.stringWidth(shortened + "\u2026") > MAX_LABEL_WIDTH) {
      shortened = shortened.substring(0, shortened.length() - 1);
    }
    return shortened + "\u2026";
  }

  private static FontMetrics metrics(Font font) {
    Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
    try {
      return g.getFontMetrics(font);
    } finally {
      g.dispose();
    }
  }

  /**
   * Horizontal bars, one per label, sorted by value, each with its interval (low, high); values
   * between 0 and 1. The image grows with the number of bars.
   */
  public static byte[] bars(
      String title, String xLabel, List<String> labels, double[] values, double[][] intervals) {
    BarLayout layout = barLayout(labels, values, intervals);
    BufferedImage image =
        new BufferedImage(layout.width(), layout.height(), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas(image, title, 10);
    int left = layout.plotLeft();
    int plot = layout.plotWidth();
    int bottom = layout.height() - BOTTOM;
    for (int t = 0; t <= 10; t += 2) {
      int x = left + plot * t / 10;
      g.setColor(Color.LIGHT_GRAY);
      g.drawLine(x, TOP, x, bottom);
      g.setColor(Color.BLACK);
      g.drawString(String.format(Locale.ROOT, "%.1f", t / 10.0), x - 8, bottom + 15);
    }
    g.drawString(xLabel, left + plot / 2 - 10, bottom + 32);
    int ascent = g.getFontMetrics().getAscent();
    for (BarLayout.Bar bar : layout.bars()) {
      int top = bar.top() + 3;
      int thickness = layout.rowHeight() - 6;
      g.setColor(COLORS[0]);
      g.fillRect(left, top, (int) Math.round(plot * clamp(bar.value())), thickness);
      if (bar.interval() != null) {
        int middle = top + thickness / 2;
        int low = left + (int) Math.round(plot * clamp(bar.interval()[0]));
        int high = left + (int) Math.round(plot * clamp(bar.interval()[1]));
        g.setColor(Color.BLACK);
        g.drawLine(low, middle, high, middle);
        g.drawLine(low, top, low, top + thickness);
        g.drawLine(high, top, high, top + thickness);
      }
      g.setColor(Color.DARK_GRAY);
      g.drawString(bar.label(), left - 8 - bar.labelPixels(), top + ascent - 1);
    }
    g.setColor(Color.BLACK);
    g.drawLine(left, TOP, left, bottom);
    return png(image, g);
  }

  private static double clamp(double value) {
    return Math.max(0, Math.min(1, value));
  }

  /** The 2 x 2 confusion matrix with counts and shares. */
  public static byte[] confusion(String title, long tp, long fp, long tn, long fn) {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas(image, title);
    long total = Math.max(1, tp + fp + tn + fn);
    long[][] cells = {{tn, fp}, {fn, tp}};
    String[] names = {"negative", "positive"};
    int size = 140;
    int left = (WIDTH - 2 * size) / 2 + 20;
    int top = TOP + 40;
    for (int actual = 0; actual < 2; actual++) {
      for (int predicted = 0; predicted < 2; predicted++) {
        double share = (double) cells[actual][predicted] / total;
        int shade = (int) (255 - 160 * share);
        g.setColor(new Color(shade, shade, 255));
        g.fillRect(left + predicted * size, top + actual * size, size, size);
        g.setColor(Color.BLACK);
        g.drawRect(left + predicted * size, top + actual * size, size, size);
        g.drawString(
            cells[actual][predicted] + String.format(Locale.ROOT, " (%.1f%%)", 100 * share),
            left + predicted * size + 30,
            top + actual * size + size / 2);
      }
      g.drawString("actual " + names[actual], left - 110, top + actual * size + size / 2);
      g.drawString("predicted " + names[actual], left + actual * size + 25, top - 10);
    }
    return png(image, g);
  }

  /**
   * Where a normalized confusion matrix's parts go: class names down the left (true) and up the top
   * (predicted, written vertically), each as wide as the longest (shortened with an ellipsis beyond
   * {@link #MAX_LABEL_WIDTH} pixels), and square cells no smaller than a line of label text, so
   * that neither names nor cells overlap at any number of classes. A cell's share is written in it
   * when the cell is wide enough for "100%".
   */
  record MatrixLayout(
      int width, int height, int labelWidth, int cell, boolean sharesWritten, List<String> labels) {
    int left() {
      return labelWidth + 16;
    }

    int top() {
      return TOP + labelWidth + 12;
    }
  }

  private static final String MATRIX_FOOTER =
      "rows: true class; columns: predicted (share of the true class)";

  /** The cells fill about this many pixels across, when the labels allow. */
  private static final int MATRIX_SPAN = 720;

  static MatrixLayout matrixLayout(List<String> classes) {
    FontMetrics metrics = metrics(LABEL_FONT);
    List<String> shown = classes.stream().map(c -> fit(c, metrics)).toList();
    int labelWidth = shown.stream().mapToInt(metrics::stringWidth).max().orElse(0);
    int line = metrics.getHeight() + 4;
    int cell = Math.max(line, Math.min(64, MATRIX_SPAN / Math.max(1, classes.size())));
    boolean written = cell >= metrics.stringWidth("100%") + 4;
    int size = cell * classes.size();
    int width = Math.max(labelWidth + 16 + size + RIGHT, metrics.stringWidth(MATRIX_FOOTER) + 20);
    int height = TOP + labelWidth + 12 + size + BOTTOM;
    return new MatrixLayout(width, height, labelWidth, cell, written, shown);
  }

  /**
   * The confusion matrix of several classes, each row normalized by its true class's rows (the
   * diagonal is each class's recall), shaded by share; {@code counts[true][predicted]}.
   */
  public static byte[] confusionMatrix(String title, List<String> classes, long[][] counts) {
    MatrixLayout layout = matrixLayout(classes);
    BufferedImage image =
        new BufferedImage(layout.width(), layout.height(), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas(image, title, 10);
    FontMetrics metrics = g.getFontMetrics();
    int left = layout.left();
    int top = layout.top();
    int cell = layout.cell();
    for (int actual = 0; actual < classes.size(); actual++) {
      long rows = 0;
      for (long count : counts[actual]) {
        rows += count;
      }
      for (int predicted = 0; predicted < classes.size(); predicted++) {
        double share = rows == 0 ? 0 : (double) counts[actual][predicted] / rows;
        int shade = (int) Math.round(255 - 200 * share);
        int x = left + predicted * cell;
        int y = top + actual * cell;
        g.setColor(new Color(shade, shade, 255));
        g.fillRect(x, y, cell, cell);
        g.setColor(Color.LIGHT_GRAY);
        g.drawRect(x, y, cell, cell);
        if (layout.sharesWritten() && counts[actual][predicted] > 0) {
          String text = String.format(Locale.ROOT, "%.0f%%", 100 * share);
          g.setColor(share > 0.6 ? Color.WHITE : Color.BLACK);
          g.drawString(
              text,
              x + (cell - metrics.stringWidth(text)) / 2,
              y + (cell + metrics.getAscent()) / 2 - 2);
        }
      }
      g.setColor(Color.DARK_GRAY);
      String label = layout.labels().get(actual);
      g.drawString(
          label,
          left - 8 - metrics.stringWidth(label),
          top + actual * cell + (cell + metrics.getAscent()) / 2 - 2);
    }
    // The predicted classes' names, bottom to top above their columns.
    for (int predicted = 0; predicted < classes.size(); predicted++) {
      String label = layout.labels().get(predicted);
      java.awt.geom.AffineTransform saved = g.getTransform();
      g.translate(left + predicted * cell + (cell + metrics.getAscent()) / 2 - 2, top - 8);
      g.rotate(-Math.PI / 2);
      g.drawString(label, 0, 0);
      g.setTransform(saved);
    }
    g.setColor(Color.BLACK);
    g.drawString(MATRIX_FOOTER, 10, layout.height() - BOTTOM / 2);
    return png(image, g);
  }

  private static Graphics2D canvas(BufferedImage image, String title) {
    return canvas(image, title, LEFT);
  }

  /** A white image with its title at {@code titleX}, ready to draw labels on. */
  private static Graphics2D canvas(BufferedImage image, String title, int titleX) {
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.drawString(title, titleX, 24);
    g.setFont(LABEL_FONT);
    return g;
  }

  /** Axes of the unit square. */
  private static void axes(Graphics2D g, String xLabel, String yLabel) {
    g.setColor(Color.LIGHT_GRAY);
    for (int t = 0; t <= 10; t += 2) {
      g.drawLine(x(t / 10.0), y(0), x(t / 10.0), y(1));
      g.drawLine(x(0), y(t / 10.0), x(1), y(t / 10.0));
    }
    g.setColor(Color.BLACK);
    g.drawLine(x(0), y(0), x(1), y(0));
    g.drawLine(x(0), y(0), x(0), y(1));
    for (int t = 0; t <= 10; t += 2) {
      String label = String.format(Locale.ROOT, "%.1f", t / 10.0);
      g.drawString(label, x(t / 10.0) - 8, y(0) + 15);
      g.drawString(label, x(0) - 28, y(t / 10.0) + 4);
    }
    g.drawString(xLabel, (WIDTH - LEFT) / 2 + LEFT - 30, HEIGHT - 12);
    g.drawString(yLabel, 4, TOP - 8);
  }

  private static int x(double value) {
    return LEFT + (int) Math.round(value * (WIDTH - LEFT - RIGHT));
  }

  private static int y(double value) {
    return HEIGHT - BOTTOM - (int) Math.round(value * (HEIGHT - TOP - BOTTOM));
  }

  private static byte[] png(BufferedImage image, Graphics2D g) {
    g.dispose();
    try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
      ImageIO.write(image, "png", out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode a chart as PNG", e);
    }
  }
}
