"""batchmlops_training: the training pipeline, one Airflow task per stage.

ingest >> validate >> split >> leakage >> train >> evaluate >> register, each a spark-submit of the
job jar (see batchmlops_stage.py for how exit codes become retries or failures). A run ingests the
dataset's source (or `input`), or, given `raw_version` (as the scoring DAG does when its monitor
recommends a retrain), pins that version of the raw table instead of ingesting. One run at a time.
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG, Param, chain

from batchmlops_stage import TRAINING_STAGES, PipelineStage, common_params, stage_defaults

with DAG(
    dag_id="batchmlops_training",
    description="Ingest, validate, split, check leakage, train, evaluate and register a model",
    schedule=os.environ.get("BATCHMLOPS_TRAINING_SCHEDULE") or None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # stages hand over through the dataset's one state file
    default_args=stage_defaults(),
    params={
        **common_params(),
        "input": Param(
            None,
            type=["null", "string"],
            description="A file or folder to ingest instead of the dataset's ingest.source.",
        ),
        "raw_version": Param(
            None,
            type=["null", "integer"],
            minimum=0,
            description="Retrain on this raw table version, ingested earlier, instead of ingesting.",
        ),
    },
    tags=["batchmlops"],
    doc_md=__doc__,
) as dag:
    chain(*(PipelineStage(task_id=stage, command=stage) for stage in TRAINING_STAGES))
