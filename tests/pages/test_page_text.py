"""The text of every published page is for people (issue 25): no ISO codes in prose, no mineral, flag,
metric or group ids, no module paths or "docs/methods.md §", no NaN/None, no 6.9e+4, no "2,011" for a
year, no "$0.00 bn". The scan (tests/pages/page_text.py) reads the published subset of conftest.py,
which covers every app and every kind of page; the fixes are at each text's one source."""
from __future__ import annotations

import collections

import pytest

from rexlib import publish as P

from .page_text import problems


@pytest.mark.slow      # the published subset (conftest.published, about 2 minutes of CPU)
def test_every_published_page_reads_for_people(published):
    out, _ = published
    found = collections.defaultdict(list)
    for path in sorted(out.rglob("*.html")):
        for where, rule, context in problems(path.read_text(encoding="utf-8")):
            found[rule].append(f"{path.relative_to(out).as_posix()} ({where}): …{context}…")
    assert not found, {rule: (len(hits), hits[:3]) for rule, hits in found.items()}


@pytest.mark.slow      # the published subset (conftest.published, about 2 minutes of CPU)
def test_the_subset_covers_every_app_and_each_group_and_claims_page(published):
    from rexlib.ui import claims, country_profile
    out, report = published
    assert (out / "index.html").exists()
    for app in P.PUBLISHED:
        assert (out / app / "index.html").exists(), app
    pages = {p.relative_to(out).as_posix() for p in out.rglob("*.html")}
    groups = [g for _, g in country_profile.group_options() if g != country_profile.NO_GROUP]
    for group in groups:
        assert P.page_file("country_profile", P.canonical("country_profile", {"group": group})) in pages, group
    for verdict in claims._verdicts():
        assert P.page_file("claims", P.canonical("claims", {"verdict": verdict})) in pages, verdict
    assert report.pages >= len(groups) + len(claims._topics()) + len(P.PUBLISHED)


# ---------------------------------------------------------------- the scan's own rules, and the fixes (fast)

def test_the_scan_finds_what_main_printed():
    # text the pages printed before the fixes (claims C034; the FORGE coalition; the landing page)
    page = ('<div class="rex-h2">Coalition builder: forge_members</div><div class="rex-note">Members its sources '
            'name (2): KOR, USA</div><div class="rex-card">not_checkable C034 count_countries_interested_in_coalition'
            ' — claimed 20 count; data: — nan.</div><p>(rexlib/metadata/partner_pools.yml) 6.9e+04 in 2,011 $0.00 bn'
            ' docs/methods.md §4</p><p>Download CSV: coalition_forge_members.csv</p>')
    rules = {rule for _, rule, _ in problems(page)}
    assert rules == {"snake_case id", "ISO code", "NaN / None", "module path", "methods section",
                     "scientific notation", "a year with a thousands separator", "$0.00 bn for an undisclosed amount"}
    # a file's name, a year, an amount, "None recorded" and a company's name are fine
    assert not problems('<p>Download CSV: cobalt_financing_deals.csv. None recorded for Cobalt. In 2011: '
                        '$1,240,000,000, USA Rare Earth.</p>')


def test_a_claim_marked_not_checkable_without_a_note_says_so_not_nan(db):
    # data/curated/claims.csv line 35: C034, checkable false, check_note empty
    from rexlib.metrics.claims_check import check_claims
    frame = check_claims(include_uncheckable=True).set_index("claim_id")
    assert frame.at["C034", "tolerance_or_reason"] == "marked not checkable"
    assert not frame["tolerance_or_reason"].astype(str).str.contains(r"\bnan\b").any()


def test_a_coalition_is_named_by_its_group_and_countries(db):
    # data/curated/country_groups.csv lines 2-3: FORGE, named members KOR and USA
    from rexlib.ui import country_profile as cp
    assert cp._coalition_title("forge_members", ("CHL", "AUS"), ("KOR",)) == \
        "Forum on Resource Geostrategic Engagement (FORGE) + Australia, Chile − Korea, Republic of"
    assert cp._names(["USA", "KOR", "EU"]) == "European Union, Korea, Republic of, United States of America"


def test_table_cells_of_ids_read_as_words_and_the_explore_app_keeps_them(db):
    # data/curated/deals.csv line 3: D002, instrument investment_commitment
    from rexlib.api import query
    from rexlib.ui import common as c
    deal = query("SELECT deal_id, instrument, minerals FROM deals WHERE deal_id = 'D002'")
    assert deal.at[0, "instrument"] == "investment_commitment"
    shown = c.table_html(deal, "deal")
    assert "<td>investment commitment</td>" in shown and "investment_commitment" not in shown.split("<a ")[0]
    assert "<td>investment_commitment</td>" in c.table_html(deal, "deal", raw=True)
    flags = c.table_html(deal.assign(share_flag="withheld;estimated"), "deal")
    assert "<td>withheld (company data, W), estimated</td>" in flags
