"""The R reference values (tests/reference/r_reference.json, made by make_r_reference.R) and their input data."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

REF = Path(__file__).resolve().parent / "reference"
CASES = json.loads((REF / "r_reference.json").read_text(encoding="utf-8"))["cases"]


def out(name: str) -> dict:
    """The output R gave for the case ``name``."""
    return CASES[name]["output"]


def read(name: str) -> pd.DataFrame:
    """An input data file of the R cases (``tests/reference/data/<name>``)."""
    return pd.read_csv(REF / "data" / name)
