"""The new mineral-profile, chokepoints and country-profile sections (issue 27), in process."""
from __future__ import annotations

import re
from types import SimpleNamespace

from rexlib.app.ui import chokepoints as ch
from rexlib.app.ui import country_profile as cp
from rexlib.app.ui import mineral_profile as mp


def _text(parts: list[str]) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", " ".join(parts)))


def test_gallium_profile_says_0_to_99_percent_of_refining(db, monkeypatch):
    monkeypatch.setenv("VOILA_BASE_URL", "/")
    text = _text(mp.controls_section("gallium", "Gallium"))
    assert "Share of world processing held by countries with a control in force, 2022 → 2025 0% → 99%" in text
    assert "0% → 18%" in text                                   # U.S. gallium imports from China, 2021-24
    uses = _text(mp.uses_section("gallium", "Gallium"))
    assert "Integrated circuits and optical devices." in uses   # T6 line 19
    assert "prints no scrap figure for Gallium" in uses and "reproduced" in uses


def test_rare_earths_uses_list_the_chapter_elements_and_boron_has_no_control(db):
    assert "the 13 elements of the Rare earths chapter" in _text(mp.uses_section("rare_earths", "Rare earths"))
    assert "lists no export control on Boron" in _text(mp.controls_section("boron", "Boron"))


def test_chokepoints_and_country_profile_sections(db, monkeypatch):
    monkeypatch.setenv("VOILA_BASE_URL", "/")       # charts as the page draws them: no SVG rendered here
    # the section alone, as the app calls it (the app's other sections are tested elsewhere)
    app = SimpleNamespace(year=SimpleNamespace(value=2025), top=SimpleNamespace(value=30),
                          critical=SimpleNamespace(value="all"), _filter=lambda frame: frame)
    text = _text(ch.Chokepoints._controls(app))
    assert "37 minerals have a control on primary supply in force in 2025" in text
    # the section reads only the profile's name and code
    china = _text(cp.CountryProfile._controls(SimpleNamespace(name="China", iso3="CHN")))
    assert "Export controls China imposes" in china and "Gallium licensing 2023" in china
    usa = SimpleNamespace(name="United States of America", iso3="USA")
    assert "lists no export control by United States" in _text(cp.CountryProfile._controls(usa))
