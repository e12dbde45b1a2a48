"""What the notebooks share: a Spark session that reads the pipeline's Delta tables (with the Delta
classes of the project's own job jar, the versions the jobs wrote with), and the pipeline's MLflow
runs and registered versions as pandas frames."""

from __future__ import annotations

import json
import os
from typing import Any

import mlflow
import pandas as pd
from mlflow.tracking import MlflowClient
from pyspark.sql import SparkSession


def spark_session(job_jar: str) -> SparkSession:
    """A local Spark session that reads Delta tables, with the job jar on its class path."""
    if not os.path.isfile(job_jar):
        raise FileNotFoundError(
            f"job jar {job_jar} not found: build it with `mvn -B package -DskipTests`"
            " (scripts/demo does), or set job_jar in the parameter cell"
        )
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("batchmlops-notebook")
        .config("spark.jars", job_jar)
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.databricks.delta.snapshotPartitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def table_path(storage_root: str, dataset: str, table: str) -> str:
    """Where the jobs keep a dataset's table (StorageLayout in the jobs)."""
    return f"{storage_root.rstrip('/')}/{dataset}/{table}"


def is_table(spark: SparkSession, path: str) -> bool:
    return bool(spark._jvm.io.delta.tables.DeltaTable.isDeltaTable(spark._jsparkSession, path))


def history(spark: SparkSession, path: str) -> pd.DataFrame:
    """A table's commits, oldest first, with the pipeline's commit metadata as columns."""
    commits = (
        spark.sql(f"DESCRIBE HISTORY delta.`{path}`")
        .select("version", "timestamp", "operation", "userMetadata")
        .orderBy("version")
        .toPandas()
    )
    metadata = pd.DataFrame(
        [json.loads(m) if m else {} for m in commits["userMetadata"]], index=commits.index
    )
    return pd.concat([commits.drop(columns=["userMetadata"]), metadata], axis=1)


def runs(experiment: str, run_name: str, parent_run_id: str | None = None) -> pd.DataFrame:
    """The runs of that name in the experiment (nested under a parent, if given), oldest first."""
    query = f"attributes.run_name = '{run_name}'"
    if parent_run_id:
        query += f" AND tags.`mlflow.parentRunId` = '{parent_run_id}'"
    found = mlflow.search_runs(
        experiment_names=[experiment], filter_string=query, order_by=["attributes.start_time ASC"]
    )
    return found if isinstance(found, pd.DataFrame) else pd.DataFrame()


def nested_runs(experiment: str, parent_run_id: str) -> pd.DataFrame:
    found = mlflow.search_runs(
        experiment_names=[experiment],
        filter_string=f"tags.`mlflow.parentRunId` = '{parent_run_id}'",
        order_by=["attributes.start_time ASC"],
    )
    return found if isinstance(found, pd.DataFrame) else pd.DataFrame()


def json_artifact(run_id: str, path: str) -> Any:
    """A JSON artifact of a run, parsed."""
    local = MlflowClient().download_artifacts(run_id, path)
    with open(local, encoding="utf-8") as file:
        return json.load(file)


def version_by_alias(model: str, alias: str):
    """The registered version an alias points to, or None."""
    try:
        return MlflowClient().get_model_version_by_alias(model, alias)
    except mlflow.exceptions.MlflowException:
        return None
