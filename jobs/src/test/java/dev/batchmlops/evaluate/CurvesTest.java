package dev.batchmlops.evaluate;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.metrics.Curves;
import dev.batchmlops.support.TestSpark;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Curves from scored rows, and the charts drawn from them. */
class CurvesTest {
  private static Dataset<Row> scored(double[][] labelAndScore) {
    List<Row> rows = new ArrayList<>();
    for (double[] row : labelAndScore) {
      rows.add(RowFactory.create(row[0], row[1]));
    }
    StructType schema =
        new StructType().add("label", DataTypes.DoubleType).add("score", DataTypes.DoubleType);
    return TestSpark.session().createDataFrame(rows, schema);
  }

  @Test
  void aPerfectRankingReachesTheTopLeftCornerAndIsCalibratedWhereItIsSure() throws IOException {
    Curves.Points points =
        Curves.of(scored(new double[][] {{1, 0.95}, {1, 0.9}, {0, 0.1}, {0, 0.05}}));
    assertTrue(
        points.roc().stream().anyMatch(p -> p[0] == 0.0 && p[1] == 1.0),
        "all positives found before any negative");
    assertEquals(1.0, points.precisionRecall().get(0)[1], "the top bin is all positives");
    assertEquals(List.of(0.0, 0.0, 1.0), points.calibration().stream().map(p -> p[1]).toList());

    byte[] png =
        Charts.lines(
            "ROC", "fpr", "tpr", List.of(new Charts.Series("candidate", points.roc(), false)));
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
    assertEquals(520, image.getWidth());
    byte[] bars =
        Charts.bars(
            "AUC per segment",
            "AUC",
            List.of("sex=female", "sex=male"),
            new double[] {0.7, 0.8},
            new double[][] {{0.6, 0.8}, null});
    assertNotNull(ImageIO.read(new ByteArrayInputStream(bars)));
    assertNotNull(ImageIO.read(new ByteArrayInputStream(Charts.confusion("c", 5, 1, 10, 2))));
  }
}
