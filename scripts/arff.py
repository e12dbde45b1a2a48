"""Reads the ARFF files Weka ships (Debian package `weka`): attribute names and data rows."""
import csv


def read(path: str) -> tuple[list[str], list[list[str]]]:
    """The attribute names in order, and each data row's values as text (missing values as '?')."""
    attributes = []
    rows = []
    in_data = False
    with open(path, encoding="utf-8") as arff:
        for line in arff:
            line = line.strip()
            if not line or line.startswith("%"):
                continue
            lower = line.lower()
            if lower.startswith("@attribute"):
                attributes.append(line.split()[1].strip("'"))
            elif lower.startswith("@data"):
                in_data = True
            elif in_data:
                rows.append(next(csv.reader([line], quotechar="'", skipinitialspace=True)))
    return attributes, rows
