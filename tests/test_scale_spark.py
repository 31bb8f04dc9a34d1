"""rexlib.scale on Apache Spark (local mode): the same inputs through DuckDB and through Spark give
equal results — exact for counts, codes and integer totals, within 1e-9 for shares and HHI — for the
production shape (the workbook's real production_latest rows and a synthetic panel) and the
trade-flow shape (a synthetic reporter × partner × HS6 × year panel).

One SparkSession for the module (``local[2]``, 2 shuffle partitions, no UI, bound to 127.0.0.1);
small panels, so the module stays well under a minute of Spark work on two cores. Skipped, with the
command that enables it, when PySpark or Java is missing."""
import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyspark", reason="PySpark is not installed: pip install -e '.[spark]' runs these tests")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java 17+: apt-get install -y openjdk-17-jre-headless", allow_module_level=True)

import rexlib  # noqa: E402
from rexlib import scale  # noqa: E402
from rexlib.scale import synthetic, trade  # noqa: E402
from rexlib.scale.engine import spark_frame  # noqa: E402

FLOATS = ("total", "hhi_low", "hhi_high", "top1_share", "top3_share", "china_share", "remainder_share",
          "coverage_pct", "coalition_share_pct")


@pytest.fixture(scope="module")
def spark():
    session = scale.local_spark_session(2)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def panels(tmp_path_factory):
    """Both shapes as Parquet files that both engines read: trade 20 × 20 countries × 83 HS6 codes ×
    3 years (21k flows + WLD rows), production 100 minerals × 200 countries (30k rows)."""
    folder = tmp_path_factory.mktemp("spark-panels")
    return dict(trade=str(synthetic.trade_panel(folder / "trade.parquet", 21_000, countries=20, years=(2021, 2022, 2023))),
                production=str(synthetic.production_panel(folder / "production.parquet", 30_000)))


def assert_same(duck: pd.DataFrame, spark: pd.DataFrame):
    """Exact for keys, codes and counts; 1e-9 (absolute, on figures of 0-10,000) for shares and HHI."""
    assert list(duck.columns) == list(spark.columns)
    assert len(duck) == len(spark) and len(duck) > 0
    for column in duck.columns:
        a, b = duck[column].to_numpy(), spark[column].to_numpy()
        if column in FLOATS:
            a, b = a.astype(float), b.astype(float)
            assert np.array_equal(np.isnan(a), np.isnan(b)), column
            assert np.nanmax(np.abs(a - b)) <= 1e-9, (column, np.nanmax(np.abs(a - b)))
        else:
            assert [None if pd.isna(x) else x for x in a] == [None if pd.isna(x) else x for x in b], column


QUERIES = {
    "trade: partner concentration per HS6": lambda con, p: trade.partner_concentration(con, p["trade"]),
    "trade: partner concentration per mineral": lambda con, p: trade.partner_concentration(con, p["trade"], by="mineral"),
    "trade: one reporter's cobalt imports": lambda con, p: trade.partner_concentration(
        con, p["trade"], reporter="USA", mineral="cobalt", year=2022),
    "trade: coalition share per mineral": lambda con, p: trade.coalition_share(
        con, ["AUS", "CAN", "JPN", "KOR", "ROW"], p["trade"], by="mineral"),
    "trade: empty coalition": lambda con, p: trade.coalition_share(con, [], p["trade"], year=2021),
    "production: concentration": lambda con, p: scale.concentration(con, p["production"]),
    "production: coverage, one stage and year": lambda con, p: scale.coverage(
        con, ["CHN", "C002", "C003"], p["production"], stage="mine", year=2023),
}


@pytest.mark.parametrize("name", list(QUERIES))
def test_duckdb_and_spark_agree(name, spark, panels):
    query = QUERIES[name]
    duck, sp = query(duckdb.connect(), panels), query(spark, panels)
    assert_same(duck, sp)
    if "total" in duck and name.startswith("trade"):
        # integer dollars summed in DOUBLE stay exact below 2^53: the totals are equal, not close
        assert duck["total"].tolist() == sp["total"].tolist()


def test_real_production_rows_agree(db, spark):
    """The workbook's own production_latest table (USGS MCS rows) through both engines."""
    con = rexlib.connect()
    frame = con.table("production_latest").df()[["mineral_id", "stage", "country", "year", "value"]]
    assert_same(scale.concentration(con, frame), scale.concentration(spark, frame))
    cobalt = scale.concentration(spark, frame, stage="mine", year=2024).set_index("mineral_id").loc["cobalt"]
    assert cobalt["top1_country"] == "COD"   # MCS2026: Congo (Kinshasa) 226,000 t of cobalt, 2024
    members = ["AUS", "CAN", "JPN", "USA"]
    assert_same(scale.coverage(con, members, frame, year=2024), scale.coverage(spark, members, frame, year=2024))


def test_ties_nulls_and_decimal_division_mean_the_same_on_spark(spark):
    # a tie for first place, a NULL value (never a share), a ROW remainder and a WLD total
    frame = pd.DataFrame(dict(reporter="USA", hs6="260500", year=2024,
                              partner=["USA", "CAN", "AUS", "ZAF", "ROW", "CHN", "WLD"],
                              value_usd=pd.array([2, 2, 1, 1, 5, None, 11], dtype="Int64")))
    duck, sp = (trade.partner_concentration(c, frame) for c in (duckdb.connect(), spark))
    assert_same(duck, sp)
    got = sp.iloc[0]
    assert got["top1_partner"] == "CAN" and got["top1_share"] == pytest.approx(100 * 2 / 11, abs=1e-12)
    assert got["n_partners"] == 4 and got["total"] == 11
    # DECIMAL trade values (BACI's thousands of dollars with 3 decimals): Spark's own decimal
    # arithmetic rounds 100.0 * sum / sum to 6 decimals; the rule computes in DOUBLE
    decimals = spark_frame_with_decimals(spark, frame)
    assert trade.partner_concentration(spark, decimals).iloc[0]["top1_share"] == pytest.approx(100 * 2 / 11, abs=1e-12)
    decimals.createOrReplaceTempView("rex_test_decimals")
    try:
        naive = spark.sql("SELECT 100.0 * sum(CASE WHEN partner = 'CAN' THEN value_usd END) "
                          "/ sum(CASE WHEN partner <> 'WLD' THEN value_usd END) AS s FROM rex_test_decimals").collect()[0]["s"]
    finally:
        spark.catalog.dropTempView("rex_test_decimals")
    assert abs(float(naive) - 100 * 2 / 11) > 1e-9


def spark_frame_with_decimals(spark, frame):
    return spark_frame(spark, frame).selectExpr("reporter", "hs6", "year", "partner",
                                                "CAST(value_usd AS DECIMAL(18,3)) AS value_usd")


def test_preaggregate_on_spark_writes_the_same_rows(spark, panels, tmp_path):
    con = duckdb.connect()
    n_duck = scale.preaggregate(con, panels["production"], str(tmp_path / "duck.parquet"))
    n_spark = scale.preaggregate(spark, panels["production"], str(tmp_path / "spark_parquet"))
    raw = pd.read_parquet(panels["production"])
    assert n_duck == n_spark == raw.groupby(["mineral_id", "stage", "year", "country"]).ngroups < len(raw)
    a = con.sql(f"SELECT * FROM read_parquet('{tmp_path}/duck.parquet') ORDER BY ALL").df()
    b = con.sql(f"SELECT * FROM read_parquet('{tmp_path}/spark_parquet/*.parquet') ORDER BY ALL").df()
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    # and the pre-aggregated table gives the raw panel's answer
    assert_same(scale.concentration(con, panels["production"]),
                scale.concentration(spark, str(tmp_path / "spark_parquet")))
