"""Reproduce FoU rapport 2017:1: every printed figure beside the figure recomputed from a survey export.

*En baslinjemätning av samverkansklimatet* (FoU Välfärd, Region Gävleborg, FoU rapport
2017:1) printed counts and percentages and tested none of its differences. This package
is the library behind ``notebooks/reproduce_fou_2017_1.ipynb`` (``make reproduce``,
``samverkan reproduce``), which runs on the 2016 exports a partner gives it or, by
default, on the committed synthetic sample:

* :func:`load_exports` — the two 2016 exports as tidy answers (:func:`baseline_sample`:
  the synthetic sample, calibrated to the printed figures);
* :func:`published_figures` — every figure of ``data/reference/fou_2017_1_published.yaml``,
  one row each, with whether a survey export can hold it at all; how each figure is
  recomputed (or why it cannot be) is data, the figure catalogue
  ``data/reference/fou_2017_1_catalogue.yaml`` read by :func:`catalogue`;
* :func:`recompute` — each recomputable figure computed from tidy answers with the
  package's own :func:`samverkan.score` and :func:`samverkan.distribution`;
* :func:`reproduction_table` — published beside recomputed, each figure's outcome, and
  notes on the places where the report contradicts itself; :func:`tally` counts the
  outcomes;
* :func:`skipped_tests` — the significance tests the report skipped, corrected for
  multiple testing as one family, each with the claim the report made without a test;
* :func:`display_tally`, :func:`display_figures`, :func:`display_tests` — the same for
  reading (Swedish headers, counts as integers, tests named in Swedish).

``tests/test_published.py`` recomputes the same figures independently in plain pandas;
this package deliberately does not share its code.
"""

from __future__ import annotations

from .exports import baseline_sample, load_exports, report_regions
from .figures import OUTCOMES, catalogue, contradictions, published_figures, read_reference, recompute, \
    reproduction_table
from .skipped import skipped_tests
from .summary import display_figures, display_tally, display_tests, tally

__all__ = [
    "OUTCOMES",
    "baseline_sample",
    "catalogue",
    "contradictions",
    "display_figures",
    "display_tally",
    "display_tests",
    "load_exports",
    "published_figures",
    "read_reference",
    "recompute",
    "report_regions",
    "reproduction_table",
    "skipped_tests",
    "tally",
]
