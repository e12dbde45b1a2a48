package dev.batchmlops.evaluate;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
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
 * unit square, bars with intervals, a confusion matrix.
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
    axes(g, xLabel, yLabel, true);
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

  /** One bar per label with an interval (low, high) drawn on it; values between 0 and 1. */
  public static byte[] bars(
      String title, String yLabel, List<String> labels, double[] values, double[][] intervals) {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas(image, title);
    axes(g, "", yLabel, false);
    int slot = (WIDTH - LEFT - RIGHT) / Math.max(1, labels.size());
    for (int i = 0; i < labels.size(); i++) {
      int left = LEFT + i * slot + slot / 5;
      int width = slot * 3 / 5;
      g.setColor(COLORS[0]);
      g.fillRect(left, y(values[i]), width, y(0) - y(values[i]));
      if (intervals[i] != null) {
        g.setColor(Color.BLACK);
        int middle = left + width / 2;
        g.drawLine(middle, y(intervals[i][0]), middle, y(intervals[i][1]));
        g.drawLine(middle - 5, y(intervals[i][0]), middle + 5, y(intervals[i][0]));
        g.drawLine(middle - 5, y(intervals[i][1]), middle + 5, y(intervals[i][1]));
      }
      g.setColor(Color.DARK_GRAY);
      g.setFont(g.getFont().deriveFont(9f));
      g.drawString(labels.get(i), left, HEIGHT - BOTTOM + 14 + 10 * (i % 2));
      g.setFont(g.getFont().deriveFont(11f));
    }
    return png(image, g);
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

  private static Graphics2D canvas(BufferedImage image, String title) {
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, WIDTH, HEIGHT);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.drawString(title, LEFT, 24);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    return g;
  }

  /** Axes of the unit square; {@code numericX} false for bars, whose x axis holds labels. */
  private static void axes(Graphics2D g, String xLabel, String yLabel, boolean numericX) {
    g.setColor(Color.LIGHT_GRAY);
    for (int t = 0; t <= 10; t += 2) {
      if (numericX) {
        g.drawLine(x(t / 10.0), y(0), x(t / 10.0), y(1));
      }
      g.drawLine(x(0), y(t / 10.0), x(1), y(t / 10.0));
    }
    g.setColor(Color.BLACK);
    g.drawLine(x(0), y(0), x(1), y(0));
    g.drawLine(x(0), y(0), x(0), y(1));
    for (int t = 0; t <= 10; t += 2) {
      String label = String.format(Locale.ROOT, "%.1f", t / 10.0);
      if (numericX) {
        g.drawString(label, x(t / 10.0) - 8, y(0) + 15);
      }
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
