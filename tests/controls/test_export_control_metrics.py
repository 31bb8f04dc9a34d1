"""Export controls over time, their claims, and Fig. 10 beside rex's prices (issue 27), on real rows."""
from __future__ import annotations

import pytest

import rexlib
from rexlib import InvalidArgument
from rexlib.metrics import check_claims
from rexlib.metrics import export_controls as ec
from rexlib.metrics.usgs_trends import price_growth_beside_usgs


def _row(frame, year, kind="any"):
    return frame[(frame["year"] == year) & (frame["kind"] == kind)].iloc[0]


def test_gallium_refining_under_licensing_2022_and_2025(db):
    """T4 line 15: China's licensing of gallium took effect in 2023. MCS2026 gallium primary production
    2025 (MCS2026_Commodities_Data.csv lines 2557-2561): China 900,000 kg, Japan 3,000, Russia 6,000,
    world total 'rounded' 900,000 below its parts, so the share rule divides by the parts: 909,000."""
    e = ec.export_control_exposure("gallium")
    assert _row(e, 2022, "licensing")["processing_pct"] == 0
    assert _row(e, 2023, "licensing")["countries"] == "CHN"
    assert _row(e, 2025, "licensing")["processing_pct"] == pytest.approx(900_000 / 909_000 * 100)
    # U.S. imports of gallium metal 2021-24 (lines 2545-2549): China 18 %
    assert _row(e, 2025)["import_pct"] == 18
    assert _row(e, 2025)["mining_pct"] != _row(e, 2025)["mining_pct"]     # no mine series: NaN, never 0


def test_rare_earths_by_kind(db):
    """T4: Vietnam's ban (2012, line 13), Namibia's (2023, line 7), Malaysia's (2024, line 6), China's
    licensing (2025, line 15). Mine 2025 (lines 6094, 6106): China 270,000 of 390,000 t."""
    e = ec.export_control_exposure("rare_earths")
    assert _row(e, 2023, "ban")["countries"] == "NAM;VNM" and "NAM" in _row(e, 2023, "ban")["unlisted"]
    assert _row(e, 2024, "ban")["countries"] == "MYS;NAM;VNM"
    assert _row(e, 2024, "licensing")["countries"] == ""
    assert _row(e, 2025, "licensing")["mining_pct"] == pytest.approx(270_000 / 390_000 * 100)
    assert _row(e, 2025, "any")["mining_pct"] >= _row(e, 2025, "licensing")["mining_pct"]
    # the profile's number for one country is the stored share (one share rule)
    china = rexlib.production("rare_earths", stage="mine", year=2025)
    assert _row(e, 2025, "licensing")["mining_pct"] == pytest.approx(
        float(china.loc[china["country"] == "CHN", "share_pct"].iloc[0]))


def test_cobalt_quota_from_2025(db):
    """T4 line 16: 'Congo (Kinshasa),Export quota,Cobalt (2025).'"""
    e = ec.export_control_exposure("cobalt")
    assert _row(e, 2024, "quota")["mining_pct"] == 0
    prod = rexlib.production("cobalt", stage="mine", year=2025)
    assert _row(e, 2025, "quota")["mining_pct"] == pytest.approx(
        float(prod.loc[prod["country"] == "COD", "share_pct"].iloc[0]))


def test_timeline_and_scrap_controls_not_counted(db):
    t = ec.export_control_timeline(country="CHN")
    first = t[t["effective_year"] == t["effective_year"].min()]
    assert set(first["mineral_id"]) == {"gallium", "germanium", "graphite"} and (first["effective_year"] == 2023).all()
    # Russia's tungsten scrap ban (T4 line 8) is on the timeline but controls no primary supply
    russia = ec.export_control_timeline("tungsten", "RUS")
    assert len(russia) == 1 and not russia["counts_for_supply"].iloc[0]
    assert "RUS" not in _row(ec.export_control_exposure("tungsten"), 2025)["countries"]
    with pytest.raises(InvalidArgument):
        ec.export_control_exposure("unobtainium")


def test_export_control_and_recycling_claims(db):
    t = check_claims(include_uncheckable=True).set_index("claim_id")
    for cid in ("C090", "C091", "C092", "C093", "C094", "C096"):
        assert t.loc[cid, "verdict"] == "consistent", cid
    assert "line 15" in t.loc["C090", "data_source"] and "line 3" in t.loc["C096", "data_source"]
    assert t.loc["C095", "verdict"] == "not_checkable" and "lifted" in t.loc["C095", "tolerance_or_reason"]
    # Fig. 13 prints 15 scrap types and no rare earths: the recycling claims cannot be checked against it
    for cid in ("C043", "C098"):
        assert t.loc[cid, "verdict"] == "not_checkable" and "Figure 13" in t.loc[cid, "tolerance_or_reason"]


def test_fig10_beside_rex_prices(db):
    """Fig. 10 line 3 'Antimony, metal,144,47': salient price 5.31 (2021), 10.24 (2024), 25.0 (2025e)
    dollars per pound. Line 11 'Cobalt (U.S. spot cathode),27,-10' are the LME cash series' numbers
    (11.84 -> 15.00, 23.17 -> 15.00); the U.S. spot cathode series gives +25 % and -3 %/yr."""
    g = price_growth_beside_usgs().set_index("source_line")
    sb = g.loc[3]
    assert sb["status"] == "reproduced"
    assert sb["rex_change_pct"] == pytest.approx(25.0 / 10.24 * 100 - 100)
    assert sb["rex_cagr_pct"] == pytest.approx((25.0 / 5.31) ** 0.25 * 100 - 100)
    co = g.loc[11]
    assert co["status"] == "reproduced_by_another_series" and "London Metal Exchange" in co["measure"]
    assert (g["status"] == "reproduced").sum() >= 50
    # lines 53-54: 'Yttrium, oxide,7,0' and 'Ytterbium, oxide,50,11'; the salient prices give Y2O3 6 -> 9
    # (2024 -> 2025; 6 in 2021) and ytterbium oxide 14 -> 15 (15 in 2021): the rows are swapped
    y, yb = g.loc[53], g.loc[54]
    assert y["status"] == yb["status"] == "reproduced_by_another_row"
    assert y["rex_change_pct"] == pytest.approx(50.0) and yb["rex_change_pct"] == pytest.approx(15 / 14 * 100 - 100)


def test_publisher_checks_stored(db):
    from rexlib.query.warehouse import query
    checks = query("SELECT \"check\", subject, status FROM publisher_checks WHERE \"check\" LIKE 'fig1%'")
    fig10 = checks[checks["check"] == "fig10_price_growth"]
    assert len(fig10) == 55 and (fig10["status"] == "pass").sum() == 52
    assert set(fig10.loc[fig10["status"] != "pass", "status"]) == {"allowed"}
    assert (checks.loc[checks["check"] == "fig13_value_split", "status"] == "pass").sum() == 15
