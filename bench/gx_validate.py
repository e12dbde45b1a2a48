"""The contract's rules checked by Great Expectations on its Spark engine: the peer side of
scripts/bench --peers. Runs in its own environment (.venv-gx, bench/requirements-gx.txt).

Reads the Delta table the bare ingest wrote and the rules BareSpark exported (rows at least; per
column: required, completeness, range, allowed values, pattern, uniqueness), expresses them as
expectations, validates the whole table once and prints one JSON line: the seconds from reading the
table to the validation result (the Spark session's start-up excluded, as the other steps have
theirs subtracted), the number of expectations, and how many failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", required=True, help="the Delta table to validate")
    parser.add_argument("--rules", required=True, help="the rules JSON from BareSpark rules")
    parser.add_argument("--jar", required=True, help="the job jar (Delta Lake's classes)")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument("--shuffle-partitions", type=int, default=8)
    parser.add_argument("--events", help="Spark event log folder")
    return parser.parse_args()


def expectations(rules: dict) -> list:
    import great_expectations.expectations as gxe

    found = [gxe.ExpectTableRowCountToBeBetween(min_value=rules["min_rows"])]
    for column in rules["columns"]:
        name = column["name"]
        if column["required"]:
            found.append(gxe.ExpectColumnValuesToNotBeNull(column=name))
        elif column["completeness"] > 0:
            found.append(gxe.ExpectColumnValuesToNotBeNull(column=name, mostly=column["completeness"]))
        if column["min"] is not None or column["max"] is not None:
            found.append(
                gxe.ExpectColumnValuesToBeBetween(column=name, min_value=column["min"], max_value=column["max"])
            )
        if column["allowed"]:
            found.append(gxe.ExpectColumnValuesToBeInSet(column=name, value_set=column["allowed"]))
        if column["pattern"]:
            found.append(gxe.ExpectColumnValuesToMatchRegex(column=name, regex=column["pattern"]))
        if column["unique"]:
            found.append(gxe.ExpectColumnValuesToBeUnique(column=name))
    return found


def main() -> None:
    args = parse_args()
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.appName("gx-validate")
        .master(args.master)
        .config("spark.driver.memory", args.driver_memory)
        .config("spark.jars", args.jar)
        .config("spark.sql.shuffle.partitions", str(args.shuffle_partitions))
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if args.events:
        builder = builder.config("spark.eventLog.enabled", "true").config("spark.eventLog.dir", f"file://{args.events}")
    spark = builder.getOrCreate()
    import great_expectations as gx

    with open(args.rules) as f:
        rules = json.load(f)
    # Allowed values are text in the contract; compare them with the column as text.
    started = time.monotonic()
    table = spark.read.format("delta").load(args.table)
    for column in rules["columns"]:
        if column["allowed"]:
            table = table.withColumn(column["name"], table[column["name"]].cast("string"))
    context = gx.get_context(mode="ephemeral")
    asset = context.data_sources.add_spark(name="bench").add_dataframe_asset(name="raw")
    batch = asset.add_batch_definition_whole_dataframe("whole")
    suite = context.suites.add(gx.ExpectationSuite(name="contract"))
    for expectation in expectations(rules):
        suite.add_expectation(expectation)
    validation = context.validation_definitions.add(gx.ValidationDefinition(name="contract", data=batch, suite=suite))
    result = validation.run(batch_parameters={"dataframe": table})
    seconds = time.monotonic() - started
    failed = [r.expectation_config.type for r in result.results if not r.success]
    print(json.dumps({"seconds": seconds, "expectations": len(result.results), "failed": failed}))
    spark.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
