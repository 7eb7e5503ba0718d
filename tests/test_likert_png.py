"""The Pillow Likert chart: geometry as in the table and the matplotlib chart, small groups hidden, a clean PNG."""

from __future__ import annotations

import io
import struct
import textwrap
import zlib

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from numpy.testing import assert_allclose
from PIL import Image

import samverkan as sv
from samverkan import likert_png as lp
from samverkan import plots

REGIONS = {"Dalgången": ["Forsbyn", "Älvnäs"], "Sjölandet": ["Tjärnby"], "Fjällbyarna": ["Högfjällsby"]}
ITEM = "synsatt"
HIDDEN = "färre än 5 svar – visas inte"


def rgb(colour) -> tuple[int, int, int]:
    return tuple(round(255 * v) for v in to_rgb(colour))


@pytest.fixture(scope="module")
def distribution() -> pd.DataFrame:
    staff = sv.load(sv.sample_path("fjallmarken", "2019", "operativ"), survey="operativ", regions=REGIONS)
    return sv.distribution(staff, items=ITEM, by="region")


@pytest.fixture(scope="module")
def table(distribution) -> pd.DataFrame:
    return plots.likert_table(distribution, item=ITEM, by="region", min_n=5)


@pytest.fixture(scope="module")
def labels() -> list[str]:
    return list(sv.instrument.item(ITEM).labels)


@pytest.fixture(scope="module")
def title() -> str:
    return sv.instrument.survey("operativ").item(ITEM).text


@pytest.fixture(scope="module")
def layout(table, labels, title) -> lp.Layout:
    return lp.likert_layout(table, labels=labels, title=title, min_n=5)


def px_per_percent(layout: lp.Layout) -> float:
    x0, _, x1, _ = layout.plot
    return (x1 - x0) / (2 * layout.limit)


def zero_line(layout: lp.Layout) -> lp.Line:
    vertical = [line for line in layout.lines if line.x0 == line.x1 and line.y0 <= layout.plot[1]]
    assert len(vertical) == 1, "one vertical line spans the plot area: the zero line"
    return vertical[0]


def in_row(layout: lp.Layout, box: lp.Box) -> list[lp.Label]:
    """The texts whose anchor lies in the vertical band of ``box``."""
    return [t for t in layout.texts if box.y0 <= t.y <= box.y1]


def ink_box(label: lp.Label) -> tuple[float, float, float, float]:
    """The drawn extent of a text, measured with the font itself."""
    left, top, right, bottom = lp.font(label.size, label.italic).getbbox(label.text, anchor=label.anchor)
    return round(label.x) + left, round(label.y) + top, round(label.x) + right, round(label.y) + bottom


def suppressed_table(table: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """Every group of ``table`` suppressed, as likert_table writes it (NaN percents, no missing text)."""
    hidden = table.assign(suppressed=True, missing_text="")
    hidden[labels] = np.nan
    return hidden


def png_chunks(data: bytes) -> list[str]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        chunks.append(kind.decode("ascii"))
        at += 12 + length
    return chunks


# ------------------------------------------------------------------ bars


def test_the_sample_has_a_suppressed_group(table):
    assert list(table["group"]) == ["Dalgången", "Fjällbyarna", "Sjölandet"]
    assert list(table["suppressed"]) == [False, True, False]


def test_segments_are_proportional_and_meet_at_zero_as_diverging_lefts_says(table, labels, layout):
    scale, zero = px_per_percent(layout), zero_line(layout).x0
    assert zero == pytest.approx((layout.plot[0] + layout.plot[2]) / 2)
    for _, row in table[~table["suppressed"]].iterrows():
        percents = row[labels].to_numpy(dtype=float)
        segments = [b for b in layout.boxes if str(b.gid).startswith(f"{row['group']}: ")]
        assert [b.gid for b in segments] == [f"{row['group']}: {label}" for label in labels]
        widths = np.array([b.x1 - b.x0 for b in segments])
        assert_allclose(widths / scale, percents, atol=1e-9)
        assert_allclose([(b.x0 - zero) / scale for b in segments], plots.diverging_lefts(percents), atol=1e-9)
        assert_allclose([b.x1 for b in segments[:-1]], [b.x0 for b in segments[1:]])
        assert len({(b.y0, b.y1) for b in segments}) == 1
        assert [b.fill for b in segments] == [rgb(c) for c in plots.likert_colours(len(labels))]
        assert all(b.outline == (255, 255, 255) and not b.dashed for b in segments)


def test_percent_texts_sit_in_segments_of_at_least_6_percent(table, labels, layout):
    colours = plots.likert_colours(len(labels))
    for _, row in table[~table["suppressed"]].iterrows():
        segments = [b for b in layout.boxes if str(b.gid).startswith(f"{row['group']}: ")]
        texts = [t for t in in_row(layout, segments[0]) if t.text.endswith("\u00a0%")]
        expected = [(plots.percent_text(p), (b.x0 + b.x1) / 2, rgb(plots.text_colour(c)))
                    for p, b, c in zip(row[labels].to_numpy(dtype=float), segments, colours) if p >= 6]
        assert [(t.text, t.colour) for t in texts] == [(text, colour) for text, _, colour in expected]
        assert [t.x for t in texts] == pytest.approx([x for _, x, _ in expected])
        assert all(t.anchor == "mm" and t.y == pytest.approx((segments[0].y0 + segments[0].y1) / 2) for t in texts)


def test_missing_text_is_right_of_the_plot_on_its_row(table, layout):
    for _, row in table[~table["suppressed"]].iterrows():
        segment = next(b for b in layout.boxes if str(b.gid).startswith(f"{row['group']}: "))
        texts = [t for t in in_row(layout, segment) if t.text == row["missing_text"]]
        assert row["missing_text"] and len(texts) == 1
        assert ink_box(texts[0])[0] > layout.plot[2]
        assert texts[0].colour == rgb("0.35") and texts[0].size < 15


def test_group_labels_are_the_group_label_strings_right_of_nothing(table, layout):
    expected = [plots.group_label(g, n, s, 5) for g, n, s in table[["group", "n", "suppressed"]].to_numpy()]
    shown = sorted((t for t in layout.texts if t.anchor == "rm"), key=lambda t: t.y)
    assert [t.text for t in shown] == expected == ["Dalgången (n = 36)", "Fjällbyarna (n < 5)", "Sjölandet (n = 30)"]
    assert all(ink_box(t)[2] < layout.plot[0] for t in shown)
    assert np.diff([t.y for t in shown]) == pytest.approx([0.55 * 110] * 2)


# ------------------------------------------------------------------ suppression


def test_the_suppressed_group_is_one_dashed_box_with_the_text_and_no_figures(table, layout):
    hidden = [b for b in layout.boxes if b.gid == plots.SUPPRESSED_GID]
    assert len(hidden) == 1
    box = hidden[0]
    assert box.dashed and box.fill == rgb(plots.SUPPRESSED_FILL) and box.outline == rgb("0.55")
    assert (box.x0, box.x1) == pytest.approx((layout.plot[0], layout.plot[2]))
    assert not [b for b in layout.boxes if str(b.gid).startswith("Fjällbyarna: ")]
    row = in_row(layout, box)
    assert sorted(t.text for t in row) == sorted(["Fjällbyarna (n < 5)", HIDDEN])
    note = next(t for t in row if t.text == HIDDEN)
    assert note.italic and note.gid == plots.SUPPRESSED_GID
    assert note.x == pytest.approx((box.x0 + box.x1) / 2) and note.y == pytest.approx((box.y0 + box.y1) / 2)
    count = int(table.loc[table["group"] == "Fjällbyarna", "n"].iloc[0])
    assert not [t for t in row if "%" in t.text or str(count) in t.text]


def test_the_dashed_outline_is_dashed_in_the_pixels(layout):
    box = next(b for b in layout.boxes if b.gid == plots.SUPPRESSED_GID)
    image = np.asarray(Image.open(io.BytesIO(lp.render_png(layout))))
    top = image[round(box.y0), round(box.x0) + 20:round(box.x1) - 20]
    grey = (top == rgb("0.55")).all(axis=1)
    assert 0.3 < grey.mean() < 0.8, "about 4 of every 7 pixels of the edge are dash"
    inside = image[round((box.y0 + box.y1) / 2), round(box.x0) + 5]
    assert tuple(inside) == rgb(plots.SUPPRESSED_FILL)


# ------------------------------------------------------------------ axis, legend, title


def test_x_axis_is_plus_minus_the_likert_limit_with_ticks_every_20(table, labels, layout):
    assert layout.limit == plots.likert_limit(table, labels) == 80
    ticks = sorted((t for t in layout.texts if t.anchor == "ma" and t.text.endswith("\u00a0%")), key=lambda t: t.x)
    assert [t.text for t in ticks] == [plots.percent_text(abs(v)) for v in range(-80, 81, 20)]
    zero = zero_line(layout).x0
    assert_allclose([(t.x - zero) / px_per_percent(layout) for t in ticks], range(-80, 81, 20), atol=1e-9)
    assert any(t.text == "Andel av svaren (vet ej, ej aktuellt och blanka svar oräknade)" for t in layout.texts)


def test_ticks_every_10_when_the_limit_is_60_or_less(table, labels):
    layout = lp.likert_layout(suppressed_table(table, labels), labels=labels, title="t")
    ticks = [t.text for t in layout.texts if t.anchor == "ma" and t.text.endswith("\u00a0%")]
    assert layout.limit == 50 and ticks == [plots.percent_text(abs(v)) for v in range(-50, 51, 10)]


def test_legend_labels_are_the_scale_labels_in_order_in_one_centred_row(labels, layout):
    legend = sorted((t for t in layout.texts if t.gid == "legend"), key=lambda t: t.x)
    assert [t.text for t in legend] == labels
    assert len({t.y for t in legend}) == 1 and legend[0].y > max(t.y for t in layout.texts if t.gid != "legend")
    squares = [b for b in layout.boxes if str(b.gid).startswith("legend: ")]
    assert [b.fill for b in squares] == [rgb(c) for c in plots.likert_colours(len(labels))]
    assert all(s.x1 < t.x for s, t in zip(squares, legend))
    left, right = squares[0].x0, ink_box(legend[-1])[2]
    assert (left + right) / 2 == pytest.approx((layout.plot[0] + layout.plot[2]) / 2, abs=2)


def test_title_is_wrapped_at_80_and_left_aligned_over_the_plot(table, labels):
    long = "I vilken utsträckning har parterna ett gemensamt synsätt på målgruppens behov, och i så fall hur ofta?"
    layout = lp.likert_layout(table, labels=labels, title=long)
    lines = [t for t in layout.texts if t.y < layout.plot[1]]
    assert [t.text for t in lines] == textwrap.wrap(long, 80) and len(lines) == 2
    assert all(t.x == layout.plot[0] and t.anchor == "la" for t in lines)


# ------------------------------------------------------------------ nothing clipped, sizes


def some_tables(table, labels) -> dict[str, pd.DataFrame]:
    long = table.copy()
    long["group"] = ["Dalgången / Forsbyn / en mycket lång kommundel", "Fjällbyarna", "Sjölandet"]
    long.loc[0, "missing_text"] = "vet ej: 12 · ej aktuellt: 3 · blank: 4 · ej tillfrågad: 15"
    return {"sample": table, "one group": table.iloc[[0]].reset_index(drop=True),
            "all suppressed": suppressed_table(table, labels), "long labels": long}


@pytest.mark.parametrize("name", ["sample", "one group", "all suppressed", "long labels"])
def test_every_text_lies_inside_the_image(table, labels, title, name):
    layout = lp.likert_layout(some_tables(table, labels)[name], labels=labels, title=title)
    for label in layout.texts:
        x0, y0, x1, y1 = ink_box(label)
        assert 0 <= x0 and x1 <= layout.width and 0 <= y0 and y1 <= layout.height, label
    for box in layout.boxes:
        assert 0 <= box.x0 <= box.x1 <= layout.width and 0 <= box.y0 <= box.y1 <= layout.height, box
    for label in layout.texts:
        if label.anchor == "rm":
            assert ink_box(label)[2] < layout.plot[0], "group labels left of the plot"


def test_long_labels_widen_the_image_rather_than_clip(table, labels, title, layout):
    wide = lp.likert_layout(some_tables(table, labels)["long labels"], labels=labels, title=title)
    assert layout.width == 1070 and wide.width >= 1070
    assert wide.plot[2] - wide.plot[0] >= lp.MIN_PLOT_WIDTH


def test_height_grows_by_0_55_inch_per_group(table, labels, title):
    heights = [lp.likert_layout(pd.concat([table] * k, ignore_index=True), labels=labels, title=title).height
               for k in (1, 2, 4)]
    assert np.diff(heights) == pytest.approx([3 * 60.5, 6 * 60.5], abs=1)


# ------------------------------------------------------------------ PNG


def test_png_decodes_with_the_layouts_size_rgb_and_no_text_chunks(layout):
    data = lp.render_png(layout)
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.mode == "RGB" and image.size == (layout.width, layout.height)
    assert image.text == {} and not image.info
    assert set(png_chunks(data)) == {"IHDR", "IDAT", "IEND"}
    image.load()


def test_png_pixels_follow_the_layout(table, labels, layout):
    image = np.asarray(Image.open(io.BytesIO(lp.render_png(layout))))
    row = table.iloc[0]
    for label, colour in zip(labels, plots.likert_colours(len(labels))):
        box = next(b for b in layout.boxes if b.gid == f"{row['group']}: {label}")
        if box.x1 - box.x0 >= 4:
            assert tuple(image[round(box.y0) + 3, round((box.x0 + box.x1) / 2)]) == rgb(colour), label
    assert tuple(image[2, 2]) == (255, 255, 255)


def test_renders_are_byte_identical_and_likert_png_is_render_of_layout(table, labels, title, layout):
    first = lp.render_png(layout)
    assert lp.render_png(lp.likert_layout(table, labels=labels, title=title)) == first
    assert lp.likert_png(table, labels=labels, title=title) == first


def test_scale_multiplies_the_size(layout):
    image = Image.open(io.BytesIO(lp.render_png(layout, scale=2)))
    assert image.size == (2 * layout.width, 2 * layout.height)
    with pytest.raises(ValueError, match="scale"):
        lp.render_png(layout, scale=0)


@pytest.mark.parametrize("name", ["one group", "all suppressed"])
def test_one_group_and_all_suppressed_render(table, labels, title, name):
    small = some_tables(table, labels)[name]
    layout = lp.likert_layout(small, labels=labels, title=title)
    image = Image.open(io.BytesIO(lp.likert_png(small, labels=labels, title=title)))
    assert image.size == (layout.width, layout.height)
    hidden = [b for b in layout.boxes if b.gid == plots.SUPPRESSED_GID]
    assert len(hidden) == int(small["suppressed"].sum())
    if name == "all suppressed":
        assert not [t for t in layout.texts if t.y < layout.plot[3] and "%" in t.text]
        assert [t.text for t in layout.texts if t.text == HIDDEN] == [HIDDEN] * 3


def test_an_odd_scale_splits_its_middle_step_around_zero():
    labels = list(sv.instrument.item("vikt_delta").labels)
    table = pd.DataFrame([{"group": "Alla", "n": 40, "suppressed": False,
                           **dict(zip(labels, [5.0, 10.0, 20.0, 40.0, 25.0])), "missing_text": ""}])
    layout = lp.likert_layout(table, labels=labels, title="Hur viktigt?")
    middle = next(b for b in layout.boxes if b.gid == f"Alla: {labels[2]}")
    assert (middle.x0 + middle.x1) / 2 == pytest.approx(zero_line(layout).x0)
    assert middle.fill == rgb(plots.NEUTRAL)
    assert not [t for t in layout.texts if t.text.startswith("blank")]


def test_a_table_without_the_scale_columns_is_refused(table, labels):
    with pytest.raises(ValueError, match="lacks columns"):
        lp.likert_layout(table.drop(columns=[labels[0]]), labels=labels, title="t")


# ------------------------------------------------------------------ same chart as matplotlib


def test_same_bars_labels_and_ticks_as_plots_likert(distribution, table, labels, title, layout):
    figure, ax = plt.subplots(figsize=(9, 2.85))
    try:
        plots.likert(distribution, item=ITEM, by="region", ax=ax, min_n=5, title=title)
        mpl_groups = [t.get_text() for t in ax.get_yticklabels()]
        mpl_ticks = [t.get_text() for t in ax.get_xticklabels()]
        patches = {p.get_gid(): (p.get_x(), p.get_width()) for p in ax.patches if p.get_gid()}
        xlim = ax.get_xlim()
    finally:
        plt.close(figure)
    ours = sorted((t for t in layout.texts if t.anchor == "rm"), key=lambda t: t.y)
    assert [t.text for t in ours] == mpl_groups
    ticks = sorted((t for t in layout.texts if t.anchor == "ma" and t.text.endswith("\u00a0%")), key=lambda t: t.x)
    assert [t.text for t in ticks] == mpl_ticks
    assert xlim == pytest.approx((-layout.limit, layout.limit))
    scale, zero = px_per_percent(layout), zero_line(layout).x0
    for box in layout.boxes:
        if box.gid in patches and box.gid != plots.SUPPRESSED_GID:
            assert ((box.x0 - zero) / scale, (box.x1 - box.x0) / scale) == pytest.approx(patches[box.gid])
    assert {g for g in patches if g != plots.SUPPRESSED_GID} == {
        b.gid for b in layout.boxes if ": " in str(b.gid) and not str(b.gid).startswith("legend")}


def noisy_image(width: int, height: int, seed: int) -> Image.Image:
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    pixels[: height // 2, : width // 3] = (31, 119, 180)  # a flat block as well as noise
    return Image.fromarray(pixels, "RGB")


@pytest.mark.parametrize("size", [(1, 1), (7, 3), (300, 41)])
@pytest.mark.parametrize("level", [0, 1, 9])
def test_encoded_png_decodes_to_the_same_pixels_with_pillow(size, level):
    image = noisy_image(*size, seed=size[0] + level)
    data = lp.encode_png(image, compress_level=level)
    decoded = Image.open(io.BytesIO(data))
    assert decoded.format == "PNG" and decoded.mode == "RGB" and decoded.size == size
    assert np.array_equal(np.asarray(decoded), np.asarray(image))
    assert list(png_chunks(data)) == ["IHDR", "IDAT", "IEND"]


def test_encoded_png_has_no_filtered_rows(layout):
    data = lp.render_png(layout)
    idat = data[data.index(b"IDAT") + 4:]
    raw = zlib.decompressobj().decompress(idat)
    stride = 1 + 3 * layout.width
    assert len(raw) >= stride * layout.height
    assert {raw[row * stride] for row in range(layout.height)} == {0}


def test_encode_png_rejects_other_modes_and_levels():
    with pytest.raises(ValueError, match="mode 'RGBA'"):
        lp.encode_png(Image.new("RGBA", (2, 2)))
    with pytest.raises(ValueError, match="compress_level"):
        lp.encode_png(Image.new("RGB", (2, 2)), compress_level=10)
