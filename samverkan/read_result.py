"""What reading one survey file gives: :class:`ReadResult`, its tables built on first use.

Both readers return it: :func:`samverkan.load.read_export` for a wide export and
:func:`samverkan.canonical.read_canonical` for the canonical long CSV.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import pandas as pd

from .errors import Problem

if TYPE_CHECKING:
    from .headers import Layout

#: Columns of the table of ignored columns (:attr:`ReadResult.ignored`).
IGNORED_COLUMNS = ("file", "column", "reason", "cells")


class ReadResult:
    """Everything read from one file; the three tables are built on first use.

    Checking a params file needs only ``problems`` and ``respondents_per_unit``, and
    building the tables is about half the cost of reading a file, so
    ``samverkan validate`` and the batch's validation never pay for them.

    Attributes
    ----------
    answers : pandas.DataFrame
        The kept answers in canonical form (see :func:`samverkan.load.load`).
    rejected : pandas.DataFrame
        One row per rejected answer cell: ``file, row, column, value, respondent_id,
        item, reason``; before them, the problems of the whole file or of a column
        (``row`` missing, or 1 for the header), which reject no cell by themselves.
    comments : pandas.DataFrame
        Free-text comments: ``forbund, wave, survey, respondent_id, item, text``.
        Never published.
    problems : list of Problem
        What is wrong, once per problem (an unknown column is one problem, its cells
        are many rejected answers).
    cells_read : int
        Answer cells read (see :mod:`samverkan.load`).
    respondents_per_unit : dict
        Unit name → distinct respondents with a kept answer there (the units of
        ``answers``), in sorted order.
    respondents : int
        Distinct respondents with a kept answer.
    ignored : pandas.DataFrame
        The columns not read, on purpose (also as tuples in ``ignored_rows``, which
        cost nothing to build): ``file, column, reason, cells`` (``reason``
        ``metadata från enkätverktyget`` or ``columns: ignore``; ``cells`` the number of
        filled cells in the column). Shown by ``samverkan validate`` and meant for the
        report's data section; never a cell's content.
    layout : Layout or None
        Where each question is in a wide export (:class:`samverkan.headers.Layout`).
    """

    def __init__(self, *, problems: list[Problem], cells_read: int, respondents_per_unit: dict[str, int],
                 tables: Callable[[], tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]], respondents: int = 0,
                 ignored: list[tuple[str, str, str, int]] = (), layout: Layout | None = None):
        self.problems = problems
        self.cells_read = cells_read
        self.respondents_per_unit = respondents_per_unit
        self.respondents = respondents
        self._tables = tables
        self.ignored_rows = list(ignored)
        self.layout = layout

    @functools.cached_property
    def ignored(self) -> pd.DataFrame:
        return ignored_frame(self.ignored_rows)

    @functools.cached_property
    def _built(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        return self._tables()

    @property
    def answers(self) -> pd.DataFrame:
        return self._built[0]

    @property
    def rejected(self) -> pd.DataFrame:
        return self._built[1]

    @property
    def comments(self) -> pd.DataFrame:
        return self._built[2]


def respondents_per_unit(pairs: Iterable[tuple[str | None, str]]) -> dict[str, int]:
    """Distinct respondents per unit from ``(unit, respondent_id)`` pairs (missing units left out), sorted by unit."""
    counts: dict[str, int] = {}
    for unit, _ in set(pairs):
        if unit is not None:
            counts[unit] = counts.get(unit, 0) + 1
    return dict(sorted(counts.items()))


def ignored_frame(rows: Iterable[tuple[str, str, str, int]]) -> pd.DataFrame:
    """The table of ignored columns: ``file, column, reason, cells`` (``cells`` an integer)."""
    frame = pd.DataFrame.from_records(list(rows), columns=list(IGNORED_COLUMNS))
    return frame.astype({"file": "string", "column": "string", "reason": "string", "cells": "int64"})
