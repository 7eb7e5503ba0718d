"""Screenshots of a report, the overview and the print preview for the README (docs/*.png).

Usage (from the repository root, after ``make report``)::

    .venv/bin/python docs/screenshots.py [--reports reports] [--forbund gavleborg]

Needs Chromium and poppler (``apt-get install -y chromium poppler-utils``). Writes

* ``docs/report.png`` — the top of ``reports/<förbund>/report.html`` at 1280 px wide (title,
  contents, summary);
* ``docs/report-indicator.png`` — the page's staff indicator section, 1280 px wide;
* ``docs/report-comparison.png`` — the section on structured collaboration against the rest;
* ``docs/report-method.png`` — the method section (families, ICC, reliability, the index);
* ``docs/overview.png`` — ``reports/overview.html`` at a funnel plot with its list of förbund;
* ``docs/print-preview.png`` — the first eight A4 pages of the report printed to PDF by Chromium
  (``--print-to-pdf``, the page's own print style sheet), side by side.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

DOCS = Path(__file__).resolve().parent
WIDTH = 1280
CHROMIUM = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--hide-scrollbars", "--force-device-scale-factor=1"]


def screenshot(page: Path, target: Path, *, height: int, keep: str = "", first: bool = False) -> Path:
    """``page`` at ``WIDTH`` px wide, its top ``height`` px, saved as PNG.

    ``keep``: a CSS selector; only the blocks matching it (and with ``first`` the page's
    first block, its title) are shown (a copy of the page with one more style rule), so
    that a section deep in the page is photographed as it looks, from its top.
    """
    with tempfile.TemporaryDirectory() as folder:
        whole = Path(folder) / "whole.png"
        shown = page
        if keep:
            shown = Path(folder) / page.name
            hidden = f":not(:first-child):not({keep})" if first else f":not({keep})"
            rule = f"<style>main.sv-page > {hidden} {{ display: none; }}</style></head>"
            shown.write_text(page.read_text(encoding="utf-8").replace("</head>", rule, 1), encoding="utf-8")
        subprocess.run([*CHROMIUM, f"--screenshot={whole}", f"--window-size={WIDTH},{height}", shown.resolve().as_uri()],
                       check=True, capture_output=True, timeout=300)
        with Image.open(whole) as image:
            image.convert("RGB").quantize(colors=256).save(target, optimize=True)
    return target


def print_preview(page: Path, target: Path, pages: int = 8) -> Path:
    """The first ``pages`` A4 pages of ``page`` printed to PDF by Chromium, side by side on one image."""
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "report.pdf"
        subprocess.run([*CHROMIUM, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.resolve().as_uri()],
                       check=True, capture_output=True, timeout=300)
        subprocess.run(["pdftoppm", "-png", "-r", "45", "-f", "1", "-l", str(pages), str(pdf),
                        str(Path(folder) / "page")], check=True, timeout=300)
        images = [Image.open(p) for p in sorted(Path(folder).glob("page-*.png"))]
        width, height = images[0].size
        columns = 4
        rows = (len(images) + columns - 1) // columns
        sheet = Image.new("RGB", (columns * (width + 12) + 12, rows * (height + 12) + 12), "#8a8f98")
        for k, image in enumerate(images):
            sheet.paste(image, (12 + (k % columns) * (width + 12), 12 + (k // columns) * (height + 12)))
        sheet.quantize(colors=256).save(target, optimize=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=Path, default=Path("reports"))
    parser.add_argument("--forbund", default="gavleborg")
    args = parser.parse_args()
    if not shutil.which("chromium") or not shutil.which("pdftoppm"):
        raise SystemExit("chromium och pdftoppm behövs: apt-get install -y chromium poppler-utils")
    report = args.reports / args.forbund / "report.html"
    print(screenshot(report, DOCS / "report.png", height=1800))
    print(screenshot(report, DOCS / "report-indicator.png", height=1500, keep="#personal"))
    print(screenshot(report, DOCS / "report-comparison.png", height=1300, keep="#strukturerad"))
    print(screenshot(report, DOCS / "report-method.png", height=2600, keep="#metod"))
    print(screenshot(args.reports / "overview.html", DOCS / "overview.png", height=1500, keep="#tratt-lyssnar", first=True))
    print(print_preview(report, DOCS / "print-preview.png"))


if __name__ == "__main__":
    main()
