"""`rex report` renders country profiles as the 'partners' plan does: one country and one coalition
summary, each an HTML page with its charts drawn (inline SVG with marks), source lines and CSV
links; the plan lists every agreement party and both coalitions."""
from __future__ import annotations

import re

import pytest

from rexlib.reports.plans import expand, load_plan, partner_countries

from .conftest import statuses


def test_partners_plan_names_every_agreement_party(db):
    # data/curated/agreements.csv: A004 USA;ARG ... A029 USA;GRL; the EU (A012, A016) is not a country.
    countries = partner_countries()
    assert {"ARG", "AUS", "COD", "GRL", "UKR", "USA", "CHN"} <= set(countries) and "EU" not in countries
    jobs = expand(load_plan("partners"))
    slugs = {j.slug for j in jobs}
    assert len(jobs) == len(countries) + 2
    assert any("group=ministerial_2026_attendees" in s for s in slugs)


def test_all_partners_flag_lists_the_partners_plan(db, capsys):
    from rexlib.reports import cli
    assert cli.main(["country_profile", "--all-partners", "--list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == len(partner_countries()) + 2
    assert "country_profile/country=GRL,view=country" in listed
    assert cli.main(["mineral_profile", "--all-partners", "--list"]) == 2
    # the daily plan renders them too
    assert cli.main(["--plan", "daily", "--list"]) == 0
    assert "country_profile/group=forge_members,view=coalition" in capsys.readouterr().out.splitlines()


@pytest.mark.slow
def test_country_profile_reports_render_with_drawn_charts(small_plan):
    _root, day, _done = small_plan
    found = {k: v for k, v in statuses(day).items() if k.startswith("country_profile/")}
    assert set(found.values()) == {"ok"} and len(found) == 2, found
    for slug, text in (("country=ARG", "Argentina: share of world mining and processing"),
                       ("view=coalition", "Who would add most where the set is weakest")):
        page = next(p for p in (day / "country_profile").glob("*.html") if slug in p.name)
        html = page.read_text()
        assert len(re.findall(r'<svg[^>]*class="marks"', html)) >= 1
        assert re.search(r'class="mark-rect', html) and text in html
        assert "Source:" in html and "data:text/csv;base64," in html
        assert "Traceback" not in html and 'class="rex-msg rex-msg-error"' not in html
