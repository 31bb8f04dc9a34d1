"""Published pages printed to PDF by headless Chromium (``--print-to-pdf``, as a reader's "Print"):
every page A4, every section's heading in the PDF's text down to the last one ("Cite this page"),
every chart's title and every line of its source line there in full (a chart cut off at the page's
right edge loses the ends of its source lines: Chromium clips, it does not shrink). One page per app
and the landing page, from the published subset served by a plain static file server."""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess

import pytest

from rexlib.app import publish as P

CHROMIUM = "/usr/bin/chromium"
PAGES = ["index.html", *(f"{app}/index.html" for app in P.PUBLISHED)]
A4 = (594.96, 841.92)        # points, as Chromium writes A4


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def print_to_pdf(url: str, pdf) -> None:
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    # the page's script draws the charts: time enough for every one before printing
                    "--virtual-time-budget=30000", f"--print-to-pdf={pdf}", url],
                   capture_output=True, timeout=180, check=True)


def expected(page: str) -> tuple[list[str], list[str], list[str]]:
    """The page's section headings, chart titles and chart source-line lines, from its HTML."""
    # the sections' headings, and on the landing page each topic's (a card with its own heading)
    found = re.findall(r'class="rex-h2">(.*?)</(?:div|h2)>|<div class="rex-topic"><h2><a [^>]*>(.*?)</a>', page)
    headings = [_flat(html.unescape(a or b)) for a, b in found]
    titles, sources = [], []
    for text in re.findall(r'<script type="application/json" class="rex-spec">(.*?)</script>', page, re.S):
        spec = json.loads(text)
        title = (spec.get("vconcat") or [spec])[0].get("title")
        titles.append(_flat(title.get("text", "") if isinstance(title, dict) else str(title or "")))
        lines = (spec.get("title") or {}).get("text") or []
        sources += [_flat(line) for line in (lines if isinstance(lines, list) else [lines])]
    return headings, [t for t in titles if t], sources


@pytest.mark.browser
@pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which(CHROMIUM),
                    reason="needs Chromium and poppler-utils (pdftotext, pdfinfo)")
@pytest.mark.parametrize("rel", PAGES)
def test_a_printed_page_holds_every_section_unclipped(published, published_url, rel, tmp_path):
    out, _ = published
    headings, titles, sources = expected((out / rel).read_text(encoding="utf-8"))
    assert headings[-1] == "Cite this page" and len(headings) >= 2
    pdf = tmp_path / "page.pdf"
    print_to_pdf(f"{published_url}/{rel}", pdf)
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True).stdout
    sizes = [tuple(float(x) for x in m) for m in re.findall(r"size:\s+([\d.]+) x ([\d.]+) pts", info)]
    assert sizes and all(abs(w - A4[0]) < 1 and abs(h - A4[1]) < 1 for w, h in sizes), set(sizes)
    text = _flat(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout)
    assert "Drawing the chart" not in text                       # every chart drawn before printing
    missing = [h for h in headings if h not in text]
    assert not missing, f"{rel}: section headings not in the PDF: {missing}"
    assert headings[-2] in text and headings[-1] in text          # the last section and the citation
    missing = [t for t in titles if t not in text]
    assert not missing, f"{rel}: chart titles not in the PDF: {missing}"
    # the last word of each source line: the right end of the widest line a chart draws
    cut = [s for s in sources if s.split()[-1] not in text]
    assert not cut, f"{rel}: charts cut off at the right edge (source lines lose their ends): {cut[:3]}"
