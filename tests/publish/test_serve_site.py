"""rex serve with the published site (issue 25): the site at /, an old app link answered with the
published page, live=1 for the live app, a view not published yet rendered on its first request.
One server (no preheated kernels, no background publish), plain HTTP."""
from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from rexlib.app import publish as P


@pytest.fixture(scope="module")
def server(db, tmp_path_factory):
    from benchmarks.voila_ttfc import _stop, start_serve
    site = tmp_path_factory.mktemp("site")
    P.publish(site, views=[("mineral_profile", {"mineral": "gallium"})], crawl=False, workers=1)
    proc, base = start_serve(("--site", str(site), "--no-publish", "--pool-size", "0"), site=True, timeout=180.0)
    yield base, site
    _stop(proc)


def _get(url: str, headers: dict | None = None):
    # as a browser's page asks (the live app's script gate, rexlib.app.serve_app.SCRIPT_GATE_PAGE)
    request = urllib.request.Request(url, headers={"Cookie": "rex_page=1"} if headers is None else headers)
    with urllib.request.urlopen(request, timeout=180) as response:
        return response.geturl(), response.read().decode("utf-8")


@pytest.mark.slow
def test_the_site_and_old_links(server):
    base, site = server
    url, page = _get(base + "/")
    assert "<title>" in page and 'href="mineral_profile/?mineral=gallium' in page
    # a link in the old form: the published page, at the view's query-string address
    url, page = _get(base + "/voila/render/mineral_profile.ipynb?mineral=Gallium")
    assert url == base + "/mineral_profile/?mineral=gallium&stage=refinery"
    assert "<title>Gallium: where it is mined and processed (refinery, 2025) · rex</title>" in page
    # live=1: the live app (Voila's page, a kernel behind it)
    url, page = _get(base + "/voila/render/mineral_profile.ipynb?mineral=gallium&live=1")
    assert "/voila/render/" in url and "kernelId" in page
    # ... but not for a request whose script never ran (a crawler, another site's <img>): no kernel
    _, page = _get(base + "/voila/render/mineral_profile.ipynb?mineral=gallium&live=1", headers={})
    assert "kernelId" not in page and 'data-rex-gate="1"' in page
    # a value the app refuses: the live app explains it
    url, _ = _get(base + "/mineral_profile/?mineral=unobtainium")
    assert "/voila/render/mineral_profile.ipynb?mineral=unobtainium" in url


@pytest.mark.slow
def test_a_view_not_published_yet_is_rendered_on_its_first_request(server):
    base, site = server
    assert not (site / "claims" / "verdict=differs.html").exists()
    url, page = _get(base + "/claims/?verdict=differs")
    assert url == base + "/claims/?verdict=differs" and "<title>Claims" in page
    assert (site / "claims" / "verdict=differs.html").exists()
