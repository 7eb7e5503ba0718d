"""The canonical tidy answers table: column order, dtypes, and stacking several tables.

Every text column is a pandas ``category``: a national table has millions of rows and
a handful of distinct values per column, and every score and test groups on them.
Categories are fixed by the instrument where it defines them (``survey``, ``item`` in
questionnaire order, ``label``, ``missing_reason``, background answers) and are the
sorted distinct values otherwise (``forbund``, ``wave``, ``respondent_id``, ``unit``,
``region``), so the same answers always get the same dtypes (a lossless CSV round trip
compares equal). Stack tables with :func:`concat`, which unites the categories
(``pd.concat`` would fall back to plain objects where they differ).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd
from pandas.api.types import union_categoricals

from . import instrument
from .instrument import CANONICAL_COLUMNS, Survey

DATA_DERIVED = ("forbund", "wave", "respondent_id", "unit", "region")


def is_missing(value) -> bool:
    """Whether a single value is missing: ``None``, ``pd.NA`` or a float NaN (as ``tolist()`` gives them)."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def fixed_categories(survey: Survey) -> dict[str, list[str]]:
    """Categories the instrument fixes for ``survey``'s columns."""
    answer_items = survey.answer_items
    labels = list(dict.fromkeys(label for item in answer_items for label in item.labels))
    categories = {
        "survey": list(instrument.survey_names()),
        "item": [i.id for i in answer_items],
        "label": labels,
        "missing_reason": list(instrument.load_instrument().missing_reasons),
    }
    categories.update({i.id: list(i.labels) for i in survey.background_items})
    return categories


def _as_category(values: pd.Series, categories: list[str] | None) -> pd.Categorical:
    text = values.astype("string")
    if categories is None:
        categories = sorted(text.dropna().unique())
    return pd.Categorical(text, categories=categories)


def canonical_dtypes(frame: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    """``frame`` with the canonical columns in order: text columns as categories, ``value`` as Int64.

    Raises
    ------
    ValueError
        A value outside the instrument's categories (e.g. an unknown item) — never
        silently turned into a missing value.
    """
    columns = list(CANONICAL_COLUMNS) + [i.id for i in survey.background_items]
    frame = frame.reindex(columns=columns)
    fixed = fixed_categories(survey)
    result = {}
    for column in columns:
        if column == "value":
            result[column] = frame[column].astype("Int64")
            continue
        converted = _as_category(frame[column], fixed.get(column))
        lost = frame[column].notna().to_numpy() & pd.isna(converted)
        if lost.any():
            bad = sorted(set(frame.loc[lost, column].astype(str)))[:5]
            raise ValueError(f"column {column!r} has values {bad} outside the instrument's {fixed[column]}")
        result[column] = converted
    return pd.DataFrame(result).reset_index(drop=True)


def concat(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Stack tidy tables (förbund, waves, surveys), uniting the categories of every text column.

    Columns missing from some tables (background questions of the other survey) are
    missing there.

    Returns
    -------
    pandas.DataFrame
        The rows of every table in order, with the union of their columns.
    """
    frames = [f for f in frames if len(f.columns)]
    if not frames:
        raise ValueError("frames: nothing to concatenate")
    columns = list(dict.fromkeys(c for f in frames for c in f.columns))
    result = {}
    for column in columns:
        parts = [f[column] if column in f else pd.Series(pd.NA, index=f.index, dtype="object") for f in frames]
        if all(isinstance(p.dtype, pd.CategoricalDtype) or p.isna().all() for p in parts):
            kinds = [p.cat.categories.dtype for p in parts if isinstance(p.dtype, pd.CategoricalDtype)]
            empty = pd.Index([], dtype=kinds[0]) if kinds else pd.Index([], dtype="string")
            cats = [p if isinstance(p.dtype, pd.CategoricalDtype) else
                    pd.Series(pd.Categorical([None] * len(p), categories=empty)) for p in parts]
            fixed = column not in DATA_DERIVED
            result[column] = pd.Series(union_categoricals(cats, sort_categories=not fixed, ignore_order=True))
        else:
            result[column] = pd.concat(parts, ignore_index=True)
    return pd.DataFrame(result)
