"""Curated policy tables: cited rows, schema enforcement, aggregates, conflicts and joins."""
import re
import shutil

import pandas as pd
import pytest

import rexlib
from rexlib.etl.build import BuildError, build
from rexlib.etl.schema import CURATED_TABLES, TABLES, curated_spec
from rexlib.sources.curated import CuratedTableError, read_curated
from tests.conftest import PROJECT, RAW

CURATED = PROJECT / "data" / "curated"
SEEDS = PROJECT.parent / "shared" / "seeds"


@pytest.mark.parametrize("name", CURATED_TABLES)
def test_every_row_is_cited(name):
    frame = read_curated(CURATED / f"{name}.csv", curated_spec(name))   # the CSV as written (issue 27)
    for col in ("source_doc", "source_title", "source_quote"):
        assert frame[col].notna().all(), f"{name}: uncited row(s) {frame.index[frame[col].isna()].tolist()}"
    assert frame["source_doc"].str.match(r"^\d{3}_[0-9a-f]{16}\.txt$").all()


@pytest.mark.skipif(not SEEDS.exists(), reason="shared/seeds not beside the project")
@pytest.mark.parametrize("name", CURATED_TABLES)
def test_quotes_appear_verbatim_in_their_documents(name):
    frame = read_curated(CURATED / f"{name}.csv", curated_spec(name))   # the CSV as written (issue 27)
    norm = lambda t: " ".join(t.split())
    texts = {p.name: norm(p.read_text(encoding="utf-8", errors="replace")) for p in SEEDS.glob("*.txt")}
    for row in frame.itertuples():
        assert norm(row.source_quote) in texts[row.source_doc], f"{name} {row[1]}: quote not in {row.source_doc}"


def _build_with(tmp_path, name, mutate):
    curated = tmp_path / "curated"
    shutil.copytree(CURATED, curated)
    frame = pd.read_csv(curated / f"{name}.csv", dtype=str, keep_default_na=False)
    mutate(frame)
    frame.to_csv(curated / f"{name}.csv", index=False)
    return build(raw_dir=RAW, curated_dir=curated, out_dir=tmp_path / "out")


@pytest.fixture(scope="module")
def refused_build(tmp_path_factory) -> str:
    """The message of ONE build from curated tables with three defects in data/curated/deals.csv: row 2
    (D001) uncited and naming an unknown mineral and country, row 3 given D001's id. The build checks
    every table and reports every problem in one refusal (rexlib.etl.schema.validate), so one build (ten-odd
    seconds of reading every raw file) shows each defect refused; the tests below read its message."""
    def defects(frame):
        frame.loc[0, "source_quote"] = ""
        frame.loc[0, "minerals"] = "unobtainium"
        frame.loc[0, "asset_country"] = "XXX"
        frame.loc[1, "deal_id"] = frame.loc[0, "deal_id"]
    with pytest.raises(BuildError) as refused:
        _build_with(tmp_path_factory.mktemp("policy"), "deals", defects)
    return str(refused.value)


@pytest.mark.slow
def test_uncited_row_fails_the_build(refused_build):
    assert re.search(r"deals.source_quote: 1 empty value", refused_build), refused_build


@pytest.mark.slow
def test_unknown_mineral_or_country_fails_the_build(refused_build):
    assert re.search(r"unknown mineral ids \['unobtainium'\]", refused_build), refused_build
    assert re.search(r"unknown country codes \['XXX'\]", refused_build), refused_build


@pytest.mark.slow
def test_duplicate_ids_are_refused(refused_build):
    assert "deals: 2 rows share a key" in refused_build, refused_build


def test_bad_date_and_negative_amount_are_refused(tmp_path):
    table = TABLES["deals"]
    frame = pd.read_csv(CURATED / "deals.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "announced_date"] = "2026-02-30"
    path = tmp_path / "deals.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(CuratedTableError, match="row 2 column announced_date: '2026-02-30' is not a date"):
        read_curated(path, table)
    frame = pd.read_csv(CURATED / "deals.csv", dtype=str, keep_default_na=False)
    frame.loc[3, "amount_usd"] = "-5"
    frame.to_csv(path, index=False)
    with pytest.raises(CuratedTableError, match="non-negative"):
        read_curated(path, table)


def test_aggregates_are_excluded_from_sums(db):
    plain = rexlib.deals()
    everything = rexlib.deals(include_aggregates=True)
    assert not plain["is_aggregate"].any() and everything["is_aggregate"].any()
    # the $30 billion mobilised and $14.8 billion letters of interest are aggregates
    agg = everything[everything["is_aggregate"]]
    assert {30e9, 14.8e9} <= set(agg["amount_usd"].dropna())


def test_conflicting_figures_are_both_kept_but_counted_once(db):
    vault = rexlib.deals(include_aggregates=True)
    group = vault[vault["conflict_group"] == "project_vault_private_capital"]
    assert sorted(group["amount_usd"]) == [1.7e9, 2e9]
    assert group["counts_in_totals"].sum() == 1
    assert group["source_doc"].nunique() == 2


def test_deal_filters_join_minerals_countries_and_agencies(db):
    exim = rexlib.deals(agency="EXIM")
    assert "D001" in set(exim["deal_id"]) and exim["agency"].str.contains("EXIM").all()
    ree = rexlib.deals(mineral="rare_earths")
    assert ree["minerals"].str.split(";").apply(lambda m: "rare_earths" in m).all()
    brazil = rexlib.deals(country="BRA")
    assert (brazil["asset_country"] == "BRA").all() and len(brazil) >= 1
    with pytest.raises(rexlib.InvalidArgument, match="unknown agency 'NASA'"):
        rexlib.deals(agency="NASA")
    with pytest.raises(rexlib.InvalidArgument, match="unknown stage"):
        rexlib.deals(stage="moon")


def test_groups_agreements_claims(db):
    assert rexlib.group("forge_members") == ["KOR", "USA"]
    assert len(rexlib.group("ministerial_2026_attendees")) >= 10
    assert (rexlib.agreements(country="AUS")["parties"].str.contains("AUS")).all()
    ree = rexlib.claims(mineral="rare_earths")
    assert len(ree) >= 10 and ree["checkable"].any()
    with pytest.raises(rexlib.InvalidArgument, match="unknown group 'nato'"):
        rexlib.group("nato")
