"""The report's diverging Likert charts drawn straight to PNG with Pillow.

Why this module exists: the per-förbund report draws 14 Likert charts and the batch of
75 reports has to fit in a minute on two cores. Drawn with matplotlib
(:func:`samverkan.plots.likert` and ``savefig(dpi=110, bbox_inches="tight")``) one chart
costs 250–300 ms here, most of it matplotlib's fixed cost per axes and per text. The
same chart drawn with Pillow costs about 10 ms including PNG encoding (measured on the
report machine with 4 groups: 10–11 ms per chart against 245–310 ms for
matplotlib's ``savefig(dpi=110, bbox_inches="tight")`` of the same table; about 20 ms
for the first chart of a process, which loads the fonts).

Count first, draw second, as in :mod:`samverkan.plots`: the charts here draw the output
of :func:`samverkan.plots.likert_table`, so which groups are suppressed, the
percentages and the non-substantive counts come from the same code as
:func:`samverkan.plots.likert`, as do the colours, the segment positions
(:func:`samverkan.plots.diverging_lefts`), the x range and every label text. Only the
drawing differs. :func:`samverkan.plots.likert` stays the chart to use for an
``Axes`` to work on.

Drawing is split in two: :func:`likert_layout` works out the geometry (boxes, texts
and lines in pixels, at 110 px per inch like the matplotlib chart) and
:func:`render_png` rasterises it, so the geometry can be tested without pixels.
A suppressed group (fewer than ``min_n`` answers) is an empty pale dashed bar with
"färre än 5 svar – visas inte" and none of its figures.
"""

from __future__ import annotations

import functools
import math
import struct
import textwrap
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb
from PIL import Image, ImageDraw, ImageFont

from . import plots
from .vocabulary import check_min_n

RGB = tuple[int, int, int]

PX_PER_INCH = 110

# Font sizes in pixels: matplotlib's points at 110 px per inch (pt · 110 / 72).
TITLE_SIZE = 16       # 10.5 pt
GROUP_SIZE = 15       # 10 pt, the tick labels
TICK_SIZE = 15
XLABEL_SIZE = 14      # 9 pt
SUPPRESSED_SIZE = 14
SMALL_SIZE = 12       # 8 pt: percentages, missing counts, legend

ROW_PITCH = 0.55 * PX_PER_INCH    # one group's row
PAD = 8                           # around the whole image
LABEL_GAP = 6                     # group label to plot area
MISSING_GAP = 8                   # plot area to missing text
TICK_LENGTH = 5
TICK_PAD = 4
TITLE_GAP = 9
MIN_PLOT_WIDTH = 500
DASH = (4, 3)                     # dash and gap, pixels
LEGEND_SQUARE = 1.2 * SMALL_SIZE  # a legend entry: colour square, gap, label; then the gap to the next
LEGEND_PAD = 0.8 * SMALL_SIZE
LEGEND_SPACING = 1.0 * SMALL_SIZE

BLACK: RGB = (0, 0, 0)
WHITE: RGB = (255, 255, 255)


def _rgb(colour) -> RGB:
    """Any matplotlib colour as 0–255 RGB."""
    r, g, b = to_rgb(colour)
    return round(255 * r), round(255 * g), round(255 * b)


GREY_TEXT: RGB = _rgb("0.35")
GREY_DASH: RGB = _rgb("0.55")
GREY_ZERO: RGB = _rgb("0.25")


# ------------------------------------------------------------------ layout types


@dataclass(frozen=True)
class Box:
    """A filled rectangle, in pixels; ``outline`` ``None`` for none, ``dashed`` for a dashed one."""

    x0: float
    y0: float
    x1: float
    y1: float
    fill: RGB | None
    outline: RGB | None = None
    dashed: bool = False
    gid: str | None = None


@dataclass(frozen=True)
class Label:
    """A text at ``(x, y)``; ``anchor`` is a Pillow text anchor (``"lm"`` left middle, ``"mm"`` centred …)."""

    x: float
    y: float
    text: str
    size: float
    colour: RGB = BLACK
    anchor: str = "la"
    italic: bool = False
    gid: str | None = None


@dataclass(frozen=True)
class Line:
    """A straight line from ``(x0, y0)`` to ``(x1, y1)``, ``width`` pixels wide."""

    x0: float
    y0: float
    x1: float
    y1: float
    colour: RGB = BLACK
    width: float = 1.0


@dataclass
class Layout:
    """Everything a chart draws, in pixels: the image size, boxes, texts and lines.

    ``plot`` is the plot area ``(x0, y0, x1, y1)``; its x range is ``-limit … limit``
    percent.
    """

    width: int
    height: int
    boxes: list[Box] = field(default_factory=list)
    texts: list[Label] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    plot: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    limit: float = 50.0


@dataclass(frozen=True)
class _Frame:
    """The plot area and its x scale: percent → pixels."""

    x0: float
    y0: float
    x1: float
    limit: float

    def x(self, percent: float) -> float:
        return float(self.x0 + (percent + self.limit) * (self.x1 - self.x0) / (2 * self.limit))

    def row(self, index: int) -> float:
        """The vertical centre of row ``index``."""
        return self.y0 + (index + 0.5) * ROW_PITCH

    def half_bar(self) -> float:
        return plots.BAR_HEIGHT * ROW_PITCH / 2


# ------------------------------------------------------------------ fonts


@functools.lru_cache(maxsize=None)
def _font_path(italic: bool) -> str:
    name = "DejaVuSans-Oblique.ttf" if italic else "DejaVuSans.ttf"
    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name
    if path.exists():
        return str(path)
    from matplotlib.font_manager import FontProperties, findfont

    return findfont(FontProperties(family="DejaVu Sans", style="oblique" if italic else "normal"))


@functools.lru_cache(maxsize=64)
def font(size: float, italic: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans (or DejaVu Sans Oblique) at ``size`` pixels, matplotlib's bundled font.

    Parameters
    ----------
    size
        Em size in pixels.
    italic
        The oblique face.

    Returns
    -------
    PIL.ImageFont.FreeTypeFont
        Cached; with Pillow's basic layout, so text is measured and drawn alike everywhere.
    """
    return ImageFont.truetype(_font_path(italic), size=size, layout_engine=ImageFont.Layout.BASIC)


@functools.lru_cache(maxsize=4096)
def text_width(text: str, size: float, italic: bool = False) -> float:
    """The advance width of ``text`` in pixels (cached: the same labels recur chart after chart)."""
    return font(size, italic).getlength(text)


def text_box(label: Label, scale: float = 1.0) -> tuple[float, float, float, float]:
    """The ink box ``(x0, y0, x1, y1)`` of ``label`` as drawn by :func:`render_png` at ``scale``."""
    left, top, right, bottom = font(label.size * scale, label.italic).getbbox(label.text, anchor=label.anchor)
    x, y = round(label.x * scale), round(label.y * scale)
    return x + left, y + top, x + right, y + bottom


@functools.lru_cache(maxsize=4096)
def _text_mask(text: str, size: float, italic: bool, anchor: str) -> tuple[Image.Image, int, int]:
    """The antialiased coverage of ``text`` (an ``L`` image) and its offset from the anchor point.

    Cached, since ticks, legend and most percentages recur from chart to chart; pasting
    the mask gives the same pixels as ``ImageDraw.text`` at a tenth of the cost.
    """
    face = font(size, italic)
    left, top, right, bottom = face.getbbox(text, anchor=anchor)
    mask = Image.new("L", (max(right - left, 1), max(bottom - top, 1)), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, fill=255, font=face, anchor=anchor)
    return mask, left, top


def _line_height(size: float) -> float:
    ascent, descent = font(size).getmetrics()
    return ascent + descent


# ------------------------------------------------------------------ layout


@functools.lru_cache(maxsize=32)
def _palette(steps: int) -> tuple[tuple[RGB, RGB], ...]:
    """Per scale step: its colour and the colour of a text on it (:func:`samverkan.plots.likert_colours`)."""
    return tuple((_rgb(c), _rgb(plots.text_colour(c))) for c in plots.likert_colours(steps))


def _check_table(table: pd.DataFrame, labels: Sequence[str], min_n: int) -> None:
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"table is {type(table).__name__}; pass the output of samverkan.plots.likert_table")
    missing = [c for c in ["group", "n", "suppressed", *labels, "missing_text"] if c not in table.columns]
    if missing:
        raise ValueError(f"table lacks columns {missing}; pass samverkan.plots.likert_table output and the "
                         f"item's scale labels (labels=list(samverkan.instrument.item(item).labels))")
    if not labels:
        raise ValueError("labels is empty; pass the item's scale labels in questionnaire order")
    check_min_n(min_n)


def _missing_text(value) -> str:
    """A row's ``missing_text``; empty for a missing value."""
    return str(value) if isinstance(value, str) or pd.notna(value) else ""


def _group_labels(table: pd.DataFrame, min_n: int) -> list[str]:
    return [plots.group_label(str(g), n, bool(s), min_n)
            for g, n, s in table[["group", "n", "suppressed"]].to_numpy()]


def _legend_width(labels: Sequence[str]) -> float:
    return (sum(LEGEND_SQUARE + LEGEND_PAD + text_width(label, SMALL_SIZE) for label in labels)
            + LEGEND_SPACING * (len(labels) - 1))


def _horizontal(table: pd.DataFrame, labels: Sequence[str], title_lines: list[str], group_texts: list[str],
                limit: float, width: int) -> tuple[float, float, int]:
    """The plot area's left and right edges and the image width, so that no text is clipped."""
    end_tick = text_width(plots.percent_text(limit), TICK_SIZE) / 2
    widest_group = max((text_width(t, GROUP_SIZE) for t in group_texts), default=0.0)
    shown = table.loc[~table["suppressed"].astype(bool).to_numpy(), "missing_text"]
    widest_missing = max((text_width(_missing_text(t), SMALL_SIZE) for t in shown), default=0.0)
    left = PAD + max(widest_group + LABEL_GAP, end_tick)
    right = PAD + max(MISSING_GAP + widest_missing if widest_missing else 0.0, end_tick)
    widest_line = max([text_width(t, TITLE_SIZE) for t in title_lines]
                      + [text_width(plots.LIKERT_XLABEL, XLABEL_SIZE), _legend_width(labels)])
    needed = max(left + MIN_PLOT_WIDTH + right, widest_line + 2 * PAD)
    width = max(int(width), math.ceil(needed))
    return left, width - right, width


def _title(lines: list[str], frame: _Frame, width: int) -> list[Label]:
    """The wrapped title, left-aligned over the plot area (moved left if it would not fit)."""
    widest = max((text_width(t, TITLE_SIZE) for t in lines), default=0.0)
    x = max(PAD, min(frame.x0, width - PAD - widest))
    step = _line_height(TITLE_SIZE)
    return [Label(x, PAD + i * step, text, TITLE_SIZE, BLACK, "la") for i, text in enumerate(lines)]


def _bar(row: dict, index: int, frame: _Frame, labels: Sequence[str],
         palette: Sequence[tuple[RGB, RGB]]) -> tuple[list[Box], list[Label]]:
    """One shown group: a segment per scale step, its percentages and its missing text."""
    percents = np.array([row[label] for label in labels], dtype=float)
    y, half = frame.row(index), frame.half_bar()
    boxes, texts = [], []
    for label, left, share, (fill, ink) in zip(labels, plots.diverging_lefts(percents), percents, palette):
        x0, x1 = frame.x(left), frame.x(left + share)
        boxes.append(Box(x0, y - half, x1, y + half, fill, WHITE, False, f"{row['group']}: {label}"))
        if share >= 6:
            texts.append(Label((x0 + x1) / 2, y, plots.percent_text(share), SMALL_SIZE, ink, "mm"))
    if _missing_text(row["missing_text"]):
        texts.append(Label(frame.x1 + MISSING_GAP, y, _missing_text(row["missing_text"]), SMALL_SIZE, GREY_TEXT,
                           "lm"))
    return boxes, texts


def _suppressed(index: int, frame: _Frame, min_n: int) -> tuple[Box, Label]:
    """An empty dashed bar across the whole x range with the suppression text in its middle."""
    y, half = frame.row(index), frame.half_bar()
    box = Box(frame.x0, y - half, frame.x1, y + half, _rgb(plots.SUPPRESSED_FILL), GREY_DASH, True,
              plots.SUPPRESSED_GID)
    text = Label((frame.x0 + frame.x1) / 2, y, plots.suppressed_text(min_n), SUPPRESSED_SIZE, GREY_TEXT, "mm",
                 True, plots.SUPPRESSED_GID)
    return box, text


def _rows(table: pd.DataFrame, frame: _Frame, labels: Sequence[str], palette: Sequence[tuple[RGB, RGB]],
          group_texts: list[str], min_n: int) -> tuple[list[Box], list[Label]]:
    """Per group, in table order: its label left of the plot and its bar (or its suppressed box)."""
    boxes, texts = [], []
    for index, row in enumerate(table.to_dict("records")):
        texts.append(Label(frame.x0 - LABEL_GAP, frame.row(index), group_texts[index], GROUP_SIZE, BLACK, "rm"))
        if row["suppressed"]:
            box, text = _suppressed(index, frame, min_n)
            boxes.append(box)
            texts.append(text)
        else:
            bar_boxes, bar_texts = _bar(row, index, frame, labels, palette)
            boxes += bar_boxes
            texts += bar_texts
    return boxes, texts


def _x_axis(frame: _Frame, bottom: float) -> tuple[list[Line], list[Label], float]:
    """Zero line, axis line, ticks, tick labels and x label; returns the y below them."""
    lines = [Line(frame.x(0), frame.y0, frame.x(0), bottom, GREY_ZERO, 1.0),
             Line(frame.x0, bottom, frame.x1, bottom, BLACK, 1.0)]
    texts = []
    label_top = bottom + TICK_LENGTH + TICK_PAD
    for tick in plots.likert_ticks(frame.limit):
        x = frame.x(tick)
        lines.append(Line(x, bottom, x, bottom + TICK_LENGTH, BLACK, 1.0))
        texts.append(Label(x, label_top, plots.percent_text(abs(tick)), TICK_SIZE, BLACK, "ma"))
    xlabel_top = label_top + _line_height(TICK_SIZE) + 3
    texts.append(Label((frame.x0 + frame.x1) / 2, xlabel_top, plots.LIKERT_XLABEL, XLABEL_SIZE, BLACK, "ma"))
    return lines, texts, xlabel_top + _line_height(XLABEL_SIZE)


def _legend(labels: Sequence[str], palette: Sequence[tuple[RGB, RGB]], frame: _Frame, top: float,
            width: int) -> tuple[list[Box], list[Label], float]:
    """One colour square and label per scale step, in one row centred under the plot area."""
    total = _legend_width(labels)
    x = max(PAD, min((frame.x0 + frame.x1 - total) / 2, width - PAD - total))
    y = top + _line_height(SMALL_SIZE) / 2
    boxes, texts = [], []
    for label, (fill, _) in zip(labels, palette):
        boxes.append(Box(x, y - 0.35 * SMALL_SIZE, x + LEGEND_SQUARE, y + 0.35 * SMALL_SIZE, fill, None, False,
                         f"legend: {label}"))
        x += LEGEND_SQUARE + LEGEND_PAD
        texts.append(Label(x, y, label, SMALL_SIZE, BLACK, "lm", False, "legend"))
        x += text_width(label, SMALL_SIZE) + LEGEND_SPACING
    return boxes, texts, top + _line_height(SMALL_SIZE)


def likert_layout(
    table: pd.DataFrame,
    *,
    labels: list[str],
    title: str,
    min_n: int = 5,
    width: int = 1070,
) -> Layout:
    """The geometry of a diverging Likert chart of :func:`samverkan.plots.likert_table` output.

    One bar per row of ``table`` (in its order), the scale's steps left to right in
    questionnaire order around 0 as in :func:`samverkan.plots.likert`; a suppressed
    group is an empty dashed box with the suppression text and none of its figures.

    Parameters
    ----------
    table
        ``samverkan.plots.likert_table(distribution, item=..., by=..., min_n=...)``.
    labels
        The item's scale labels in questionnaire order (the table's percent columns).
    title
        The chart title, usually the question's wording; wrapped at 80 characters.
    min_n
        The ``min_n`` the table was made with (for the texts of suppressed groups).
    width
        Image width in pixels; wider when the labels would not fit otherwise.

    Returns
    -------
    Layout
        Boxes (segment gid ``"<group>: <label>"``, suppressed gid ``"undertryckt"``,
        legend gid ``"legend: <label>"``), texts and lines in pixels.
    """
    _check_table(table, labels, min_n)
    labels = list(labels)
    palette = _palette(len(labels))
    limit = plots.likert_limit(table, labels) if len(table) else 50.0
    title_lines = textwrap.wrap(title, 80) if title else []
    group_texts = _group_labels(table, min_n)
    x0, x1, width = _horizontal(table, labels, title_lines, group_texts, limit, width)
    top = PAD + len(title_lines) * _line_height(TITLE_SIZE) + (TITLE_GAP if title_lines else 0)
    frame = _Frame(x0, float(top), x1, float(limit))
    layout = Layout(width, 0, plot=(x0, frame.y0, x1, frame.y0 + max(len(table), 1) * ROW_PITCH), limit=float(limit))
    layout.texts += _title(title_lines, frame, width)
    boxes, texts = _rows(table, frame, labels, palette, group_texts, min_n)
    layout.boxes += boxes
    layout.texts += texts
    lines, texts, below = _x_axis(frame, layout.plot[3])
    layout.lines += lines
    layout.texts += texts
    boxes, texts, below = _legend(labels, palette, frame, below + 16, width)
    layout.boxes += boxes
    layout.texts += texts
    layout.height = math.ceil(below + PAD)
    return layout


# ------------------------------------------------------------------ rendering


def _dashed(draw: ImageDraw.ImageDraw, corners: tuple[int, int, int, int], colour: RGB, width: int,
            scale: float) -> None:
    """A dashed rectangle outline, drawn as short line segments."""
    x0, y0, x1, y1 = corners
    dash, gap = max(1, round(DASH[0] * scale)), max(1, round(DASH[1] * scale))
    for start, end, fixed, horizontal in [(x0, x1, y0, True), (x0, x1, y1, True),
                                          (y0, y1, x0, False), (y0, y1, x1, False)]:
        for a in range(start, end + 1, dash + gap):
            b = min(a + dash - 1, end)
            draw.line([(a, fixed), (b, fixed)] if horizontal else [(fixed, a), (fixed, b)], fill=colour,
                      width=width)


def _draw_box(draw: ImageDraw.ImageDraw, box: Box, scale: float) -> None:
    x0, y0, x1, y1 = (round(v * scale) for v in (box.x0, box.y0, box.x1, box.y1))
    if x1 <= x0 or y1 <= y0:
        return
    edge = max(1, round(scale))
    solid = box.outline if not box.dashed else None
    draw.rectangle([x0, y0, x1, y1], fill=box.fill, outline=solid, width=edge if solid else 0)
    if box.dashed and box.outline is not None:
        _dashed(draw, (x0, y0, x1, y1), box.outline, edge, scale)


def render_png(layout: Layout, *, scale: float = 1.0, compress_level: int = 1) -> bytes:
    """Rasterise ``layout`` with Pillow: an RGB PNG with no metadata, the same bytes for the same layout.

    Parameters
    ----------
    layout
        From :func:`likert_layout`.
    scale
        Pixels per layout pixel (2.0 for a sharper image twice the size).
    compress_level
        zlib level 0–9 of the PNG; 1 is fast and only slightly larger.

    Returns
    -------
    bytes
        PNG of ``round(layout.width * scale) × round(layout.height * scale)`` pixels
        holding only the IHDR, IDAT and IEND chunks.
    """
    if not (isinstance(scale, (int, float)) and math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale={scale!r} must be a positive number")
    size = (max(1, round(layout.width * scale)), max(1, round(layout.height * scale)))
    image = Image.new("RGB", size, WHITE)
    draw = ImageDraw.Draw(image)
    for line in layout.lines:
        points = [(round(line.x0 * scale), round(line.y0 * scale)), (round(line.x1 * scale), round(line.y1 * scale))]
        draw.line(points, fill=line.colour, width=max(1, round(line.width * scale)))
    for box in layout.boxes:
        _draw_box(draw, box, scale)
    for label in layout.texts:
        if label.text:
            mask, left, top = _text_mask(label.text, label.size * scale, label.italic, label.anchor)
            image.paste(label.colour, (round(label.x * scale) + left, round(label.y * scale) + top), mask)
    return encode_png(image, compress_level=compress_level)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(image: Image.Image, *, compress_level: int = 1) -> bytes:
    """An RGB image as PNG with every row unfiltered (filter type 0) and only IHDR, IDAT and IEND.

    Pillow's encoder has no filter option and tries all five row filters on every row
    (adaptive filtering), which is most of its cost: ~4–6 ms a chart here against ~1.5 ms
    unfiltered. For flat-coloured charts no filter is as small or smaller (libvips and
    sharp made it their default for the same reason). Any PNG reader decodes the result
    to the same pixels (tested against Pillow's decoder).
    """
    if image.mode != "RGB":
        raise ValueError(f"image mode {image.mode!r}: expected 'RGB'")
    if not (isinstance(compress_level, int) and 0 <= compress_level <= 9):
        raise ValueError(f"compress_level={compress_level!r} must be an integer from 0 to 9")
    width, height = image.size
    rows = np.frombuffer(image.tobytes(), dtype=np.uint8).reshape(height, width * 3)
    raw = np.hstack([np.zeros((height, 1), dtype=np.uint8), rows]).tobytes()  # a 0 (no filter) before each row
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, deflate, no filter choice, no interlace
    return (PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, compress_level))
            + _chunk(b"IEND", b""))


def likert_png(table: pd.DataFrame, *, labels: list[str], title: str, min_n: int = 5) -> bytes:
    """A diverging Likert chart of :func:`samverkan.plots.likert_table` output as PNG bytes.

    ``render_png(likert_layout(table, labels=labels, title=title, min_n=min_n))``; see
    :func:`likert_layout` for what is drawn.
    """
    return render_png(likert_layout(table, labels=labels, title=title, min_n=min_n))
