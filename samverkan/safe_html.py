"""Where text becomes HTML: the one place that escapes what came from params or data.

Förbund names, region and unit names, answer labels and error messages are data: a
params file or an export can hold ``<script>``, ``<img onerror=…>`` or a
``javascript:`` link, and none of it may ever run in a published page. Every HTML
the package writes goes through this module:

* :func:`escape` — text into HTML text or a quoted attribute (``html.escape``); used by
  the tables (:class:`samverkan.display.Table`) and the batch's ``index.html``;
* :func:`markdown_html` — the report's Markdown (summary sentences, "about", the
  overview's summary) into HTML with mistune (nbconvert's own Markdown library) set to
  escape any raw HTML, neutralise harmful link targets (``javascript:``, ``data:`` …)
  and draw no images; :class:`samverkan.display.Markdown` shows itself through it.

The notebooks' own Markdown cells and nbconvert's page template are the package's
text, not data; nbconvert escapes the page title itself. Workbooks store every text as
text (:func:`samverkan.display.write_workbook`), never as a formula or a link.

Examples
--------
>>> escape('<img src=x onerror="alert(1)">')
'&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
>>> markdown_html("**Förbund <script>alert(1)</script>** [länk](javascript:alert(1))")
'<p><strong>Förbund &lt;script&gt;alert(1)&lt;/script&gt;</strong> <a href="#harmful-link">länk</a></p>\\n'
"""

from __future__ import annotations

import functools
import html

import mistune


def escape(text: object) -> str:
    """``str(text)`` as HTML text (``&``, ``<``, ``>`` and both quotes escaped)."""
    return html.escape(str(text), quote=True)


class _Renderer(mistune.HTMLRenderer):
    """mistune's HTML renderer with raw HTML escaped and images shown as their (escaped) text only."""

    def __init__(self):
        super().__init__(escape=True)

    def image(self, text: str, url: str, title: str | None = None) -> str:
        return text


@functools.lru_cache(maxsize=1)
def _markdown():
    return mistune.create_markdown(renderer=_Renderer(), plugins=["table", "strikethrough"])


def markdown_html(text: str) -> str:
    """Markdown as HTML in which nothing from the text can run (see the module docstring)."""
    return _markdown()(str(text))
