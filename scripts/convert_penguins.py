#!/usr/bin/env python3
"""Copy the Palmer penguins data out of the `palmerpenguins` wheel (PyPI) as the CSV to ingest.

Usage: scripts/convert_penguins.py WHEEL_FILE OUT_CSV

A multiclass dataset: each penguin's species (Adelie, Chinstrap, Gentoo) from its island, bill,
flipper, body mass, sex and the year observed. The file is copied as it is, `NA` marking a value not
measured (the contract reads it as missing). It has no id: the rows come grouped by species, so a
row number would encode the label; the contract derives one from each row's content instead.
"""
import sys
import zipfile

MEMBER = "palmerpenguins/data/penguins.csv"


def main(wheel_path: str, csv_path: str) -> None:
    with zipfile.ZipFile(wheel_path) as wheel:
        text = wheel.read(MEMBER).decode("utf-8")
    lines = text.splitlines()
    if lines[0] != "species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year" or len(lines) != 345:
        sys.exit(f"{wheel_path}: {MEMBER} is not the 344 penguins of palmerpenguins 0.1.6")
    with open(csv_path, "w", encoding="utf-8", newline="") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
