"""Page text names a cited document by its headline, publisher and date, never by its seed file name
or a row id (the financing app's Project Vault section printed "Budget: D004: 001_10a4e5c3a09a248e.txt";
the country profile's cards and groups table printed the file name too), and the published pages'
text scan (tests/pages/page_text.py) catches that class of breach."""
from __future__ import annotations

import re

from rexlib.core.fmt import _documents, cite_document
from tests.pages.page_text import problems

# data/curated/deals.csv line 5: D004, source_doc 001_10a4e5c3a09a248e.txt, source_title "Trump
# Administration Draws the Line on Critical Minerals"; the seed file's feed is of 3-7 February 2026.
D004_CITED = "“Trump Administration Draws the Line on Critical Minerals”, Rare Earth Exchanges, 3–7 February 2026"


def test_the_scan_catches_the_vault_note_main_printed():
    # main's financing page (default view), the Project Vault section's last note, as published
    main = ('<div class="rex-note">Source: USGS MCS2026 salient statistics × deals (curated); computed by rex '
            'Budget: D004: 001_10a4e5c3a09a248e.txt.</div>')
    assert {rule for _, rule, _ in problems(main)} == {"a document's file name", "a curated row's id"}
    # main's Project Vault select and note: "Project Vault as reported: $12 billion (D004)"
    assert {rule for _, rule, _ in problems('<select><option>Project Vault as reported: $12 billion (D004)'
                                            '</option></select>')} == {"a curated row's id"}
    # a seed file name in a table cell (the country profile's groups table) is caught too
    assert {rule for _, rule, _ in problems('<table><tr><td>004_6c2d13623d2d2f40.txt</td></tr></table>')} \
        == {"a document's file name"}
    # a CSV download's name is still fine
    assert not problems('<p>Download CSV: vault_documents_12bn_net_imports_equal_12.csv</p>')


def test_the_vault_section_cites_its_documents_for_people(db):
    from rexlib.app.ui import financing
    for preset in financing._presets()["preset"]:
        page = "".join(financing.vault_section(preset))
        assert not problems(page), (preset, problems(page))
        assert not re.search(r"\.txt\b|\bD0\d\d\b", re.sub(r"<[^>]+>", " ", page)), preset
    assert f"Budget: {D004_CITED}." in "".join(financing.vault_section("documents_12bn"))
    # data/curated/deals.csv lines 2-3: D001 (001, Rare Earth Exchanges) and D002 (003, AFP, 4 February 2026)
    assert ("“On rare earth supply, Trump for once seeks allies”, AFP, 4 February 2026"
            in "".join(financing.vault_section("exim_plus_afp_private")))


def test_every_document_the_curated_rows_cite_is_declared(db):
    from rexlib.query.api import query
    docs = set()
    for table in ("deals", "agreements", "country_groups", "export_controls", "claims"):
        docs |= set(query(f"SELECT DISTINCT source_doc FROM {table} WHERE source_doc IS NOT NULL")["source_doc"])
    seeds = {d for d in docs if re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt", d)}
    assert len(seeds) == 5 and seeds <= set(_documents()), seeds - set(_documents())
    # data/curated/README.md: 004 is an undated report; a USGS table's row is cited by its title alone
    assert cite_document("004_6c2d13623d2d2f40.txt", "US launches global push") == "“US launches global push” (undated)"
    assert cite_document("001_10a4e5c3a09a248e.txt", "Trump Administration Draws the Line on Critical Minerals") \
        == D004_CITED


def test_the_country_profile_cites_documents_for_people(db):
    # data/curated/country_groups.csv and agreements.csv: the USA's groups and agreements, cited from
    # the seed documents (their source_doc is a file name such as 004_6c2d13623d2d2f40.txt)
    import types

    import pandas as pd

    from rexlib.metrics import country as k
    from rexlib.app.ui import country_profile as cp
    groups = k._groups_of("USA")
    assert groups["source_doc"].str.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt").all() and len(groups) >= 10
    profile = types.SimpleNamespace(name="United States", iso3="USA", groups=groups, eu_sourcing=pd.DataFrame())
    page = "".join(cp.CountryProfile._groups(profile))
    page += cp._cards(k._agreements_of("USA"), "name", lambda r: "")
    found = [p for p in problems(page) if p[1] in ("a document's file name", "a curated row's id")]
    assert not found, found[:3]
    assert ", Rare Earth Exchanges, 3–7 February 2026" in page and ", AFP, 4 February 2026" in page


def test_the_deals_timeline_hovers_in_words(db):
    # data/curated/deals.csv: every deal has an id (D001...) and an instrument id such as
    # investment_commitment; the timeline's hover text and legend show who, what and the instrument in words
    import json
    from rexlib.app.ui import financing
    section = financing.Financing._deals_sections(None, "agency", "all")[1]
    spec = json.loads(re.search(r'<script type="application/json"[^>]*>(.*?)</script>', section, re.S).group(1)) \
        if '<script type="application/json"' in section else None
    text = section if spec is None else json.dumps(spec)
    assert "Orion" in text                                             # D012's counterparty (Orion CMC)
    assert not re.search(r"\bD0\d\d\b", text), re.search(r".{40}\bD0\d\d\b.{40}", text).group(0)
    assert "investment_commitment" not in text and "investment commitment" in text


def test_the_claims_app_cites_each_claims_document_by_headline_publisher_and_date(db):
    # data/curated/claims.csv line 2: C001, source_doc 002_361f74f1067b8406.txt, source_title "New Executive
    # Order Ties U.S. Critical Minerals Security to Global Partnerships" (CSIS, 15 January 2026: documents.yml).
    # The claims app printed the headline alone, in italics.
    from rexlib.app.ui import claims
    page = "".join(claims.app().render())
    assert ("source: “New Executive Order Ties U.S. Critical Minerals Security to Global Partnerships”, CSIS, "
            "15 January 2026") in page
    assert "<i>New Executive Order" not in page
    found = [p for p in problems(page) if p[1] == "a document's file name"]
    assert not found, found[:3]
    # the card's note is sentences: "…(not only critical): 16 Judged by: …" ran two into one; the chart's
    # label of C011 (claims.csv: no mineral) ended in a dangling " · "
    assert "(not only critical): 16. Judged by: USGS list members." in page
    assert "C011 top3 refining share ·" not in page and "C011 top3 refining share" in page
