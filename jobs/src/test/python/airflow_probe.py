"""What the Airflow tests read from Airflow itself, as JSON on stdout (run with .venv-airflow's python).

airflow_probe.py dags FOLDER   the DAGs a stock DagBag finds there: import errors, tasks with their
                               downstream tasks, retries and timeouts, params, max_active_runs
airflow_probe.py runs DAG_ID   that DAG's runs in Airflow's database, oldest first: state, conf,
                               how it was started, and each task's state and attempts
"""

import json
import logging
import sys

logging.disable(logging.CRITICAL)  # keep stdout to the JSON


def dags(folder):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=folder)
    found = {}
    for dag_id, dag in bag.dags.items():
        found[dag_id] = {
            "max_active_runs": dag.max_active_runs,
            "params": {name: dag.params[name] for name in dag.params.keys()},
            "tasks": {
                task.task_id: {
                    "downstream": sorted(task.downstream_task_ids),
                    "retries": task.retries,
                    "timeout_seconds": (
                        task.execution_timeout.total_seconds() if task.execution_timeout else None
                    ),
                    "command": getattr(task, "command", None),
                    "trigger_dag_id": getattr(task, "trigger_dag_id", None),
                }
                for task in dag.tasks
            },
        }
    return {"import_errors": {str(k): str(v) for k, v in bag.import_errors.items()}, "dags": found}


def runs(dag_id):
    from airflow.models import DagRun, TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        result = []
        for run in session.query(DagRun).filter(DagRun.dag_id == dag_id).order_by(DagRun.id):
            tasks = session.query(TaskInstance).filter(
                TaskInstance.dag_id == dag_id, TaskInstance.run_id == run.run_id
            )
            result.append(
                {
                    "run_id": run.run_id,
                    "state": str(run.state),
                    "run_type": str(run.run_type),
                    "conf": run.conf,
                    "tasks": {
                        ti.task_id: {"state": str(ti.state), "tries": ti.try_number} for ti in tasks
                    },
                }
            )
        return result


if __name__ == "__main__":
    command, argument = sys.argv[1], sys.argv[2]
    print(json.dumps({"dags": dags, "runs": runs}[command](argument), default=str))
