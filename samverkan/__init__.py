"""samverkan — samverkansklimat för samordningsförbund.

Load survey exports into one tidy table, score the NNS indicators and test which
differences are real. ``import samverkan as sv``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import importlib

from . import instrument, resources
from .params import PARAMS_KEYS, Params, load_params, params_paths, validate_params
from .errors import DataError, Problem
from .load import ignored_columns, load, load_comments, read_export, save

#: Where each of the other public names lives, imported on first use (PEP 562): a command that
#: only reads params files and exports (``samverkan validate``, the batch until its kernels
#: start) then does not pay ~1.5 s for matplotlib, seaborn, scipy and statsmodels. (The reading
#: side above is imported at once; ``load`` is also the name of its module.)
_PUBLIC = {
    "display": None, "overview": None, "plots": None, "reproduce": None, "stats": None, "suppress": None,
    "describe_test": "sentences",
    "Overview": "overview", "collect_results": "overview", "collection_summary": "overview",
    "display_funnel_table": "overview", "funnel_table": "overview", "outside_limits": "overview",
    "write_overview": "overview",
    "ForbundReport": "report", "build_report": "report", "display_table": "display", "swedish": "display",
    "ordinal_model": "stats.models",
    "min_detectable_difference": "stats.planning", "sample_size": "stats.planning",
    "analysis_population": "stats.scores", "baseline_sample": "reproduce", "reproduction_table": "reproduce",
    "skipped_tests": "reproduce",
    "distribution": "stats.scores", "score": "stats.scores",
    "drop_small_groups": "suppress", "is_small": "suppress", "suppress_distribution": "suppress",
    "suppress_scores": "suppress", "suppress_tests": "suppress", "suppression_log": "suppress",
    "concat": "tidy",
    "adjust": "stats.comparisons", "compare": "stats.comparisons", "compare_items": "stats.comparisons",
    "compare_surveys": "stats.comparisons", "compare_waves": "stats.comparisons",
}


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'samverkan' has no attribute {name!r}")
    module = importlib.import_module(f".{_PUBLIC[name] or name}", __name__)
    value = module if _PUBLIC[name] is None else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})


try:
    __version__ = version("samverkan")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

#: Folder of the committed synthetic sample data.
SAMPLE_DIR = resources.SAMPLE_DIR


def sample_path(forbund: str, wave: str, survey: str) -> Path:
    """Path of a committed synthetic sample export, ``data/sample/<forbund>/<wave>/<survey>.csv``.

    Raises
    ------
    ValueError
        If there is no such sample; the message lists the samples there are.
    """
    path = SAMPLE_DIR / forbund / str(wave) / f"{survey}.csv"
    if not path.is_file():
        known = sorted(str(p.relative_to(SAMPLE_DIR)) for p in SAMPLE_DIR.glob("*/*/*.csv"))
        raise ValueError(f"no sample {forbund!r} wave {wave!r} survey {survey!r}; samples: {known}")
    return path


def sample_regions(forbund: str) -> dict[str, list[str]]:
    """Region → units (kommuner and Mysam groups) of a sample förbund, from ``data/sample/specs/``."""
    import yaml

    path = SAMPLE_DIR / "specs" / f"{forbund}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in (SAMPLE_DIR / "specs").glob("*.yaml"))
        raise ValueError(f"forbund={forbund!r} is not a sample förbund; expected one of {known}")
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    regions = {region: list(units) for region, units in spec["regions"].items()}
    for region, groups in (spec.get("mysam_groups") or {}).items():
        regions.setdefault(region, []).extend(groups)
    return regions


__all__ = [
    "__version__",
    "adjust",
    "analysis_population",
    "baseline_sample",
    "build_report",
    "Overview",
    "collect_results",
    "collection_summary",
    "compare",
    "compare_items",
    "compare_surveys",
    "compare_waves",
    "concat",
    "DataError",
    "describe_test",
    "display_funnel_table",
    "display_table",
    "distribution",
    "drop_small_groups",
    "ForbundReport",
    "funnel_table",
    "ignored_columns",
    "instrument",
    "is_small",
    "load",
    "load_comments",
    "load_params",
    "min_detectable_difference",
    "ordinal_model",
    "outside_limits",
    "overview",
    "Params",
    "PARAMS_KEYS",
    "params_paths",
    "plots",
    "Problem",
    "read_export",
    "reproduce",
    "reproduction_table",
    "SAMPLE_DIR",
    "sample_path",
    "sample_regions",
    "sample_size",
    "save",
    "score",
    "skipped_tests",
    "suppress",
    "suppress_distribution",
    "suppress_scores",
    "suppress_tests",
    "suppression_log",
    "swedish",
    "validate_params",
    "write_overview",
]
