"""The pipeline against bare Spark, stage by stage: see scripts/bench and README's Benchmark section.

Every step is its own spark-submit, as a scheduler runs the stages; each bare step is written
directly against Spark (dev.batchmlops.bench.BareSpark) and runs right after (or, every other
round, right before) the pipeline stage it stands for, so that machine noise hits both. Times are
wall times of the spark-submit process less the start-up (a bare Spark session that does nothing,
timed the same way); Spark jobs are counted from each step's event log; peak memory is the driver
process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

# Pipeline stage -> the bare step that does the same data work (None: no bare counterpart).
STAGES = [
    ("ingest", "ingest"),
    ("validate", "validate"),
    ("split", "split"),
    ("leakage", None),
    ("train", "train"),
    ("evaluate", "evaluate"),
    ("register", None),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description="Times the pipeline's stages against bare Spark on generated credit data.",
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows generated (default 1000000)")
    parser.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    parser.add_argument("--driver-memory", default="4g", help="spark-submit --driver-memory (default 4g)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds; the table shows medians (default 1)")
    parser.add_argument("--shuffle-partitions", type=int, default=8, help="spark.sql.shuffle.partitions (default 8)")
    parser.add_argument(
        "--until",
        choices=[stage for stage, _ in STAGES],
        default=STAGES[-1][0],
        help="the last stage run and reported; earlier ones run too, as each reads the one before (default register)",
    )
    parser.add_argument(
        "--reuse-data",
        action="store_true",
        help="keep the data a previous run generated with the same --rows instead of generating it again",
    )
    parser.add_argument(
        "--peers",
        action="store_true",
        help="also time Great Expectations (on Spark, in its own environment .venv-gx) checking the same contract on the same table",
    )
    parser.add_argument("--work", default="work/bench", help="folder for data, event logs and results")
    parser.add_argument("--out", help="JSON results file (default <work>/bench-<rows>.json)")
    parser.add_argument("--jar", required=True, help=argparse.SUPPRESS)
    parser.add_argument("--spark-submit", required=True, help=argparse.SUPPRESS)
    parser.add_argument("--tracking-uri", required=True, help=argparse.SUPPRESS)
    parser.add_argument("--gx-python", help=argparse.SUPPRESS)
    return parser.parse_args()


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.work = Path(args.work).resolve()
        self.stamp = time.strftime("%Y%m%d%H%M%S")

    def submit(self, name: str, main_class: str, arguments: list[str], env: dict[str, str]) -> dict:
        """Runs one step through spark-submit; returns its wall time, jobs and peak memory."""
        events = self.work / "events" / name
        shutil.rmtree(events, ignore_errors=True)
        events.mkdir(parents=True)
        command = [
            self.args.spark_submit,
            "--master", self.args.master,
            "--driver-memory", self.args.driver_memory,
            "--conf", f"spark.sql.shuffle.partitions={self.args.shuffle_partitions}",
            "--conf", "spark.eventLog.enabled=true",
            "--conf", f"spark.eventLog.dir=file://{events}",
            "--driver-java-options", f"-Dlog4j2.configurationFile=file:{Path('conf/log4j2.properties').resolve()}",
            "--class", main_class, self.args.jar, *arguments,
        ]
        log_file = self.work / "logs" / f"{name}.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with open(log_file, "w") as output:
            process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
            # wait4 gives this child's own resource use: its peak resident memory.
            _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        code = os.waitstatus_to_exitcode(status)
        return {
            "step": name,
            "seconds": seconds,
            "exit_code": code,
            "spark_jobs": count_jobs(events),
            "peak_driver_mb": usage.ru_maxrss / 1024,
            "log": str(log_file),
        }

    def pipeline(self, round_dir: Path, stage: str, extra: list[str], prefix: str) -> dict:
        env = dict(os.environ, MLOPS_STORAGE_ROOT=str(round_dir / "delta"), MLFLOW_TRACKING_URI=self.args.tracking_uri)
        arguments = [
            stage, "--env", "dev", "--dataset", "credit",
            "--set", f"storage.landing={self.work / 'landing'}",
            "--set", f"tracking.experiment-prefix={prefix}",
            "--set", f"register.model-prefix={prefix}",
            # One logistic-regression trial, as the bare side fits one.
            "--set", "train.search.max-trials=1",
            "--set", "train.models.random-forest.enabled=false",
            "--set", "train.models.gradient-boosted-trees.enabled=false",
            *extra,
        ]
        result = self.submit(f"{prefix}-{stage}", "dev.batchmlops.cli.Main", arguments, env)
        # 3: the gates refused the model, which is an answer, not a failure of the stage.
        if result["exit_code"] not in (0, 3):
            sys.exit(f"bench: pipeline stage {stage} failed (exit {result['exit_code']}); see {result['log']}")
        return result

    def bare(self, round_dir: Path, step: str, prefix: str) -> dict:
        csv = self.landed_csv()
        bare_dir = round_dir / "bare"
        arguments = {
            "startup": [],
            "ingest": [csv, str(bare_dir / "raw")],
            "validate": [str(bare_dir / "raw")],
            "split": [str(bare_dir / "raw"), str(bare_dir / "splits")],
            "train": [str(bare_dir / "splits"), str(bare_dir / "model")],
            "evaluate": [str(bare_dir / "splits"), str(bare_dir / "model")],
        }[step]
        result = self.submit(f"{prefix}-bare-{step}", "dev.batchmlops.bench.BareSpark", [step, *arguments], dict(os.environ))
        if result["exit_code"] != 0:
            sys.exit(f"bench: bare step {step} failed (exit {result['exit_code']}); see {result['log']}")
        return result

    def generate(self) -> dict:
        marker = self.work / "landing" / "rows"
        if self.args.reuse_data and marker.exists() and marker.read_text() == str(self.args.rows):
            print(f"bench: reusing the {self.args.rows:,} rows generated before", file=sys.stderr)
            return {"seconds": None}
        print(f"bench: generating {self.args.rows:,} rows", file=sys.stderr)
        shutil.rmtree(self.work / "landing", ignore_errors=True)
        generated = self.pipeline(self.work / "generate", "generate", ["--set", f"generate.rows={self.args.rows}"], f"bench-{self.stamp}-gen")
        marker.write_text(str(self.args.rows))
        return generated

    def rules_file(self) -> Path:
        return self.work / "contract-rules.json"

    def export_rules(self) -> None:
        result = self.submit(f"bench-{self.stamp}-rules", "dev.batchmlops.bench.BareSpark", ["rules", str(self.rules_file())], dict(os.environ))
        if result["exit_code"] != 0:
            sys.exit(f"bench: exporting the contract's rules failed; see {result['log']}")

    def great_expectations(self, round_dir: Path, prefix: str) -> dict:
        """Great Expectations validating the bare ingest's table against the same rules."""
        name = f"{prefix}-gx-validate"
        events = self.work / "events" / name
        shutil.rmtree(events, ignore_errors=True)
        events.mkdir(parents=True)
        command = [
            self.args.gx_python, str(Path(__file__).with_name("gx_validate.py")),
            "--table", str(round_dir / "bare" / "raw"), "--rules", str(self.rules_file()), "--jar", self.args.jar,
            "--master", self.args.master, "--driver-memory", self.args.driver_memory,
            "--shuffle-partitions", str(self.args.shuffle_partitions), "--events", str(events),
        ]
        log_file = self.work / "logs" / f"{name}.log"
        with open(log_file, "w") as log:
            done = subprocess.run(command, stdout=subprocess.PIPE, stderr=log, text=True)
        if done.returncode != 0:
            sys.exit(f"bench: Great Expectations failed (exit {done.returncode}); see {log_file}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["spark_jobs"] = count_jobs(events)
        return result

    def landed_csv(self) -> str:
        return str(self.work / "landing" / "credit" / "credit.csv")

    def run(self) -> dict:
        self.work.mkdir(parents=True, exist_ok=True)
        generated = self.generate()
        if self.args.peers:
            self.export_rules()
        rounds = []
        for number in range(1, self.args.rounds + 1):
            prefix = f"bench-{self.stamp}-r{number}"
            round_dir = self.work / prefix
            startups = [self.bare(round_dir, "startup", prefix)]
            steps = []
            for stage, bare_step in selected_stages(self.args):
                print(f"bench: round {number}: {stage}", file=sys.stderr)
                pair = {"stage": stage}
                # Alternate which side goes first, so that neither always meets a warmer machine.
                order = ["pipeline", "bare"] if number % 2 == 1 else ["bare", "pipeline"]
                for side in order:
                    if side == "pipeline":
                        extra = ["--input", self.landed_csv()] if stage == "ingest" else []
                        pair["pipeline"] = self.pipeline(round_dir, stage, extra, prefix)
                    elif bare_step:
                        pair["bare"] = self.bare(round_dir, bare_step, prefix)
                if self.args.peers and stage == "validate":
                    pair["great_expectations"] = self.great_expectations(round_dir, prefix)
                steps.append(pair)
                # A long run (10M rows) that is stopped still leaves what it measured.
                progress = self.work / "bench-progress.json"
                progress.write_text(json.dumps({"round": number, "steps": steps}, indent=2))
            startups.append(self.bare(round_dir, "startup", prefix))
            rounds.append({"round": number, "startup_seconds": min(s["seconds"] for s in startups), "steps": steps})
            shutil.rmtree(round_dir, ignore_errors=True)
        return summarize(self.args, rounds, generated)


def selected_stages(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    names = [stage for stage, _ in STAGES]
    return STAGES[: names.index(args.until) + 1]


def count_jobs(events: Path) -> int:
    jobs = 0
    for log in events.iterdir():
        with open(log, errors="replace") as lines:
            jobs += sum(1 for line in lines if '"Event":"SparkListenerJobStart"' in line)
    return jobs


def summarize(args: argparse.Namespace, rounds: list[dict], generated: dict) -> dict:
    stages = []
    for index, (stage, bare_step) in enumerate(selected_stages(args)):
        pipeline_net, bare_net, jobs, bare_jobs, peak, bare_peak = [], [], [], [], [], []
        for r in rounds:
            step = r["steps"][index]
            pipeline_net.append(max(0.0, step["pipeline"]["seconds"] - r["startup_seconds"]))
            jobs.append(step["pipeline"]["spark_jobs"])
            peak.append(step["pipeline"]["peak_driver_mb"])
            if "bare" in step:
                bare_net.append(max(0.0, step["bare"]["seconds"] - r["startup_seconds"]))
                bare_jobs.append(step["bare"]["spark_jobs"])
                bare_peak.append(step["bare"]["peak_driver_mb"])
        row = {
            "stage": stage,
            "bare_step": bare_step,
            "pipeline_seconds": statistics.median(pipeline_net),
            "bare_seconds": statistics.median(bare_net) if bare_net else None,
            "pipeline_spark_jobs": max(jobs),
            "bare_spark_jobs": max(bare_jobs) if bare_jobs else None,
            "pipeline_peak_driver_mb": max(peak),
            "bare_peak_driver_mb": max(bare_peak) if bare_peak else None,
        }
        row["ratio"] = (
            row["pipeline_seconds"] / row["bare_seconds"] if row["bare_seconds"] else None
        )
        stages.append(row)
    peers = {}
    gx = [step["great_expectations"] for r in rounds for step in r["steps"] if "great_expectations" in step]
    if gx:
        validate = next(s for s in stages if s["stage"] == "validate")
        seconds = statistics.median(g["seconds"] for g in gx)
        peers["great_expectations"] = {
            "compared_with": "validate",
            "seconds": seconds,
            "spark_jobs": max(g["spark_jobs"] for g in gx),
            "expectations": gx[0]["expectations"],
            "failed": gx[0]["failed"],
            "ratio_to_bare": seconds / validate["bare_seconds"],
            "pipeline_ratio_to_it": validate["pipeline_seconds"] / seconds,
        }
    pipeline_total = sum(s["pipeline_seconds"] for s in stages)
    bare_total = sum(s["bare_seconds"] or 0.0 for s in stages)
    # The stages a bare step stands for (leakage and register have none).
    matched_total = sum(s["pipeline_seconds"] for s in stages if s["bare_seconds"] is not None)
    return {
        "rows": args.rows,
        "master": args.master,
        "driver_memory": args.driver_memory,
        "shuffle_partitions": args.shuffle_partitions,
        "rounds": len(rounds),
        "machine": machine(),
        "startup_seconds": statistics.median(r["startup_seconds"] for r in rounds),
        "generate_seconds": generated["seconds"],
        "stages": stages,
        "total": {
            "pipeline_seconds": pipeline_total,
            "bare_seconds": bare_total,
            "ratio": pipeline_total / bare_total if bare_total else None,
            "matched_pipeline_seconds": matched_total,
            "matched_ratio": matched_total / bare_total if bare_total else None,
        },
        "peers": peers,
        "raw_rounds": rounds,
    }


def machine() -> dict:
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    except OSError:
        pass
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cores": os.cpu_count(), "memory_gb": round(memory_gb, 1), "cpu": cpu, "os": platform.platform()}


def table(result: dict) -> str:
    def number(value, fmt):
        width = fmt.lstrip(">").split(".")[0]
        return format("-", ">" + width) if value is None else format(value, fmt)

    header = f"{'stage':<10} {'pipeline s':>10} {'bare s':>8} {'ratio':>6} {'jobs':>5} {'bare jobs':>9} {'peak MB':>8} {'bare MB':>8}"
    lines = [header, "-" * len(header)]
    for s in result["stages"]:
        lines.append(
            f"{s['stage']:<10} {s['pipeline_seconds']:>10.1f} {number(s['bare_seconds'], '>8.1f')} "
            f"{number(s['ratio'], '>6.2f')} {s['pipeline_spark_jobs']:>5} {number(s['bare_spark_jobs'], '>9')} "
            f"{s['pipeline_peak_driver_mb']:>8.0f} {number(s['bare_peak_driver_mb'], '>8.0f')}"
        )
    total = result["total"]
    lines.append("-" * len(header))
    lines.append(
        f"{'total':<10} {total['pipeline_seconds']:>10.1f} {total['bare_seconds']:>8.1f} {number(total['ratio'], '>6.2f')}"
    )
    lines.append(
        f"{'matched':<10} {total['matched_pipeline_seconds']:>10.1f} {total['bare_seconds']:>8.1f} "
        f"{number(total['matched_ratio'], '>6.2f')}   (the stages with a bare counterpart)"
    )
    for name, peer in result.get("peers", {}).items():
        lines.append(
            f"{peer['compared_with']} by {name.replace('_', ' ')}: {peer['seconds']:.1f} s, {peer['spark_jobs']} jobs, "
            f"{peer['expectations']} expectations ({len(peer['failed'])} failed); "
            f"{peer['ratio_to_bare']:.2f} x bare, the pipeline's {peer['pipeline_ratio_to_it']:.2f} x it"
        )
    m = result["machine"]
    lines.append(
        f"{result['rows']:,} rows on {result['master']}, driver {result['driver_memory']}, "
        f"{result['rounds']} round(s), medians; start-up {result['startup_seconds']:.1f} s subtracted from each step; "
        f"{m['cores']} cores, {m['memory_gb']} GiB, {m['cpu']}"
    )
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    result = Bench(args).run()
    out = Path(args.out or Path(args.work) / f"bench-{args.rows}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(table(result))
    print(f"results: {out}")


if __name__ == "__main__":
    main()
