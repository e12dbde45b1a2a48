"""The batchmlops DAGs: batchmlops_training and batchmlops_scoring, for Airflow 3.

One file, so that it can be copied or linked into any DAG folder (then set BATCHMLOPS_HOME).

batchmlops_training: ingest >> validate >> split >> leakage >> train >> evaluate >> register, one
task per stage. A run ingests the dataset's source (or `input`), or, given `raw_version` (as the
scoring DAG does when its monitor recommends a retrain), pins that version of the raw table instead
of ingesting. Stages hand over through the pipeline's state file
(`<storage.root>/<dataset>/_pipeline/state.json`), so a failed stage can be cleared and re-run alone
from the Airflow UI.

batchmlops_scoring: score >> monitor >> decide >> one of healthy | needs_attention | retrain. `score`
reads the dataset's score.source (or `score_input`, or the latest raw version); when it finds nothing
new it is skipped, and so is the rest. `monitor`'s exit code is its decision (0 healthy, 4 retrain,
5 attention: a limit passed but no retrain due). A retrain triggers batchmlops_training on the raw
table version the monitor judged, with this run's dataset, environment, master and settings.

Every task runs `scripts/submit COMMAND` (spark-submit of the job jar) and reads the job's exit code
as the README's "Exit codes" define it, so that Airflow retries only what a retry can cure:

- 0 (and, for `monitor`, 4 and 5: its decisions) succeed;
- 1 error, 2 usage error and 3 gates not passed are verdicts on the data, the configuration or the
  model: the task fails at once, without retries, with the job's one-line reason;
- anything else (75: MLflow or the database did not answer; 70: an unexpected error; a killed
  driver) fails the attempt, and Airflow retries it with exponential back-off.

Deployment settings, read from the environment when the file is parsed: BATCHMLOPS_DATASETS (unset:
one pair of DAGs, the dataset a param; `a,b`: a pair per dataset, batchmlops_training_a and so on,
each running once at a time), BATCHMLOPS_HOME (the checkout holding the built jar, conf/ and
scripts/; default: the one this file is in), BATCHMLOPS_RETRIES (3), BATCHMLOPS_RETRY_DELAY_SECONDS (60, doubling up to 30 minutes),
BATCHMLOPS_TIMEOUT_<COMMAND>_MINUTES (per task, see TIMEOUT_MINUTES), BATCHMLOPS_TRAINING_SCHEDULE
and BATCHMLOPS_SCORING_SCHEDULE (cron expressions or presets; default: triggered only), and
MLOPS_DATASET, MLOPS_ENV, MLOPS_SPARK_MASTER (the params' defaults). The workers' environment also
reaches the job: MLFLOW_TRACKING_URI, MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (an
authenticated tracking server), MLOPS_STORAGE_ROOT, SPARK_SUBMIT, MLOPS_DRIVER_MEMORY, and any
variable a dataset's settings name (a JDBC password).
"""

from __future__ import annotations

import collections
import os
import re
import shlex
import signal
import subprocess
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pendulum
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import DAG, BaseOperator, Param, chain, task
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException

# Exit codes that are verdicts: asking again gives the same answer.
VERDICTS = {1: "error", 2: "usage error", 3: "gates not passed"}
# monitor's exit codes, each a decision rather than a failure.
MONITOR_DECISIONS = {0: "healthy", 4: "retrain", 5: "attention"}

TRAINING_STAGES = ("ingest", "validate", "split", "leakage", "train", "evaluate", "register")

# Generous defaults per task, for data that fits the cluster; raise them for large searches.
TIMEOUT_MINUTES = {
    "ingest": 60,
    "validate": 60,
    "split": 60,
    "leakage": 60,
    "train": 240,
    "evaluate": 120,
    "register": 15,
    "score": 120,
    "monitor": 60,
}

# DAG params that become a command's options, when given.
OPTION_PARAMS = {
    "ingest": {"input": "--input", "raw_version": "--raw-version"},
    "score": {"score_input": "--input", "model": "--model"},
    "monitor": {"labels": "--labels"},
}

# The lines by which score says it wrote nothing new: then there is no batch to monitor.
NOTHING_SCORED = re.compile(r"^(nothing to score|already scored): ")
RETRAIN_ON = re.compile(r"^retrain with\s+run --raw-version (\d+)\s*$")


def project_home() -> Path:
    """The checkout with the built job jar, conf/ and scripts/."""
    configured = os.environ.get("BATCHMLOPS_HOME")
    return Path(configured) if configured else Path(__file__).resolve().parents[3]


def common_params(dataset: str | None) -> dict[str, Param]:
    """What every batchmlops DAG run is given: the dataset, where and how to run it.

    A DAG of one dataset (see BATCHMLOPS_DATASETS) accepts only that dataset.
    """
    return {
        "dataset": (
            Param(dataset, type="string", enum=[dataset], description="The dataset of this DAG.")
            if dataset
            else Param(
                os.environ.get("MLOPS_DATASET", "credit"),
                type="string",
                pattern=r"^[A-Za-z0-9._-]+$",
                description="The dataset: conf/datasets/<dataset>.conf.",
            )
        ),
        "env": Param(
            os.environ.get("MLOPS_ENV", "dev"),
            type="string",
            description="The environment layer: conf/env/<env>.conf.",
        ),
        "master": Param(
            os.environ.get("MLOPS_SPARK_MASTER", "local[2]"),
            type="string",
            description="spark-submit's --master: local[N], spark://host:7077, yarn, k8s://...",
        ),
        "settings": Param(
            [],
            type="array",
            items={"type": "string", "pattern": r"^[A-Za-z0-9._-]+=.*$"},
            description="Extra settings, each key=value, passed as --set key=value.",
        ),
    }


def stage_defaults() -> dict[str, Any]:
    """Retries with exponential back-off; only transient failures use them (see PipelineStage)."""
    return {
        "owner": "batchmlops",
        "retries": int(os.environ.get("BATCHMLOPS_RETRIES", "3")),
        "retry_delay": timedelta(
            seconds=int(os.environ.get("BATCHMLOPS_RETRY_DELAY_SECONDS", "60"))
        ),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
    }


def timeout(command: str) -> timedelta:
    minutes = os.environ.get(f"BATCHMLOPS_TIMEOUT_{command.upper()}_MINUTES")
    return timedelta(minutes=int(minutes) if minutes else TIMEOUT_MINUTES[command])


class PipelineStage(BaseOperator):
    """Runs one pipeline command through spark-submit; see the module's description.

    Returns (as its XCom) the command, its exit code and the lines it printed on stdout; `monitor`
    adds its decision and, for a retrain, the raw version to retrain on.
    """

    ui_color = "#e8f4ea"

    def __init__(self, *, command: str, success_codes: tuple[int, ...] = (0,), **kwargs: Any):
        kwargs.setdefault("execution_timeout", timeout(command))
        super().__init__(**kwargs)
        self.command = command
        self.success_codes = success_codes
        self._process: subprocess.Popen[str] | None = None

    def arguments(self, params: dict[str, Any]) -> list[str]:
        args = [self.command, "--dataset", params["dataset"], "--env", params["env"]]
        for setting in params.get("settings") or []:
            args += ["--set", setting]
        for param, option in OPTION_PARAMS.get(self.command, {}).items():
            value = params.get(param)
            if value is not None and value != "":
                args += [option, str(value)]
        return args

    def execute(self, context: Any) -> dict[str, Any]:
        params = context["params"]
        home = project_home()
        argv = [str(home / "scripts" / "submit"), *self.arguments(params)]
        env = {**os.environ, "MLOPS_SPARK_MASTER": params["master"]}
        self.log.info("running %s", shlex.join(argv))
        stdout: list[str] = []
        errors: collections.deque[str] = collections.deque(maxlen=50)
        self._process = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=home,  # conf/ and relative storage paths as for scripts/demo
            start_new_session=True,  # one group: a timeout or a kill stops the driver's JVM too
        )
        stderr_reader = threading.Thread(
            target=self._log_lines, args=(self._process.stderr, errors), daemon=True
        )
        stderr_reader.start()
        try:
            for line in self._process.stdout:
                line = line.rstrip("\n")
                stdout.append(line)
                self.log.info("%s", line)
            code = self._process.wait()
            stderr_reader.join()
        finally:
            self.on_kill()
        return self.outcome(code, stdout, list(errors))

    def _log_lines(self, stream: Any, errors: collections.deque[str]) -> None:
        for line in stream:
            line = line.rstrip("\n")
            if line.startswith(("batchmlops: ", "submit: ")):
                errors.append(line)
            self.log.info("%s", line)

    def outcome(self, code: int, stdout: list[str], errors: list[str]) -> dict[str, Any]:
        """The task's result for an exit code: a value, a skip, or a failure with or without retry."""
        reason = errors[-1] if errors else "no error line; see the log above"
        if code in VERDICTS:
            raise AirflowFailException(f"{self.command} exited {code} ({VERDICTS[code]}): {reason}")
        if code not in self.success_codes:
            raise AirflowException(f"{self.command} exited {code} (retried): {reason}")
        result: dict[str, Any] = {"command": self.command, "exit_code": code, "output": stdout}
        if self.command == "score":
            nothing = next((line for line in stdout if NOTHING_SCORED.match(line)), None)
            if nothing:
                raise AirflowSkipException(nothing)
        if self.command == "monitor":
            result["decision"] = MONITOR_DECISIONS[code]
            retrain = [m.group(1) for m in map(RETRAIN_ON.match, stdout) if m]
            result["retrain_raw_version"] = int(retrain[-1]) if retrain else None
        return result

    def on_kill(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            self.log.warning("stopping %s (process group %d)", self.command, process.pid)
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def training_dag(dag_id: str, dataset: str | None) -> DAG:
    """ingest >> validate >> split >> leakage >> train >> evaluate >> register."""
    with DAG(
        dag_id=dag_id,
        description="Ingest, validate, split, check leakage, train, evaluate and register a model",
        schedule=os.environ.get("BATCHMLOPS_TRAINING_SCHEDULE") or None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,  # stages hand over through the dataset's one state file
        default_args=stage_defaults(),
        params={
            **common_params(dataset),
            "input": Param(
                None,
                type=["null", "string"],
                description="A file or folder to ingest instead of the dataset's ingest.source.",
            ),
            "raw_version": Param(
                None,
                type=["null", "integer"],
                minimum=0,
                description="Retrain on this raw table version, ingested earlier; nothing ingested.",
            ),
        },
        tags=["batchmlops"],
        doc_md=__doc__,
    ) as dag:
        chain(*(PipelineStage(task_id=stage, command=stage) for stage in TRAINING_STAGES))
    return dag


def scoring_dag(dag_id: str, dataset: str | None, training_dag_id: str) -> DAG:
    """score >> monitor >> decide >> healthy | needs_attention | retrain (training_dag_id)."""
    with DAG(
        dag_id=dag_id,
        description="Score the new batch, monitor drift and performance, retrain when due",
        schedule=os.environ.get("BATCHMLOPS_SCORING_SCHEDULE") or None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        default_args=stage_defaults(),
        render_template_as_native_obj=True,  # the retrain's conf keeps its integers and lists
        params={
            **common_params(dataset),
            "score_input": Param(
                None,
                type=["null", "string"],
                description="A file or folder to score instead of the dataset's score.source.",
            ),
            "model": Param(
                None,
                type=["null", "string"],
                description="The model to score with, NAME@ALIAS or NAME/VERSION; default champion.",
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
            trigger_dag_id=training_dag_id,
            conf={
                "dataset": "{{ params.dataset }}",
                "env": "{{ params.env }}",
                "master": "{{ params.master }}",
                "settings": "{{ params.settings }}",
                "raw_version": "{{ ti.xcom_pull(task_ids='monitor')['retrain_raw_version'] }}",
            },
        )
        score >> monitor
        decide(monitor.output) >> [
            EmptyOperator(task_id="healthy"),
            EmptyOperator(task_id="needs_attention"),
            retrain,
        ]
    return dag


# One pair of DAGs for any dataset (a param), or, with BATCHMLOPS_DATASETS=a,b, a pair per dataset
# (batchmlops_training_a, ...), so that max_active_runs holds per dataset and datasets run side by
# side.
_datasets = [d.strip() for d in os.environ.get("BATCHMLOPS_DATASETS", "").split(",") if d.strip()]
for _dataset in _datasets or [None]:
    _suffix = f"_{_dataset}" if _dataset else ""
    globals()[f"training{_suffix}"] = training_dag(f"batchmlops_training{_suffix}", _dataset)
    globals()[f"scoring{_suffix}"] = scoring_dag(
        f"batchmlops_scoring{_suffix}", _dataset, f"batchmlops_training{_suffix}"
    )
