"""rexlib.panel: the SQL concentration/coverage path used at scale, checked against hand-computed
numbers, properties, and portability of its SQL to Spark SQL (sqlglot)."""
import duckdb
import pandas as pd
import pytest
import sqlglot
from hypothesis import given, settings, strategies as st

import rexlib
from rexlib import panel


@pytest.fixture(scope="module")
def con(db):
    return rexlib.connect()


def test_cobalt_mine_2024_by_hand(con):
    rows = rexlib.production("cobalt", "mine", 2024)
    parts = rows[(rows["country"] != "WLD") & rows["value"].notna() & (rows["value"] > 0)]
    total = parts["value"].sum()
    shares = parts.set_index("country")["value"] / total * 100
    got = panel.concentration(con, stage="mine", year=2024).set_index("mineral_id").loc["cobalt"]
    assert got["total"] == pytest.approx(total)
    assert got["hhi_high"] == pytest.approx((shares ** 2).sum())
    assert got["hhi_low"] == pytest.approx((shares.drop("ROW") ** 2).sum())
    assert got["top1_country"] == "COD" and got["top1_share"] == pytest.approx(226000 / total * 100)
    assert got["top3_share"] == pytest.approx(shares.drop("ROW").nlargest(3).sum())


def test_coverage_all_members_is_100(con):
    codes = list(rexlib.production("cobalt", "mine", 2024)["country"])
    cov = panel.coverage(con, codes, stage="mine", year=2024).set_index("mineral_id")
    # ROW is never a member, so coverage of all named countries is 100 - remainder
    conc = panel.concentration(con, stage="mine", year=2024).set_index("mineral_id")
    assert cov.loc["cobalt", "coverage_pct"] == pytest.approx(100 - conc.loc["cobalt", "remainder_share"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["A", "B", "C", "D", "ROW"]), st.floats(0.001, 1e6)), min_size=1, max_size=12),
       st.sets(st.sampled_from(["A", "B", "C", "D"])), st.sampled_from(["A", "B", "C", "D"]))
def test_properties(rows, members, extra):
    frame = pd.DataFrame([dict(mineral_id="m", stage="mine", year=2024, country=c, value=v) for c, v in rows])
    con = duckdb.connect()
    rel = con.from_df(frame)
    conc = panel.concentration(con, rel).iloc[0]
    assert 0 <= conc["hhi_low"] <= conc["hhi_high"] <= 10000 + 1e-6
    assert conc["top1_share"] is None or pd.isna(conc["top1_share"]) or conc["top1_share"] <= conc["top3_share"] + 1e-9 <= 100 + 1e-6
    small = panel.coverage(con, sorted(members), con.from_df(frame)).iloc[0]["coverage_pct"]
    large = panel.coverage(con, sorted(members | {extra}), con.from_df(frame)).iloc[0]["coverage_pct"]
    assert 0 <= small <= large + 1e-9 <= 100 + 1e-6


@pytest.mark.parametrize("sql", [panel.CONCENTRATION_SQL, panel.COVERAGE_SQL])
@pytest.mark.parametrize("dialect", ["spark", "trino"])
def test_sql_transpiles_to_distributed_engines(sql, dialect):
    out = sqlglot.transpile(sql.replace("?", "NULL"), read="duckdb", write=dialect,
                            unsupported_level=sqlglot.ErrorLevel.RAISE)[0]
    parsed = sqlglot.parse_one(out, read=dialect)
    assert parsed.find(sqlglot.exp.Group) is not None
    assert "src" in out


def test_benchmark_smoke(tmp_path):
    from benchmarks.__main__ import main
    assert main(["--quick", "--only", "scale", "--output", str(tmp_path / "r.md")]) == 0
    text = (tmp_path / "r.md").read_text()
    assert "| 1,000,000 | concentration |" in text
