"""The 2016 exports the reproduction reads: a partner's own, or the committed synthetic sample."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from .. import resources
from ..load import load
from .figures import read_reference

#: The sample's exports of the baseline, relative to the sample folder.
SAMPLE_EXPORTS = {"operativ": Path("gavleborg/2016/operativ.csv"), "chefsgrupp": Path("gavleborg/2016/chefsgrupp.csv")}


def report_regions(sample_dir: str | Path | None = None) -> dict[str, list[str]]:
    """The report's regions (länsdelar) → their kommuner, then their Mysam groups.

    Kommuner are the report's (``regions`` of ``data/reference/fou_2017_1_published.yaml``),
    Mysam groups as the sample names them (``mysam_groups`` of
    ``data/sample/specs/gavleborg.yaml``); a real export that names its groups otherwise
    needs its own mapping.

    Examples
    --------
    >>> report_regions()["Gävle"]
    ['Gävle', 'Mysam Gävle']
    """
    folder = Path(sample_dir) if sample_dir is not None else resources.SAMPLE_DIR
    with open(folder / "specs" / "gavleborg.yaml", encoding="utf-8") as handle:
        groups = yaml.safe_load(handle)["mysam_groups"]
    return {region: [*units, *groups.get(region, [])] for region, units in read_reference()["regions"].items()}


def load_exports(staff: str | Path, managers: str | Path, *,
                 regions: dict[str, list[str]] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two 2016 exports of FoU rapport 2017:1 loaded as tidy answers (:func:`samverkan.load`).

    Parameters
    ----------
    staff
        The staff survey's export (``operativ``; CSV or XLSX, as the survey tool wrote it),
        the **whole** export: the analysis population is chosen in the reproduction.
    managers
        The manager survey's export (``chefsgrupp``).
    regions
        Region → kommuner and Mysam groups; default :func:`report_regions`.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(staff, managers)``: tidy answers, ``forbund="gavleborg"``, ``wave="2016"``.

    Raises
    ------
    samverkan.DataError
        If an export has problems; every problem is listed with its file, row and column.
    """
    regions = report_regions() if regions is None else regions
    options = dict(forbund="gavleborg", wave="2016", regions=regions)
    return load(staff, survey="operativ", **options), load(managers, survey="chefsgrupp", **options)


def baseline_sample(sample_dir: str | Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The committed synthetic baseline (``gavleborg`` 2016), loaded as the report's data.

    The data are **synthetic**, calibrated to the report's printed figures
    (``data/sample/README.md``): that the figures come out right on them shows that the
    reproduction computes what the report printed, not that the report was right.

    Parameters
    ----------
    sample_dir
        The sample folder (default ``data/sample``).

    Returns
    -------
    tuple of pandas.DataFrame
        ``(staff, managers)`` as :func:`load_exports` gives them.
    """
    folder = Path(sample_dir) if sample_dir is not None else resources.SAMPLE_DIR
    return load_exports(folder / SAMPLE_EXPORTS["operativ"], folder / SAMPLE_EXPORTS["chefsgrupp"],
                        regions=report_regions(folder))
