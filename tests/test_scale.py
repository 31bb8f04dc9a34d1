"""rexlib.scale on DuckDB: the production-shape queries checked against hand-computed numbers and the
library's own share/HHI functions, the trade-flow shape on a synthetic panel, the cited HS 2022 →
mineral map, and the SQL's portability to Spark SQL and Trino (sqlglot). The same queries on Spark
are in test_scale_spark.py."""
import csv
import hashlib

import duckdb
import pandas as pd
import pytest
import sqlglot
import yaml
from hypothesis import given, settings, strategies as st

import rexlib
from rexlib.metrics._common import percent_parts
from rexlib.core import ids
from rexlib import metrics, scale
from rexlib.scale import engine, sql, synthetic, trade
from tests.conftest import RAW

HS_FILE = "reference/datasets-harmonized-system_hs2022.csv"


@pytest.fixture(scope="module")
def con(db):
    return rexlib.connect()


@pytest.fixture(scope="module")
def trade_path(tmp_path_factory):
    """A small trade-flow panel: 30 reporters × 30 partners × 83 HS6 codes × 3 years, 60k flows."""
    path = tmp_path_factory.mktemp("trade") / "trade.parquet"
    return str(synthetic.trade_panel(path, 60_000, countries=30, years=(2021, 2022, 2023)))


@pytest.fixture(scope="module")
def flows(trade_path):
    return pd.read_parquet(trade_path)


# --- the production shape -------------------------------------------------------------------------

def test_cobalt_mine_2024_by_hand(con):
    rows = rexlib.production("cobalt", "mine", 2024)
    parts = rows[(rows["country"] != "WLD") & rows["value"].notna() & (rows["value"] > 0)]
    total = parts["value"].sum()
    shares = parts.set_index("country")["value"] / total * 100
    got = scale.concentration(con, stage="mine", year=2024).set_index("mineral_id").loc["cobalt"]
    assert got["total"] == pytest.approx(total)
    assert got["hhi_high"] == pytest.approx((shares ** 2).sum())
    assert got["hhi_low"] == pytest.approx((shares.drop("ROW") ** 2).sum())
    assert got["top1_country"] == "COD" and got["top1_share"] == pytest.approx(226000 / total * 100)
    assert got["top3_share"] == pytest.approx(shares.drop("ROW").nlargest(3).sum())


def test_coverage_all_members_is_100(con):
    codes = list(rexlib.production("cobalt", "mine", 2024)["country"])
    cov = scale.coverage(con, codes, stage="mine", year=2024).set_index("mineral_id")
    # ROW is never a member, so coverage of all named countries is 100 - remainder
    conc = scale.concentration(con, stage="mine", year=2024).set_index("mineral_id")
    assert cov.loc["cobalt", "coverage_pct"] == pytest.approx(100 - conc.loc["cobalt", "remainder_share"])
    assert cov.loc["cobalt", "members_producing"] == conc.loc["cobalt", "n_countries"]


def test_the_old_module_name_still_works(con):
    from rexlib import panel
    assert panel.concentration is scale.concentration and panel.CONCENTRATION_SQL == scale.CONCENTRATION_SQL
    a = panel.coverage(con, ["CHN"], stage="mine", year=2024)
    assert a.equals(scale.coverage(con, ["CHN"], stage="mine", year=2024))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["A", "B", "C", "D", "ROW"]), st.floats(0.001, 1e6)), min_size=1, max_size=12),
       st.sets(st.sampled_from(["A", "B", "C", "D"])), st.sampled_from(["A", "B", "C", "D"]))
def test_properties(rows, members, extra):
    frame = pd.DataFrame([dict(mineral_id="m", stage="mine", year=2024, country=c, value=v) for c, v in rows])
    con = duckdb.connect()
    rel = con.from_df(frame)
    conc = scale.concentration(con, rel).iloc[0]
    assert 0 <= conc["hhi_low"] <= conc["hhi_high"] <= 10000 + 1e-6
    assert conc["top1_share"] is None or pd.isna(conc["top1_share"]) or conc["top1_share"] <= conc["top3_share"] + 1e-9 <= 100 + 1e-6
    small = scale.coverage(con, sorted(members), con.from_df(frame)).iloc[0]["coverage_pct"]
    large = scale.coverage(con, sorted(members | {extra}), con.from_df(frame)).iloc[0]["coverage_pct"]
    assert 0 <= small <= large + 1e-9 <= 100 + 1e-6


def test_ties_go_to_the_first_code_and_integer_values_divide_exactly():
    # two partners tie for first (and for third): the rule picks the first ISO3 code, on every engine
    frame = pd.DataFrame(dict(mineral_id="m", stage="mine", year=2024, country=["USA", "CAN", "AUS", "ZAF", "ROW"],
                              value=pd.array([2, 2, 1, 1, 5], dtype="int64")))
    got = scale.concentration(duckdb.connect(), frame).iloc[0]
    assert got["top1_country"] == "CAN" and got["top1_share"] == 100 * 2 / 11
    assert got["top3_share"] == pytest.approx(100 * 5 / 11, abs=1e-12)   # CAN, USA, AUS (1 = ZAF's 1)
    assert got["remainder_share"] == pytest.approx(100 * 5 / 11, abs=1e-12)


def test_bad_source_is_a_clear_error():
    with pytest.raises(rexlib.InvalidArgument, match="production_latest"):
        scale.concentration(duckdb.connect(), "productoin")


# --- the trade-flow shape -------------------------------------------------------------------------

def _reference_concentration(group: pd.DataFrame) -> dict:
    """The same figures through the library's own pandas functions (metrics.shares, metrics.hhi_bounds)."""
    parts = group[(group["partner"] != "WLD") & group["value_usd"].notna() & (group["value_usd"] > 0)]
    parts = parts.groupby("partner", as_index=False)["value_usd"].sum().rename(
        columns={"partner": "country", "value_usd": "value"})
    share = percent_parts(parts.assign(value=parts["value"] / float(parts["value"].sum()) * 100))
    bounds = metrics.hhi_bounds(share)
    named = share[share["role"] == "country"].sort_values(["share_pct", "country"], ascending=[False, True])
    return dict(total=float(parts["value"].sum()), hhi_low=bounds["hhi_low"], hhi_high=bounds["hhi_high"],
                top1_partner=named["country"].iloc[0], top1_share=named["share_pct"].iloc[0],
                top3_share=named["share_pct"].head(3).sum(), remainder_share=bounds["remainder_share"],
                china_share=share.loc[share["country"] == "CHN", "share_pct"].sum(), n_partners=len(named))


def test_partner_concentration_follows_the_library_rule(trade_path, flows):
    got = trade.partner_concentration(duckdb.connect(), trade_path, reporter="USA", year=2022)
    assert len(got) == flows[(flows["reporter"] == "USA") & (flows["year"] == 2022)
                             & (flows["partner"] != "WLD") & (flows["value_usd"] > 0)]["hs6"].nunique()
    for _, row in got.iterrows():
        group = flows[(flows["reporter"] == "USA") & (flows["year"] == 2022) & (flows["hs6"] == row["hs6"])]
        want = _reference_concentration(group)
        assert row["top1_partner"] == want.pop("top1_partner") and row["n_partners"] == want.pop("n_partners")
        for key, value in want.items():
            assert row[key] == pytest.approx(value, rel=1e-12, abs=1e-9), (row["hs6"], key)


def test_partner_concentration_by_mineral_sums_the_minerals_codes(trade_path, flows):
    got = trade.partner_concentration(duckdb.connect(), trade_path, by="mineral", mineral="cobalt", year=2023)
    codes = set(trade.hs_minerals().query("mineral_id == 'cobalt'")["hs6"])
    assert codes == {"260500", "282200", "810520"}
    for _, row in got.iterrows():
        group = flows[(flows["reporter"] == row["reporter"]) & (flows["year"] == 2023) & flows["hs6"].isin(codes)]
        want = _reference_concentration(group)
        assert row["top1_partner"] == want["top1_partner"]
        assert row["total"] == want["total"] and row["hhi_high"] == pytest.approx(want["hhi_high"], rel=1e-12)
    assert set(got["reporter"]) == set(flows.loc[flows["hs6"].isin(codes) & (flows["year"] == 2023), "reporter"])


def test_coalition_share_by_hand(trade_path, flows):
    members = ["AUS", "CAN", "JPN", "ROW"]   # ROW is dropped: a remainder is never a member
    got = trade.coalition_share(duckdb.connect(), members, trade_path, reporter="DEU", mineral="nickel").set_index(["hs6", "year"])
    part = flows[(flows["reporter"] == "DEU") & (flows["partner"] != "WLD") & (flows["value_usd"] > 0)
                 & flows["hs6"].isin(set(trade.hs_minerals().query("mineral_id == 'nickel'")["hs6"]))]
    for (hs6, year), group in part.groupby(["hs6", "year"]):
        covered = group[group["partner"].isin(["AUS", "CAN", "JPN"])]
        assert got.loc[(hs6, year), "coalition_share_pct"] == pytest.approx(
            100 * covered["value_usd"].sum() / group["value_usd"].sum(), rel=1e-12)
        assert got.loc[(hs6, year), "members_supplying"] == covered["partner"].nunique()
    assert len(got) == part.groupby(["hs6", "year"]).ngroups


def test_trade_arguments_are_validated(trade_path):
    con = duckdb.connect()
    with pytest.raises(rexlib.InvalidArgument, match="Did you mean 'cobalt'"):
        trade.partner_concentration(con, trade_path, mineral="cobolt")
    with pytest.raises(rexlib.InvalidArgument, match="hs6, mineral"):
        trade.partner_concentration(con, trade_path, by="chapter")
    with pytest.raises(rexlib.InvalidArgument, match="a year is an integer"):
        trade.coalition_share(con, ["CHN"], trade_path, year="last")


def test_synthetic_trade_panel_has_the_shape(trade_path, flows):
    named = flows[flows["partner"] != "WLD"]
    assert len(named) == 60_000 and not named.duplicated(["reporter", "partner", "hs6", "year"]).any()
    assert named["reporter"].nunique() == 30 and named["hs6"].nunique() == 83 and sorted(named["year"].unique()) == [2021, 2022, 2023]
    assert (named["partner"] == "ROW").any() and named["value_usd"].isna().any() and (named["value_usd"] == 0).any()
    world = flows[flows["partner"] == "WLD"].set_index(["reporter", "hs6", "year"])["value_usd"]
    sums = named.groupby(["reporter", "hs6", "year"])["value_usd"].sum(min_count=1)
    pd.testing.assert_series_equal(world.sort_index(), sums.sort_index(), check_names=False, check_dtype=False)
    with pytest.raises(ValueError, match="at most"):
        synthetic.trade_panel(trade_path + ".x", 10 ** 9, countries=30)


# --- the HS 2022 -> mineral map -------------------------------------------------------------------

def test_hs_map_rows_match_the_hs2022_nomenclature():
    """Every row's code and text are those of the HS 2022 file at the line its source cites."""
    with open(RAW / HS_FILE, newline="", encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    hs = trade.hs_minerals()
    assert len(hs) == 98 and not hs.duplicated(["hs6", "mineral_id"]).any()
    for _, row in hs.iterrows():
        cited = int(row["source"].rsplit("line ", 1)[1])
        record = next(csv.reader([lines[cited - 1]]))
        assert record[1] == row["hs6"] and record[2] == row["hs_description"] and record[4] == "6", row["hs6"]
        assert f"subheading {row['hs6'][:4]}.{row['hs6'][4:]}" in row["source"]
    # the examples named in the chapters: ores (26), compounds (28), PGMs (71), ferroalloys (72),
    # nickel/aluminium/zinc/tin (75, 76, 79, 80), minor metals (81), magnets and Li-ion cells (85)
    assert {code[:2] for code in hs["hs6"]} == {"25", "26", "28", "71", "72", "75", "76", "79", "80", "81", "85"}
    assert set(hs.loc[hs["hs6"] == "811292", "mineral_id"]) == {"gallium", "germanium", "indium", "niobium", "vanadium"}
    assert hs.loc[hs["hs6"] == "260500", "mineral_id"].tolist() == ["cobalt"]


def test_hs_map_ids_are_rexlib_ids_and_2022_list_entries():
    hs = trade.hs_minerals()
    assert set(hs["mineral_id"]) <= set(ids.MINERALS)
    ref = pd.read_csv(RAW / "reference/usgs_critical_minerals_2022.csv", dtype=str, keep_default_na=False)
    assert set(hs["critical_list_2022"]) <= set(ref["mineral"]) | set(ref["group"])
    assert set(hs["form"]) == {"ore/concentrate", "element", "oxide/compound", "ferroalloy", "intermediate", "metal",
                               "manufactured article"}


def test_hs_file_is_declared_with_its_checksum():
    sources = yaml.safe_load((RAW / "sources.yml").read_text())
    entry = next(f for f in sources["files"] if f["path"] == HS_FILE)
    data = (RAW / HS_FILE).read_bytes()
    assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["bytes"] == len(data)
    assert "HS 2022" in sources["releases"][entry["release"]]["title"]


# --- portability of the SQL -----------------------------------------------------------------------

TRADE_SQL = [sql.concentration_sql(k, "partner", "value_usd", source=f, where=trade.TRADE_FILTER)
             for k, f, _ in (trade._plan("hs6", None, None), trade._plan("mineral", "cobalt", None))]


@pytest.mark.parametrize("text", [scale.CONCENTRATION_SQL, scale.COVERAGE_SQL] + TRADE_SQL)
@pytest.mark.parametrize("dialect", ["spark", "trino"])
def test_sql_transpiles_to_distributed_engines(text, dialect):
    params = [None] * text.count("?")
    out = engine.to_spark_sql(text, params, {"src": "panel_view"}, dialect=dialect)
    parsed = sqlglot.parse_one(out, read=dialect)
    assert parsed.find(sqlglot.exp.Group) is not None
    assert "panel_view" in out and " src" not in out
    # none of the constructs whose meaning differs between engines (docs/scaling.md)
    assert not any(word in text.upper() for word in ("FILTER (", "ARG_MAX", "MAX_BY", "ANY_VALUE", "LIST_CONTAINS"))


def test_placeholders_become_quoted_literals():
    out = engine.to_spark_sql("SELECT * FROM src WHERE reporter = ? AND year = ?", ["O'X", 2024])
    assert "reporter = 'O\\'X'" in out and "year = 2024" in out
    with pytest.raises(ValueError, match="placeholders"):
        engine.to_spark_sql("SELECT ? + ?", [1])
    # a catalog table on Trino keeps its three parts
    out = engine.to_spark_sql("SELECT count(*) FROM src", [], {"src": "hive.trade.imports"}, dialect="trino")
    assert out == "SELECT COUNT(*) FROM hive.trade.imports"
