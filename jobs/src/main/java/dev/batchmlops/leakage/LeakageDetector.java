package dev.batchmlops.leakage;

import static org.apache.spark.sql.functions.*;

import dev.batchmlops.config.ColumnSpec;
import dev.batchmlops.config.ColumnType;
import dev.batchmlops.config.DatasetContract;
import dev.batchmlops.config.Severity;
import dev.batchmlops.config.StageConfigs;
import dev.batchmlops.quality.Finding;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Finds the ways a model could learn the answer instead of the pattern. Each check is a pure
 * function of DataFrames and the contract that returns findings with their evidence.
 */
public final class LeakageDetector {
  /** The pseudo-feature of a row's position in the table, as ingested. */
  static final String ROW_ORDER = "<row order>";

  private LeakageDetector() {}

  /** Features the contract marks as known only after the outcome cannot be inputs. */
  public static List<Finding> postOutcomeFeatures(DatasetContract contract) {
    List<Finding> findings = new ArrayList<>();
    for (ColumnSpec column : contract.columns()) {
      if (!column.knownAfterOutcome()) {
        continue;
      }
      String check = "known only after the outcome: not a feature";
      findings.add(
          column.isCategoricalFeature() || column.isNumericFeature()
              ? Finding.fail(
                  column.name(),
                  check,
                  Severity.ERROR,
                  "declared as a feature; give it role = other (or drop known-after-outcome if"
                      + " it is known at prediction time)")
              : Finding.pass(column.name(), check, Severity.ERROR, "role " + roleOf(column)));
    }
    return findings;
  }

  /**
   * Target leakage: each feature's score alone on the training rows ({@link ColumnScore}: an AUC, a
   * macro AUC or a rank R2 by task); from its error limit an error, from its warning limit a
   * warning. Categorical features with too many values to score are reported as identifier-like.
   */
  public static List<Finding> targetLeakage(
      Dataset<Row> train,
      DatasetContract contract,
      StageConfigs.Leakage settings,
      Map<String, Double> scores) {
    Map<String, Column> numeric = new LinkedHashMap<>();
    Map<String, Column> categorical = new LinkedHashMap<>();
    for (ColumnSpec feature : contract.features()) {
      (feature.type().isNumeric() ? numeric : categorical).put(feature.name(), col(feature.name()));
    }
    ColumnScore measure = ColumnScore.of(contract, settings);
    return judgeScores(
        SingleFeatureScores.score(
            train, numeric, categorical, measure.target(), settings.bins(), settings.minBinRows()),
        "single-feature " + measure.name(),
        measure,
        scores);
  }

  /**
   * Identifier leakage: the digits of the id and the row order of the table as ingested must not
   * predict the label (data sorted or numbered by outcome).
   */
  public static List<Finding> identifierLeakage(
      Dataset<Row> table,
      DatasetContract contract,
      StageConfigs.Leakage settings,
      Map<String, Double> scores) {
    Map<String, Column> numeric = new LinkedHashMap<>();
    String id = contract.idColumn();
    numeric.put(id, regexp_extract(col(id).cast("string"), "(\\d+)", 1));
    numeric.put(ROW_ORDER, monotonically_increasing_id());
    ColumnScore measure = ColumnScore.of(contract, settings);
    return judgeScores(
        SingleFeatureScores.score(
            table, numeric, Map.of(), measure.target(), settings.bins(), settings.minBinRows()),
        "id or row order " + measure.name(),
        measure,
        scores);
  }

  private static List<Finding> judgeScores(
      Map<String, SingleFeatureScores.Score> measured,
      String what,
      ColumnScore measure,
      Map<String, Double> scores) {
    StageConfigs.LeakageLimits limits = measure.limits();
    List<Finding> findings = new ArrayList<>();
    String check = what + " below the warning limit " + limits.warning();
    measured.forEach(
        (name, score) -> {
          if (!score.scored()) {
            findings.add(
                Finding.fail(
                    name,
                    "not identifier-like",
                    Severity.WARNING,
                    "about "
                        + score.distinct()
                        + " distinct values: too many to be a category; an id in disguise?"));
            return;
          }
          scores.put(name, score.value());
          String evidence = String.format(Locale.ROOT, "%s %.3f", what, score.value());
          if (score.value() >= limits.error()) {
            findings.add(
                Finding.fail(
                    name,
                    check,
                    Severity.ERROR,
                    evidence + " >= error limit " + limits.error() + ": it encodes the label"));
          } else if (score.value() >= limits.warning()) {
            findings.add(
                Finding.fail(
                    name,
                    check,
                    Severity.WARNING,
                    evidence
                        + " >= warning limit "
                        + limits.warning()
                        + ": strong; check it is known in time"));
          } else {
            findings.add(Finding.pass(name, check, Severity.ERROR, evidence));
          }
        });
    return findings;
  }

  /**
   * Validation and test rows whose exact feature values also occur in training: the model is tested
   * on what it memorised. Above {@code max-duplicate-share} an error, any at all a warning; unless
   * the share is no more than chance would give for these features (few, low-cardinality
   * categories, where identical rows are expected): then it is reported as natural collisions, a
   * warning. Chance assumes independent features, so it is estimated only when rows are shared.
   */
  public static Finding crossSplitDuplicates(
      Dataset<Row> splits,
      DatasetContract contract,
      String splitColumn,
      String trainSplit,
      StageConfigs.Leakage settings) {
    Column[] features =
        contract.features().stream()
            .map(f -> coalesce(col(f.name()).cast("string"), lit("\u0000")))
            .toArray(Column[]::new);
    Column inTrain = col(splitColumn).equalTo(trainSplit);
    Dataset<Row> groups =
        splits
            .select(
                xxhash64(features).as("row_hash"),
                inTrain.as("in_train"),
                col(contract.idColumn()).as("id"))
            .groupBy("row_hash")
            .agg(
                sum(when(col("in_train"), 1L).otherwise(0L)).as("train_rows"),
                sum(when(col("in_train"), 0L).otherwise(1L)).as("held_out_rows"),
                min(when(not(col("in_train")), col("id"))).as("example"))
            .cache();
    Row totals =
        groups
            .agg(
                sum("held_out_rows"),
                sum("train_rows"),
                sum(when(col("train_rows").gt(0), col("held_out_rows"))))
            .first();
    long heldOut = totals.isNullAt(0) ? 0 : totals.getLong(0);
    long trainRows = totals.isNullAt(1) ? 0 : totals.getLong(1);
    long duplicated = totals.isNullAt(2) ? 0 : totals.getLong(2);
    List<Object> examples =
        duplicated == 0
            ? List.of()
            : firstValues(
                groups.where(col("train_rows").gt(0).and(col("held_out_rows").gt(0))), "example");
    groups.unpersist();
    double share = heldOut == 0 ? 0 : (double) duplicated / heldOut;
    String check =
        "validation/test rows identical to a training row <= " + settings.maxDuplicateShare();
    String evidence =
        String.format(
            Locale.ROOT,
            "%d of %d held-out rows (%.2f%%)%s",
            duplicated,
            heldOut,
            100 * share,
            examples(examples));
    if (duplicated == 0) {
      return Finding.pass("<splits>", check, Severity.ERROR, evidence);
    }
    double chance = chanceShare(splits, contract, inTrain, trainRows);
    // Three standard errors of the held-out share above chance: more than chance explains.
    double noise = 3 * Math.sqrt(Math.max(chance * (1 - chance), 1e-12) / heldOut);
    if (share <= chance + noise) {
      return Finding.fail(
          "<splits>",
          check,
          Severity.WARNING,
          evidence
              + String.format(
                  Locale.ROOT,
                  "; %.2f%% expected by chance for these features: natural collisions, not copies",
                  100 * chance));
    }
    String verdict =
        String.format(Locale.ROOT, "; %.2f%% expected by chance: copied rows", 100 * chance);
    return share > settings.maxDuplicateShare()
        ? Finding.fail("<splits>", check, Severity.ERROR, evidence + verdict)
        : Finding.fail("<splits>", check, Severity.WARNING, evidence + verdict);
  }

  /**
   * The share of held-out rows expected to equal some training row by chance, were the features
   * independent: a row whose values have probability p (the product of each value's share in the
   * data) matches one of T training rows with probability 1 - (1 - p)^T.
   */
  private static double chanceShare(
      Dataset<Row> splits, DatasetContract contract, Column inTrain, long trainRows) {
    Dataset<Row> rows = splits.select(inTrain.as("_in_train"), col("*"));
    double total = rows.count();
    Column probability = lit(1.0);
    Dataset<Row> heldOut = rows.where(not(col("_in_train")));
    int i = 0;
    for (ColumnSpec feature : contract.features()) {
      String value = "_v" + i;
      String share = "_p" + i++;
      Column text = coalesce(col(feature.name()).cast("string"), lit("\u0000"));
      Dataset<Row> shares = rows.groupBy(text.as(value)).agg(count(lit(1)).divide(total).as(share));
      heldOut = heldOut.withColumn(value, text).join(shares, value);
      probability = probability.multiply(col(share));
    }
    Row expected =
        heldOut
            .agg(avg(lit(1.0).minus(pow(lit(1.0).minus(probability), (double) trainRows))))
            .first();
    return expected.isNullAt(0) ? 0 : expected.getDouble(0);
  }

  /** Every row of one entity must be in the same split, or the model is tested on known faces. */
  public static Optional<Finding> entitiesAcrossSplits(
      Dataset<Row> splits, DatasetContract contract, String splitColumn) {
    if (contract.entityColumn().isEmpty()) {
      return Optional.empty();
    }
    String entity = contract.entityColumn().get();
    Dataset<Row> straddling =
        splits
            .groupBy(col(entity))
            .agg(countDistinct(col(splitColumn)).as("splits"))
            .where(col("splits").gt(1))
            .cache();
    long entities = straddling.count();
    List<Object> examples = firstValues(straddling, entity);
    straddling.unpersist();
    String check = "every entity in one split";
    String evidence = entities + " entities in more than one split" + examples(examples);
    return Optional.of(
        entities > 0
            ? Finding.fail(entity, check, Severity.ERROR, evidence)
            : Finding.pass(entity, check, Severity.ERROR, evidence));
  }

  /**
   * Time leakage in the features: a date feature, or the date a feature was observed at, later than
   * the row's event time is information from the future.
   */
  public static List<Finding> observedAfterEventTime(Dataset<Row> data, DatasetContract contract) {
    if (contract.eventTimeColumn().isEmpty()) {
      return List.of();
    }
    String eventTime = contract.eventTimeColumn().get();
    Map<String, String> stampOf = new LinkedHashMap<>();
    for (ColumnSpec column : contract.features()) {
      if (column.observedAt().isPresent()) {
        stampOf.put(column.name(), column.observedAt().get());
      } else if (column.type() == ColumnType.DATE) {
        stampOf.put(column.name(), column.name());
      }
    }
    if (stampOf.isEmpty()) {
      return List.of();
    }
    List<Column> counts = new ArrayList<>();
    stampOf.forEach(
        (feature, stamp) -> counts.add(sum(when(col(stamp).gt(col(eventTime)), 1L).otherwise(0L))));
    Row row =
        data.agg(counts.get(0), counts.subList(1, counts.size()).toArray(Column[]::new)).first();
    List<Finding> findings = new ArrayList<>();
    int i = 0;
    for (Map.Entry<String, String> entry : stampOf.entrySet()) {
      long later = row.isNullAt(i) ? 0 : row.getLong(i);
      i++;
      String check = "observed no later than " + eventTime;
      String evidence = later + " rows where " + entry.getValue() + " is after " + eventTime;
      findings.add(
          later > 0
              ? Finding.fail(entry.getKey(), check, Severity.ERROR, evidence)
              : Finding.pass(entry.getKey(), check, Severity.ERROR, evidence));
    }
    return findings;
  }

  /**
   * Time leakage in a time-based split: no training row on or after the validation cutoff, no
   * validation row outside its window, no test row before the test cutoff.
   */
  public static List<Finding> timeOrder(
      Dataset<Row> splits,
      String eventTime,
      String splitColumn,
      LocalDate validationFrom,
      LocalDate testFrom) {
    Column time = col(eventTime);
    Column validationStart = lit(validationFrom.toString()).cast("date");
    Column testStart = lit(testFrom.toString()).cast("date");
    Column split = col(splitColumn);
    Row row =
        splits
            .agg(
                sum(when(split.equalTo("train").and(time.geq(validationStart)), 1L).otherwise(0L)),
                sum(
                    when(
                            split
                                .equalTo("validation")
                                .and(time.lt(validationStart).or(time.geq(testStart))),
                            1L)
                        .otherwise(0L)),
                sum(when(split.equalTo("test").and(time.lt(testStart)), 1L).otherwise(0L)))
            .first();
    List<Finding> findings = new ArrayList<>();
    String[] subjects = {"train", "validation", "test"};
    String[] checks = {
      eventTime + " before " + validationFrom,
      eventTime + " from " + validationFrom + " to before " + testFrom,
      eventTime + " from " + testFrom
    };
    for (int i = 0; i < 3; i++) {
      long outside = row.isNullAt(i) ? 0 : row.getLong(i);
      String evidence = outside + " rows outside the window";
      findings.add(
          outside > 0
              ? Finding.fail(subjects[i], checks[i], Severity.ERROR, evidence)
              : Finding.pass(subjects[i], checks[i], Severity.ERROR, evidence));
    }
    return findings;
  }

  /** A few values of a column, smallest first, as evidence. */
  private static List<Object> firstValues(Dataset<Row> rows, String column) {
    return rows
        .select(col(column).cast("string").as("value"))
        .orderBy("value")
        .limit(5)
        .collectAsList()
        .stream()
        .map(row -> (Object) row.getString(0))
        .toList();
  }

  private static String examples(List<Object> values) {
    if (values == null || values.isEmpty()) {
      return "";
    }
    return ", for example " + values;
  }

  private static String roleOf(ColumnSpec column) {
    return column.role().name().toLowerCase(Locale.ROOT);
  }
}
