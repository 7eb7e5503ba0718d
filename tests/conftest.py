"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest
import yaml

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_PATH = ROOT / "data" / "reference" / "fou_2017_1_published.yaml"


@pytest.fixture(scope="session")
def reference() -> dict:
    """Every figure printed in FoU rapport 2017:1 (copied from shared/reference)."""
    with open(REFERENCE_PATH, encoding="utf-8") as handle:
        return yaml.safe_load(handle)
