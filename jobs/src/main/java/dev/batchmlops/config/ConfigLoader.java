package dev.batchmlops.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads the layered configuration once: defaults, then the environment, then the dataset contract,
 * then environment variables, then command-line overrides (later wins). Any missing or wrong key
 * fails here, with its name, before a stage touches data.
 */
public final class ConfigLoader {
  /** Environment variables that override a configuration key. */
  public static final Map<String, String> ENVIRONMENT_KEYS =
      Map.of(
          "MLOPS_STORAGE_ROOT", "storage.root",
          "MLFLOW_TRACKING_URI", "tracking.uri");

  private ConfigLoader() {}

  /** What to load: the folder, the environment and dataset names, and key=value overrides. */
  public record Request(
      Path confDir, String environment, String dataset, Map<String, String> overrides) {}

  public static PipelineConfig load(Request request, Map<String, String> environmentVariables) {
    Path confDir = request.confDir();
    Path defaults = confDir.resolve("defaults.conf");
    Path env = confDir.resolve("env").resolve(request.environment() + ".conf");
    Path dataset = confDir.resolve("datasets").resolve(request.dataset() + ".conf");
    Config fromEnvironment = ConfigFactory.parseMap(environmentOverrides(environmentVariables));
    try {
      Config overrides = overrides(request.overrides());
      Config defaultValues = parseFile(defaults, "defaults");
      Config merged =
          overrides
              .withFallback(fromEnvironment)
              .withFallback(parseDataset(dataset, request.dataset()))
              .withFallback(parseFile(env, "environment"))
              .withFallback(defaultValues)
              .resolve();
      requireKnownSettings(merged, defaultValues.resolve());
      return build(merged, request.environment());
    } catch (com.typesafe.config.ConfigException e) {
      throw new ConfigException("invalid configuration: " + oneLine(e.getMessage()));
    }
  }

  /**
   * The configuration a run recorded ({@code config/resolved.json}), with {@code overrides} (where
   * this command keeps its tables and tracks its runs) on top.
   */
  public static PipelineConfig fromResolved(
      String resolvedJson, String environment, Map<String, String> overrides) {
    try {
      Config recorded =
          ConfigFactory.parseString(
              resolvedJson,
              ConfigParseOptions.defaults().setOriginDescription("the recorded configuration"));
      return build(
          ConfigFactory.parseMap(overrides, "reproduce").withFallback(recorded).resolve(),
          environment);
    } catch (com.typesafe.config.ConfigException e) {
      throw new ConfigException("invalid recorded configuration: " + oneLine(e.getMessage()));
    }
  }

  private static Map<String, String> environmentOverrides(Map<String, String> variables) {
    Map<String, String> values = new LinkedHashMap<>();
    ENVIRONMENT_KEYS.forEach(
        (variable, key) -> {
          String value = variables.get(variable);
          if (value != null && !value.isBlank()) {
            values.put(key, value);
          }
        });
    return values;
  }

  /** A dataset that has no contract is refused with the names of those that have one. */
  private static Config parseDataset(Path file, String dataset) {
    if (!Files.isReadable(file)) {
      throw new ConfigException(
          "no dataset '"
              + dataset
              + "': there is no "
              + file
              + " (datasets: "
              + String.join(", ", datasetsIn(file.getParent()))
              + ")");
    }
    return parseFile(file, "dataset");
  }

  private static List<String> datasetsIn(Path folder) {
    try (var files = Files.list(folder)) {
      return files
          .map(file -> file.getFileName().toString())
          .filter(name -> name.endsWith(".conf"))
          .map(name -> name.substring(0, name.length() - ".conf".length()))
          .sorted()
          .toList();
    } catch (java.io.IOException e) {
      return List.of();
    }
  }

  /**
   * Every setting must be one that defaults.conf declares, whichever layer set it: a misspelt key
   * would otherwise be ignored and its default used without a word. Two parts are open and checked
   * where they are read: the dataset contract's own keys and the hyperparameters of train.models.
   */
  private static void requireKnownSettings(Config merged, Config defaults) {
    Set<String> known = new TreeSet<>();
    defaults.entrySet().forEach(entry -> known.add(entry.getKey()));
    for (Map.Entry<String, com.typesafe.config.ConfigValue> entry : merged.entrySet()) {
      String path = entry.getKey();
      List<String> parts = com.typesafe.config.ConfigUtil.splitPath(path);
      boolean checkedElsewhere =
          (parts.get(0).equals("dataset") && parts.size() == 2)
              || (parts.size() > 2
                  && parts.get(0).equals("train")
                  && parts.get(1).equals("models"));
      if (!checkedElsewhere && !known.contains(path)) {
        throw ConfigException.invalid(
            path,
            "unknown setting (set in "
                + entry.getValue().origin().description()
                + "); did you mean '"
                + Spelling.nearest(path, known)
                + "'?");
      }
    }
  }

  private static Config parseFile(Path file, String layer) {
    if (!Files.isReadable(file)) {
      throw new ConfigException("cannot read " + layer + " configuration file " + file);
    }
    return ConfigFactory.parseFile(
        file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
  }

  private static PipelineConfig build(Config c, String environment) {
    return new PipelineConfig(
        environment,
        c.getLong("pipeline.seed"),
        new StageConfigs.Storage(
            c.getString("storage.root"),
            c.getString("storage.landing"),
            c.getLong("storage.retention-hours")),
        new StageConfigs.Tracking(
            c.getString("tracking.uri"),
            c.getString("tracking.experiment-prefix"),
            c.getInt("tracking.timeout-seconds")),
        new StageConfigs.Generate(
            c.getLong("generate.rows"),
            parseEnum(c, "generate.format", StageConfigs.FileFormat.class),
            c.getInt("generate.batch"),
            c.getStringList("generate.drift.features"),
            c.getDouble("generate.drift.shift"),
            c.getDouble("generate.drift.concept")),
        ingest(c),
        split(c),
        new StageConfigs.Leakage(
            new StageConfigs.LeakageLimits(
                c.getDouble("leakage.error-auc"), c.getDouble("leakage.warning-auc")),
            new StageConfigs.LeakageLimits(
                c.getDouble("leakage.multiclass.error-auc"),
                c.getDouble("leakage.multiclass.warning-auc")),
            new StageConfigs.LeakageLimits(
                c.getDouble("leakage.regression.error-r2"),
                c.getDouble("leakage.regression.warning-r2")),
            c.getInt("leakage.bins"),
            c.getLong("leakage.min-bin-rows"),
            c.getDouble("leakage.max-duplicate-share")),
        train(c),
        new StageConfigs.Evaluate(
            new StageConfigs.Threshold(
                parseEnum(c, "evaluate.threshold-rule", StageConfigs.ThresholdRule.class),
                c.getDouble("evaluate.threshold"),
                c.getDouble("evaluate.min-precision"),
                c.getDouble("evaluate.min-recall"),
                c.getDouble("evaluate.cost.false-positive"),
                c.getDouble("evaluate.cost.false-negative")),
            c.getLong("evaluate.min-segment-rows"),
            c.getList("evaluate.intersections").stream()
                .map(
                    value ->
                        value.valueType() == ConfigValueType.LIST
                            ? ((com.typesafe.config.ConfigList) value)
                                .unwrapped().stream().map(String::valueOf).toList()
                            : List.of(String.valueOf(value.unwrapped())))
                .toList()),
        register(c),
        new StageConfigs.Promote(c.getStringList("promote.release-users")),
        new StageConfigs.Score(
            source(c, "score.source"), c.getDouble("score.max-quarantine-share")),
        new StageConfigs.Monitor(
            c.getInt("monitor.bins"),
            c.getDouble("monitor.drift.false-discovery-rate"),
            c.getDouble("monitor.drift.min-psi"),
            c.getDouble("monitor.retrain.max-drifted-share"),
            c.getDouble("monitor.retrain.max-prediction-psi"),
            c.getDouble("monitor.retrain.max-metric-drop"),
            c.getLong("monitor.retrain.cooldown-hours"),
            c.getLong("monitor.retrain.min-new-labelled-rows")),
        contract(c),
        c.root().render(ConfigRenderOptions.concise().setFormatted(true)));
  }

  /**
   * The --set values: text as given, except a value in brackets or braces, read as a HOCON list or
   * object ({@code generate.drift.features=[income, loan_amount]}).
   */
  private static Config overrides(Map<String, String> values) {
    Config overrides = ConfigFactory.empty("command-line --set");
    for (Map.Entry<String, String> entry : values.entrySet()) {
      String value = entry.getValue().trim();
      Config one =
          value.startsWith("[") || value.startsWith("{")
              ? ConfigFactory.parseString(
                  entry.getKey() + " = " + value,
                  com.typesafe.config.ConfigParseOptions.defaults()
                      .setOriginDescription("command-line --set " + entry.getKey()))
              : ConfigFactory.parseMap(
                  Map.of(entry.getKey(), entry.getValue()), "command-line --set");
      overrides = one.withFallback(overrides);
    }
    return overrides;
  }

  private static StageConfigs.Register register(Config c) {
    Task task = parseEnum(c, "dataset.task", Task.class);
    return new StageConfigs.Register(
        task,
        c.getString("register.model-prefix"),
        c.getString(StageConfigs.Register.keyOf(task, "metric")),
        c.getDouble(StageConfigs.Register.keyOf(task, "min-metric")),
        parseEnum(c, "register.gates.baseline", StageConfigs.Baseline.class),
        c.getDouble("register.gates.min-gain-over-baseline"),
        c.getDouble("register.gates.max-loss-to-champion"),
        c.getDouble(StageConfigs.Register.keyOf(task, "min-segment-metric")),
        c.getDouble("register.gates.max-fairness-gap"),
        c.getLong("register.gates.min-test-positives"),
        c.getLong("register.regression.min-test-rows"),
        c.getBoolean("register.gates.block-not-judged"),
        c.getBoolean("register.auto-promote"),
        c.getDouble("register.min-gain-over-champion"));
  }

  private static StageConfigs.Train train(Config c) {
    Task task = parseEnum(c, "dataset.task", Task.class);
    String modelsKey = StageConfigs.Train.keyOf(task, "models");
    List<StageConfigs.ModelSpace> models = new ArrayList<>();
    Config families = c.getConfig(modelsKey);
    for (String name : families.root().keySet()) {
      if (java.util.Arrays.stream(ModelFamily.values()).noneMatch(f -> f.key().equals(name))) {
        throw ConfigException.invalid(
            modelsKey + "." + name, "unknown model family " + ModelFamily.keys(task));
      }
    }
    for (ModelFamily family : ModelFamily.values()) {
      if (!families.hasPath(family.key())) {
        continue;
      }
      String key = modelsKey + "." + family.key();
      Config model = families.getConfig(family.key());
      if (model.hasPath("enabled") && !model.getBoolean("enabled")) {
        continue;
      }
      if (!family.handles(task)) {
        throw ConfigException.invalid(
            key,
            "MLlib has no such estimator for a "
                + task.label()
                + " label (one of "
                + ModelFamily.keys(task)
                + ")");
      }
      var estimator = family.newEstimator(task);
      Map<String, List<Double>> space = new LinkedHashMap<>();
      for (String name : new TreeSet<>(model.root().keySet())) {
        if (name.equals("enabled")) {
          continue;
        }
        String param = ModelFamily.paramName(name);
        if (!estimator.hasParam(param)) {
          throw ConfigException.invalid(
              key + "." + name, "not a hyperparameter of " + estimator.getClass().getSimpleName());
        }
        List<Double> values =
            model.getValue(name).valueType() == ConfigValueType.LIST
                ? model.getDoubleList(name)
                : List.of(model.getDouble(name));
        if (values.isEmpty()) {
          throw ConfigException.invalid(key + "." + name, "give at least one value");
        }
        for (double value : values) {
          try {
            ModelFamily.set(estimator, param, value);
          } catch (IllegalArgumentException e) {
            throw ConfigException.invalid(key + "." + name, oneLine(e.getMessage()));
          }
        }
        space.put(param, values);
      }
      models.add(new StageConfigs.ModelSpace(family, space));
    }
    return new StageConfigs.Train(
        task,
        c.getBoolean("train.standardize"),
        c.getString(StageConfigs.Train.keyOf(task, "selection-metric")),
        new StageConfigs.Search(
            parseEnum(c, "train.search.strategy", StageConfigs.SearchStrategy.class),
            c.getInt("train.search.max-trials"),
            c.getInt("train.search.folds"),
            c.getInt("train.search.parallelism")),
        models,
        c.getLong("train.train-metrics-rows"));
  }

  private static StageConfigs.Split split(Config c) {
    return new StageConfigs.Split(
        parseEnum(c, "split.method", StageConfigs.SplitMethod.class),
        new StageConfigs.Ratios(
            c.getDouble("split.train"), c.getDouble("split.validation"), c.getDouble("split.test")),
        optionalString(c, "split.key"),
        c.getStringList("split.stratify-by"),
        parseEnum(c, "split.entity-label", StageConfigs.EntityLabel.class),
        c.getInt("split.label-bins"),
        c.getDouble("split.tolerance"),
        optionalDate(c, "split.time.validation-from"),
        optionalDate(c, "split.time.test-from"));
  }

  private static Optional<LocalDate> optionalDate(Config c, String key) {
    try {
      return optionalString(c, key).map(LocalDate::parse);
    } catch (DateTimeParseException e) {
      throw ConfigException.invalid(key, "not a date (YYYY-MM-DD): '" + c.getString(key) + "'");
    }
  }

  private static StageConfigs.Ingest ingest(Config c) {
    return new StageConfigs.Ingest(
        parseEnum(c, "ingest.mode", StageConfigs.IngestMode.class),
        source(c, "ingest.source"),
        c.getDouble("ingest.max-quarantine-share"),
        c.getBoolean("ingest.allow-new-columns"));
  }

  /** A source block ({@code ingest.source}, {@code score.source}): file or database. */
  private static StageConfigs.Source source(Config c, String key) {
    String format = c.getString(key + ".format");
    String path = c.getString(key + ".path");
    StageConfigs.Source source =
        new StageConfigs.Source(
            format.isEmpty()
                ? null
                : parseEnum(c, key + ".format", StageConfigs.SourceFormat.class),
            path.isEmpty() ? null : path,
            new StageConfigs.Csv(
                c.getBoolean(key + ".csv.header"),
                c.getString(key + ".csv.delimiter"),
                c.getString(key + ".csv.quote"),
                c.getString(key + ".csv.encoding"),
                c.getBoolean(key + ".csv.multi-line")),
            new StageConfigs.Jdbc(
                c.getString(key + ".jdbc.url"),
                c.getString(key + ".jdbc.table"),
                c.getString(key + ".jdbc.query"),
                c.getString(key + ".jdbc.user"),
                c.getString(key + ".jdbc.password-variable"),
                c.getString(key + ".jdbc.watermark-column"),
                c.getString(key + ".jdbc.driver")));
    StageConfigs.Jdbc jdbc = source.jdbc();
    if (source.format() == StageConfigs.SourceFormat.JDBC
        && (jdbc.url().isEmpty() || (jdbc.table().isEmpty() && jdbc.query().isEmpty()))) {
      throw ConfigException.invalid(
          key + ".jdbc", "a jdbc source needs url and either table or query");
    }
    return source;
  }

  private static final Set<String> DATASET_KEYS =
      Set.of(
          "name",
          "task",
          "label",
          "positive-label",
          "id-column",
          "entity-column",
          "event-time-column",
          "segment-columns",
          "protected-columns",
          "min-rows",
          "positive-share",
          "class-share",
          "segment-completeness",
          "missing-values",
          "id-from-content",
          "columns",
          "anomalies");
  private static final Set<String> COLUMN_KEYS =
      Set.of(
          "name",
          "type",
          "role",
          "required",
          "completeness",
          "min",
          "max",
          "allowed",
          "pattern",
          "unique",
          "known-after-outcome",
          "observed-at",
          "severity",
          "source",
          "missing-values");
  private static final Set<String> ANOMALY_KEYS =
      Set.of(
          "metric", "column", "strategy", "max-decrease", "max-increase", "deviations", "severity");

  private static DatasetContract contract(Config c) {
    Config dataset = c.getConfig("dataset");
    requireKnownKeys(dataset, "dataset", DATASET_KEYS);
    List<String> missingValues = c.getStringList("dataset.missing-values");
    boolean idFromContent = c.getBoolean("dataset.id-from-content");
    String idColumn = c.getString("dataset.id-column");
    List<? extends Config> columnConfigs = c.getConfigList("dataset.columns");
    List<ColumnSpec> columns = new ArrayList<>();
    for (int i = 0; i < columnConfigs.size(); i++) {
      columns.add(column(columnConfigs.get(i), "dataset.columns[" + i + "]", missingValues));
    }
    if (idFromContent && columns.stream().noneMatch(column -> column.name().equals(idColumn))) {
      columns.add(0, DatasetContract.contentIdColumn(idColumn));
    }
    List<AnomalyRule> anomalies = new ArrayList<>();
    List<? extends Config> anomalyConfigs = c.getConfigList("dataset.anomalies");
    for (int i = 0; i < anomalyConfigs.size(); i++) {
      anomalies.add(anomaly(anomalyConfigs.get(i), "dataset.anomalies[" + i + "]"));
    }
    return new DatasetContract(
        c.getString("dataset.name"),
        parseEnum(c, "dataset.task", Task.class),
        c.getString("dataset.label"),
        c.getString("dataset.positive-label"),
        idColumn,
        optionalString(c, "dataset.entity-column"),
        optionalString(c, "dataset.event-time-column"),
        c.getStringList("dataset.segment-columns"),
        c.getStringList("dataset.protected-columns"),
        c.getLong("dataset.min-rows"),
        new DatasetContract.PositiveShare(
            c.getDouble("dataset.positive-share.min"),
            c.getDouble("dataset.positive-share.max"),
            parseEnum(
                "dataset.positive-share.severity",
                c.getString("dataset.positive-share.severity"),
                Severity.class)),
        new DatasetContract.ClassShare(
            c.getDouble("dataset.class-share.min"),
            parseEnum(c, "dataset.class-share.severity", Severity.class)),
        new DatasetContract.SegmentCompleteness(
            c.getBoolean("dataset.segment-completeness.enabled"),
            c.getLong("dataset.segment-completeness.min-rows")),
        columns,
        anomalies,
        idFromContent);
  }

  private static ColumnSpec column(Config c, String key, List<String> datasetMissingValues) {
    if (!c.hasPath("name")) {
      throw ConfigException.invalid(key + ".name", "missing");
    }
    String name = c.getString("name");
    String columnKey = key + " (" + name + ")";
    requireKnownKeys(c, columnKey, COLUMN_KEYS);
    if (!ColumnSpec.PLAIN_NAME.matcher(name).matches()) {
      throw ConfigException.invalid(
          columnKey + ".name",
          "use letters, digits and underscores, and name the source column with `source`: name = "
              + quote(ColumnSpec.plainName(name))
              + ", source = "
              + quote(name));
    }
    double completeness = c.hasPath("completeness") ? c.getDouble("completeness") : 0.0;
    if (completeness < 0 || completeness > 1) {
      throw ConfigException.invalid(columnKey + ".completeness", "must be between 0 and 1");
    }
    ColumnRole role =
        parseEnum(columnKey + ".role", required(c, "role", columnKey), ColumnRole.class);
    boolean requiredValue =
        c.hasPath("required")
            ? c.getBoolean("required")
            : role == ColumnRole.ID || role == ColumnRole.LABEL;
    Optional<String> pattern = optionalString(c, "pattern");
    pattern.ifPresent(
        regex -> {
          try {
            java.util.regex.Pattern.compile(regex);
          } catch (java.util.regex.PatternSyntaxException e) {
            throw ConfigException.invalid(
                columnKey + ".pattern", "not a regular expression: " + oneLine(e.getMessage()));
          }
        });
    return new ColumnSpec(
        name,
        parseEnum(columnKey + ".type", required(c, "type", columnKey), ColumnType.class),
        role,
        requiredValue,
        completeness,
        optionalDouble(c, "min"),
        optionalDouble(c, "max"),
        c.hasPath("allowed") ? c.getStringList("allowed") : List.of(),
        pattern,
        c.hasPath("unique") && c.getBoolean("unique"),
        c.hasPath("known-after-outcome") && c.getBoolean("known-after-outcome"),
        optionalString(c, "observed-at"),
        severities(c, columnKey + ".severity"),
        c.hasPath("source") ? c.getString("source") : name,
        c.hasPath("missing-values") ? c.getStringList("missing-values") : datasetMissingValues);
  }

  /**
   * A column's severities: {@code severity = warning} for all its rules, or {@code severity {
   * completeness = warning }} per rule kind; unnamed kinds stay errors.
   */
  private static Map<RuleKind, Severity> severities(Config c, String key) {
    Map<RuleKind, Severity> severities = new EnumMap<>(RuleKind.class);
    if (!c.hasPath("severity")) {
      return severities;
    }
    if (c.getValue("severity").valueType() == ConfigValueType.OBJECT) {
      Config perKind = c.getConfig("severity");
      for (String kind : perKind.root().keySet()) {
        severities.put(
            parseEnum(key + "." + kind, kind, RuleKind.class),
            parseEnum(key + "." + kind, perKind.getString(kind), Severity.class));
      }
    } else {
      Severity all = parseEnum(key, c.getString("severity"), Severity.class);
      for (RuleKind kind : RuleKind.values()) {
        severities.put(kind, all);
      }
    }
    return severities;
  }

  private static AnomalyRule anomaly(Config c, String key) {
    requireKnownKeys(c, key, ANOMALY_KEYS);
    AnomalyRule.Metric metric =
        parseEnum(key + ".metric", required(c, "metric", key), AnomalyRule.Metric.class);
    return new AnomalyRule(
        metric,
        optionalString(c, "column"),
        parseEnum(
            key + ".strategy",
            c.hasPath("strategy") ? c.getString("strategy") : "relative-change",
            AnomalyRule.Strategy.class),
        optionalDouble(c, "max-decrease"),
        optionalDouble(c, "max-increase"),
        c.hasPath("deviations") ? c.getDouble("deviations") : 3.0,
        parseEnum(
            key + ".severity",
            c.hasPath("severity") ? c.getString("severity") : "error",
            Severity.class));
  }

  /** A misspelt key would otherwise be ignored silently, and its rule never checked. */
  private static void requireKnownKeys(Config c, String key, Set<String> known) {
    for (String name : c.root().keySet()) {
      if (!known.contains(name)) {
        throw ConfigException.invalid(
            key + "." + name,
            "unknown key; did you mean '"
                + Spelling.nearest(name, known)
                + "'? (known: "
                + String.join(", ", new TreeSet<>(known))
                + ")");
      }
    }
  }

  private static Optional<String> optionalString(Config c, String path) {
    return c.hasPath(path) && !c.getString(path).isBlank()
        ? Optional.of(c.getString(path))
        : Optional.empty();
  }

  private static String required(Config c, String path, String key) {
    if (!c.hasPath(path)) {
      throw ConfigException.invalid(key + "." + path, "missing");
    }
    return c.getString(path);
  }

  private static OptionalDouble optionalDouble(Config c, String path) {
    return c.hasPath(path) ? OptionalDouble.of(c.getDouble(path)) : OptionalDouble.empty();
  }

  private static <E extends Enum<E>> E parseEnum(Config c, String key, Class<E> type) {
    return parseEnum(key, c.getString(key), type);
  }

  /** How a configuration file spells an enum constant: lower case, dashes for underscores. */
  public static String spelling(Enum<?> constant) {
    return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** An enum constant from its configuration spelling (any case, dashes for underscores). */
  public static <E extends Enum<E>> E parseEnum(String key, String value, Class<E> type) {
    try {
      return Enum.valueOf(type, value.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      String known =
          java.util.Arrays.stream(type.getEnumConstants())
              .map(ConfigLoader::spelling)
              .collect(java.util.stream.Collectors.joining(", "));
      throw ConfigException.invalid(key, "unknown value '" + value + "' (" + known + ")");
    }
  }

  private static String quote(String text) {
    return com.typesafe.config.ConfigUtil.quoteString(text);
  }

  private static String oneLine(String message) {
    return message.replaceAll("\\s+", " ").trim();
  }
}
