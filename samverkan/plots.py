"""Charts of label distributions and scores: axes-level, Swedish labels, small groups suppressed.

Count first, draw second: every chart takes a tidy table from
:func:`samverkan.distribution` or :func:`samverkan.score` (raw or already passed through
:mod:`samverkan.suppress`), never answers. Every function takes ``ax`` (default the
current axes, :func:`matplotlib.pyplot.gca`) and returns the :class:`~matplotlib.axes.Axes`
it drew on; none calls ``show()`` or ``savefig()``. The title is the Axes title, so
``ax.set_title(...)`` replaces it.

:func:`likert` is the one definition of the report's Likert chart: the report draws it
with :func:`render_svg` (one reused figure, fixed margins) and inlines the SVG;
researchers draw it on their own Axes and save it in any format matplotlib writes
(SVG and PDF are vector).

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
>>> ax = plots.likert(sv.distribution(staff, items="synsatt", by="region"), items="synsatt", by="region", ax=ax)
>>> [t.get_text() for t in ax.get_yticklabels()]
['Dalgången (n = 36)', 'Fjällbyarna (n < 5)', 'Sjölandet (n = 30)']
>>> ax.get_title()
'I vilken utsträckning har parterna ett gemensamt synsätt på målgruppens behov?'
>>> plt.close(figure)
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgb
from matplotlib.patches import Patch

from . import instrument
from .chart_parts import (SUPPRESSED_FILL, SUPPRESSED_GID, axes_of, check_groups, check_item,  # noqa: F401
                          diverging_lefts, group_label, group_name, likert_limit, likert_table, likert_ticks,
                          percent_text, set_group_axis, suppressed_bar, suppressed_text, title_text)
from .funnel_plot import FUNNEL_INSIDE, FUNNEL_OUTSIDE_95, FUNNEL_OUTSIDE_998, funnel, funnel_limits  # noqa: F401
from .render import render_svg  # noqa: F401
from .suppress import is_small
from .vocabulary import SCORE_COLUMNS, as_list, check_columns, check_min_n

NEUTRAL = "#c8c8c8"
BAR_HEIGHT = 0.62
#: The x label of a Likert chart.
LIKERT_XLABEL = "Andel av svaren (vet ej, ej aktuellt och blanka svar oräknade)"
#: The gid of the collection holding every bar segment of a Likert chart.
SEGMENTS_GID = "svarsfördelning"


# ------------------------------------------------------------------ colours


def likert_colours(steps: int) -> list[tuple[float, float, float]]:
    """A diverging palette (red low, blue high) with a neutral grey middle step for odd scales.

    Matplotlib's ``RdBu`` colour map sampled at ``steps`` evenly spaced inner points
    (the ends, nearly black, left out).
    """
    cmap = plt.get_cmap("RdBu")
    colours = [tuple(float(c) for c in cmap(x)[:3]) for x in np.linspace(0, 1, steps + 2)[1:-1]]
    if steps % 2:
        colours[steps // 2] = to_rgb(NEUTRAL)
    return colours


def relative_luminance(colour) -> float:
    """WCAG 2 relative luminance of a colour (0 black … 1 white)."""
    channels = np.asarray(to_rgb(colour))
    linear = np.where(channels <= 0.04045, channels / 12.92, ((channels + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def contrast_ratio(first, second) -> float:
    """WCAG 2 contrast ratio of two colours (1 … 21; text needs 4.5, graphics 3).

    >>> round(contrast_ratio("white", "black"), 1)
    21.0
    """
    high, low = sorted([relative_luminance(first), relative_luminance(second)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_colour(colour) -> str:
    """White or black, whichever has the higher WCAG contrast on ``colour``."""
    return "white" if contrast_ratio(colour, "white") > contrast_ratio(colour, "black") else "black"


# ------------------------------------------------------------------ likert


def likert(
    distribution: pd.DataFrame,
    *,
    items: str | Sequence[str] | None = None,
    by: str | Sequence[str] | None = None,
    ax: Axes | None = None,
    min_n: int = 5,
    title: str | None = None,
) -> Axes:
    """Diverging stacked bars of items' answer distributions, one bar per item and group.

    The scale's steps run in questionnaire order from left to right; the lower half of
    the steps lies left of 0 and the upper half right of it (an odd scale's middle step
    is split around 0). Percentages are of the substantive answers; the
    non-substantive ones are counted beside each bar. Groups below ``min_n`` are drawn
    empty with "färre än 5 svar – visas inte". Several items (on one scale) give one
    row per item, or one block of group rows per item when ``by`` is given.

    Parameters
    ----------
    distribution
        Output of :func:`samverkan.distribution` (optionally suppressed with
        :func:`samverkan.suppress.suppress_distribution`).
    items
        The ordinal item(s) to draw; default every item in the table.
    by
        The group column(s) of ``distribution``; ``None`` draws one bar per item, named
        after a group column that holds a single value (a filtered table), else "Alla".
    ax
        Axes to draw on; default the current axes.
    min_n
        Smallest group shown.
    title
        Chart title (the Axes title); default the item's Swedish wording, or "Svarsfördelning"
        for several items.

    Returns
    -------
    matplotlib.axes.Axes
        With one :class:`~matplotlib.collections.PolyCollection` of every bar segment
        (gid :data:`SEGMENTS_GID`, in row order and questionnaire order) and one dashed
        patch per suppressed group (gid ``"undertryckt"``).
    """
    table = likert_table(distribution, items=items, by=by, min_n=min_n)
    ax = axes_of(ax)
    labels = [c for c in table.columns if c not in ("item", "group", "n", "suppressed", "missing_text")]
    colours = likert_colours(len(labels))
    limit = likert_limit(table, labels)
    several = table["item"].nunique() > 1
    names = _row_names(table, several, bool([b for b in as_list(by) if b != "item"]), min_n)
    _likert_segments(ax, table, labels, colours, limit, min_n)
    set_group_axis(ax, names)
    _likert_axes(ax, labels, colours, limit)
    item_ids = list(dict.fromkeys(table["item"]))
    default = title_text(item_ids[0], distribution) if not several else "Svarsfördelning"
    ax.set_title(title_text_wrapped(title if title is not None else default), fontsize=10.5, y=1.0, pad=8)
    return ax


def title_text_wrapped(text: str, width: int = 80) -> str:
    """``text`` wrapped at ``width`` characters, as chart titles are."""
    return "\n".join(textwrap.wrap(text, width)) or text


def _row_names(table: pd.DataFrame, several: bool, grouped: bool, min_n: int) -> list[str]:
    """Each row's axis label: ``"Gävle (n = 215)"``; with several items the item's label, before the group if any.

    Long names wrap at 34 characters; the size stays whole on the last line.
    """
    names = []
    for item_id, group, n, small in table[["item", "group", "n", "suppressed"]].itertuples(index=False):
        label = instrument.label(item_id)
        name = group if not several else f"{label}: {group}" if grouped else label
        size = group_label("", n, small, min_n).strip()
        lines = textwrap.wrap(str(name), 34) or [""]
        if len(lines[-1]) + len(size) + 1 > 34:
            lines.append(size)
        else:
            lines[-1] = f"{lines[-1]} {size}"
        names.append("\n".join(lines))
    return names


def _likert_segments(ax: Axes, table: pd.DataFrame, labels: list[str], colours: list, limit: float,
                     min_n: int) -> None:
    """Every shown row's segments as one collection, their percentages, the missing counts, and the suppressed rows."""
    verts, faces, half = [], [], BAR_HEIGHT / 2
    percents = table[labels].to_numpy(dtype=float)
    for y, (row, small, missing) in enumerate(zip(percents, table["suppressed"], table["missing_text"])):
        if small:
            suppressed_bar(ax, y, -limit, 2 * limit, min_n, height=BAR_HEIGHT)
            continue
        for left, width, colour in zip(diverging_lefts(row), row, colours):
            verts.append([(left, y - half), (left + width, y - half), (left + width, y + half), (left, y + half)])
            faces.append(colour)
            if width >= max(5.0, 0.125 * limit):  # room for "15 %" at 8 pt
                ax.text(left + width / 2, y, percent_text(width), ha="center", va="center", fontsize=8,
                        color=text_colour(colour))
        if missing:
            ax.annotate(_wrap_missing(missing), xy=(1.01, y), xycoords=("axes fraction", "data"), va="center", fontsize=8,
                        color="0.3", annotation_clip=False)
    ax.add_collection(PolyCollection(verts, facecolors=faces, edgecolors="white", linewidths=0.8,
                                     gid=SEGMENTS_GID), autolim=False)


def _wrap_missing(text: str, width: int = 22) -> str:
    """``"blank: 2 · vet ej: 12 · ej aktuellt: 3"`` on lines of at most ``width`` characters, split at the dots."""
    lines: list[str] = []
    for part in text.split(" · "):
        if lines and len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += f" · {part}"
        else:
            lines.append(part)
    return "\n".join(lines)


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
    item, data = check_item(scores, item)
    by, fixed = check_groups(data, by, SCORE_COLUMNS)
    keys = list(data[by].itertuples(index=False, name=None)) if by else [()] * len(data)
    flagged = data["suppressed"].fillna(False).to_numpy(dtype=bool) if "suppressed" in data else False
    small = flagged | is_small(data["n"], min_n).to_numpy() | data["n"].isna().to_numpy()
    rows = pd.DataFrame({
        "group": [group_name(k, fixed) for k in keys],
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
        The group column(s); ``None`` for an ungrouped table (one bar).
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
    ax = axes_of(ax)
    colour = likert_colours(6)[-1]
    for y, row in rows.iterrows():
        if row["suppressed"]:
            suppressed_bar(ax, y, 0, 100, min_n, height=BAR_HEIGHT)
            continue
        share, low, high = 100 * row[["share_high", "share_high_ci_low", "share_high_ci_high"]].to_numpy(float)
        ax.barh(y, share, height=BAR_HEIGHT, color=colour, alpha=0.85, gid=str(row["group"]))
        ax.errorbar(share, y, xerr=[[share - low], [high - share]], fmt="none", ecolor="0.15", elinewidth=1.1,
                    capsize=3)
        ax.text(high + 1.5, y, percent_text(share), va="center", fontsize=8.5)
    set_group_axis(ax, [group_label(g, n, s, min_n) for g, n, s in rows[["group", "n", "suppressed"]].to_numpy()])
    if reference_line is not None:
        ax.axvline(100 * reference_line, color="0.3", linestyle=":", linewidth=1.2, zorder=0.5,
                   label=f"jämförelse: {percent_text(100 * reference_line)}")
        ax.legend(loc="upper right", fontsize=8, frameon=False, bbox_to_anchor=(1, 0),
                  bbox_transform=_points_below(ax, 22))
    ax.set_xlim(0, 100)
    ticks = np.arange(0, 101, 20)
    ax.set_xticks(ticks, [percent_text(t) for t in ticks])
    ax.set_xlabel("Andel höga värden, med konfidensintervall (Wilson)", fontsize=9)
    ax.set_title(title_text_wrapped(title_text(item, scores)), fontsize=10.5)
    return ax


__all__ = ["likert", "likert_table", "share_high", "funnel", "funnel_limits", "render_svg", "likert_colours",
           "contrast_ratio", "text_colour", "diverging_lefts", "likert_limit", "likert_ticks"]
