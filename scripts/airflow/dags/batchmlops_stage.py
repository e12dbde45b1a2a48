"""One pipeline command as an Airflow task, shared by the batchmlops DAGs.

A task runs `scripts/submit COMMAND` (spark-submit of the job jar) and reads the job's exit code as
the README's "Exit codes" define it, so that Airflow retries only what a retry can cure:

- 0 (and, for `monitor`, 4 and 5: its decisions) succeed;
- 1 error, 2 usage error and 3 gates not passed are verdicts on the data, the configuration or the
  model: the task fails at once, without retries, with the job's one-line reason;
- anything else (75: MLflow or the database did not answer; 70: an unexpected error; a killed
  driver) fails the attempt, and Airflow retries it with exponential back-off.

Stages hand over through the pipeline's state file (`<storage.root>/<dataset>/_pipeline/state.json`),
so a failed stage can be cleared and re-run alone from the Airflow UI.

Deployment settings, read from the environment when the DAG files are parsed:
BATCHMLOPS_HOME (the checkout holding the built jar and conf/; default: the one this file is in),
BATCHMLOPS_RETRIES (3), BATCHMLOPS_RETRY_DELAY_SECONDS (60, doubling up to 30 minutes) and
BATCHMLOPS_TIMEOUT_<COMMAND>_MINUTES (the per-task timeout, see TIMEOUT_MINUTES). The workers'
environment also reaches the job: MLFLOW_TRACKING_URI, MLOPS_STORAGE_ROOT, SPARK_SUBMIT,
MLOPS_DRIVER_MEMORY, and any variable a dataset's settings name (a JDBC password).
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

from airflow.sdk import BaseOperator, Param
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


def common_params() -> dict[str, Param]:
    """What every batchmlops DAG run is given: the dataset, where and how to run it."""
    return {
        "dataset": Param(
            os.environ.get("MLOPS_DATASET", "credit"),
            type="string",
            pattern=r"^[A-Za-z0-9._-]+$",
            description="The dataset: conf/datasets/<dataset>.conf.",
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
        "retry_delay": timedelta(seconds=int(os.environ.get("BATCHMLOPS_RETRY_DELAY_SECONDS", "60"))),
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
