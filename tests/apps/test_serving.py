"""Serving safety and load: loopback only, no notebook sources or repository files served, no
tracebacks, idle kernels culled, 20 concurrent sessions."""
from __future__ import annotations

import concurrent.futures
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from rexlib.serve import voila_argv

pytestmark = pytest.mark.browser


def _status(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def _listening_addresses(port: int) -> set[str]:
    """Local addresses listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if int(hex_port, 16) == port and state == "0A":
                found.add(address)
    return found


def test_binds_loopback_only(voila_url):
    port = int(voila_url.rsplit(":", 1)[1])
    addresses = _listening_addresses(port)
    assert addresses, "server not listening"
    # 0100007F is 127.0.0.1 in /proc's little-endian hex; 00000000 would be every interface
    assert addresses <= {"0100007F", "00000000000000000000000001000000"}, addresses


def test_default_host_is_loopback_and_culling_is_on():
    argv = voila_argv("127.0.0.1", 8866, False)
    assert "--Voila.ip=127.0.0.1" in argv
    assert any(a.startswith("--MappingKernelManager.cull_idle_timeout=") for a in argv)
    assert "--VoilaConfiguration.show_tracebacks=False" in argv
    assert "--VoilaConfiguration.strip_sources=True" in argv


@pytest.mark.parametrize("path", [
    "/voila/files/mineral_profile.ipynb",
    "/voila/files/../data/raw/sources.yml",
    "/voila/files/..%2Fpyproject.toml",
    "/voila/files/..%2F..%2Fetc%2Fpasswd",
    "/api/contents/mineral_profile.ipynb",
    "/files/mineral_profile.ipynb",
    "/tree/..",
])
def test_does_not_serve_sources_or_repository_files(voila_url, path):
    status, body = _status(voila_url + path)
    assert status != 200 or ("from rexlib" not in body and "[build-system]" not in body and "root:" not in body)


def test_rendered_page_has_no_code_and_no_traceback(voila_url):
    status, body = _status(voila_url + "/voila/render/mineral_profile.ipynb?mineral=cobalt'%3B%20DROP%20TABLE%20production%3B--")
    assert status == 200
    assert "from rexlib.ui import" not in body
    assert "Traceback" not in body


def _kernel_rss_mb() -> list[float]:
    """RSS of every ipykernel process on this machine (the server's kernels)."""
    out = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            if b"ipykernel_launcher" not in cmd:
                continue
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return out


@pytest.mark.load
def test_twenty_concurrent_sessions(voila_url, browser, tmp_path):
    """20 browser contexts open apps at once and change a widget; all succeed with no error text.

    Deselected from the default run (pyproject addopts: -m "not load"): on 2 cores it takes several
    minutes (20 kernels each executing an app). Run it with `pytest -m load tests/apps`."""
    apps = ["mineral_profile", "import_reliance", "chokepoints", "scenario", "claims"]
    urls = [f"{voila_url}/voila/render/{apps[i % len(apps)]}.ipynb" for i in range(20)]
    contexts = [browser.new_context(viewport={"width": 1280, "height": 1600}) for _ in urls]
    pages = [c.new_page() for c in contexts]
    started = time.time()
    for page, url in zip(pages, urls):          # open all 20 before waiting on any
        page.goto(url, wait_until="commit", timeout=300_000)
    failures = []
    for i, page in enumerate(pages):
        try:
            page.bring_to_front()
            page.wait_for_selector(".rex-chart svg, .rex-app table", timeout=600_000)
            select = page.locator("select").first
            options = select.locator("option").all_inner_texts()
            if len(options) > 1:
                select.select_option(index=1)
                page.wait_for_timeout(500)
                page.wait_for_selector(".rex-chart svg, .rex-app table", timeout=120_000)
            text = page.inner_text("body")
            if "Traceback" in text or "Error" in text.split("\n")[0]:
                failures.append((urls[i], text[:200]))
        except Exception as error:       # noqa: BLE001 - collect and report every failure
            failures.append((urls[i], repr(error)[:200]))
    elapsed = time.time() - started
    rss = _kernel_rss_mb()
    report = (f"20 sessions in {elapsed:.0f} s; {len(rss)} kernels; RSS per kernel median "
              f"{sorted(rss)[len(rss) // 2] if rss else 0:.0f} MB, max {max(rss, default=0):.0f} MB, "
              f"total {sum(rss):.0f} MB")
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "load-test.txt").write_text(report + "\n")
    print(report)
    for c in contexts:
        c.close()
    assert not failures, failures


# ---------------------------------------------------------------- first view: preheated + static first

def test_preheated_kernel_renders_default_view_before_the_request(monkeypatch):
    """In a pooled kernel the notebook's default view is rendered (section caches filled) before
    the request arrives; its widgets are closed; the request's URL parameters still decide the page."""
    from ipywidgets.widgets import widget as registry
    from rexlib.ui import cache, common
    from rexlib.ui import mineral_profile as mp

    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setattr(common, "_request_seen", False)
    monkeypatch.setattr(common, "_VIEWS_RENDERED", set())
    cache.clear_all()
    seen = {}

    def wait_for_request():      # what Voila does when the page request reaches this kernel
        seen["cached_sections"] = len(cache.sections("mineral_profile")._data)
        seen["widgets"] = set(registry._instances)
        os.environ["QUERY_STRING"] = "mineral=gallium&year=2024"

    monkeypatch.setattr("voila.utils.wait_for_request", wait_for_request)
    monkeypatch.delenv("QUERY_STRING", raising=False)
    before = set(registry._instances)
    app = mp.app()                   # the notebook's call, defaults cobalt/mine/2025
    try:
        assert seen["cached_sections"] >= 5, "default view not rendered before the request"
        assert seen["widgets"] == before, "the default view's widgets must be closed"
        assert app.mineral.value == "gallium" and app.year.value == 2024
        app.refresh()
        assert "Gallium" in "".join(section.value for section in app.sections)
    finally:
        os.environ.pop("QUERY_STRING", None)
        cache.clear_all()


def test_first_view_is_in_the_page_as_html(voila_url):
    """The app's first view arrives as HTML (the rex template), not only as JSON for the bundle."""
    status, body = _status(voila_url + "/voila/render/mineral_profile.ipynb")
    assert status == 200
    preview = body.split('<div class="rex-preview">', 1)
    assert len(preview) == 2, "no static first view in the page"
    assert '<div class="rex-chart"><svg' in preview[1]
    # before the front-end bundle, so the browser can draw it without running any script
    assert body.index('<div class="rex-chart"><svg') < body.index("/voila/static/voila.js")


def test_page_loads_nothing_from_other_hosts(voila_url):
    """No stylesheet or script from a CDN: one in <head> holds the first paint until it loads or
    fails (Voila's lab template links Font Awesome from cdn.jsdelivr.net; the rex template drops it)."""
    import re
    status, body = _status(voila_url + "/voila/render/mineral_profile.ipynb")
    assert status == 200
    external = re.findall(r'<(?:link|script)[^>]+(?:href|src)="(?:https?:)?//[^"]*"', body)
    assert not external, external


def test_first_view_follows_url_parameters(voila_url):
    status, body = _status(voila_url + "/voila/render/mineral_profile.ipynb?mineral=gallium&year=2024")
    assert status == 200
    preview = body.split('<div class="rex-preview">', 1)[1]
    assert "Gallium" in preview and "2024" in preview
    assert "Cobalt: share of world" not in preview


def test_first_view_of_an_invalid_parameter_is_friendly(voila_url):
    status, body = _status(voila_url + "/voila/render/mineral_profile.ipynb?mineral=unobtainium")
    assert status == 200
    preview = body.split('<div class="rex-preview">', 1)[1]
    assert "Valid mineral values" in preview
    assert "Traceback" not in body


def test_first_chart_shows_before_the_widgets_then_hides(voila_url, browser):
    """Static first: a chart is visible before the live widgets exist; once they draw, the static
    copy is hidden and the live chart is the only one visible."""
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    context.add_init_script("""
        window.__seen = {};
        new MutationObserver(() => {
          for (const [key, sel] of [['static', '.rex-static .rex-chart svg'], ['live', '.rex-live']])
            if (!(key in window.__seen) && document.querySelector(sel)) window.__seen[key] = performance.now();
        }).observe(document, {subtree: true, childList: true});""")
    page = context.new_page()
    try:
        page.goto(voila_url + "/voila/render/mineral_profile.ipynb?mineral=lithium", wait_until="commit",
                  timeout=300_000)
        page.wait_for_selector(".rex-live .rex-chart svg", timeout=300_000)
        seen = page.evaluate("window.__seen")
        assert seen["static"] < seen["live"], seen
        assert page.locator(".rex-static:visible").count() == 0
        assert page.locator(".rex-preview-note:visible").count() == 0
        assert "Lithium" in page.inner_text(".rex-live")
    finally:
        context.close()
