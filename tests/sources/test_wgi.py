"""Tests of rexlib.sources.wgi against the real World Bank WGIData.csv (2023 update)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # repo root when pytest runs from elsewhere

from rexlib.sources.wgi import ESTIMATES, governance_scores, read_wgi  # noqa: E402

WGI = Path("/work/shared/data/wgi/WGIData.csv")
pytestmark = pytest.mark.skipif(not WGI.exists(), reason="WGI file not staged")

# Six 2022 estimates copied from the raw file (lines 1442-1472 China, 2558-2588 Germany).
CHN_2022 = {"CC.EST": 0.0159702487289906, "GE.EST": 0.495032012462616, "PV.EST": -0.441073626279831,
            "RQ.EST": -0.418417632579803, "RL.EST": -0.0414439849555492, "VA.EST": -1.60957491397858}
DEU_2022 = {"CC.EST": 1.81837582588196, "GE.EST": 1.2898074388504, "PV.EST": 0.614759147167206,
            "RQ.EST": 1.52229499816895, "RL.EST": 1.53315436840057, "VA.EST": 1.4095424413681}


@pytest.fixture(scope="module")
def wgi():
    return read_wgi(WGI)


def test_shape_and_columns(wgi):
    df, issues = wgi
    assert list(df.columns) == ["iso3", "country_name", "indicator", "indicator_name", "year", "value"]
    assert len(df) == 178230
    assert issues == []  # this vintage has only blank cells for missing values
    assert df["iso3"].nunique() == 214 and df["indicator"].nunique() == 36
    assert df["year"].min() == 1996 and df["year"].max() == 2022 and 1997 not in set(df["year"])
    assert df["value"].notna().all()
    assert not any(c.startswith("Unnamed") for c in df.columns)


def test_iso3_codes(wgi):
    df, _ = wgi
    assert df["iso3"].str.fullmatch(r"[A-Z]{3}").all()
    names = df.drop_duplicates("iso3").set_index("iso3")["country_name"]
    assert names["XKX"] == "Kosovo" and names["ANT"] == "Netherlands Antilles"  # kept as published


def test_real_values(wgi):
    df, _ = wgi
    est = df[(df["year"] == 2022) & df["indicator"].isin(ESTIMATES)]
    for iso3, values in (("CHN", CHN_2022), ("DEU", DEU_2022)):
        got = est[est["iso3"] == iso3].set_index("indicator")["value"].to_dict()
        assert got == pytest.approx(values, abs=1e-12)
    pv = df[(df["indicator"] == "PV.EST") & (df["year"] == 2022)]
    assert len(pv) == 213
    assert pv.iloc[0]["indicator_name"].startswith("Political Stability")
    # Kosovo has no 1996 estimate: blank cell -> row omitted, no quality issue
    assert df[(df["iso3"] == "XKX") & (df["indicator"] == "CC.EST") & (df["year"] == 1996)].empty


def test_unexpected_tokens_are_reported(tmp_path):
    path = tmp_path / "wgi.csv"
    path.write_text('\ufeff"Country Name","Country Code","Indicator Name","Indicator Code","2021","2022",\n'
                    '"Chile","CHL","Political Stability: Estimate","PV.EST","..","0.1",\n'
                    '"Peru","PER","Political Stability: Estimate","PV.EST","","4.7E-05",\n', encoding="utf-8")
    df, issues = read_wgi(path)
    assert len(df) == 2 and df.set_index("iso3")["value"].to_dict() == {"CHL": 0.1, "PER": 4.7e-05}
    assert len(issues) == 1
    assert issues[0]["raw_value"] == ".." and issues[0]["line"] == "2" and issues[0]["column"] == "2021"


def test_governance_scores_formula(wgi):
    df, _ = wgi
    scores = governance_scores(df, 2022).set_index("iso3")
    assert list(scores.columns) == ["wgi_mean", "wgi_scaled", "n_indicators"]
    for iso3, values in (("CHN", CHN_2022), ("DEU", DEU_2022)):
        mean = sum(values.values()) / 6
        assert scores.loc[iso3, "n_indicators"] == 6
        assert scores.loc[iso3, "wgi_mean"] == pytest.approx(mean, abs=1e-12)
        assert scores.loc[iso3, "wgi_scaled"] == pytest.approx((2.5 - mean) * 2, abs=1e-12)
    assert scores.loc["CHN", "wgi_scaled"] == pytest.approx(5.6665, abs=1e-3)
    assert scores.loc["DEU", "wgi_scaled"] == pytest.approx(2.2707, abs=1e-3)
    assert scores.loc["DEU", "wgi_scaled"] < scores.loc["CHN", "wgi_scaled"]  # lower = better governance
    assert scores["wgi_scaled"].between(0, 10).all()
    assert scores["wgi_mean"].between(-2.5, 2.5).all()
    assert len(scores) == 213 and (scores["n_indicators"] == 6).sum() == 208


def test_governance_scores_subset(wgi):
    df, _ = wgi
    pv_only = governance_scores(df, 2022, indicators=("PV.EST",)).set_index("iso3")
    assert (pv_only["n_indicators"] == 1).all()
    assert pv_only.loc["DEU", "wgi_scaled"] == pytest.approx((2.5 - DEU_2022["PV.EST"]) * 2)
