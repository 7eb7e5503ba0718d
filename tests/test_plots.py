"""Charts: bar geometry equals the hand-built tables, small groups are suppressed, nothing is shown or saved."""

from __future__ import annotations

import matplotlib.figure
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.axes import Axes
from numpy.testing import assert_allclose

import samverkan as sv
from samverkan import plots, suppress

from .conftest import ROOT

FREQUENCY = ["aldrig", "sällan", "ibland", "ofta", "för det mesta", "alltid"]
IMPORTANCE = ["helt oviktigt", "ganska oviktigt", "varken viktigt eller oviktigt", "ganska viktigt", "mycket viktigt"]
HIDDEN = "färre än 5 svar – visas inte"


@pytest.fixture(autouse=True)
def never_show_or_save(monkeypatch):
    """A chart function must neither show nor save; every figure is closed after the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("plots must not call show() or savefig()")

    monkeypatch.setattr(plt, "show", refuse)
    monkeypatch.setattr(plt, "savefig", refuse)
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", refuse)
    monkeypatch.setattr(matplotlib.figure.Figure, "show", refuse)
    yield
    plt.close("all")


def distribution_table(item: str, groups: dict[str, tuple[list[int], dict[str, int]]]) -> pd.DataFrame:
    """A sv.distribution-like table of ``item`` by region: group → (counts per step, non-substantive counts)."""
    labels = list(sv.instrument.item(item).labels)
    rows = []
    for region, (counts, missing) in groups.items():
        total = sum(counts)
        rows += [(item, region, v, lab, None, c, 100 * c / total if total else np.nan)
                 for v, (lab, c) in enumerate(zip(labels, counts), start=1)]
        rows += [(item, region, None, None, reason, c, np.nan) for reason, c in missing.items()]
    table = pd.DataFrame(rows, columns=["item", "region", "value", "label", "missing_reason", "count", "percent"])
    return table.astype({"value": "Int64", "label": "string", "missing_reason": "string", "count": "int64"})


def segments(ax: Axes, group: str) -> list[tuple[float, float]]:
    """(left, width) of the bar segments of ``group`` (found by its axis label), in questionnaire order."""
    labels = [t.get_text() for t in ax.get_yticklabels()]
    row = next(k for k, label in enumerate(labels) if label.startswith(f"{group} ("))
    collection = next(c for c in ax.collections if c.get_gid() == plots.SEGMENTS_GID)
    found = []
    for path in collection.get_paths():
        xs, ys = path.vertices[:, 0], path.vertices[:, 1]
        if abs((ys.min() + ys.max()) / 2 - row) < 1e-9:
            found.append((float(xs.min()), float(xs.max() - xs.min())))
    return found


def widths(ax: Axes, group: str) -> list[float]:
    return [w for _, w in segments(ax, group)]


def percent_texts(ax: Axes) -> list:
    return [t for t in ax.texts if t.get_text().endswith("\u00a0%")]


@pytest.fixture
def frequency() -> pd.DataFrame:
    return distribution_table("lyssnar", {"Stor": ([1, 2, 3, 4, 0, 10], {"vet_ej": 2, "blank": 1}),
                                          "Liten": ([1, 1, 0, 0, 1, 0], {"blank": 4})})


@pytest.fixture(scope="module")
def fjallmarken() -> pd.DataFrame:
    spec = yaml.safe_load((ROOT / "data/sample/specs/fjallmarken.yaml").read_text(encoding="utf-8"))
    return sv.load(sv.sample_path("fjallmarken", "2019", "operativ"), survey="operativ", regions=spec["regions"])


# ------------------------------------------------------------------ likert


def test_likert_bar_widths_are_the_percentages(frequency):
    ax = plots.likert(frequency, items="lyssnar", by="region")
    assert isinstance(ax, Axes)
    assert_allclose(widths(ax, "Stor"), [5, 10, 15, 20, 0, 50])
    # the lower three steps left of 0, the upper three right of it
    assert_allclose([left for left, _ in segments(ax, "Stor")], [-30, -25, -15, 0, 20, 20])
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert "0\u00a0%" in ticks and ticks == ticks[::-1]  # percent either side of 0, no negative numbers
    assert ax.get_xlim() == (-80, 80)  # 70 % to the right plus a margin, in steps of 20


def test_likert_splits_the_middle_step_of_an_odd_scale():
    table = distribution_table("vikt_delta", {"Alla": ([2, 2, 4, 6, 6], {})})
    ax = plots.likert(table, items="vikt_delta")
    bars = segments(ax, "Alla")
    assert_allclose([w for _, w in bars], [10, 10, 20, 30, 30])
    assert_allclose([bars[2][0], bars[2][0] + bars[2][1]], [-10, 10])
    assert_allclose(bars[0][0], -30)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == IMPORTANCE
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Alla (n = 20)"]


def test_likert_suppresses_the_small_group(frequency):
    ax = plots.likert(frequency, items="lyssnar", by="region")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Stor (n = 20)", "Liten (n < 5)"]
    assert segments(ax, "Liten") == []
    empty = [p for p in ax.patches if p.get_gid() == plots.SUPPRESSED_GID]
    assert len(empty) == 1 and empty[0].get_y() + empty[0].get_height() / 2 == 1
    assert (empty[0].get_x(), empty[0].get_width()) == (ax.get_xlim()[0], ax.get_xlim()[1] - ax.get_xlim()[0])
    assert [t.get_text() for t in ax.texts if t.get_gid() == plots.SUPPRESSED_GID] == [HIDDEN]
    texts = percent_texts(ax)
    assert sorted(t.get_text() for t in texts) == ["10\u00a0%", "15\u00a0%", "20\u00a0%", "50\u00a0%"]
    assert all(t.get_position()[1] == 0 for t in texts)  # every percentage belongs to "Stor"
    notes = [t.get_text() for t in ax.texts if "blank" in t.get_text() or "vet ej" in t.get_text()]
    assert notes == ["blank: 1 · vet ej: 2"]  # the small group's blank answers are not counted out


def test_likert_draws_an_already_suppressed_table_the_same(frequency):
    suppressed, _ = suppress.suppress_distribution(frequency)
    ax = plots.likert(suppressed, items="lyssnar", by="region")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Stor (n = 20)", "Liten (n < 5)"]
    assert_allclose(widths(ax, "Stor"), [5, 10, 15, 20, 0, 50])
    assert any(t.get_text() == HIDDEN for t in ax.texts)


def test_likert_min_n(frequency):
    ax = plots.likert(frequency, items="lyssnar", by="region", min_n=3)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Stor (n = 20)", "Liten (n = 3)"]
    assert_allclose(widths(ax, "Liten"), [100 / 3, 100 / 3, 0, 0, 100 / 3, 0])
    assert not any(t.get_text().startswith("färre") for t in ax.texts)


def test_likert_draws_on_the_given_or_current_axes_and_its_title_is_the_axes_title(frequency):
    figure, given = plt.subplots()
    assert plots.likert(frequency, items="lyssnar", by="region", ax=given) is given
    assert given.get_title() == "De andra parterna lyssnar"  # both surveys ask it, worded apart: the label
    given.set_title("Egen rubrik")  # replaces it: no second title left or right
    assert [given.get_title(loc=loc) for loc in ("left", "center", "right")] == ["", "Egen rubrik", ""]
    plt.figure()
    assert plots.likert(frequency, items="lyssnar", by="region") is plt.gca()
    ax = plots.likert(frequency, items="lyssnar", by="region", title="Egen rubrik")
    assert ax.get_title() == "Egen rubrik"


def test_likert_arguments_are_checked(frequency):
    with pytest.raises(ValueError, match=r"items=\['synsatt'\] not in the table; items there: \['lyssnar'\]"):
        plots.likert(frequency, items="synsatt", by="region")
    with pytest.raises(ValueError, match=r"by=\[\] leaves several groups.*\['region'\]"):
        plots.likert(frequency, items="lyssnar")
    with pytest.raises(ValueError, match="by"):
        plots.likert(frequency, items="lyssnar", by="kommun")
    with pytest.raises(ValueError, match="ax="):
        plots.likert(frequency, items="lyssnar", by="region", ax="axes")
    with pytest.raises(ValueError, match="min_n"):
        plots.likert(frequency, items="lyssnar", by="region", min_n=0)
    nominal = distribution_table("strukturerad", {"Alla": ([3, 4], {})})
    with pytest.raises(ValueError, match="item='strukturerad' is nominal"):
        plots.likert(nominal, items="strukturerad")


def test_diverging_lefts():
    assert plots.diverging_lefts([25, 25, 25, 25]).tolist() == [-50, -25, 0, 25]
    assert plots.diverging_lefts([0, 0, 100]).tolist() == [-0, 0, 0]


def test_likert_on_the_sample_with_suppression(fjallmarken):
    distribution = sv.distribution(fjallmarken, items="synsatt", by="region")
    table, log = suppress.suppress_distribution(distribution)
    assert log["group"].tolist() == ["Fjällbyarna"]
    ax = plots.likert(distribution, items="synsatt", by="region")
    scores = sv.score(fjallmarken, items="synsatt", by="region").set_index("region")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [f"Dalgången (n = {scores.loc['Dalgången', 'n']})", "Fjällbyarna (n < 5)",
                      f"Sjölandet (n = {scores.loc['Sjölandet', 'n']})"]
    for region in ["Dalgången", "Sjölandet"]:
        expected = table.loc[(table["region"] == region) & table["label"].notna(), "percent"]
        assert_allclose(widths(ax, region), expected)
    assert segments(ax, "Fjällbyarna") == []
    assert all(t.get_position()[1] != 1 for t in percent_texts(ax))
    assert ax.get_title().startswith("I vilken utsträckning har parterna")


# ------------------------------------------------------------------ what researchers asked for


@pytest.fixture(scope="module")
def two_items(fjallmarken) -> pd.DataFrame:
    return sv.distribution(fjallmarken, items=["lyssnar", "vet_tillfora"], by="region")


def test_likert_draws_several_items_one_row_each(fjallmarken):
    table = sv.distribution(fjallmarken, items=["lyssnar", "vet_tillfora"])
    ax = plots.likert(table, items=["lyssnar", "vet_tillfora"])
    labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert [label.split(" (n = ")[0] for label in labels] == ["De andra parterna lyssnar",
                                                              "Vet vad de andra parterna kan tillföra"]
    assert ax.get_title() == "Svarsfördelning"
    by_item = plots.likert(table, by="item", ax=plt.figure().gca())  # by="item": every item, one row each
    assert len(by_item.get_yticklabels()) == 2


def test_likert_several_items_by_group_in_blocks(two_items):
    ax = plots.likert(two_items, items=["lyssnar", "vet_tillfora"], by="region")
    labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert len(labels) == 6
    assert labels[0].startswith("De andra parterna lyssnar: Dalgången (n = ")
    assert labels[3].startswith("Vet vad de andra parterna kan tillföra: Dalgången")
    with pytest.raises(ValueError, match="different scales"):
        plots.likert(sv.distribution(sv.load(sv.sample_path("fjallmarken", "2019", "operativ"), survey="operativ"),
                                     items=["lyssnar", "synsatt"]), items=["lyssnar", "synsatt"])


def test_a_filtered_table_names_its_group_and_both_surveys_get_their_wording(two_items):
    one_region = two_items[(two_items["region"] == "Dalgången").to_numpy()]
    ax = plots.likert(one_region, items="lyssnar")
    assert [t.get_text() for t in ax.get_yticklabels()][0].startswith("Dalgången (n = ")
    assert ax.get_title() == "De andra parterna lyssnar"
    staff_only = one_region.assign(survey="operativ")
    assert plots.likert(staff_only, items="lyssnar", ax=plt.figure().gca()).get_title() == \
        "Hur ofta upplever du att de andra parterna lyssnar på det du har att säga?"
    # without a survey column: lyssnar is worded differently for managers; the short label is used
    from samverkan.chart_parts import title_text
    assert title_text("lyssnar") == "De andra parterna lyssnar"
    assert title_text("lyssnar", pd.DataFrame({"survey": ["chefsgrupp"]})).startswith(
        "Hur ofta upplever du att de andra parterna i chefsgruppen")


def test_tidy_tables_keep_only_the_categories_present(fjallmarken):
    table = sv.distribution(fjallmarken, items=["lyssnar", "synsatt"], by="region")
    scores = sv.score(fjallmarken[(fjallmarken["region"] == "Dalgången").to_numpy()], items="lyssnar", by="region")
    for frame, column, present in [(scores, "item", {"lyssnar"}), (scores, "region", {"Dalgången"}),
                                   (table, "region", set(table["region"].astype(str)))]:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            assert set(frame[column].cat.categories) == present, column


def test_colours_have_enough_contrast():
    for steps in (4, 5, 6):
        for colour in plots.likert_colours(steps):
            assert plots.contrast_ratio(colour, plots.text_colour(colour)) >= 4.5, colour
    for colour in (plots.FUNNEL_INSIDE, plots.FUNNEL_OUTSIDE_95, plots.FUNNEL_OUTSIDE_998):
        assert plots.contrast_ratio(colour, "white") >= 3, colour  # graphics on white (WCAG 1.4.11)


def test_render_svg_reuses_one_figure_with_fixed_margins_and_is_deterministic(two_items, monkeypatch):
    from samverkan import render

    monkeypatch.undo()  # the renderer is the one place that saves a figure
    draw = lambda name: (lambda ax: plots.likert(two_items, items=name, by="region", ax=ax))  # noqa: E731
    alone = render.render_svg(draw("vet_tillfora"), name="b", rows=3, title="Diagram <b>")
    figure = render._CANVASES[render.LIKERT][0]
    render.render_svg(draw("lyssnar"), name="a", rows=3)
    after = render.render_svg(draw("vet_tillfora"), name="b", rows=3, title="Diagram <b>")
    assert after == alone  # nothing of the chart before is left on the reused figure
    assert render._CANVASES[render.LIKERT][0] is figure  # one figure, reused
    assert '<title>Diagram &lt;b&gt;</title>' in alone and "<text" in alone  # text stays text (vector, searchable)
    assert 'width="648pt"' in alone  # 9 in, whatever the labels' lengths: no tight bounding box
    taller = render.render_svg(draw("lyssnar"), name="a", rows=6)
    assert float(taller.split('height="')[1].split("pt")[0]) > float(alone.split('height="')[1].split("pt")[0])


# ------------------------------------------------------------------ share of high values


@pytest.fixture
def scores() -> pd.DataFrame:
    return pd.DataFrame({
        "item": ["synsatt"] * 3, "region": ["Norr", "Mitt", "Syd"],
        "n": [40, 3, 25], "n_missing": [1, 0, 2], "n_high": [10, 2, 20],
        "mean": [3.0, 4.0, 4.5], "median": [3.0, 4.0, 5.0],
        "share_high": [0.25, 2 / 3, 0.8], "share_high_ci_low": [0.14, 0.2, 0.61],
        "share_high_ci_high": [0.40, 0.94, 0.91],
    })


def test_share_high_bars_intervals_and_suppression(scores):
    ax = plots.share_high(scores, by="region", reference_line=0.5)
    assert ax.get_title().startswith("I vilken utsträckning har parterna")
    assert isinstance(ax, Axes)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Norr (n = 40)", "Mitt (n < 5)", "Syd (n = 25)"]
    bars = {p.get_gid(): p for p in ax.patches}
    assert_allclose([bars["Norr"].get_width(), bars["Syd"].get_width()], [25, 80])
    assert "Mitt" not in bars and plots.SUPPRESSED_GID in bars
    assert [t.get_text() for t in ax.texts if t.get_gid() == plots.SUPPRESSED_GID] == [HIDDEN]
    assert sorted(t.get_text() for t in percent_texts(ax)) == ["25\u00a0%", "80\u00a0%"]
    segments_x = sorted(tuple(np.round(seg[:, 0], 6)) for c in ax.collections for seg in c.get_segments()
                        if len(seg) == 2 and seg[0, 1] == seg[1, 1])
    assert (14.0, 40.0) in segments_x and (61.0, 91.0) in segments_x  # Wilson intervals in percent
    assert [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == ":"] == [50]


def test_share_high_accepts_a_suppressed_table_and_checks_arguments(scores):
    suppressed, _ = suppress.suppress_scores(scores)
    ax = plots.share_high(suppressed, by="region")
    assert [t.get_text() for t in ax.get_yticklabels()][1] == "Mitt (n < 5)"
    with pytest.raises(ValueError, match="reference_line"):
        plots.share_high(scores, by="region", reference_line=70)
    with pytest.raises(ValueError, match="item=None but the table holds several items"):
        plots.share_high(pd.concat([scores, scores.assign(item="lyssnar")]), by="region")
    with pytest.raises(ValueError, match="by=None leaves several groups|by=\\[\\] leaves several groups"):
        plots.share_high(scores, by=None)


def test_share_high_on_the_sample(fjallmarken):
    scores = sv.score(fjallmarken, items="lyssnar", by="region")
    ax = plots.share_high(scores, by="region")
    assert "Fjällbyarna (n < 5)" in [t.get_text() for t in ax.get_yticklabels()]


# ------------------------------------------------------------------ funnel


def test_funnel_limits_and_outliers():
    n = np.array([100, 400, 900, 50, 3])
    high = np.array([50, 200, 450, 45, 3])
    scores = pd.DataFrame({"item": "lyssnar", "forbund": ["a", "b", "c", "udda", "liten"], "n": n,
                           "n_high": high, "share_high": high / n, "share_high_ci_low": 0.0,
                           "share_high_ci_high": 1.0})
    ax = plots.funnel(scores)
    assert isinstance(ax, Axes)
    points = ax.collections[0].get_offsets()
    assert_allclose(points[:, 0], [100, 400, 900, 50])  # "liten" (n = 3) is left out
    pooled = (50 + 200 + 450 + 45) / (100 + 400 + 900 + 50)
    assert_allclose([line.get_ydata()[0] for line in ax.lines if line.get_linestyle() == "-"], [100 * pooled])
    assert [t.get_text() for t in ax.texts if t.get_text() == "udda"] == ["udda"]  # 90 % of 50 is far out
    assert any(t.get_text() == "Visas inte (färre än 5 svar): liten" for t in ax.texts)
    assert not any(t.get_text() in {"a", "b", "c"} for t in ax.texts)  # inside the limits: not named
    colours = ax.collections[0].get_facecolors()
    assert_allclose(colours[3], matplotlib.colors.to_rgba(plots.FUNNEL_OUTSIDE_998))
    assert_allclose(colours[0], matplotlib.colors.to_rgba(plots.FUNNEL_INSIDE))
    low, high_limit = plots.funnel_limits(pooled, [100], coverage=0.998)
    half = 3.090232306167813 * np.sqrt(pooled * (1 - pooled) / 100)
    assert_allclose([low[0], high_limit[0]], [pooled - half, pooled + half])
    with pytest.raises(ValueError, match="coverage"):
        plots.funnel_limits(0.5, [10], coverage=95)


def test_funnel_without_n_high_marks_95_outliers_and_refuses_repeated_groups():
    n = np.array([400, 400, 400, 400])
    share = np.array([0.5, 0.5, 0.5, 0.57])  # pooled 0.5175: 0.57 is outside 95 % (± 0.049), not 99.8 % (± 0.077)
    scores = pd.DataFrame({"item": "synsatt", "name": ["A", "B", "C", "D"], "n": n, "share_high": share})
    ax = plots.funnel(scores, group="name")
    assert_allclose(ax.collections[0].get_facecolors()[3], matplotlib.colors.to_rgba(plots.FUNNEL_OUTSIDE_95))
    assert [t.get_text() for t in ax.texts] == ["D"]
    assert [h.get_label() for h in ax.get_legend().legend_handles][-2:] == ["inom gränserna", "utanför 95 %"]
    with pytest.raises(ValueError, match="several rows of item 'synsatt' for name \\['A'\\]"):
        plots.funnel(pd.concat([scores, scores.iloc[[0]]]), group="name")


def test_funnel_with_nothing_to_show_says_so():
    scores = pd.DataFrame({"item": "synsatt", "forbund": ["a", "b"], "n": [3, 4], "share_high": [0.5, 1.0]})
    ax = plots.funnel(scores)
    texts = [t.get_text() for t in ax.texts]
    assert "Ingen grupp har minst 5 svar" in texts and "Visas inte (färre än 5 svar): a, b" in texts
    assert not ax.collections
