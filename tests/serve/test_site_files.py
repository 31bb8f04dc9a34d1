"""How rex serve sends the published folder (rexlib.app.site_files, serve_app.SiteHandler; issue 25): the
.gz rex publish writes beside each page, pages from memory with an ETag, the shared query strings
looked up in views.js (no validator run), a republished page sent at once, hidden files refused.
In-process: one view published into a tmp folder (slow: a few seconds), a tornado server on a free port."""
from __future__ import annotations

import asyncio
import concurrent.futures
import gzip
import logging
import os

import pytest
import tornado.httpclient
import tornado.testing
import tornado.web

from rexlib.app import publish as P
from rexlib.app.site_files import Files, accepts_gzip

GALLIUM = "mineral_profile/mineral=gallium,stage=refinery,year=2024.html"


@pytest.fixture(scope="module")
def site(db, tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    report = P.publish(out, views=[("mineral_profile", {"mineral": "gallium", "year": 2024})], crawl=False, workers=1)
    assert not report.failed
    return out


@pytest.mark.slow
def test_publish_writes_a_gzip_beside_each_page_and_script(site):
    for rel in (GALLIUM, "mineral_profile/index.html", "index.html", "static/rex_site.js", "mineral_profile/views.js"):
        assert gzip.decompress((site / (rel + ".gz")).read_bytes()) == (site / rel).read_bytes(), rel
    assert not (site / ".rex-publish.json.gz").exists()


def test_files_use_the_gzip_only_while_it_is_current(tmp_path):
    page = tmp_path / "p.html"
    page.write_text(P.page_html(title="Gallium", body="<p>a page</p>" * 200, info=P.SiteInfo(), prefix="../",
                                app="mineral_profile", query="mineral=gallium&stage=refinery&year=2024"))
    (tmp_path / "p.html.gz").write_bytes(gzip.compress(b"an older page"))
    os.utime(tmp_path / "p.html.gz", ns=(1, 1))          # older than the page
    files = Files(tmp_path)
    entry = files.get("p.html")
    assert entry.gzipped and gzip.decompress(entry.stored) == entry.body() == page.read_bytes()
    assert entry.page_query == "mineral=gallium&stage=refinery&year=2024"
    for hidden in ("../p.html", ".rex-publish.json", "a/../p.html", "/etc/passwd", "p.html/"):
        assert files.get(hidden) is None, hidden
    assert accepts_gzip("gzip, deflate, br") and not accepts_gzip("gzip;q=0, br") and not accepts_gzip(None)


def _serve(site, requests: list[tuple[str, dict]], monkeypatch, rewrite=None) -> list:
    """Run rex serve's SiteHandler on a free port and make ``requests`` (path, headers) in turn
    (headers: a dict, or a function of the responses so far)."""
    from rexlib.app.serve_app import Site, SiteHandler

    async def main():
        app_site = Site(site, "/", logging.getLogger("test"))

        def no_validator(*_):
            raise AssertionError("a query string published in views.js ran the app's validator")
        monkeypatch.setattr(app_site, "resolve", no_validator)
        app = tornado.web.Application([(r"/((?:mineral_profile)/(?:[^/]*)|static/.*|index\.html|)", SiteHandler)],
                                      rex_site=app_site)
        sock, port = tornado.testing.bind_unused_port()
        server = tornado.httpserver.HTTPServer(app)
        server.add_sockets([sock])
        client = tornado.httpclient.AsyncHTTPClient()
        out = []
        try:
            for path, headers in requests:
                if path == "REWRITE":
                    rewrite()
                    continue
                headers = headers(out) if callable(headers) else headers
                out.append(await client.fetch(f"http://127.0.0.1:{port}{path}", headers=headers, raise_error=False,
                                              follow_redirects=False, decompress_response=False))
        finally:
            server.stop()
            app_site._executor.shutdown()
        return out
    # (in a thread of its own: Playwright's sync API, when a browser test ran first, holds this one's loop)
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, main()).result()


@pytest.mark.slow
def test_rex_serve_sends_published_pages_gzipped_from_memory(site, monkeypatch):
    import tornado.httpserver  # noqa: F401
    gz = {"Accept-Encoding": "gzip, deflate"}
    page = (site / GALLIUM).read_bytes()
    first, again, plain, shared, alias, hidden, up = _serve(site, [
        ("/" + GALLIUM, gz), ("/" + GALLIUM, {}), ("/" + GALLIUM, {"Accept-Encoding": "br"}),
        ("/mineral_profile/?mineral=gallium&stage=refinery&year=2024", gz),
        ("/mineral_profile/?year=2024&mineral=gallium", {}),
        ("/static/../.rex-publish.json", {}), ("/static/%2e%2e/.rex-publish.json", {})], monkeypatch)
    assert first.code == 200 and first.headers["Content-Encoding"] == "gzip"
    assert first.body == (site / (GALLIUM + ".gz")).read_bytes()
    assert first.headers["Cache-Control"] == "no-cache" and first.headers["Vary"] == "Accept-Encoding"
    assert first.headers["Content-Type"] == "text/html; charset=utf-8"
    assert again.body == page and "Content-Encoding" not in again.headers and again.headers["ETag"] == first.headers["ETag"]
    assert plain.body == page
    # the address users share is answered with the view's page at once; another address of the same
    # view goes to the shared one; neither runs the app's validator (it would raise here)
    assert shared.code == 200 and gzip.decompress(shared.body) == page
    assert alias.code == 302 and alias.headers["Location"] == "/mineral_profile/?mineral=gallium&stage=refinery&year=2024"
    assert hidden.code == 404 and up.code == 404


@pytest.mark.slow
def test_a_page_republished_in_place_is_sent_at_once_and_revalidates(site, monkeypatch):
    import tornado.httpserver  # noqa: F401
    page = site / GALLIUM
    original = page.read_bytes()

    def republish():
        P._write(page, original.decode("utf-8").replace("Cite this page", "Cite this page, again"))
    try:
        before, same, after, stale = _serve(site, [
            ("/" + GALLIUM, {}), ("/" + GALLIUM, lambda out: {"If-None-Match": out[0].headers["ETag"]}),
            ("REWRITE", {}), ("/" + GALLIUM, lambda out: {"If-None-Match": out[0].headers["ETag"],
                                                         "Accept-Encoding": "gzip"}),
            ("/" + GALLIUM, lambda out: {"If-None-Match": out[2].headers["ETag"]})],
            monkeypatch, rewrite=republish)
    finally:
        P._write(page, original.decode("utf-8"))
    assert before.code == 200 and same.code == 304
    # the old ETag no longer matches: the new page, compressed
    assert after.code == 200 and b"Cite this page, again" in gzip.decompress(after.body)
    assert after.headers["ETag"] != before.headers["ETag"] and stale.code == 304
