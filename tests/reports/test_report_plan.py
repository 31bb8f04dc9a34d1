"""The shared plan rendered once (tests/reports/conftest.py small_plan): files, index, failure
handling, and, in headless Chromium, the charts and the numbers."""
from __future__ import annotations

import json
import os
import re

import pytest

import rexlib

from .conftest import CHROMIUM, SHARED_RUN_MINERALS, browser, statuses

OK = [f"mineral_profile/mineral={m}" for m in SHARED_RUN_MINERALS] + ["import_reliance/default"]
OTHERS = ["outlook/mineral=cobalt", "outlook/view=overview", "country_profile/country=ARG,view=country",
          "country_profile/group=forge_members,view=coalition"]   # read by test_outlook_reports.py, test_country_profile_reports.py
FAILED = "probe/mineral=cobalt,fail=true"


def test_plan_exit_code_and_summary(small_plan):
    _root, date_dir, out = small_plan
    assert out.returncode == 1, out.stderr          # one report failed: non-zero at the end ...
    assert f"{len(OK) + len(OTHERS)} ok, 1 failed" in out.stderr
    assert "FAILED probe(mineral=cobalt, fail=True)" in out.stderr
    assert "deliberate failure" in out.stderr
    assert str(date_dir / "index.html") in out.stderr


def test_failure_does_not_stop_the_batch(small_plan):
    _root, date_dir, _out = small_plan
    assert statuses(date_dir) == {**{key: "ok" for key in OK + OTHERS}, FAILED: "failed"}
    index = json.loads((date_dir / "index.json").read_text())
    failed = next(r for r in index["reports"] if r["status"] == "failed")
    assert "RuntimeError: deliberate failure for cobalt" in failed["error"]
    assert not (date_dir / "probe" / "mineral=cobalt,fail=true.html").exists()
    assert (date_dir / "probe" / "mineral=cobalt,fail=true.ipynb").exists()   # executed, with the error


def test_layout_manifest_and_latest(small_plan):
    root, date_dir, _out = small_plan
    info = json.loads((rexlib.query.db.db_path().parent / "build_info.json").read_text())
    for key in OK:
        notebook, slug = key.split("/")
        folder = date_dir / notebook
        assert (folder / f"{slug}.html").stat().st_size > 10_000
        nb = json.loads((folder / f"{slug}.ipynb").read_text())
        assert nb["metadata"]["papermill"]["parameters"] == ({} if slug == "default" else
                                                              {"mineral": slug.split("=")[1]})
        manifest = json.loads((folder / f"{slug}.manifest.json").read_text())
        assert manifest["status"] == "ok" and manifest["fingerprint"] == info["fingerprint"]
        assert manifest["built_at"] == info["built_at"] and manifest["vintages"]
        assert len(manifest["notebook_sha256"]) == 64
    assert (root / "latest").resolve() == date_dir.resolve()
    assert not list(root.rglob("*.tmp"))


def test_html_is_self_contained_with_code_hidden(small_plan):
    _root, date_dir, _out = small_plan
    page = (date_dir / "mineral_profile" / "mineral=cobalt.html").read_text()
    assert "mineral_profile.app(" not in page and "from rexlib.app.ui import" not in page   # code hidden
    assert not re.search(r"<script[^>]+src=", page)                                     # nothing to fetch
    assert not re.search(r"<link[^>]+href=[\"']?https?:", page)
    assert "application/vnd.jupyter.widget" not in page
    assert page.count("<svg") >= 3
    index = (date_dir / "index.html").read_text()
    for text in ("mineral=cobalt", "import_reliance", "FAILED", "deliberate failure"):
        assert text in index


@browser
@pytest.mark.browser
def test_index_in_chromium_lists_every_report(small_plan, chromium_page):
    _root, date_dir, _out = small_plan
    page = chromium_page
    page.goto((date_dir / "index.html").as_uri())
    rows = page.locator("#reports tbody tr")
    assert rows.count() == len(OK) + len(OTHERS) + 1
    failed = page.locator('#reports tr[data-status="failed"]')
    assert failed.count() == 1
    assert "FAILED" in failed.inner_text() and "deliberate failure" in failed.inner_text()
    ok = page.locator('#reports tr[data-status="ok"]')
    assert ok.count() == len(OK) + len(OTHERS)
    for i in range(ok.count()):
        text = ok.nth(i).inner_text()
        assert re.search(r"MCS20\d\d|IEA", text), text           # data vintage shown
        assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", text)     # build and render times
    # mineral=cobalt names a mineral profile and an outlook page: the profile's row
    page.locator('#reports tr[data-notebook="mineral_profile"][data-slug="mineral=cobalt"] a', has_text="HTML").click()
    page.wait_for_load_state()
    assert page.url.endswith("/mineral_profile/mineral=cobalt.html")


def _drawn_svgs(page) -> list[dict]:
    return page.evaluate("""() => [...document.querySelectorAll('svg')].map(s => {
        const r = s.getBoundingClientRect();
        return {w: r.width, h: r.height,
                marks: s.querySelectorAll('path, rect, circle, line, polygon').length};
    })""")


@browser
@pytest.mark.browser
def test_mineral_report_draws_charts_and_numbers_match_rexlib(small_plan, chromium_page):
    _root, date_dir, _out = small_plan
    page = chromium_page
    page.goto((date_dir / "mineral_profile" / "mineral=cobalt.html").as_uri())
    body = page.inner_text("body")
    for bad in ("JavaScript required", "requires JavaScript", "Error loading script", "Traceback"):
        assert bad not in body
    assert "Mineral profile" in body and "mineral=cobalt" in body
    drawn = [s for s in _drawn_svgs(page) if s["w"] > 100 and s["h"] > 50 and s["marks"] >= 10]
    assert len(drawn) >= 3, _drawn_svgs(page)                  # map, top producers, trend ...
    page.screenshot(path=str(date_dir.parent.parent / "cobalt-screenshot.png"), full_page=False)

    # The production table: country -> "Share of world %" as shown, compared with rexlib.
    table = page.evaluate("""() => {
        for (const t of document.querySelectorAll('table')) {
            const heads = [...t.querySelectorAll('thead th')].map(th => th.innerText.trim());
            const i = heads.indexOf('Share of world %'), c = heads.indexOf('Country');
            if (i >= 0 && c >= 0)
                return [...t.querySelectorAll('tbody tr')].map(tr =>
                    [tr.children[c].innerText.trim(), tr.children[i].innerText.trim()]);
        }
        return null;
    }""")
    assert table, "no production table with a share column"
    shown = {name: float(share) for name, share in table if share}
    assert len(shown) >= 3
    manifest = json.loads((date_dir / "mineral_profile" / "mineral=cobalt.manifest.json").read_text())
    frame = rexlib.production("cobalt", stage=manifest["resolved"]["stage"], year=manifest["resolved"]["year"])
    frame = frame[frame["share_pct"].notna()]
    for name, share in shown.items():
        candidates = frame.loc[frame["name"] == name, "share_pct"].round(1).tolist()
        assert share in candidates, (name, share, candidates)
    top = max(shown, key=shown.get)
    assert top.startswith("Congo") and shown[top] > 50      # the DRC mines most of the world's cobalt


@browser
@pytest.mark.browser
def test_overview_report_draws_a_chart(small_plan, chromium_page):
    _root, date_dir, _out = small_plan
    page = chromium_page
    page.goto((date_dir / "import_reliance" / "default.html").as_uri())
    assert "Error loading script" not in page.inner_text("body")
    assert any(s["marks"] >= 10 and s["w"] > 100 for s in _drawn_svgs(page))
    assert os.path.exists(CHROMIUM)
