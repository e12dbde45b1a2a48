"""Executes every notebook here headless against a deployment, as CI does, and renders each to HTML.

    python notebooks/execute.py --out DIR [--tracking-uri URI] [--storage-root PATH]
        [--dataset NAME] [--experiment NAME] [--registered-model NAME] [--job-jar PATH]

The given values replace the defaults of each notebook's parameter cell (a cell added after it, as
papermill does). Writes DIR/<name>.ipynb and DIR/<name>.html, and DIR/summary.json with the figures
each produced. Exits 1 naming the notebook and cell when a cell raises.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter

HERE = Path(__file__).resolve().parent
PARAMETERS = ("tracking_uri", "storage_root", "dataset", "experiment", "registered_model", "job_jar")


def with_parameters(notebook: nbformat.NotebookNode, values: dict[str, str]) -> None:
    """Adds a cell setting `values` right after the cell tagged `parameters`."""
    index = next(
        (i for i, cell in enumerate(notebook.cells) if "parameters" in cell.metadata.get("tags", [])),
        None,
    )
    if index is None:
        raise SystemExit("no cell tagged 'parameters'")
    source = "\n".join(f"{name} = {json.dumps(value)}" for name, value in values.items())
    cell = nbformat.v4.new_code_cell("# Injected parameters\n" + source)
    cell.metadata["tags"] = ["injected-parameters"]
    notebook.cells.insert(index + 1, cell)


def figures(notebook: nbformat.NotebookNode) -> int:
    return sum(
        1
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path)
    for name in PARAMETERS:
        parser.add_argument("--" + name.replace("_", "-"))
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args()
    values = {name: getattr(args, name) for name in PARAMETERS if getattr(args, name) is not None}
    args.out.mkdir(parents=True, exist_ok=True)
    summary = {}
    for path in sorted(HERE.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        with_parameters(notebook, values)
        client = NotebookClient(
            notebook,
            timeout=args.timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(HERE)}},
        )
        try:
            client.execute()
            failed = None
        except CellExecutionError as error:
            failed = str(error).strip().splitlines()[-1]
        nbformat.write(notebook, args.out / path.name)
        html, _ = HTMLExporter().from_notebook_node(notebook)
        (args.out / (path.stem + ".html")).write_text(html, encoding="utf-8")
        summary[path.stem] = {"figures": figures(notebook), "error": failed}
        print(f"{path.name}: {figures(notebook)} figures" + (f"; FAILED: {failed}" if failed else ""))
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    failures = [name for name, result in summary.items() if result["error"]]
    if failures:
        print(f"notebooks that raised: {', '.join(failures)} (see {args.out})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
