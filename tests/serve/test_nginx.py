"""deploy/nginx/rex.conf.template with Debian's nginx (issue 25, "past one machine"): the published
folder served while no rex process runs, read by Chromium (a shared query-string link finds its page,
the chart is drawn, a select goes to the neighbouring view); precompressed files, caching headers,
no manifest; /voila/ proxied to several upstreams with sticky routing and websockets (two small
websocket servers stand in for rex serve). Skipped when nginx is not installed."""
from __future__ import annotations

import gzip
import threading
import urllib.error
import urllib.request
from http import HTTPStatus

import pytest

from benchmarks.nginx import NO_NGINX, nginx_binary, start_nginx, stop_nginx
from rexlib.app import publish as P

DRAWN = ".rex-vega svg.marks"


def _upstream(name: str):
    """A websocket server answering plain HTTP with its name and echoing websocket messages with it."""
    from websockets.sync.server import serve

    def answer(connection, request):
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return connection.respond(HTTPStatus.OK, f"{name} {request.path}\n")
        return None

    def echo(websocket):
        for message in websocket:
            websocket.send(f"{name}:{message}")

    server = serve(echo, "127.0.0.1", 0, process_request=answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def nginx(db, tmp_path_factory):
    """Gallium's profile for 2024 and its neighbour 2025 published into a folder, served by nginx with
    two stand-in upstreams for /voila/."""
    if nginx_binary() is None:
        pytest.skip(NO_NGINX)
    site = tmp_path_factory.mktemp("site")
    report = P.publish(site, views=[("mineral_profile", {"mineral": "gallium", "year": 2024}),
                                   ("mineral_profile", {"mineral": "gallium"})], crawl=False, workers=1)
    assert not report.failed
    upstreams = [_upstream("a"), _upstream("b")]
    proc, base = start_nginx(tmp_path_factory.mktemp("nginx"), site, [u.socket.getsockname()[1] for u in upstreams])
    yield base, site
    stop_nginx(proc)
    for upstream in upstreams:
        upstream.shutdown()


def _get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.slow
def test_nginx_serves_the_published_folder_as_published(nginx):
    base, site = nginx
    page = "mineral_profile/mineral=gallium,stage=refinery,year=2024.html"
    status, headers, body = _get(f"{base}/{page}", {"Accept-Encoding": "gzip"})
    # the .gz rex publish wrote beside the page, sent as is; the page revalidated on each visit
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert body == (site / (page + ".gz")).read_bytes()
    assert gzip.decompress(body) == (site / page).read_bytes()
    assert headers["Cache-Control"] == "no-cache" and headers["ETag"]
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    status, headers, _ = _get(f"{base}/{page}", {"If-None-Match": headers["ETag"], "Accept-Encoding": "gzip"})
    assert status == 304
    # a query-string address: the app's index.html, whose script routes it (views.js)
    status, _, body = _get(f"{base}/mineral_profile/?mineral=gallium&year=2024")
    assert status == 200 and body == (site / "mineral_profile" / "index.html").read_bytes()
    status, headers, _ = _get(f"{base}/static/rex-vega.js", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Cache-Control"] == "public, max-age=3600"
    assert headers["Content-Encoding"] == "gzip"
    # the publish manifest and files being written are not served
    assert (site / ".rex-publish.json").exists()
    assert _get(f"{base}/.rex-publish.json")[0] == 404


@pytest.mark.slow
def test_the_live_apps_are_proxied_with_sticky_routing_and_websockets(nginx):
    base, _ = nginx
    from websockets.sync.client import connect
    # a first request (no cookie) goes to either upstream and gets the cookie that pins it
    answers = [_get(f"{base}/voila/render/scenario.ipynb") for _ in range(16)]
    assert {body.split()[0] for _, _, body in answers} == {b"a", b"b"}
    assert all(body.split()[1] == b"/voila/render/scenario.ipynb" for _, _, body in answers)
    for status, headers, body in answers[:4]:
        cookie = headers["Set-Cookie"].split(";")[0]
        assert status == 200 and cookie.startswith("rex_route=")
        pinned = body.split()[0]
        # every later request of that browser, its kernel websocket included, reaches the same process
        for _ in range(3):
            assert _get(f"{base}/voila/api/kernels", {"Cookie": cookie})[2].split()[0] == pinned
        with connect(base.replace("http", "ws") + "/voila/api/kernels/k/channels",
                     additional_headers={"Cookie": cookie}) as websocket:
            websocket.send("hello")
            assert websocket.recv(timeout=10) == f"{pinned.decode()}:hello"


@pytest.mark.browser
def test_chromium_reads_published_pages_from_nginx_without_rex(chromium, nginx):
    base, _ = nginx
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        # the link users share: index.html routes it to the view's file, the page draws its charts
        page.goto(base + "/mineral_profile/?mineral=gallium&year=2024")
        page.wait_for_selector(DRAWN, timeout=30000)
        assert page.title() == "Gallium: where it is mined and processed (refinery, 2024) · rex"
        assert page.url.endswith("/mineral_profile/?mineral=gallium&stage=refinery&year=2024")
        with page.expect_navigation():
            page.select_option('select[name="year"]', label="2025")
        page.wait_for_selector(DRAWN, timeout=30000)
        assert page.title() == "Gallium: where it is mined and processed (refinery, 2025) · rex"
        assert page.url.endswith("/mineral_profile/?mineral=gallium&stage=refinery")
        state = page.evaluate("window.__rexInteractive")
        assert state["bundle"] == "loaded" and state["failed"] == 0 and not errors
    finally:
        page.close()
