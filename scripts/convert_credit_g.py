#!/usr/bin/env python3
"""Convert the Statlog German Credit data (Weka's credit-g.arff) to the CSV the pipeline ingests.

Usage: scripts/convert_credit_g.py ARFF_FILE OUT_CSV

Adds three columns the pipeline needs, derived from the original ones and nothing else:
  application_id  the 1-based row number in the original file ("G0001"), as a stable key;
  sex             "female" or "male", the sex part of personal_status;
  age_band        18-25, 26-35, 36-50 or 51+, from age.
Every original column is kept as it is.
"""
import csv
import sys

import arff


def age_band(age: int) -> str:
    if age <= 25:
        return "18-25"
    if age <= 35:
        return "26-35"
    if age <= 50:
        return "36-50"
    return "51+"


def main(arff_path: str, csv_path: str) -> None:
    attributes, rows = arff.read(arff_path)
    if len(attributes) != 21 or len(rows) != 1000:
        sys.exit(f"{arff_path}: expected 21 attributes and 1000 rows, found {len(attributes)} and {len(rows)}")
    status = attributes.index("personal_status")
    age = attributes.index("age")
    with open(csv_path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["application_id"] + attributes + ["sex", "age_band"])
        for number, row in enumerate(rows, start=1):
            sex = row[status].split()[0]
            writer.writerow([f"G{number:04d}"] + row + [sex, age_band(int(row[age]))])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
