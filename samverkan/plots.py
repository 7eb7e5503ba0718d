"""Charts of label distributions and scores: axes-level, Swedish labels, small groups suppressed.

Count first, draw second: every chart takes a tidy table from
:func:`samverkan.distribution` or :func:`samverkan.score` (raw or already passed through
:mod:`samverkan.suppress`), never answers. Every function takes ``ax`` (default the
current axes, :func:`matplotlib.pyplot.gca`) and returns the :class:`~matplotlib.axes.Axes`
it drew on; none calls ``show()`` or ``savefig()``.

A group with fewer than ``min_n`` answers (or marked ``suppressed``) is drawn as an
empty (pale, dashed) bar with the text "färre än 5 svar – visas inte": no percentage, no
interval and no count of it is shown (its label reads "(n < 5)").

Examples
--------
>>> import matplotlib.pyplot as plt
>>> import samverkan as sv
>>> from samverkan import plots
>>> regions = {"Dalgången": ["Forsbyn", "Älvnäs"], "Sjölandet": ["Tjärnby"], "Fjällbyarna": ["Högfjällsby"]}
>>> staff = sv.load(sv.sample_path("fjallmarken", "2019", "operativ"), survey="operativ", regions=regions)
>>> figure, ax = plt.subplots(figsize=(9, 2.5))
>>> ax = plots.likert(sv.distribution(staff, items="synsatt", by="region"), item="synsatt", by="region", ax=ax)
>>> [t.get_text() for t in ax.get_yticklabels()]
['Dalgången (n = 36)', 'Fjällbyarna (n < 5)', 'Sjölandet (n = 30)']
>>> plt.close(figure)
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.patches import Patch
from scipy import stats

from . import instrument
from .vocabulary import DISTRIBUTION_COLUMNS, SCORE_COLUMNS, as_list, check_columns, check_min_n
from .suppress import GROUP_SEPARATOR, MARK_COLUMNS, is_small

MISSING_LABELS = {"blank": "blank", "vet_ej": "vet ej", "ej_aktuellt": "ej aktuellt",
                  "ej_tillfragad": "ej tillfrågad", "kodat_saknat": "kodat saknat"}
SUPPRESSED_GID = "undertryckt"
NEUTRAL = "#c8c8c8"
SUPPRESSED_FILL = "#f6f6f6"
BAR_HEIGHT = 0.62


# ------------------------------------------------------------------ shared helpers


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        return plt.gca()
    if not isinstance(ax, Axes):
        raise ValueError(f"ax={ax!r} is not a matplotlib Axes; pass an Axes or None (the current axes)")
    return ax


def percent_text(value: float) -> str:
    """A percentage as printed in the charts: whole percent, Swedish spacing (``"31 %"``)."""
    return f"{value:.0f}\u00a0%"


def suppressed_text(min_n: int) -> str:
    """The text a suppressed group shows instead of its figures."""
    return f"färre än {min_n} svar – visas inte"


def group_label(name: str, n, suppressed: bool, min_n: int) -> str:
    """``"Gävle (n = 215)"``; suppressed ``"Fjällbyarna (n < 5)"``, or ``"Sjölandet (visas inte)"`` if n ≥ min_n."""
    if not suppressed:
        return f"{name} (n = {int(n)})"
    return f"{name} (visas inte)" if not pd.isna(n) and n >= min_n else f"{name} (n < {min_n})"


def item_title(item_id: str, table: pd.DataFrame | None = None) -> str:
    """The item's Swedish wording.

    That of the table's ``survey`` when it has one column value; else the wording when
    every survey asks the item alike; else the item id (``lyssnar`` is worded
    differently for staff and managers: pass a title).
    """
    if table is not None and "survey" in table and table["survey"].nunique() == 1:
        survey = instrument.survey(str(table["survey"].iloc[0]))
        if item_id in [i.id for i in survey.items]:
            return survey.item(item_id).text
    texts = {s.item(item_id).text for s in instrument.load_instrument().surveys.values()
             if item_id in [i.id for i in s.items]}
    return texts.pop() if len(texts) == 1 else item_id


def _check_item(table: pd.DataFrame, item: str | None) -> tuple[str, pd.DataFrame]:
    """The item to draw and its rows; ``item=None`` is allowed when the table holds one item."""
    present = list(dict.fromkeys(table["item"].astype(str)))
    if item is None:
        if len(present) != 1:
            raise ValueError(f"item=None but the table holds several items; pass item= one of {present}")
        item = present[0]
    if item not in present:
        raise ValueError(f"item={item!r} is not in the table; items there: {present}")
    return item, table[(table["item"].astype(str) == item).to_numpy()]


def _check_groups(table: pd.DataFrame, by, known: Sequence[str]) -> list[str]:
    """``by`` as a list; ``ValueError`` if other group columns would leave several rows per group."""
    by = as_list(by)
    check_columns(table, by, "by")
    numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
    other = [c for c in table.columns if c not in {"item", *known, *MARK_COLUMNS, *by, *numeric}
             and table[c].nunique(dropna=False) > 1]
    if other:
        raise ValueError(f"by={by!r} leaves several groups in one bar: the table is also grouped by {other}; "
                         f"pass by={[*by, *other]!r} or select rows first")
    return by


def _name(values: tuple) -> str:
    return GROUP_SEPARATOR.join(str(v) for v in values) if values else "Alla"


def _suppressed_bar(ax: Axes, y: float, left: float, width: float, min_n: int) -> None:
    """An empty dashed bar with the suppression text in its middle."""
    ax.barh(y, width, left=left, height=BAR_HEIGHT, color=SUPPRESSED_FILL, edgecolor="0.55", linestyle="--",
            linewidth=0.9, gid=SUPPRESSED_GID)
    ax.text(left + width / 2, y, suppressed_text(min_n), ha="center", va="center", fontsize=9,
            color="0.35", style="italic", gid=SUPPRESSED_GID)


def _set_group_axis(ax: Axes, labels: list[str]) -> None:
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def _title(ax: Axes, text: str) -> None:
    ax.set_title("\n".join(textwrap.wrap(text, 80)), loc="left", fontsize=10.5)


# ------------------------------------------------------------------ likert


def likert_table(distribution: pd.DataFrame, *, item: str, by=None, min_n: int = 5) -> pd.DataFrame:
    """What :func:`likert` draws: one row per group with its n, percentages and non-substantive counts.

    Returns
    -------
    pandas.DataFrame
        ``group`` (the ``by`` values joined by `` / ``, ``"Alla"`` without ``by``),
        ``n`` (substantive answers), ``suppressed``, one column per scale label in
        questionnaire order (percent, missing when suppressed) and ``missing_text``
        (``"vet ej: 3 · blank: 1"``; empty when suppressed).
    """
    min_n = check_min_n(min_n)
    check_columns(distribution, ["item", "value", "label", "missing_reason", "count", "percent"], "distribution")
    item, data = _check_item(distribution, item)
    labels = list(instrument.item(item).labels)
    if instrument.item(item).kind != "ordinal":
        raise ValueError(f"item={item!r} is {instrument.item(item).kind}; likert draws ordinal items (scales)")
    by = _check_groups(data, by, DISTRIBUTION_COLUMNS)
    rows = [_likert_row(key, part, labels, min_n) for key, part in _groups_of_records(data, by)]
    return pd.DataFrame(rows, columns=["group", "n", "suppressed", *labels, "missing_text"])


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


def _likert_row(key: tuple, part: list[dict], labels: list[str], min_n: int) -> dict:
    """One group's row of :func:`likert_table`."""
    substantive = [r for r in part if pd.isna(r["missing_reason"])]
    n = sum(r["count"] for r in substantive if not pd.isna(r["count"]))
    flagged = any(not pd.isna(r.get("suppressed", False)) and bool(r.get("suppressed", False)) for r in part)
    small = flagged or all(pd.isna(r["count"]) for r in part) or is_small(n, min_n)
    percent = {str(r["label"]): (np.nan if pd.isna(r["percent"]) else float(r["percent"])) for r in substantive}
    return {"group": _name(tuple("nan" if k is None else k for k in key)), "n": n, "suppressed": small,
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


def likert_colours(steps: int) -> list:
    """A diverging palette (red low, blue high) with a neutral grey middle step for odd scales."""
    colours = list(sns.color_palette("RdBu", steps))
    if steps % 2:
        colours[steps // 2] = NEUTRAL
    return colours


def text_colour(colour) -> str:
    """White or black, whichever reads better on ``colour`` (by its luma)."""
    r, g, b = plt.matplotlib.colors.to_rgb(colour)
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black"


def _likert_bar(ax: Axes, y: int, row: pd.Series, labels: list[str], colours: list) -> None:
    percents = row[labels].to_numpy(dtype=float)
    lefts = diverging_lefts(percents)
    bars = ax.barh(y, percents, left=lefts, height=BAR_HEIGHT, color=colours, edgecolor="white", linewidth=0.8)
    for patch, label, left, width, colour in zip(bars.patches, labels, lefts, percents, colours):
        patch.set_gid(f"{row['group']}: {label}")
        if width >= 6:
            ax.text(left + width / 2, y, percent_text(width), ha="center", va="center", fontsize=8,
                    color=text_colour(colour))
    if row["missing_text"]:
        ax.annotate(row["missing_text"], xy=(1.01, y), xycoords=("axes fraction", "data"), va="center",
                    fontsize=8, color="0.35", annotation_clip=False)


#: The x label of a Likert chart (:func:`likert`, and :mod:`samverkan.likert_png`).
LIKERT_XLABEL = "Andel av svaren (vet ej, ej aktuellt och blanka svar oräknade)"


def _tick_step(limit: float) -> int:
    return 20 if limit > 60 else 10


def likert_limit(table: pd.DataFrame, labels: list[str]) -> float:
    """The x range ``±limit`` (percent) of a Likert chart of :func:`likert_table` output: a whole tick, ≤ 100."""
    shown = table[~table["suppressed"]]
    if shown.empty:
        return 50.0
    extents = [np.abs(diverging_lefts(r)).max() for r in shown[labels].to_numpy(dtype=float)]
    extents += [abs((diverging_lefts(r) + r)).max() for r in shown[labels].to_numpy(dtype=float)]
    limit = max(extents) + 4
    step = _tick_step(limit)
    return float(min(100, step * math.ceil(limit / step)))


def likert_ticks(limit: float) -> list[float]:
    """The x ticks of a Likert chart with range ``±limit``: every 20 percent beyond ±60, else every 10.

    >>> likert_ticks(40)
    [-40.0, -30.0, -20.0, -10.0, 0.0, 10.0, 20.0, 30.0, 40.0]
    """
    step = _tick_step(limit)
    return [float(t) for t in step * np.arange(-(limit // step), limit // step + 1)]


def likert(
    distribution: pd.DataFrame,
    *,
    item: str,
    by: str | Sequence[str] | None = None,
    ax: Axes | None = None,
    min_n: int = 5,
    title: str | None = None,
) -> Axes:
    """Diverging stacked bars of one item's answer distribution, one bar per group.

    The scale's steps run in questionnaire order from left to right; the lower half of
    the steps lies left of 0 and the upper half right of it (an odd scale's middle step
    is split around 0). Percentages are of the substantive answers; the
    non-substantive ones are counted beside each bar. Groups below ``min_n`` are drawn
    empty with "färre än 5 svar – visas inte".

    Parameters
    ----------
    distribution
        Output of :func:`samverkan.distribution` (optionally suppressed with
        :func:`samverkan.suppress.suppress_distribution`), holding ``item``.
    item
        The ordinal item to draw.
    by
        The group column(s) of ``distribution``; ``None`` draws one bar ("Alla").
    ax
        Axes to draw on; default the current axes.
    min_n
        Smallest group shown.
    title
        Chart title; default the item's wording.

    Returns
    -------
    matplotlib.axes.Axes
        With one patch per scale step per shown group (gid ``"<group>: <label>"``) and
        one dashed patch per suppressed group (gid ``"undertryckt"``).
    """
    table = likert_table(distribution, item=item, by=by, min_n=min_n)
    ax = _axes(ax)
    labels = list(instrument.item(item).labels)
    colours = likert_colours(len(labels))
    limit = likert_limit(table, labels)
    for y, (_, row) in enumerate(table.iterrows()):
        if row["suppressed"]:
            _suppressed_bar(ax, y, -limit, 2 * limit, min_n)
        else:
            _likert_bar(ax, y, row, labels, colours)
    _set_group_axis(ax, [group_label(g, n, s, min_n) for g, n, s in table[["group", "n", "suppressed"]].to_numpy()])
    _likert_axes(ax, labels, colours, limit)
    _title(ax, title if title is not None else item_title(item, distribution))
    return ax


def _likert_axes(ax: Axes, labels: list[str], colours: list, limit: float) -> None:
    """The zero line, the x axis in percent either side of 0, and the legend below it in questionnaire order."""
    ax.axvline(0, color="0.25", linewidth=0.8, zorder=0.5)
    ticks = likert_ticks(limit)
    ax.set_xticks(ticks, [percent_text(abs(t)) for t in ticks])
    ax.set_xlim(-limit, limit)
    ax.set_xlabel(LIKERT_XLABEL, fontsize=9)
    handles = [Patch(facecolor=c, edgecolor="white", label=label) for label, c in zip(labels, colours)]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0), ncol=len(labels), frameon=False,
              fontsize=8, handlelength=1.2, columnspacing=1.0, bbox_transform=_points_below(ax, 34))


def _points_below(ax: Axes, points: float):
    """The axes' coordinates shifted ``points`` down (to place a legend below the x label)."""
    from matplotlib.transforms import offset_copy

    return offset_copy(ax.transAxes, fig=ax.figure, x=0, y=-points, units="points")


# ------------------------------------------------------------------ share of high values


def _score_rows(scores: pd.DataFrame, item: str | None, by, min_n: int) -> tuple[str, pd.DataFrame]:
    """One row per group: ``group, n, share_high, share_high_ci_low, share_high_ci_high, suppressed``."""
    min_n = check_min_n(min_n)
    check_columns(scores, ["item", "n", "share_high", "share_high_ci_low", "share_high_ci_high"], "scores")
    item, data = _check_item(scores, item)
    by = _check_groups(data, by, SCORE_COLUMNS)
    keys = list(data[by].itertuples(index=False, name=None)) if by else [()] * len(data)
    flagged = data["suppressed"].fillna(False).to_numpy(dtype=bool) if "suppressed" in data else False
    small = flagged | is_small(data["n"], min_n).to_numpy() | data["n"].isna().to_numpy()
    rows = pd.DataFrame({
        "group": [_name(k) for k in keys],
        "n": data["n"].to_numpy(),
        **{c: data[c].astype(float).to_numpy() for c in ["share_high", "share_high_ci_low", "share_high_ci_high"]},
        "suppressed": small,
    })
    return item, rows


def share_high(
    scores: pd.DataFrame,
    *,
    by: str | Sequence[str] | None,
    item: str | None = None,
    ax: Axes | None = None,
    min_n: int = 5,
    reference_line: float | None = None,
) -> Axes:
    """Horizontal bars of the share of high values per group, with their confidence intervals.

    Parameters
    ----------
    scores
        Output of :func:`samverkan.score` (optionally suppressed with
        :func:`samverkan.suppress.suppress_scores`): ``item``, the ``by`` columns, ``n``,
        ``share_high``, ``share_high_ci_low``, ``share_high_ci_high``.
    by
        The group column(s); ``None`` for an ungrouped table (one bar, "Alla").
    item
        The item to draw; may be left out when ``scores`` holds one item.
    ax
        Axes to draw on; default the current axes.
    min_n
        Smallest group shown.
    reference_line
        A share (0–1) drawn as a dashed vertical line, e.g. the förbund's overall share.

    Returns
    -------
    matplotlib.axes.Axes
        With one bar patch per shown group (gid ``"<group>"``, width the share in
        percent) and one dashed patch per suppressed group (gid ``"undertryckt"``).
    """
    item, rows = _score_rows(scores, item, by, min_n)
    if reference_line is not None and not 0 <= reference_line <= 1:
        raise ValueError(f"reference_line={reference_line!r} must be a share between 0 and 1, or None")
    ax = _axes(ax)
    colour = likert_colours(6)[-1]
    for y, row in rows.iterrows():
        if row["suppressed"]:
            _suppressed_bar(ax, y, 0, 100, min_n)
            continue
        share, low, high = 100 * row[["share_high", "share_high_ci_low", "share_high_ci_high"]].to_numpy(float)
        ax.barh(y, share, height=BAR_HEIGHT, color=colour, alpha=0.85, gid=str(row["group"]))
        ax.errorbar(share, y, xerr=[[share - low], [high - share]], fmt="none", ecolor="0.15", elinewidth=1.1,
                    capsize=3)
        ax.text(high + 1.5, y, percent_text(share), va="center", fontsize=8.5)
    _set_group_axis(ax, [group_label(g, n, s, min_n) for g, n, s in rows[["group", "n", "suppressed"]].to_numpy()])
    if reference_line is not None:
        ax.axvline(100 * reference_line, color="0.3", linestyle=":", linewidth=1.2, zorder=0.5,
                   label=f"jämförelse: {percent_text(100 * reference_line)}")
        ax.legend(loc="upper right", fontsize=8, frameon=False, bbox_to_anchor=(1, 0),
                  bbox_transform=_points_below(ax, 22))
    ax.set_xlim(0, 100)
    ticks = np.arange(0, 101, 20)
    ax.set_xticks(ticks, [percent_text(t) for t in ticks])
    ax.set_xlabel("Andel höga värden, med konfidensintervall (Wilson)", fontsize=9)
    _title(ax, item_title(item, scores))
    return ax


# ------------------------------------------------------------------ funnel


def funnel_limits(pooled: float, n, *, coverage: float) -> tuple[np.ndarray, np.ndarray]:
    """Control limits of a share around ``pooled`` for ``n`` answers (binomial, normal approximation).

    ``pooled ± z √(pooled (1 − pooled) / n)`` with ``z`` the two-sided ``coverage``
    quantile, clipped to [0, 1].

    Examples
    --------
    >>> low, high = funnel_limits(0.5, [100], coverage=0.95)
    >>> round(float(low[0]), 4), round(float(high[0]), 4)
    (0.402, 0.598)
    """
    if not 0 < coverage < 1:
        raise ValueError(f"coverage={coverage!r} must be between 0 and 1")
    if not 0 <= pooled <= 1:
        raise ValueError(f"pooled={pooled!r} must be a share between 0 and 1")
    n = np.asarray(n, dtype=float)
    z = stats.norm.ppf(1 - (1 - coverage) / 2)
    half = z * np.sqrt(pooled * (1 - pooled) / n)
    return np.clip(pooled - half, 0, 1), np.clip(pooled + half, 0, 1)


FUNNEL_INSIDE = "#2166ac"
FUNNEL_OUTSIDE_95 = "#e08214"
FUNNEL_OUTSIDE_998 = "#b2182b"


def _funnel_rows(scores: pd.DataFrame, item: str | None, group: str, min_n: int) -> tuple[str, pd.DataFrame]:
    """One row per group: ``group`` (text), ``n``, ``share_high``, ``suppressed``; ``ValueError`` if a group repeats."""
    min_n = check_min_n(min_n)
    check_columns(scores, ["item", group, "n", "share_high"], "scores")
    item, data = _check_item(scores, item)
    if data[group].duplicated().any():
        twice = sorted(data.loc[data[group].duplicated(), group].astype(str).unique())
        raise ValueError(f"scores holds several rows of item {item!r} for {group} {twice} (regions, levels or "
                         "surveys?); pass one row per group, e.g. samverkan.funnel_table(...)")
    n = pd.to_numeric(data["n"]).astype(float).to_numpy()
    share = pd.to_numeric(data["share_high"]).astype(float).to_numpy()
    flagged = data["suppressed"].fillna(False).to_numpy(dtype=bool) if "suppressed" in data else False
    small = flagged | np.isnan(n) | np.isnan(share) | (np.nan_to_num(n) < min_n)
    rows = pd.DataFrame({"group": data[group].astype(str).to_numpy(), "n": n, "share_high": share,
                         "suppressed": small})
    return item, rows


def _funnel_curves(ax: Axes, pooled: float, n_max: float) -> None:
    grid = np.linspace(1, n_max * 1.08, 300)
    for coverage, style, name in [(0.95, "--", "95 %"), (0.998, ":", "99,8 %")]:
        low, high = funnel_limits(pooled, grid, coverage=coverage)
        ax.plot(grid, 100 * low, style, color="0.35", linewidth=1.1, label=f"kontrollgräns {name}")
        ax.plot(grid, 100 * high, style, color="0.35", linewidth=1.1)
    ax.axhline(100 * pooled, color="0.2", linewidth=1, label=f"sammanvägd andel {percent_text(100 * pooled)}")


def _funnel_points(ax: Axes, shown: pd.DataFrame, pooled: float) -> list:
    """One point per group, coloured by the limits it lies outside; the points outside 95 % named."""
    inside = np.ones(len(shown), dtype=bool)
    colours = np.array([FUNNEL_INSIDE] * len(shown), dtype=object)
    kinds = []
    for coverage, colour, name in [(0.95, FUNNEL_OUTSIDE_95, "utanför 95 %"),
                                   (0.998, FUNNEL_OUTSIDE_998, "utanför 99,8 %")]:
        low, high = funnel_limits(pooled, shown["n"], coverage=coverage)
        outside = ((shown["share_high"] < low) | (shown["share_high"] > high)).to_numpy()
        colours[outside] = colour
        inside &= ~outside
        kinds.append((outside.any(), colour, name))
    ax.scatter(shown["n"], 100 * shown["share_high"], s=np.where(inside, 26, 40), c=list(colours),
               edgecolors="white", linewidths=0.6, zorder=3)
    right = shown["n"].max() * 0.7
    for _, row in shown[~inside].iterrows():
        left = row["n"] > right
        ax.annotate(str(row["group"]), (row["n"], 100 * row["share_high"]), xytext=(-6 if left else 6, 0),
                    textcoords="offset points", fontsize=8, va="center", ha="right" if left else "left",
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    kinds.insert(0, (inside.any(), FUNNEL_INSIDE, "inom gränserna"))
    return [plt.Line2D([], [], marker="o", linestyle="", color=c, markersize=5.5, label=name)
            for present, c, name in kinds if present]


def _funnel_ylim(ax: Axes, pooled: float, shown: pd.DataFrame) -> None:
    """The points and the 99,8 % limits at the smallest n shown, with a margin, within 0–100 %."""
    low, high = funnel_limits(pooled, [shown["n"].min()], coverage=0.998)
    bottom = min(low[0], shown["share_high"].min()) * 100 - 4
    top = max(high[0], shown["share_high"].max()) * 100 + 4
    ax.set_ylim(max(bottom, -2), min(top, 102))


def _funnel_note(ax: Axes, hidden: list[str], min_n: int) -> None:
    """Name the groups left out, below the x label."""
    if not hidden:
        return
    text = f"Visas inte (färre än {min_n} svar): " + ", ".join(hidden)
    ax.annotate("\n".join(textwrap.wrap(text, 110)), xy=(0, 0), xycoords="axes fraction", xytext=(0, -34),
                textcoords="offset points", va="top", fontsize=8, color="0.35")


def funnel(
    scores: pd.DataFrame,
    *,
    item: str | None = None,
    group: str = "forbund",
    ax: Axes | None = None,
    min_n: int = 5,
) -> Axes:
    """Funnel plot: each group's share of high values against its n, with 95 % and 99,8 % control limits.

    The limits are around the pooled share ``Σ n·share_high / Σ n`` of the groups shown
    (binomial, normal approximation; :func:`funnel_limits`; Spiegelhalter 2005, see
    :func:`samverkan.overview.funnel_table`). Points inside the 95 % limits are blue;
    points outside them orange, outside 99,8 % red, and named. Groups below ``min_n``
    (or marked ``suppressed``) are left out and named in a note below the chart. The
    x axis is the number of answers, never a rank.

    Parameters
    ----------
    scores
        One row per group for the item: ``item``, ``group``, ``n``, ``share_high``
        (optional ``suppressed``), e.g. :func:`samverkan.funnel_table` output or
        :func:`samverkan.score` with ``by=group``.
    item
        The item to draw; may be left out when ``scores`` holds one item.
    group
        The column naming the groups (default ``"forbund"``; ``"name"`` for the
        förbund names of :func:`samverkan.funnel_table`).
    ax
        Axes to draw on; default the current axes.
    min_n
        Smallest group shown.

    Returns
    -------
    matplotlib.axes.Axes
        With one point per shown group (one ``PathCollection`` in ``ax.collections``,
        in table order); without any group to show, an empty chart saying so.
    """
    item, rows = _funnel_rows(scores, item, group, min_n)
    shown = rows[~rows["suppressed"]]
    ax = _axes(ax)
    handles = []
    if shown.empty:
        ax.text(0.5, 0.5, f"Ingen grupp har minst {min_n} svar", transform=ax.transAxes, ha="center",
                va="center", color="0.35", style="italic")
    else:
        pooled = float((shown["n"] * shown["share_high"]).sum() / shown["n"].sum())
        _funnel_curves(ax, pooled, shown["n"].max())
        handles = _funnel_points(ax, shown, pooled)
        ax.set_xlim(0, shown["n"].max() * 1.1)
        _funnel_ylim(ax, pooled, shown)
    _funnel_note(ax, list(rows.loc[rows["suppressed"], "group"]), min_n)
    ax.set_xlabel("Antal svar (n)", fontsize=9)
    ax.set_ylabel("Andel höga värden", fontsize=9)
    ax.yaxis.set_major_formatter(lambda v, _: percent_text(v))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if handles:
        ax.legend(handles=[*ax.get_legend_handles_labels()[0], *handles], fontsize=8, frameon=False,
                  loc="upper left", bbox_to_anchor=(1.01, 1))
    _title(ax, item_title(item, scores))
    return ax
