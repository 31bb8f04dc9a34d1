"""The rex template's late-"load" shim (voila_config/.../rex/late_load.js), in headless Chromium.

Voila's front end starts the app from a window "load" listener registered by a chunk it loads
asynchronously; a page that has already fired "load" by then never starts (no kernel connection,
no error). The shim runs such late listeners once."""
from __future__ import annotations

from pathlib import Path

import pytest

SHIM = (Path(__file__).resolve().parents[2] / "rexlib" / "app" / "voila_config" / "jupyter" / "voila" / "templates"
        / "rex" / "late_load.js")

LISTEN_LATE = """() => new Promise(done => {
    window.calls = [];
    const late = () => {
        window.addEventListener('load', (e) => window.calls.push('late:' + e.type));
        window.addEventListener('load', {handleEvent: () => window.calls.push('object')});
        window.addEventListener('click', () => window.calls.push('click'));
        document.body.click();
        setTimeout(() => done(window.calls), 300);
    };
    if (document.readyState === 'complete') { setTimeout(late, 50); } else { window.onload = () => setTimeout(late, 50); }
})"""


@pytest.fixture
def blank(chromium):
    context = chromium.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.browser
def test_without_the_shim_a_late_load_listener_never_runs(blank):
    """The browser behaviour the shim exists for."""
    blank.set_content("<html><body><p>page</p></body></html>")
    assert blank.evaluate(LISTEN_LATE) == ["click"]


@pytest.mark.browser
def test_the_shim_runs_a_late_load_listener_once(blank):
    blank.set_content(f"<html><head><script>{SHIM.read_text()}</script></head><body><p>page</p></body></html>")
    calls = blank.evaluate(LISTEN_LATE)
    assert sorted(calls) == ["click", "late:load", "object"]
    assert blank.evaluate("window.__rexLateLoad.late") == 2
    blank.wait_for_timeout(200)
    assert blank.evaluate("window.calls.length") == 3              # each ran once, no repeats


@pytest.mark.browser
def test_the_shim_leaves_listeners_added_before_load_alone(blank):
    html = ("<html><head><script>" + SHIM.read_text() + "</script><script>window.calls = [];"
            "window.addEventListener('load', () => window.calls.push('on time'));</script></head>"
            "<body><p>page</p></body></html>")
    blank.set_content(html)
    blank.wait_for_function("document.readyState === 'complete'")
    blank.wait_for_timeout(100)
    assert blank.evaluate("window.calls") == ["on time"]
    assert blank.evaluate("window.__rexLateLoad") == {"fired": True, "late": 0}
