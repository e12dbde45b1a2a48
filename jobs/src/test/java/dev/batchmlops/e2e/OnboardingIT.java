package dev.batchmlops.e2e;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchmlops.support.ConfCopies;
import dev.batchmlops.support.MlflowTestServer;
import dev.batchmlops.support.SparkSubmit;
import dev.batchmlops.support.TestSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * A dataset nobody prepared, onboarded as a new user would: a clinical CSV with no id column, rows
 * sorted by the label, column names with a dot, a hyphen, a space and a non-ASCII letter, "?" for a
 * missing measurement and 0 for a blood pressure not taken. {@code profile} drafts the contract
 * from the file alone, the user follows the draft's one piece of advice (zeros mean "not
 * measured"), and the whole pipeline runs through spark-submit and registers a model. (A label with
 * a third value is refused at validation: see BadInputTest.)
 */
class OnboardingIT {
  private static final String HEADER = "patient.age,tumor-size,blood pressure,größe,smoker,outcome";

  /** The file as read: 1,200 rows, malignant ones first, with the planted sentinels counted. */
  private record Clinic(List<String> lines, long unmeasuredSizes, long unmeasuredPressures) {}

  private static Clinic clinic(int rows, long seed) {
    Random random = new Random(seed);
    List<String> malignant = new ArrayList<>();
    List<String> benign = new ArrayList<>();
    long sizes = 0;
    long pressures = 0;
    String[] grades = {"klein", "mittel", "groß"};
    for (int i = 0; i < rows; i++) {
      int age = 25 + random.nextInt(60);
      double size = 0.5 + 8 * random.nextDouble();
      int grade = random.nextInt(3);
      boolean smoker = random.nextDouble() < 0.3;
      double risk = -4.5 + 0.6 * size + 0.02 * age + 0.4 * grade + (smoker ? 0.5 : 0);
      boolean positive = random.nextDouble() < 1 / (1 + Math.exp(-risk));
      String sizeText = String.format(Locale.ROOT, "%.2f", size);
      if (random.nextDouble() < 0.04) {
        sizeText = "?";
        sizes++;
      }
      String pressure = String.valueOf(60 + random.nextInt(80));
      if (random.nextDouble() < 0.03) {
        pressure = "0";
        pressures++;
      }
      String line =
          String.join(
              ",",
              String.valueOf(age),
              sizeText,
              pressure,
              grades[grade],
              smoker ? "yes" : "no",
              positive ? "malignant" : "benign");
      (positive ? malignant : benign).add(line);
    }
    List<String> lines = new ArrayList<>(List.of(HEADER));
    lines.addAll(malignant);
    lines.addAll(benign);
    return new Clinic(lines, sizes, pressures);
  }

  private static List<String> job(Path conf, Path work, String tracking, String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                args[0],
                "--conf-dir",
                conf.toString(),
                "--env",
                "test",
                "--dataset",
                "clinic",
                "--set",
                "storage.root=" + work.resolve("delta"),
                "--set",
                "storage.landing=" + work.resolve("landing"),
                "--set",
                "tracking.uri=" + tracking));
    command.addAll(List.of(args).subList(1, args.length));
    return command;
  }

  @Test
  void aCsvWithAwkwardNamesNoIdAndSentinelsIsProfiledAndRunsEndToEnd() throws Exception {
    MlflowTestServer mlflow = MlflowTestServer.shared();
    Path work = Files.createTempDirectory("batchmlops-onboarding-");
    Clinic clinic = clinic(1200, 7);
    Path csv = work.resolve("clinic.csv");
    Files.write(csv, clinic.lines(), StandardCharsets.UTF_8);

    Path conf = ConfCopies.copy(work.resolve("conf"));
    Path draft = conf.resolve("datasets/clinic.conf");
    SparkSubmit.Result profiled =
        SparkSubmit.run(
            work,
            List.of(
                "profile",
                "--input",
                csv.toString(),
                "--name",
                "clinic",
                "--label",
                "outcome",
                "--output",
                draft.toString()));
    assertEquals(0, profiled.exitCode(), profiled.stderr());
    String contract = Files.readString(draft);
    for (String expected :
        List.of(
            "id-column = \"row_id\"",
            "id-from-content = true",
            "positive-label = \"malignant\"",
            "\ntrain.search.folds = 5\n",
            "took 'malignant' as the positive class (the rarer label value",
            "the rows are sorted by the label",
            "{ name = \"patient_age\", source = \"patient.age\", type = integer",
            "{ name = \"tumor_size\", source = \"tumor-size\", type = double",
            "missing-values = [\"?\"]",
            "{ name = \"blood_pressure\", source = \"blood pressure\", type = integer",
            "while the other values start at 60: if 0 means \"not measured\"",
            "{ name = \"grosse\", source = \"größe\", type = string, role = feature,"
                + " completeness = 1, allowed = [\"groß\", \"klein\", \"mittel\"] }",
            "role = label, completeness = 1, allowed = [\"benign\", \"malignant\"] }")) {
      assertTrue(contract.contains(expected), expected + " in\n" + contract);
    }
    // The user follows the draft's advice for blood pressure.
    Files.writeString(
        draft,
        contract.replace(
            "source = \"blood pressure\", type = integer, role = feature, completeness = 1,",
            "source = \"blood pressure\", type = integer, role = feature, completeness = 0.9,"
                + " missing-values = [\"0\"],"));

    SparkSubmit.Result run =
        SparkSubmit.run(
            work,
            job(
                conf,
                work,
                mlflow.uri(),
                "run",
                "--input",
                csv.toString(),
                // What is tested here is the data's way in; on 180 test rows a tuned model and the
                // reference logistic regression trade places by chance.
                "--set",
                "register.gates.baseline=prior",
                // The draft's cross-validated search (1,200 rows) is DemoIT's to run.
                "--set",
                "train.search.folds=0"));
    assertEquals(0, run.exitCode(), run.stdout() + run.stderr());
    assertFalse(
        run.stderr().contains("Rate limit exceeded"),
        "a new experiment is looked up without the client's retries: " + run.stderr());
    Dataset<Row> raw =
        TestSpark.session()
            .read()
            .format("delta")
            .load(work.resolve("delta/clinic/raw").toString());
    assertEquals(
        List.of(
            "row_id", "patient_age", "tumor_size", "blood_pressure", "grosse", "smoker", "outcome"),
        List.of(raw.columns()));
    assertEquals(1200, raw.count());
    assertEquals(1200, raw.select("row_id").distinct().count(), "one id per row");
    assertEquals(clinic.unmeasuredSizes(), raw.where(col("tumor_size").isNull()).count());
    assertEquals(clinic.unmeasuredPressures(), raw.where(col("blood_pressure").isNull()).count());
    JsonNode champion =
        mlflow
            .get("/api/2.0/mlflow/registered-models/alias?name=batchmlops-clinic&alias=champion")
            .path("model_version");
    assertEquals("1", champion.path("version").asText(), run.stdout());
  }
}
