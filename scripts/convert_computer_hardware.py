#!/usr/bin/env python3
"""Convert the Computer Hardware data (Weka's cpu.with.vendor.arff) to the CSV the pipeline ingests.

Usage: scripts/convert_computer_hardware.py ARFF_FILE OUT_CSV

A regression dataset: each machine's published relative performance, from its vendor and hardware.
Adds one column and renames one, nothing else:
  machine_id            the 1-based row number in the original file ("M001"), as a stable key;
  relative_performance  the label, named `class` in Weka's file (PRP in the original data).
Every other column is kept as it is, under its name in lower case.
"""
import csv
import sys

import arff


def main(arff_path: str, csv_path: str) -> None:
    attributes, rows = arff.read(arff_path)
    if len(attributes) != 8 or len(rows) != 209:
        sys.exit(f"{arff_path}: expected 8 attributes and 209 rows, found {len(attributes)} and {len(rows)}")
    names = ["relative_performance" if a == "class" else a.lower() for a in attributes]
    with open(csv_path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["machine_id"] + names)
        for number, row in enumerate(rows, start=1):
            writer.writerow([f"M{number:03d}"] + row)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
