"""samverkan — samverkansklimat för samordningsförbund.

Load survey exports into one tidy table, score the NNS indicators and test which
differences are real. ``import samverkan as sv``:

* the researcher's API at the top: reading (``sv.load``, ``sv.save``, ``sv.concat``, the
  sample), statistics (``sv.score``, ``sv.distribution``, ``sv.compare`` …, ``sv.adjust``),
  suppression (``sv.suppress_scores`` …), Swedish display (``sv.display_table``,
  ``sv.describe_test``) and the charts (``sv.plots``);
* one level down, the machinery: ``sv.report`` (one förbund's report), ``sv.overview``
  (all förbund side by side), ``sv.batch`` (every report on warm kernels) and
  ``sv.reproduce`` (FoU rapport 2017:1 recomputed).
"""

from __future__ import annotations

import importlib

from .load import load  # the function, bound over its module of the same name (see __getattr__)

#: The public names by the module that defines them (``None``: modules offered whole). This
#: is the one list: ``__all__`` and the lazy imports below are derived from it. Names are
#: imported on first use (PEP 562), so a command that only reads params files and exports
#: (``samverkan validate``, the batch until its kernels start) does not pay ~1.5 s for
#: matplotlib, seaborn, scipy and statsmodels.
_API: dict[str | None, tuple[str, ...]] = {
    "version": ("__version__",),
    "errors": ("DataError", "Problem"),
    "load": ("ignored_columns", "load", "load_comments", "read_export", "save"),
    "tidy": ("concat",),
    "params": ("Params", "load_params"),
    "sample": ("SAMPLE_DIR", "sample_path", "sample_regions"),
    "stats.scores": ("analysis_population", "distribution", "score"),
    "stats.comparisons": ("compare", "compare_surveys", "compare_waves"),
    "stats.paired": ("compare_items",),
    "stats.families": ("adjust", "adjust_families", "family_counts"),
    "stats.clustering": ("icc",),
    "stats.reliability": ("climate_index", "reliability"),
    "stats.models": ("ordinal_model",),
    "stats.planning": ("min_detectable_difference", "planning_alpha", "sample_size"),
    "suppress": ("drop_small_groups", "is_small", "suppress_distribution", "suppress_scores", "suppress_tests",
                 "suppression_log"),
    "sentences": ("describe_test",),
    "display": ("display_table", "swedish"),
    None: ("instrument", "plots", "report", "overview", "batch", "reproduce"),
}
_WHERE = {name: module for module, names in _API.items() for name in names}

__all__ = [name for names in _API.values() for name in names]


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'samverkan' has no attribute {name!r}")
    module = _WHERE[name]
    value = importlib.import_module(f".{module or name}", __name__)
    if module is not None:
        value = getattr(value, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
