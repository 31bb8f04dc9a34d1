"""A published subset that covers every app and every kind of page: each app's default view, every
claims page (each verdict, each topic), a country profile per declared group (and per stage), the
outlook's overview, a mineral's profile for a processing stage. Published once per session into a
temporary folder (about a minute of CPU), read by the scans, the print test and the link test."""
from __future__ import annotations


import pytest

from rexlib.app import publish as P

from tests.conftest import static_server


def subset_views() -> list[tuple[str, dict]]:
    """The views beyond the apps' defaults, from the apps' own option lists (no list kept here)."""
    from rexlib.app.ui import claims, country_profile
    views = [(app, {}) for app in P.PUBLISHED]
    views += [("claims", {"verdict": v}) for v in claims._verdicts() if v != "all"]
    views += [("claims", {"topic": t}) for t in claims._topics() if t != "all"]
    views += [("country_profile", {"group": g}) for _, g in country_profile.group_options()
              if g != country_profile.NO_GROUP]
    views += [("country_profile", {"stage": "processing"}), ("country_profile", {"country": "CHN"}),
              ("country_profile", {"country": "COD"}),
              ("mineral_profile", {"mineral": "gallium", "stage": "refinery"}),
              ("mineral_profile", {"mineral": "rare_earths"}),
              ("outlook", {"view": "overview"}), ("import_reliance", {"mineral": "cobalt"}),
              ("chokepoints", {"stage": "processing"}), ("financing", {"by": "mineral"})]
    return views


@pytest.fixture(scope="session")
def published(db, tmp_path_factory):
    """(folder, report) of the subset, published with the project's own ``rex publish`` code."""
    out = tmp_path_factory.mktemp("published")
    report = P.publish(out, views=subset_views(), crawl=False, workers=2)
    assert not report.failed, report.failed
    return out, report


@pytest.fixture(scope="session")
def published_url(published):
    """The subset served by a plain static file server (no rex, no kernel), as a static host would."""
    out, _ = published
    with static_server(out) as base:
        yield base
