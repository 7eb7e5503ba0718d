"""What the charts draw, and the small pieces they share: texts, groups, axes, suppressed bars.

:func:`likert_table` is the count-first half of :func:`samverkan.plots.likert`: one row
per item and group with its n, percentages and non-substantive counts. The report
states a chart's numbers in its alt text from the same table, so the chart and its
text cannot disagree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from . import instrument
from .suppress import GROUP_SEPARATOR, MARK_COLUMNS, is_small
from .vocabulary import DISTRIBUTION_COLUMNS, as_list, check_columns, check_min_n

MISSING_LABELS = {"blank": "blank", "vet_ej": "vet ej", "ej_aktuellt": "ej aktuellt",
                  "ej_tillfragad": "ej tillfrågad", "kodat_saknat": "kodat saknat"}
SUPPRESSED_GID = "undertryckt"
SUPPRESSED_FILL = "#f6f6f6"


# ------------------------------------------------------------------ texts


def percent_text(value: float) -> str:
    """A percentage as printed in the charts: whole percent, Swedish spacing (``"31 %"``)."""
    return f"{value:.0f}\u00a0%"


def suppressed_text(min_n: int) -> str:
    """The text a suppressed group shows instead of its figures."""
    return f"färre än {min_n} svar – visas inte"


def group_label(name: str, n, suppressed: bool, min_n: int) -> str:
    """``"Gävle (n = 215)"``; suppressed ``"Fjällbyarna (n < 5)"``, or ``"Sjölandet (visas inte)"`` if n ≥ min_n.

    A group hidden to protect a smaller one (:mod:`samverkan.disclosure`) is not said to be small.
    """
    if not suppressed:
        return f"{name} (n = {int(n)})"
    return f"{name} (visas inte)" if not pd.isna(n) and n >= min_n else f"{name} (n < {min_n})"


def title_text(item_id: str, table: pd.DataFrame | None = None) -> str:
    """The item's Swedish wording, whatever columns the table kept.

    That of the table's ``survey`` when it has one value; else the wording when every
    survey asks the item alike; else the item's short label (``lyssnar`` is worded
    differently for staff and managers, and has one label).
    """
    if table is not None and "survey" in table and table["survey"].nunique() == 1:
        survey = instrument.survey(str(table["survey"].iloc[0]))
        if item_id in [i.id for i in survey.items]:
            return survey.item(item_id).text
    texts = {s.item(item_id).text for s in instrument.load_instrument().surveys.values()
             if item_id in [i.id for i in s.items]}
    return texts.pop() if len(texts) == 1 else instrument.label(item_id)


# ------------------------------------------------------------------ axes


def axes_of(ax: Axes | None) -> Axes:
    """``ax``, or the current axes when ``None``; ``ValueError`` for anything else."""
    if ax is None:
        import matplotlib.pyplot as plt

        return plt.gca()
    if not isinstance(ax, Axes):
        raise ValueError(f"ax={ax!r} is not a matplotlib Axes; pass an Axes or None (the current axes)")
    return ax


def suppressed_bar(ax: Axes, y: float, left: float, width: float, min_n: int, *, height: float) -> None:
    """An empty dashed bar with the suppression text in its middle."""
    ax.barh(y, width, left=left, height=height, color=SUPPRESSED_FILL, edgecolor="0.45", linestyle="--",
            linewidth=0.9, gid=SUPPRESSED_GID)
    ax.text(left + width / 2, y, suppressed_text(min_n), ha="center", va="center", fontsize=9,
            color="0.3", style="italic", gid=SUPPRESSED_GID)


def set_group_axis(ax: Axes, labels: list[str]) -> None:
    """One tick per group, first group on top, no y spine."""
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


# ------------------------------------------------------------------ items and groups


def check_items(table: pd.DataFrame, items) -> tuple[list[str], pd.DataFrame]:
    """The items to draw (default: every item in the table, in order) and their rows."""
    present = list(dict.fromkeys(table["item"].astype(str)))
    wanted = present if items is None else as_list(items)
    missing = [i for i in wanted if i not in present]
    if missing or not wanted:
        raise ValueError(f"items={missing or wanted!r} not in the table; items there: {present}")
    return wanted, table[table["item"].astype(str).isin(wanted).to_numpy()]


def check_item(table: pd.DataFrame, item: str | None) -> tuple[str, pd.DataFrame]:
    """The one item to draw and its rows; ``item=None`` is allowed when the table holds one item."""
    present = list(dict.fromkeys(table["item"].astype(str)))
    if item is None:
        if len(present) != 1:
            raise ValueError(f"item=None but the table holds several items; pass item= one of {present}")
        item = present[0]
    wanted, rows = check_items(table, item)
    return wanted[0], rows


def check_groups(table: pd.DataFrame, by, known: Sequence[str]) -> tuple[list[str], tuple]:
    """``by`` as a list, and the values of the other group columns that hold one value (a filtered table).

    ``ValueError`` if another group column holds several values (several rows per bar).
    """
    by = [b for b in as_list(by) if b != "item"]
    check_columns(table, by, "by")
    numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
    other = [c for c in table.columns if c not in {"item", *known, *MARK_COLUMNS, *by, *numeric}]
    varying = [c for c in other if table[c].nunique(dropna=False) > 1]
    if varying:
        raise ValueError(f"by={by!r} leaves several groups in one bar: the table is also grouped by {varying}; "
                         f"pass by={[*by, *varying]!r} or select rows first")
    fixed = tuple(str(table[c].iloc[0]) for c in other if len(table) and not pd.isna(table[c].iloc[0]))
    return by, fixed


def group_name(values: tuple, fixed: tuple = ()) -> str:
    """A group's name: its ``by`` values joined by `` / ``; else the single value of a filtered table; else "Alla"."""
    shown = values or fixed
    return GROUP_SEPARATOR.join("nan" if v is None else str(v) for v in shown) if shown else "Alla"


# ------------------------------------------------------------------ likert


def likert_table(distribution: pd.DataFrame, *, items=None, by=None, min_n: int = 5, item: str | None = None
                 ) -> pd.DataFrame:
    """What :func:`samverkan.plots.likert` draws: one row per item and group.

    ``items`` (or ``item``): an item id, a list of ids on one scale, or ``None`` for
    every item in the table; ``by``: group column(s) (``"item"`` among them is
    ignored: items are rows anyway).

    Returns
    -------
    pandas.DataFrame
        ``item``, ``group`` (the ``by`` values joined by `` / ``; without ``by`` the
        value of a group column that holds one value, else ``"Alla"``), ``n``
        (substantive answers), ``suppressed``, one column per scale label in
        questionnaire order (percent, missing when suppressed) and ``missing_text``
        (``"vet ej: 3 · blank: 1"``; empty when suppressed).
    """
    min_n = check_min_n(min_n)
    check_columns(distribution, ["item", "value", "label", "missing_reason", "count", "percent"], "distribution")
    wanted, data = check_items(distribution, items if item is None else item)
    labels = _scale_labels(wanted)
    by, fixed = check_groups(data, by, DISTRIBUTION_COLUMNS)
    rows = []
    for item_id in wanted:
        part = data[(data["item"].astype(str) == item_id).to_numpy()]
        rows += [{"item": item_id, **_likert_row(key, records, labels, min_n, fixed)}
                 for key, records in _groups_of_records(part, by)]
    return pd.DataFrame(rows, columns=["item", "group", "n", "suppressed", *labels, "missing_text"])


def _scale_labels(items: list[str]) -> list[str]:
    """The one scale's labels of ``items``; ``ValueError`` for a non-ordinal item or several scales."""
    for item_id in items:
        if instrument.item(item_id).kind != "ordinal":
            raise ValueError(f"item={item_id!r} is {instrument.item(item_id).kind}; likert draws ordinal items "
                             "(scales)")
    scales: dict[tuple, list[str]] = {}
    for item_id in items:
        scales.setdefault(instrument.item(item_id).labels, []).append(item_id)
    if len(scales) > 1:
        groups = "; ".join(", ".join(ids) for ids in scales.values())
        raise ValueError(f"items={items!r} are on different scales ({groups}); draw each scale in its own chart")
    return list(next(iter(scales)))


def _groups_of_records(data: pd.DataFrame, by: list[str]) -> list[tuple[tuple, list[dict]]]:
    """The rows of ``data`` as plain dicts, grouped by the ``by`` values in order of first appearance.

    The same groups as ``data.groupby(by, observed=True, sort=False, dropna=False)``;
    plain Python is ~5× faster than a pandas group-by on the few rows of one chart.
    """
    columns = [*by, "label", "missing_reason", "count", "percent"] + (["suppressed"] if "suppressed" in data else [])
    values = [data[c].astype(object).tolist() for c in columns]
    groups: dict[tuple, list[dict]] = {}
    for row in zip(*values):
        record = dict(zip(columns, row))
        key = tuple(None if pd.isna(record[c]) else record[c] for c in by)
        groups.setdefault(key, []).append(record)
    return list(groups.items())


def _likert_row(key: tuple, part: list[dict], labels: list[str], min_n: int, fixed: tuple) -> dict:
    """One group's row of :func:`likert_table` (without its item)."""
    substantive = [r for r in part if pd.isna(r["missing_reason"])]
    n = sum(r["count"] for r in substantive if not pd.isna(r["count"]))
    flagged = any(not pd.isna(r.get("suppressed", False)) and bool(r.get("suppressed", False)) for r in part)
    small = flagged or all(pd.isna(r["count"]) for r in part) or is_small(n, min_n)
    percent = {str(r["label"]): (np.nan if pd.isna(r["percent"]) else float(r["percent"])) for r in substantive}
    return {"group": group_name(key, fixed), "n": n, "suppressed": small,
            **{label: (np.nan if small else percent.get(label, 0.0)) for label in labels},
            "missing_text": "" if small else _missing_text(part)}


def _missing_text(part: list[dict]) -> str:
    """``"vet ej: 3 · blank: 1"`` from a group's non-substantive rows (those with a count above 0)."""
    order = list(instrument.load_instrument().missing_reasons)
    pairs = sorted(((str(r["missing_reason"]), r["count"]) for r in part if not pd.isna(r["missing_reason"])),
                   key=lambda pair: order.index(pair[0]) if pair[0] in order else len(order))
    return " · ".join(f"{MISSING_LABELS.get(r, r)}: {int(c)}" for r, c in pairs if pd.notna(c) and c > 0)


def diverging_lefts(percents: Sequence[float]) -> np.ndarray:
    """Left edges of the segments of one diverging bar.

    The lower half of the steps lies left of 0 and the upper half right of it; with an
    odd number of steps the middle step is split half and half around 0.

    Examples
    --------
    >>> diverging_lefts([10, 20, 40, 20, 10]).tolist()
    [-50.0, -40.0, -20.0, 20.0, 40.0]
    """
    p = np.asarray(percents, dtype=float)
    half = len(p) // 2
    middle = p[half] / 2 if len(p) % 2 else 0.0
    return -(p[:half].sum() + middle) + np.concatenate([[0.0], np.cumsum(p)[:-1]])


def _tick_step(limit: float) -> int:
    return 20 if limit > 60 else 10


def likert_limit(table: pd.DataFrame, labels: list[str]) -> float:
    """The x range ``±limit`` (percent) of a Likert chart of :func:`likert_table` output: a whole tick, ≤ 100."""
    shown = table[~table["suppressed"].astype(bool)]
    if shown.empty:
        return 50.0
    rows = shown[labels].to_numpy(dtype=float)
    extents = [max(np.abs(diverging_lefts(r)).max(), abs(diverging_lefts(r) + r).max()) for r in rows]
    limit = max(extents) + 4
    step = _tick_step(limit)
    return float(min(100, step * math.ceil(limit / step)))


def likert_ticks(limit: float) -> list[float]:
    """The x ticks of a Likert chart with range ``±limit``: both ends, their halves and 0 (five labels fit).

    >>> likert_ticks(40)
    [-40.0, -20.0, 0.0, 20.0, 40.0]
    """
    return [float(t) for t in (-limit, -limit / 2, 0, limit / 2, limit)]
