package dev.batchmlops.profile;

import static org.apache.spark.sql.functions.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.config.ConfigLoader;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.Task;
import dev.batchmlops.quality.QualityReport;
import dev.batchmlops.support.ConfCopies;
import dev.batchmlops.support.TestSpark;
import dev.batchmlops.validate.ContractValidator;
import dev.batchmlops.validate.MetricsHistory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The task a draft proposes, the label rules it drafts for it, and that the draft loads. */
class ContractDraftTest {
  @TempDir Path temp;

  /** Penguins of three species and their weight: one table for a class and an amount. */
  private static Dataset<Row> penguins() {
    return TestSpark.session()
        .range(300)
        .select(
            col("id").cast("int").as("penguin"),
            when(col("id").mod(3).equalTo(0), "Adelie")
                .when(col("id").mod(3).equalTo(1), "Gentoo")
                .otherwise("Chinstrap")
                .as("species"),
            when(col("id").mod(2).equalTo(0), "Biscoe").otherwise("Dream").as("island"),
            col("id").mod(17).plus(35.5).as("bill_length_mm"),
            col("id").multiply(7).mod(2000).plus(2700).cast("int").as("body_mass_g"));
  }

  private static ContractDraft.Draft draft(String label, Optional<Task> task) {
    return ContractDraft.draft(
        penguins(),
        new ContractDraft.Options(
            "penguins", Optional.of(label), Optional.empty(), Optional.of("penguin"), task));
  }

  /** The draft as conf/datasets/penguins.conf, loaded as every command loads it. */
  private DatasetContract load(ContractDraft.Draft draft) throws IOException {
    Path conf = ConfCopies.copy(Files.createTempDirectory(temp, "conf"));
    Files.writeString(conf.resolve("datasets/penguins.conf"), draft.text());
    return ConfigLoader.load(
            new ConfigLoader.Request(
                conf, "test", "penguins", Map.of("storage.root", temp.resolve("delta").toString())),
            Map.of())
        .dataset();
  }

  private static QualityReport validate(DatasetContract contract) {
    return ContractValidator.validate(
            penguins(), contract, MetricsHistory.inMemory("penguins"), "draft")
        .report();
  }

  @Test
  void theTaskFollowsTheLabelsTypeAndValues() {
    assertEquals(Task.BINARY, ContractDraft.proposeTask("string", 2).task());
    assertEquals(Task.BINARY, ContractDraft.proposeTask("double", 2).task());
    assertEquals(Task.MULTICLASS, ContractDraft.proposeTask("string", 3).task());
    assertEquals(Task.MULTICLASS, ContractDraft.proposeTask("integer", 7).task());
    assertEquals(Task.REGRESSION, ContractDraft.proposeTask("integer", 51).task());
    assertEquals(Task.REGRESSION, ContractDraft.proposeTask("double", 5).task());
    assertTrue(
        ContractDraft.proposeTask("string", 51).reason().contains("is it the column to predict"));
  }

  @Test
  void aTextLabelOfThreeValuesIsDraftedAsMulticlassAndItsDraftHoldsOnItsOwnData()
      throws IOException {
    ContractDraft.Draft draft = draft("species", Optional.empty());
    String text = draft.text();
    assertTrue(text.contains("# - task = multiclass: the label species has text with 3"), text);
    assertTrue(text.contains("  task = multiclass\n"), text);
    assertFalse(text.contains("positive-label"), text);
    assertTrue(text.contains("class-share { min = 0.166 }"), text);
    assertTrue(
        text.contains("role = label, completeness = 1, allowed = [\"Adelie\", \"Chinstrap\","),
        text);

    DatasetContract contract = load(draft);
    assertEquals(Task.MULTICLASS, contract.task());
    assertEquals(List.of("Adelie", "Chinstrap", "Gentoo"), contract.labelValues());
    assertTrue(validate(contract).passed(), validate(contract).summary());
  }

  @Test
  void aNumberOfManyValuesIsDraftedAsRegressionWithItsObservedRange() throws IOException {
    ContractDraft.Draft draft = draft("body_mass_g", Optional.empty());
    String text = draft.text();
    assertTrue(text.contains("  task = regression\n"), text);
    assertTrue(text.contains("numeric values, an amount to predict"), text);
    assertTrue(
        text.contains(
            "{ name = \"body_mass_g\", type = integer, role = label, completeness = 1,"
                + " min = 2700, max = 4695 }"),
        text);

    DatasetContract contract = load(draft);
    assertEquals(Task.REGRESSION, contract.task());
    assertTrue(validate(contract).passed(), validate(contract).summary());
  }

  @Test
  void aTaskGivenOnTheCommandLineIsKept() {
    String text = draft("species", Optional.of(Task.BINARY)).text();
    assertTrue(text.contains("  task = binary\n"), text);
    assertTrue(text.contains("a binary label needs two (task = multiclass predicts each"), text);
  }
}
