"""Text from params or data is escaped where it becomes HTML (samverkan.safe_html), in every kind of output.

The whole-page checks (report, index and overview of a batch whose förbund name, region
and unit names carry ``<script>``, ``<img onerror>`` and ``=HYPERLINK(...)``) are in
``test_batch.py``; these check each way text becomes HTML on its own, without a kernel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from samverkan.display import Markdown, display_table
from samverkan.overview import collection_summary
from samverkan.sentences import describe_test

from .html_audit import audit

HOSTILE = [
    "<script>alert('samverkan-xss')</script>",
    "<img src=x onerror=alert('samverkan-xss')>",
    "<svg/onload=alert('samverkan-xss')>",
    "[klicka](javascript:alert('samverkan-xss'))",
    "![bild](http://example.invalid/samverkan-xss.png)",
    '=HYPERLINK("http://example.invalid/samverkan-xss")',
    "<a href=\"javascript:alert('samverkan-xss')\">länk</a>",
    "</p><iframe src=//example.invalid/samverkan-xss></iframe>",
]


def _assert_inert(page: str) -> None:
    found = audit(page)
    assert not found.scripts and not found.events and not found.urls, page
    assert not {"script", "iframe", "svg", "img", "object", "embed"} & found.tags, page
    assert not any("samverkan-xss" in value for value in found.attribute_values), page


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_from_data_becomes_inert_html(text):
    _assert_inert(Markdown(f"**{text}**, mätning 2019: {text}\n\n- {text}")._repr_html_())


@pytest.mark.parametrize("text", HOSTILE)
def test_test_sentences_with_hostile_group_and_unit_names_are_inert(text):
    row = {"item": "synsatt", "comparison": "region: 2 grupper", "group": text, "reference": f"Stor {text}",
           "unit": text, "test": "mann-whitney", "pvalue": 0.001, "pvalue_adjusted": 0.004, "effect_size": 0.4,
           "effect_size_name": "rank-biserial", "ci_low": 0.2, "ci_high": 0.6, "note": ""}
    _assert_inert(Markdown(f"- {describe_test(row)}")._repr_html_())


@pytest.mark.parametrize("text", HOSTILE)
def test_tables_escape_every_cell_and_header(text):
    table = pd.DataFrame({"region": [text, "Alla"], text: [1, 2], "share_high": [0.5, np.nan]})
    _assert_inert(display_table(table)._repr_html_())


def test_the_overview_summary_names_hostile_forbund_inertly():
    results = {"forbund": pd.DataFrame({"forbund": ["a", "b"], "name": HOSTILE[:2], "wave": ["2019", "2019"]}),
               "problems": pd.DataFrame({"folder": [HOSTILE[2]], "problem": [HOSTILE[3]]})}
    page = collection_summary(results)._repr_html_()
    _assert_inert(page)
    assert "samverkan-xss" in "".join(audit(page).text)
