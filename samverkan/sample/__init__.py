"""The committed synthetic sample (``data/sample/``): where its exports are and the regions of its förbund.

The tooling that makes the sample lives in the submodules, which the runtime never imports:
:mod:`~samverkan.sample.spec` (read and check a spec), :mod:`~samverkan.sample.generate`
(seeded answers from a spec), :mod:`~samverkan.sample.export` (write them as a survey tool
would; ``make sample``), :mod:`~samverkan.sample.fictional` (made-up förbund for benchmarks).
"""

from __future__ import annotations

from pathlib import Path

from ..resources import SAMPLE_DIR

#: The specs the sample is generated from, one per förbund.
SPECS_DIR = SAMPLE_DIR / "specs"


def sample_path(forbund: str, wave: str, survey: str) -> Path:
    """Path of a committed synthetic sample export, ``data/sample/<forbund>/<wave>/<survey>.csv``.

    Raises
    ------
    ValueError
        If there is no such sample; the message lists the samples there are.

    Examples
    --------
    >>> sample_path("gavleborg", "2016", "operativ").name
    'operativ.csv'
    """
    path = SAMPLE_DIR / forbund / str(wave) / f"{survey}.csv"
    if not path.is_file():
        known = sorted(str(p.relative_to(SAMPLE_DIR)) for p in SAMPLE_DIR.glob("*/*/*.csv"))
        raise ValueError(f"no sample {forbund!r} wave {wave!r} survey {survey!r}; samples: {known}")
    return path


def sample_regions(forbund: str) -> dict[str, list[str]]:
    """Region → units (kommuner and Mysam groups) of a sample förbund, from ``data/sample/specs/``.

    Examples
    --------
    >>> sample_regions("gavleborg")["Gävle"]
    ['Gävle', 'Mysam Gävle']
    """
    import yaml

    path = SPECS_DIR / f"{forbund}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in SPECS_DIR.glob("*.yaml"))
        raise ValueError(f"forbund={forbund!r} is not a sample förbund; expected one of {known}")
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    regions = {region: list(units) for region, units in spec["regions"].items()}
    for region, groups in (spec.get("mysam_groups") or {}).items():
        regions.setdefault(region, []).extend(groups)
    return regions
