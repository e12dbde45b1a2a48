"""A DAG of one PipelineStage with an 8-second timeout, for AirflowDagsIT: BATCHMLOPS_HOME points at
a stand-in for the checkout whose scripts/submit runs long, and the test checks the timeout stops it.
"""

import os
import sys
from datetime import timedelta

import pendulum
from airflow.sdk import DAG

sys.path.insert(0, os.environ["BATCHMLOPS_DAG_FOLDER"])
from batchmlops_dags import PipelineStage, common_params  # noqa: E402

with DAG(
    "timeout_check",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    params=common_params(None),
):
    PipelineStage(
        task_id="train", command="train", execution_timeout=timedelta(seconds=8), retries=0
    )
