"""batchmlops_scoring: score the new batch with the champion, monitor it, act on the decision.

score >> monitor >> decide >> one of: healthy | needs_attention | retrain. `score` reads the
dataset's score.source (or `score_input`); when it finds nothing new it is skipped, and so is the
rest. `monitor`'s exit code is its decision (0 healthy, 4 retrain, 5 attention: a limit passed but
no retrain due). A retrain triggers batchmlops_training on the raw table version the monitor judged,
with this run's dataset, environment, master and settings.
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import DAG, Param, task

from batchmlops_stage import PipelineStage, common_params, stage_defaults

with DAG(
    dag_id="batchmlops_scoring",
    description="Score the new batch, monitor drift and performance, retrain when due",
    schedule=os.environ.get("BATCHMLOPS_SCORING_SCHEDULE") or None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=stage_defaults(),
    render_template_as_native_obj=True,  # the retrain's conf keeps its integers and lists
    params={
        **common_params(),
        "score_input": Param(
            None,
            type=["null", "string"],
            description="A file or folder to score instead of the dataset's score.source.",
        ),
        "model": Param(
            None,
            type=["null", "string"],
            description="The model to score with, NAME@ALIAS or NAME/VERSION; default the champion.",
        ),
        "labels": Param(
            None,
            type=["null", "string"],
            description="A file of the batch's outcomes (id and label) for monitor --labels.",
        ),
    },
    tags=["batchmlops"],
    doc_md=__doc__,
) as dag:
    score = PipelineStage(task_id="score", command="score")
    monitor = PipelineStage(task_id="monitor", command="monitor", success_codes=(0, 4, 5))

    @task.branch
    def decide(outcome: dict[str, Any]) -> str:
        return {"healthy": "healthy", "attention": "needs_attention", "retrain": "retrain"}[
            outcome["decision"]
        ]

    retrain = TriggerDagRunOperator(
        task_id="retrain",
        trigger_dag_id="batchmlops_training",
        conf={
            "dataset": "{{ params.dataset }}",
            "env": "{{ params.env }}",
            "master": "{{ params.master }}",
            "settings": "{{ params.settings }}",
            "raw_version": "{{ ti.xcom_pull(task_ids='monitor')['retrain_raw_version'] }}",
        },
    )
    score >> monitor
    decide(monitor.output) >> [EmptyOperator(task_id="healthy"), EmptyOperator(task_id="needs_attention"), retrain]
