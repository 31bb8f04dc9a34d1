"""USGS MCS2026 T4/T5/T6/Fig. 13/Fig. 10 readers and their reconciliation with the curated tables
(issue 27), on the real raw files (data/raw/usgs/mcs2026/industry_trends/, lines cited)."""
from __future__ import annotations

import pandas as pd
import pytest

from rexlib.etl import reconcile
from rexlib.core.paths import CURATED, RAW
from rexlib.etl.schema import curated_spec
from rexlib.sources import curated as curated_source
from rexlib.sources import usgs_trends as u
from rexlib.sources.usgs_figures import mineral_for_label


@pytest.fixture(scope="module")
def t4():
    frame, issues = u.read_t4(RAW / u.T4_FILE)
    return frame, issues


def test_t4_items_years_and_kinds(t4):
    frame, issues = t4
    assert frame["source_line"].nunique() == 19 and set(frame["source_line"]) == set(range(2, 21))
    china = frame[frame["source_line"] == 15].set_index("item")
    # line 15: "Antimony (2024), bismuth (2025), ..., gallium (2023), germanium (2023), graphite (2023), ...,
    # silver (2026), ... and items related to lithium batteries and artificial graphite anode materials (2025)."
    assert len(china) == 14
    assert china.loc["gallium", "effective_year"] == 2023 and china.loc["Antimony", "effective_year"] == 2024
    assert china.loc["rare earths", "effective_year"] == 2025 and china.loc["silver", "effective_year"] == 2026
    assert set(china["kind"]) == {"licensing"}
    # line 4: "Bauxite (2023), copper concentrates (2023), and nickel ore (2020)."
    idn = frame[frame["source_line"] == 4].set_index("item")
    assert dict(idn["effective_year"]) == {"Bauxite": 2023, "copper concentrates": 2023, "nickel ore": 2020}
    # line 16: Congo (Kinshasa), Export quota, Cobalt (2025); line 17: a parenthesis that is not a year
    assert frame.loc[frame["source_line"] == 16, ["kind", "minerals", "effective_year"]].iloc[0].tolist() == [
        "quota", "cobalt", 2025]
    assert frame.loc[frame["source_line"] == 17, "item"].iloc[0] == "Copper (refined and alloys) and aluminum ingots"
    # lines 19-20: "Temporary export ban " (trailing space) is a ban, logged
    assert set(frame.loc[frame["source_line"].isin([19, 20]), "kind"]) == {"ban"}
    assert any(i["line"] == 19 and i["column"] == "Control_Type" for i in issues)


def test_t4_items_agree_with_the_usgs_label_mapping(t4):
    """Where the existing USGS label mapping (usgs_figures.mineral_for_label) reads an item, the
    declared mineral ids agree with it (the declaration only adds what it cannot read)."""
    frame, _ = t4
    checked = 0
    for item, mids in zip(frame["item"], frame["minerals"]):
        try:
            mid, _ = mineral_for_label(item)
        except KeyError:
            continue
        assert mid in mids.split(";"), (item, mid, mids)
        checked += 1
    assert checked >= 12


def test_an_undeclared_item_fails_naming_it(tmp_path, t4):
    items = u.t4_item_mapping()
    items[items["item"] != "Chromite ore"].to_csv(tmp_path / "items.csv", index=False)
    with pytest.raises(u.TrendsError, match="Chromite ore"):
        u.read_t4(RAW / u.T4_FILE, items_csv=tmp_path / "items.csv")


def test_export_controls_merge_curated_rows_not_doubled(db):
    import rexlib
    ec = rexlib.export_controls()
    assert len(ec) == 4 + 35 - 4        # 4 curated rows; 35 T4 items, 4 of them merged into X002/X003
    assert ec["source_line"].dropna().nunique() == 19          # every T4 line is in the table
    x003 = ec.set_index("control_id").loc["X003"]
    assert (x003["origin"], x003["kind"], x003["effective_year"], x003["source_line"]) == ("both", "licensing", 2023, 15)
    assert x003["source_doc"] == "000_1e0f8f9e54f11d61.txt"     # keeps the document's citation
    gallium = ec[ec["minerals"].fillna("").str.split(";").map(lambda m: "gallium" in m) & (ec["country"] == "CHN")]
    assert list(gallium["control_id"]) == ["X003"]              # one row for China's gallium licensing, not two
    assert set(ec["origin"]) == {"curated", "usgs_t4", "both"}
    assert ec.set_index("control_id").loc["T4-16-01", "country"] == "COD"      # 'Congo (Kinshasa)'


def test_t5_dates_and_matches():
    t5, issues = u.read_t5(RAW / u.T5_FILE)
    assert len(t5) == 9
    # line 7: "23-Aug" printed, "2025-09-23" in the ISO column; line 9: "25-Feb" for the month 2025-02
    row7, row9 = (t5.set_index("source_line").loc[n] for n in (7, 9))
    assert row7["signing_date"] == "2025-09-23" and row9["signing_date"] == "2025-02"
    assert row9["date_precision"] == "month"
    assert {i["line"] for i in issues if i["column"] == "Signing_date"} == {7, 9}
    curated = curated_source.read_curated(CURATED / "agreements.csv", curated_spec("agreements"))
    matches = pd.read_csv(u.T5_MATCHES, dtype=str, keep_default_na=False)
    out = reconcile.agreements(curated, t5, matches).set_index("agreement_id")
    assert len(out) == len(curated) + 4                          # 5 of 9 T5 rows are curated agreements
    a015 = out.loc["A015"]                                       # the US-China reprieve: T5 line 3 dates it
    assert a015["origin"] == "both" and str(a015["date"]) == "2025-10-30" and a015["source_line"] == 3
    assert out.loc["A009", "origin"] == "curated"                # the 2026 ministerial MOU is not T5's 2025 framework
    assert pd.isna(out.loc["T5-09", "date"]) and out.loc["T5-09", "usgs_date"] == "2025-02"


def test_t6_fig13_fig10_rows():
    t6, _ = u.read_t6(RAW / u.T6_FILE)
    assert len(t6) == 60
    # line 58: "Ytterbium " (trailing space); line 25: Iridium -> pgm_iridium; line 32 metallurgical coal: no id
    assert t6.set_index("source_line").loc[58, ["mineral_id", "label"]].tolist() == ["ytterbium", "Ytterbium"]
    assert t6.set_index("source_line").loc[25, "mineral_id"] == "pgm_iridium"
    assert pd.isna(t6.set_index("source_line").loc[32, "mineral_id"])
    scrap, _ = u.read_fig13(RAW / u.FIG13_FILE)
    # line 8: "MCS2026,Iron and Steel,2025_estimate,25000,70.43,7.88,21.69,N"
    steel = scrap.set_index("source_line").loc[8]
    assert (steel["mineral_id"], steel["scrap_value_musd"], steel["pct_exported"], steel["flag"]) == (
        "iron_steel", 25000, 21.69, "estimated")
    assert scrap[["pct_domestic", "pct_imported", "pct_exported"]].sum(axis=1).between(99.9, 100.1).all()
    growth, _ = u.read_fig10(RAW / u.FIG10_FILE)
    # line 11: 'Cobalt (U.S. spot cathode),27,-10,...'
    cobalt = growth.set_index("source_line").loc[11]
    assert (cobalt["mineral_id"], cobalt["price_series"], cobalt["pct_change_2024_2025"]) == (
        "cobalt", "U.S. spot cathode", 27)
