"""Charts to SVG with one reused matplotlib figure per kind of chart and fixed margins.

The report draws ~14 Likert charts and the overview ~9 funnel plots per run. A new
figure, ``ax.clear()`` and ``savefig(bbox_inches="tight")`` cost ~60 ms CPU a chart
here (tight bounding boxes draw every chart twice); reusing one figure and axes, whose
tick objects matplotlib keeps, with margins fixed in inches and text written as SVG
text (``svg.fonttype: none``) costs ~30 ms. The chart itself is drawn by the same
function researchers call (:func:`samverkan.plots.likert`, :func:`samverkan.plots.funnel`);
only the canvas is reused here.

The SVG is deterministic (no date; element ids salted with the chart's name), so the
same data gives byte-identical figures.
"""

from __future__ import annotations

import html
import io
import threading
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import AutoLocator, ScalarFormatter


@dataclass(frozen=True)
class Layout:
    """A chart's size and margins in inches; its height grows by ``row`` per row (or is ``height``)."""

    width: float
    left: float
    right: float
    top: float
    bottom: float
    row: float = 0.0
    height: float = 0.0

    def figure_height(self, rows: int | None) -> float:
        """The figure height for ``rows`` rows (or the fixed ``height``)."""
        return self.height if rows is None else self.top + self.bottom + max(rows, 1) * self.row


#: Likert charts: group labels left, non-substantive counts right, title above, axis and legend below.
LIKERT = Layout(width=9.0, left=2.7, right=1.5, top=0.62, bottom=1.0, row=0.4)
#: Funnel plots: the legend and the named outliers to the right.
FUNNEL = Layout(width=9.0, left=0.85, right=2.3, top=0.62, bottom=1.05, height=4.8)

_LOCK = threading.Lock()
_CANVASES: dict[Layout, tuple[Figure, Axes]] = {}
_SVG_SETTINGS = {"svg.fonttype": "none", "svg.image_inline": True}


def _canvas(layout: Layout) -> tuple[Figure, Axes]:
    """The reused figure and axes of ``layout`` (made on first use; not registered with pyplot)."""
    if layout not in _CANVASES:
        figure = Figure()
        _CANVASES[layout] = (figure, figure.add_subplot())
    return _CANVASES[layout]


def _clear(ax: Axes) -> None:
    """Remove what the last chart drew, keeping the axes and their tick objects."""
    for artist in [*ax.lines, *ax.patches, *ax.texts, *ax.collections, *ax.images, *ax.artists, *ax.tables]:
        artist.remove()
    if ax.legend_ is not None:
        ax.legend_.remove()
    for loc in ("left", "center", "right"):
        ax.set_title("", loc=loc)
    ax.set_xlabel("")
    ax.set_ylabel("")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(AutoLocator())
        axis.set_major_formatter(ScalarFormatter())
    for spine in ax.spines.values():
        spine.set_visible(True)
    ax.tick_params(axis="both", length=3.5)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)


def render_svg(draw: Callable[[Axes], object], *, name: str, layout: Layout = LIKERT, rows: int | None = None,
               title: str = "") -> str:
    """Draw a chart with ``draw(ax)`` on the reused figure of ``layout`` and return it as SVG text.

    Parameters
    ----------
    draw
        Draws on the axes it is given, e.g. ``lambda ax: plots.likert(table, items="lyssnar", ax=ax)``.
    name
        The chart's name: salts the SVG's element ids, so that charts on one page never
        share an id.
    layout
        Size and margins (:data:`LIKERT`, :data:`FUNNEL`).
    rows
        Rows of bars (the height grows with them); ``None`` for the layout's fixed height.
    title
        Text of the SVG's ``<title>`` element (what a screen reader or a tooltip shows
        when the file is opened on its own).

    Returns
    -------
    str
        A complete SVG document.
    """
    with _LOCK:
        figure, ax = _canvas(layout)
        _clear(ax)
        height = layout.figure_height(rows)
        figure.set_size_inches(layout.width, height)
        figure.subplots_adjust(left=layout.left / layout.width, right=1 - layout.right / layout.width,
                               top=1 - layout.top / height, bottom=layout.bottom / height)
        draw(ax)
        buffer = io.StringIO()
        with matplotlib.rc_context({**_SVG_SETTINGS, "svg.hashsalt": name}):
            figure.savefig(buffer, format="svg", metadata={"Date": None})
    return _with_title(buffer.getvalue(), title)


def _with_title(svg: str, title: str) -> str:
    """``svg`` with a ``<title>`` as the root element's first child (escaped)."""
    if not title:
        return svg
    start = svg.index("<svg")
    end = svg.index(">", start) + 1
    return f"{svg[:end]}\n <title>{html.escape(title)}</title>{svg[end:]}"
