package dev.batchmlops.config;

import static org.junit.jupiter.api.Assertions.*;

import dev.batchmlops.support.ConfCopies;
import dev.batchmlops.support.ProjectPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path temp;

  private static PipelineConfig load(
      Path confDir, String env, Map<String, String> overrides, Map<String, String> vars) {
    return ConfigLoader.load(new ConfigLoader.Request(confDir, env, "credit", overrides), vars);
  }

  @Test
  void layersApplyInOrderDefaultsEnvironmentDatasetVariablesOverrides() {
    PipelineConfig dev = load(ProjectPaths.confDir(), "dev", Map.of(), Map.of());
    assertEquals(5000, dev.generate().rows());
    assertEquals("http://127.0.0.1:5000", dev.tracking().uri());
    assertEquals("credit", dev.dataset().name());

    PipelineConfig test = load(ProjectPaths.confDir(), "test", Map.of(), Map.of());
    assertEquals(3000, test.generate().rows(), "the test environment overrides the default");

    PipelineConfig overridden =
        load(
            ProjectPaths.confDir(),
            "test",
            Map.of("generate.rows", "123", "tracking.uri", "http://127.0.0.1:9"),
            Map.of(
                "MLFLOW_TRACKING_URI", "http://127.0.0.1:7", "MLOPS_STORAGE_ROOT", "/data/tables"));
    assertEquals(123, overridden.generate().rows());
    assertEquals("http://127.0.0.1:9", overridden.tracking().uri(), "--set wins over variables");
    assertEquals("/data/tables", overridden.storage().root(), "variables win over files");

    PipelineConfig lists =
        load(
            ProjectPaths.confDir(),
            "test",
            Map.of("generate.drift.features", "[income, loan_amount]", "generate.drift.shift", "1"),
            Map.of());
    assertEquals(List.of("income", "loan_amount"), lists.generate().driftFeatures());
    assertEquals(1.0, lists.generate().driftShift());
  }

  @Test
  void contractDerivesFeaturesFromRolesAndTypes() {
    DatasetContract contract = load(ProjectPaths.confDir(), "dev", Map.of(), Map.of()).dataset();
    assertEquals("defaulted", contract.label());
    assertTrue(contract.categoricalFeatures().contains("credit_history"));
    assertTrue(contract.numericFeatures().contains("income"));
    assertFalse(contract.numericFeatures().contains("defaulted"), "the label is not a feature");
    assertFalse(contract.categoricalFeatures().contains("sex"), "segments are not features");
    assertEquals(15, contract.schema().fields().length);
  }

  @Test
  void missingKeyIsNamed() throws IOException {
    Path conf = copyOfConf();
    Path defaults = conf.resolve("defaults.conf");
    Files.writeString(defaults, Files.readString(defaults).replace("rows = 5000", ""));
    ConfigException error =
        assertThrows(ConfigException.class, () -> load(conf, "dev", Map.of(), Map.of()));
    assertTrue(error.getMessage().contains("generate.rows"), error.getMessage());
  }

  @Test
  void wrongValuesAreNamedWithTheirKey() {
    ConfigException ratios =
        assertThrows(
            ConfigException.class,
            () -> load(ProjectPaths.confDir(), "dev", Map.of("split.train", "0.9"), Map.of()));
    assertTrue(
        ratios.getMessage().contains("'split'") && ratios.getMessage().contains("sum to 1"),
        ratios.getMessage());

    ConfigException metric =
        assertThrows(
            ConfigException.class,
            () -> load(ProjectPaths.confDir(), "dev", Map.of("register.metric", "lift"), Map.of()));
    assertTrue(metric.getMessage().contains("register.metric"), metric.getMessage());

    ConfigException type =
        assertThrows(
            ConfigException.class,
            () -> load(ProjectPaths.confDir(), "dev", Map.of("generate.rows", "many"), Map.of()));
    assertTrue(type.getMessage().contains("generate.rows"), type.getMessage());

    ConfigException drift =
        assertThrows(
            ConfigException.class,
            () ->
                load(
                    ProjectPaths.confDir(),
                    "dev",
                    Map.of("generate.drift.features", "[income, sex]"),
                    Map.of()));
    assertEquals(
        "invalid configuration 'generate.drift.features': 'sex' cannot drift (one of [age, income,"
            + " loan_amount])",
        drift.getMessage());
    ConfigException bins =
        assertThrows(
            ConfigException.class,
            () -> load(ProjectPaths.confDir(), "dev", Map.of("monitor.bins", "1"), Map.of()));
    assertTrue(bins.getMessage().contains("monitor.bins"), bins.getMessage());
  }

  @Test
  void contractErrorsNameTheColumn() throws IOException {
    Path conf = copyOfConf();
    Path contract = conf.resolve("datasets/credit.conf");
    Files.writeString(
        contract,
        Files.readString(contract).replace("label = \"defaulted\"", "label = \"target\""));
    ConfigException error =
        assertThrows(ConfigException.class, () -> load(conf, "dev", Map.of(), Map.of()));
    assertTrue(
        error.getMessage().contains("dataset.label") && error.getMessage().contains("target"),
        error.getMessage());
  }

  @Test
  void contractRulesSeveritiesAndAnomaliesAreRead() {
    DatasetContract contract = load(ProjectPaths.confDir(), "dev", Map.of(), Map.of()).dataset();
    assertEquals(java.util.Optional.of("application_date"), contract.eventTimeColumn());
    assertEquals(
        new DatasetContract.PositiveShare(0.05, 0.6, Severity.ERROR), contract.positiveShare());
    assertEquals(
        java.util.Optional.of("^APP-[0-9]{8}$"), contract.column("application_id").pattern());
    AnomalyRule size = contract.anomalies().get(0);
    assertEquals(AnomalyRule.Metric.SIZE, size.metric());
    assertEquals(AnomalyRule.Strategy.RELATIVE_CHANGE, size.strategy());
    assertEquals("drop <= 20% from the last passing run", size.describe());
    assertEquals("completeness of income", contract.anomalies().get(1).subject());
    assertEquals(Severity.ERROR, contract.column("age").severity(RuleKind.RANGE));
  }

  /** Loads the credit contract after one textual edit, expecting it to be refused. */
  private String refusedContract(String from, String to) throws IOException {
    return refused(editedContract(from, to), Map.of());
  }

  /** A copy of the configuration whose credit contract has one textual edit. */
  private Path editedContract(String from, String to) throws IOException {
    Path conf = ConfCopies.copy(Files.createTempDirectory(temp, "conf"));
    Path contract = conf.resolve("datasets/credit.conf");
    String text = Files.readString(contract);
    assertTrue(text.contains(from), from);
    Files.writeString(contract, text.replace(from, to));
    return conf;
  }

  private static String refused(Path conf, Map<String, String> overrides) {
    return assertThrows(ConfigException.class, () -> load(conf, "dev", overrides, Map.of()))
        .getMessage();
  }

  @Test
  void eachTasksLeakageLimitsAreReadAndCheckedUnderTheirOwnKeys() {
    Path conf = ProjectPaths.confDir();
    StageConfigs.Leakage leakage = load(conf, "dev", Map.of(), Map.of()).leakage();
    assertEquals(new StageConfigs.LeakageLimits(0.95, 0.80), leakage.limits(Task.BINARY));
    assertEquals(new StageConfigs.LeakageLimits(0.97, 0.90), leakage.limits(Task.MULTICLASS));
    assertEquals(new StageConfigs.LeakageLimits(0.95, 0.85), leakage.limits(Task.REGRESSION));

    String inverted = refused(conf, Map.of("leakage.regression.warning-r2", "0.99"));
    assertTrue(
        inverted.contains("'leakage.regression'")
            && inverted.contains("needs 0.0 < warning-r2 <= error-r2 <= 1, got 0.99, 0.95"),
        inverted);
    String chance = refused(conf, Map.of("leakage.multiclass.warning-auc", "0.4"));
    assertTrue(chance.contains("'leakage.multiclass'"), chance);
  }

  @Test
  void eachTasksGateSettingsAreReadAndCheckedUnderTheirOwnKeys() {
    Path conf = ProjectPaths.confDir();
    StageConfigs.Register binary = load(conf, "dev", Map.of(), Map.of()).register();
    assertEquals(Task.BINARY, binary.task());
    assertEquals("auc", binary.metric());
    PipelineConfig penguins =
        ConfigLoader.load(new ConfigLoader.Request(conf, "dev", "penguins", Map.of()), Map.of());
    StageConfigs.Register multiclass = penguins.register();
    assertEquals(Task.MULTICLASS, multiclass.task());
    assertEquals("macro_f1", multiclass.metric());
    assertEquals(0.5, multiclass.minMetric());
    assertEquals(binary.maxLossToChampion(), multiclass.maxLossToChampion(), "shared");
    StageConfigs.Register regression =
        ConfigLoader.load(
                new ConfigLoader.Request(conf, "dev", "computer-hardware", Map.of()), Map.of())
            .register();
    assertEquals("r2", regression.metric());
    assertEquals(30, regression.minTestRows());

    String auc =
        assertThrows(
                ConfigException.class,
                () ->
                    ConfigLoader.load(
                        new ConfigLoader.Request(
                            conf, "dev", "penguins", Map.of("register.multiclass.metric", "auc")),
                        Map.of()))
            .getMessage();
    assertTrue(
        auc.contains("'register.multiclass.metric'")
            && auc.contains("unknown metric 'auc' for a multiclass label"),
        auc);
    String rows = refused(conf, Map.of("register.regression.min-test-rows", "-1"));
    assertTrue(rows.contains("'register.regression.min-test-rows'"), rows);
  }

  @Test
  void theTaskDecidesWhatTheLabelDeclaresAndNothingOfAnotherTaskIsAccepted() throws IOException {
    Path conf = ProjectPaths.confDir();
    assertEquals(Task.BINARY, load(conf, "dev", Map.of(), Map.of()).dataset().task());
    Map<String, String> unbounded =
        Map.of("dataset.positive-share.min", "0", "dataset.positive-share.max", "1");

    String share = refused(conf, Map.of("dataset.task", "regression"));
    assertTrue(share.contains("'dataset.positive-share'"), share);
    assertTrue(share.contains("dataset.task is regression"), share);
    String twoClasses = refused(conf, with(unbounded, "dataset.task", "multiclass"));
    assertTrue(twoClasses.contains("(defaulted).allowed"), twoClasses);
    assertTrue(twoClasses.contains("two classes: dataset.task = binary"), twoClasses);
    String listed = refused(conf, with(unbounded, "dataset.task", "regression"));
    assertTrue(listed.contains("a regression label has a range (min, max)"), listed);
    String text =
        refused(
            editedContract(
                "{ name = \"defaulted\", type = integer", "{ name = \"defaulted\", type = string"),
            with(unbounded, "dataset.task", "regression"));
    assertTrue(text.contains("(defaulted).type") && text.contains("not string"), text);
    String unknown = refused(conf, Map.of("dataset.task", "ranking"));
    assertTrue(unknown.contains("dataset.task") && unknown.contains("binary, multiclass"), unknown);

    Path threeClasses =
        editedContract("allowed = [\"0\", \"1\"]", "allowed = [\"0\", \"1\", \"2\"]");
    String binaryOfThree = refused(threeClasses, Map.of());
    assertTrue(binaryOfThree.contains("more classes: dataset.task = multiclass"), binaryOfThree);
    String classShareOfBinary = refused(conf, Map.of("dataset.class-share.min", "0.1"));
    assertTrue(classShareOfBinary.contains("'dataset.class-share'"), classShareOfBinary);
    DatasetContract multiclass =
        load(
                threeClasses,
                "dev",
                with(
                    with(unbounded, "dataset.task", "multiclass"),
                    "dataset.class-share.min",
                    "0.1"),
                Map.of())
            .dataset();
    assertEquals(Task.MULTICLASS, multiclass.task());
    assertEquals(List.of("0", "1", "2"), multiclass.labelValues());
    assertEquals(0.1, multiclass.classShare().min());
    assertThrows(IllegalStateException.class, multiclass::isPositive, "no positive class");
  }

  private static Map<String, String> with(Map<String, String> settings, String key, String value) {
    Map<String, String> more = new java.util.HashMap<>(settings);
    more.put(key, value);
    return more;
  }

  @Test
  void contractMistakesAreNamedWithFileKeyOrColumn() throws IOException {
    String misspelt =
        refusedContract("completeness = 0.9, min = 0 }", "completness = 0.9, min = 0 }");
    assertTrue(
        misspelt.contains("dataset.columns[3] (income).completness")
            && misspelt.contains("unknown key"),
        misspelt);
    String severity = refusedContract("max = 100 }", "max = 100, severity { range = fatal } }");
    assertTrue(severity.contains("(age).severity.range") && severity.contains("fatal"), severity);
    String rule = refusedContract("max = 100 }", "max = 100, severity { size = warning } }");
    assertTrue(rule.contains("unknown value 'size' (completeness, unique"), rule);
    String anomaly = refusedContract("column = income, strategy", "column = incomes, strategy");
    assertTrue(anomaly.contains("dataset.anomalies") && anomaly.contains("incomes"), anomaly);
    String pattern = refusedContract("pattern = \"^APP-[0-9]{8}$\"", "pattern = \"APP-[0-9\"");
    assertTrue(pattern.contains("(application_id).pattern"), pattern);
    String unparseable = refusedContract("  min-rows = 500\n", "  min-rows = = 500\n");
    assertTrue(unparseable.contains("credit.conf"), unparseable);
    String intersection = refusedContract("[[\"sex\", \"age_band\"]]", "[[\"sex\", \"housing\"]]");
    assertTrue(intersection.contains("evaluate.intersections"), intersection);
    String entity =
        refusedContract("  min-rows = 500\n", "  min-rows = 500\n  entity-column = customer\n");
    assertTrue(entity.contains("dataset.entity-column") && entity.contains("customer"), entity);
  }

  @Test
  void theSearchSpaceIsReadAndItsMistakesAreNamed() throws IOException {
    StageConfigs.Train train = load(ProjectPaths.confDir(), "dev", Map.of(), Map.of()).train();
    assertEquals("area_under_pr", train.selectionMetric());
    assertEquals(
        List.of(
            ModelFamily.LOGISTIC_REGRESSION,
            ModelFamily.RANDOM_FOREST,
            ModelFamily.GRADIENT_BOOSTED_TREES),
        train.models().stream().map(StageConfigs.ModelSpace::family).toList(),
        "decision-tree is off by default");
    assertEquals(List.of(0.001, 0.01, 0.1), train.models().get(0).space().get("regParam"));

    Path conf = ConfCopies.copy(Files.createTempDirectory(temp, "conf"));
    Path defaults = conf.resolve("defaults.conf");
    String text = Files.readString(defaults);
    Files.writeString(defaults, text.replace("max-depth = [5, 8]", "max-dept = [5, 8]"));
    String misspelt =
        assertThrows(ConfigException.class, () -> load(conf, "dev", Map.of(), Map.of()))
            .getMessage();
    assertTrue(
        misspelt.contains("train.models.random-forest.max-dept")
            && misspelt.contains("not a hyperparameter of RandomForestClassifier"),
        misspelt);
    Files.writeString(defaults, text.replace("max-depth = [5, 8]", "max-depth = [-1]"));
    String refused =
        assertThrows(ConfigException.class, () -> load(conf, "dev", Map.of(), Map.of()))
            .getMessage();
    assertTrue(refused.contains("train.models.random-forest.max-depth"), refused);
    ConfigException metric =
        assertThrows(
            ConfigException.class,
            () ->
                load(
                    ProjectPaths.confDir(),
                    "dev",
                    Map.of("train.selection-metric", "lift"),
                    Map.of()));
    assertTrue(metric.getMessage().contains("train.selection-metric"), metric.getMessage());
  }

  /** The message that refuses one --set override of the dev configuration. */
  private static String refusedSetting(String key, String value) {
    return assertThrows(
            ConfigException.class,
            () -> load(ProjectPaths.confDir(), "dev", Map.of(key, value), Map.of()))
        .getMessage();
  }

  @Test
  void aMisspeltSettingFromAnyLayerIsRefusedWithTheNearestKnownOne() throws IOException {
    assertEquals(
        "invalid configuration 'train.serch.max-trials': unknown setting (set in command-line"
            + " --set); did you mean 'train.search.max-trials'?",
        refusedSetting("train.serch.max-trials", "3"));
    String unknown = refusedSetting("nosuch.key", "1");
    assertTrue(unknown.contains("'nosuch.key': unknown setting"), unknown);

    Path conf = ConfCopies.copy(Files.createTempDirectory(temp, "conf"));
    Files.writeString(conf.resolve("env/dev.conf"), "generate.rowz = 10\n");
    ConfigException fromFile =
        assertThrows(ConfigException.class, () -> load(conf, "dev", Map.of(), Map.of()));
    assertTrue(
        fromFile.getMessage().contains("'generate.rowz'")
            && fromFile.getMessage().contains("dev.conf: 1")
            && fromFile.getMessage().contains("did you mean 'generate.rows'"),
        fromFile.getMessage());
    String nested = refusedContract("positive-share { min = 0.05", "positive-share { mn = 0.05");
    assertTrue(
        nested.contains("'dataset.positive-share.mn'") && nested.contains("positive-share.min"),
        nested);
    String contractKey = refusedContract("  min-rows = 500\n", "  min-row = 500\n");
    assertTrue(contractKey.contains("did you mean 'min-rows'"), contractKey);
  }

  @Test
  void aColumnNameThatIsNotPlainIsRefusedWithTheSourceSpellingToUse() throws IOException {
    assertEquals("WBN_GC_L_0_25", ColumnSpec.plainName("WBN_GC_L_0.25"));
    assertEquals("tumor_size", ColumnSpec.plainName("tumor-size"));
    assertEquals("blood_pressure", ColumnSpec.plainName(" blood  pressure "));
    assertEquals("grosse", ColumnSpec.plainName("größe"));
    assertEquals("resume", ColumnSpec.plainName("résumé"));
    String refused = refusedContract("name = \"housing\"", "name = \"housing-type\"");
    assertTrue(
        refused.contains("(housing-type).name")
            && refused.contains("name = \"housing_type\", source = \"housing-type\""),
        refused);
    String label = refusedContract("allowed = [\"0\", \"1\"]", "allowed = [\"0\", \"2\"]");
    assertTrue(
        label.contains("(defaulted).allowed': declare the binary label's two values"), label);
  }

  @Test
  void aDatasetWithoutAContractListsTheDatasetsThatHaveOne() {
    ConfigException error =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigLoader.load(
                    new ConfigLoader.Request(ProjectPaths.confDir(), "dev", "credits", Map.of()),
                    Map.of()));
    assertTrue(
        error.getMessage().startsWith("no dataset 'credits'")
            && error
                .getMessage()
                .endsWith(
                    "(datasets: computer-hardware, credit, credit-grade, credit-rate, german-credit,"
                        + " penguins)"),
        error.getMessage());
  }

  @Test
  void unknownEnvironmentNamesTheFile() {
    ConfigException error =
        assertThrows(
            ConfigException.class,
            () -> load(ProjectPaths.confDir(), "staging", Map.of(), Map.of()));
    assertTrue(error.getMessage().contains("staging.conf"), error.getMessage());
  }

  @Test
  void hashChangesWithAnySetting() {
    PipelineConfig a = load(ProjectPaths.confDir(), "dev", Map.of(), Map.of());
    PipelineConfig b = load(ProjectPaths.confDir(), "dev", Map.of(), Map.of());
    PipelineConfig c = load(ProjectPaths.confDir(), "dev", Map.of("pipeline.seed", "7"), Map.of());
    assertEquals(a.hash(), b.hash());
    assertNotEquals(a.hash(), c.hash());
  }

  private Path copyOfConf() {
    return ConfCopies.copy(temp.resolve("conf"));
  }
}
