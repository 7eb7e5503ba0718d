"""What in an HTML page could run: script elements, event-handler attributes, ``javascript:`` URLs (stdlib parser)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}
#: Attributes that are text for readers (a chart's alt text names its groups): counted as text, not as markup.
TEXT_ATTRIBUTES = {"alt", "title", "aria-label"}


@dataclass
class Audit:
    """Everything active in one page, and its text."""

    scripts: list[str] = field(default_factory=list)
    events: list[tuple[str, str, str]] = field(default_factory=list)  # (tag, attribute, value)
    urls: list[tuple[str, str, str]] = field(default_factory=list)  # (tag, attribute, value)
    attribute_values: list[str] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)
    text: list[str] = field(default_factory=list)


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.audit = Audit()
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        self.audit.tags.add(tag)
        for name, value in attrs:
            value = value or ""
            if name.lower() in TEXT_ATTRIBUTES:
                self.audit.text.append(value)
            else:
                self.audit.attribute_values.append(value)
            if name.lower().startswith("on"):
                self.audit.events.append((tag, name, value))
            if name.lower() in URL_ATTRIBUTES and value.strip().lower().startswith(("javascript:", "vbscript:")):
                self.audit.urls.append((tag, name, value))
        if tag == "script":
            self.in_script = True
            self.audit.scripts.append("")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.in_script = False

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script:
            self.audit.scripts[-1] += data
        else:
            self.audit.text.append(data)


def audit(page: str) -> Audit:
    """Parse ``page`` and list what in it could run."""
    collector = _Collector()
    collector.feed(page)
    collector.close()
    return collector.audit
