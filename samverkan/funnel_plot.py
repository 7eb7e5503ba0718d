"""Funnel plots: each group's share of high values against its n, with 95 % and 99,8 % control limits.

Used by the cross-förbund overview (:mod:`samverkan.overview`), one point per förbund,
and available to researchers as :func:`samverkan.plots.funnel`.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from scipy import stats

from .chart_parts import axes_of, check_item, percent_text, title_text
from .vocabulary import check_columns, check_min_n

#: Point colours; each has at least 3:1 contrast on white (WCAG 2, graphics).
FUNNEL_INSIDE = "#2166ac"
FUNNEL_OUTSIDE_95 = "#b35806"
FUNNEL_OUTSIDE_998 = "#b2182b"


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


def funnel_rows(scores: pd.DataFrame, item: str | None, group: str, min_n: int) -> tuple[str, pd.DataFrame]:
    """One row per group: ``group`` (text), ``n``, ``share_high``, ``suppressed``; ``ValueError`` if a group repeats."""
    min_n = check_min_n(min_n)
    check_columns(scores, ["item", group, "n", "share_high"], "scores")
    item, data = check_item(scores, item)
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
    return [Line2D([], [], marker="o", linestyle="", color=c, markersize=5.5, label=name)
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
                textcoords="offset points", va="top", fontsize=8, color="0.3")


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
    points outside them orange, outside 99,8 % red, and named on the plot. Groups below
    ``min_n`` (or marked ``suppressed``) are left out and named in a note below the
    chart. The x axis is the number of answers, never a rank.

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
    item, rows = funnel_rows(scores, item, group, min_n)
    shown = rows[~rows["suppressed"]]
    ax = axes_of(ax)
    handles = []
    if shown.empty:
        ax.text(0.5, 0.5, f"Ingen grupp har minst {min_n} svar", transform=ax.transAxes, ha="center",
                va="center", color="0.3", style="italic")
    else:
        pooled = float((shown["n"] * shown["share_high"]).sum() / shown["n"].sum())
        _funnel_curves(ax, pooled, shown["n"].max())
        handles = _funnel_points(ax, shown, pooled)
        ax.set_xlim(0, shown["n"].max() * 1.1)
        _funnel_ylim(ax, pooled, shown)
    _funnel_note(ax, list(rows.loc[rows["suppressed"], "group"]), min_n)
    _funnel_axes(ax, handles, title_text(item, scores))
    return ax


def _funnel_axes(ax: Axes, handles: list, title: str) -> None:
    """Axis labels in Swedish, percent on the y axis, the legend to the right, the title."""
    ax.set_xlabel("Antal svar (n)", fontsize=9)
    ax.set_ylabel("Andel höga värden", fontsize=9)
    ax.yaxis.set_major_formatter(lambda v, _: percent_text(v))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if handles:
        ax.legend(handles=[*ax.get_legend_handles_labels()[0], *handles], fontsize=8, frameon=False,
                  loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.set_title("\n".join(textwrap.wrap(title, 80)), fontsize=10.5)
