"""The same figure is identical everywhere: the library (API and metrics), the HTML of the apps
that show it, and a papermill report (issue "One number, one rule": consistency across surfaces).

Apps are rendered in-process by the same panel code Voilà runs (``App.render()``); the browser
tests in tests/apps drive the real server. The report side is in tests/reports/test_report_consistency.py
(it reads the one shared ``rex report`` run). The same figure after a rebuild while a researcher holds
``rexlib.connect()`` (the new amount, under the new build's identity, in the API and in the shared
section cache): tests/reliability/test_rebuild.py, test_a_held_connection_does_not_keep_old_numbers_after_a_rebuild."""
from __future__ import annotations

import html
import re

import pandas as pd
import pytest

import rexlib
from rexlib.query import api
from rexlib.etl import series
from rexlib import metrics as m
from rexlib.charts.base import fmt_num
from rexlib.metrics import _common as c
from rexlib.app.ui import data as d

SAMPLE = ["cobalt", "gallium", "lithium", "rare_earths", "graphite", "zinc", "helium", "mica", "antimony",
          "tungsten", "nickel", "feldspar"]
YEARS = [2021, 2022, 2023, 2024, 2025]
_TILE = re.compile(r'<div class="rex-tile-label">(.*?)</div><div class="rex-tile-value">(.*?)</div>', re.S)


@pytest.fixture(scope="module", autouse=True)
def _db(db):
    return db


def tiles(page: str) -> dict[str, str]:
    return {html.unescape(k): html.unescape(v) for k, v in _TILE.findall(page)}


def expected_tiles(mineral: str, year: int) -> dict[str, str]:
    """The tiles' texts from the library: the stored concentration and the headline NIR."""
    conc = m.concentration(mineral, year=year).iloc[0]
    n = c.nir(mineral, year)
    nir_text = {"E": "net exporter", "NA": "not available", "W": "withheld"}.get(
        n.bound, f"{n.bound if n.bound in '<>' else ''}{n.pct:.0f}%" if n.pct is not None else "")
    china = conc["china_share"]
    out = {"HHI (concentration)": fmt_num(conc["hhi"]),
           "Top-3 producers' share": f"{conc['top3_share']:.1f}%"}
    if not pd.isna(china) and "china_not_listed" not in conc["flags"]:
        out["China's share"] = f"{china:.1f}%"
    if n.year == year:
        out[f"U.S. net import reliance, {year}"] = nir_text
    return out


# The library: API, stored tables and metrics agree for every mineral and year ---------------------

def test_library_headline_nir_is_one_figure_everywhere():
    head = api.headline_import_reliance()
    for rec in head.itertuples():
        n = c.nir(rec.mineral_id, rec.year)
        assert n.bound == rec.nir_bound, rec
        assert (n.pct == (0.0 if rec.nir_bound == "E" else rec.nir_pct)) or (n.pct is None and pd.isna(rec.nir_pct))
    for year in YEARS:
        table = d.nir_table(year)
        merged = table.merge(head[head["year"] == year], on="mineral_id", suffixes=("", "_api"))
        assert len(merged) == len(table) == len(head[head["year"] == year])
        assert (merged["nir_bound"] == merged["nir_bound_api"]).all()
        assert (merged["nir_pct"].fillna(-1) == merged["nir_pct_api"].fillna(-1)).all()


def test_library_top_producer_top3_china_hhi_agree_for_every_mineral_and_year():
    checked = 0
    for mineral in sorted(api.production_all()["mineral_id"].unique()):
        stage = series.primary_stage(mineral)
        for year in api.production_years(mineral, stage):
            conc = m.concentration(mineral, stage, year)
            if conc.empty:
                continue
            row = conc.iloc[0]
            rows = rexlib.production(mineral, stage, year)
            rows = rows[rows["is_default_measure"] & ~rows["is_aggregate"] & (rows["country"] != "ROW")]
            rows = rows.dropna(subset=["share_pct"]).sort_values(["share_pct", "country"], ascending=[False, True])
            if rows.empty:
                continue
            assert rows["country"].iloc[0] == row["top1_country"], (mineral, year)
            assert rows["share_pct"].iloc[0] == pytest.approx(row["top1_share"], abs=1e-9)
            assert rows["share_pct"].head(3).sum() == pytest.approx(row["top3_share"], abs=1e-9)
            china = rows.loc[rows["country"] == "CHN", "share_pct"]
            if len(china):
                assert china.iloc[0] == pytest.approx(row["china_share"], abs=1e-9)
            assert row["hhi"] == pytest.approx((rows["share_pct"] ** 2).sum(), rel=1e-9)
            summary = c.summary(c.usgs_series(mineral, stage, year))
            assert summary["top3_share"] == pytest.approx(row["top3_share"], abs=1e-9)
            checked += 1
    assert checked > 250


# The apps' HTML -------------------------------------------------------------------------------------

@pytest.mark.parametrize("mineral", SAMPLE)
def test_mineral_profile_tiles_equal_the_library(mineral):
    from rexlib.app.ui.mineral_profile import MineralProfile
    for year in (2024, 2025):
        page = "".join(MineralProfile(mineral=mineral, stage=series.primary_stage(mineral), year=year).render())
        shown = tiles(page)
        for label, value in expected_tiles(mineral, year).items():
            assert shown.get(label) == value, (mineral, year, label, shown)


def test_import_reliance_app_shows_the_headline_of_each_sample_mineral():
    from rexlib.app.ui.import_reliance import ImportReliance
    for year in (2024, 2025):
        page = html.unescape("".join(ImportReliance(year=year, critical="all").render()))
        head = api.headline_import_reliance(year).set_index("mineral_id")
        for mineral in SAMPLE:
            if mineral in head.index:
                text = d.nir_text(head.loc[mineral])
                assert f"{head.at[mineral, 'name']}" in page and text in page, (mineral, year, text)
        counts = d.nir_counts(d.nir_table(year, "2022"))
        assert counts["fully"] == {2024: 12, 2025: 13}[year]


def test_scenario_exposure_uses_the_headline_nir():
    from rexlib.app.ui.scenario import Scenario
    page = html.unescape("".join(Scenario(mineral="gallium", supplier="CHN").render()))
    n = c.nir("gallium")
    assert f"{n.pct:.0f}%" in page


# A papermill report: tests/reports/test_report_consistency.py (it reads the suite's one `rex report` run).
