"""Country and coalition profiles: what one country brings (its shares of world mining and
processing, reserves, U.S. import sources, deals, agreements, groups, governance, EU sourcing) and
which candidate partner would add most to a coalition where it is weakest.

Nothing here computes a share: every share is the stored ``share_pct`` of the series layer
(:mod:`rexlib.metrics._common`: ``mine_series``, ``processing_series``, ``import_source_shares``;
the ``reserves_latest`` table), the series a stage is measured on is the one coalition coverage uses
(:func:`rexlib.metrics.coverage.stage_series`), coverage is :func:`rexlib.metrics.coverage.covered_share`
and governance is :func:`rexlib.metrics.governance.wgi_scores` (the EU-scaled score of HHI_WGI).
Sources: USGS Mineral Commodity Summaries 2023–2026, IEA Critical Minerals Data Explorer (2024),
EC 2023 criticality study (Appendix 7, unofficial transcription), World Bank WGI, and the curated
``deals``, ``agreements`` and ``country_groups`` tables (cited row by row).
"""
from __future__ import annotations

import difflib
from pathlib import Path
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import yaml

from rexlib.query import api
from rexlib.etl import series as rules
from rexlib.core import validate as v
from rexlib.core.ids import REST_OF_WORLD, WORLD
from rexlib.query.warehouse import query
from . import _common as c
from .coverage import coalition_coverage, covered_share, import_parts, minerals_for_coverage, stage_series
from .governance import WGI_YEAR, wgi_scores

__all__ = ["resolve_country", "country_positions", "country_profile", "CountryProfile", "coalition_members",
           "partner_pool",
           "coalition", "marginal_coverage", "STAGES"]

# The stages a profile and marginal coverage measure: mine production, processing (refining,
# smelting, chemicals ...: rexlib.metrics._common.processing_series) and U.S. import sources.
STAGES = ("mine", "processing", "import")
COVERAGE_COLUMN = {"mine": "mine_covered_pct", "processing": "refining_covered_pct", "import": "import_covered_pct"}
TOP_N = 3


class UnknownCountry(v.InvalidArgument):
    """A country that is neither an ISO3 code nor a country name; ``close`` holds (iso3, name) of
    the nearest names and codes (difflib over ``countries.name``), listed first in the message."""

    def __init__(self, value: object, valid: Iterable, close: list[tuple[str, str]]):
        super().__init__("country", value, valid)
        self.close = close
        near = ", ".join(f"{name} ({iso3})" for iso3, name in close)
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "...'"
        self.args = (f"unknown country {shown}." + (f" Close matches: {near}." if near else "")
                     + f" Valid country values: {', '.join(self.valid[:60])}"
                     + (" ..." if len(self.valid) > 60 else "") + " (ISO3 codes; a country name works too).",)


@c.memo(maxsize=1)
def _country_table() -> pd.DataFrame:
    frame = c._countries()
    return frame[frame["kind"].isin(["country", "territory"])].reset_index(drop=True)


def close_countries(value: object, n: int = 5) -> list[tuple[str, str]]:
    """The countries nearest to ``value`` by name or ISO3 code (difflib), as (iso3, name)."""
    table = _country_table()
    names = dict(zip(table["name"].str.lower(), table["iso3"]))
    text = str(value).strip().lower()
    found = [names[x] for x in difflib.get_close_matches(text, list(names), n=n, cutoff=0.6)]
    found += [x for x in difflib.get_close_matches(text.upper(), list(table["iso3"]), n=n, cutoff=0.6)]
    found += [iso for name, iso in names.items() if len(text) >= 4 and text in name]
    by_code = dict(zip(table["iso3"], table["name"]))
    return [(iso, by_code[iso]) for iso in list(dict.fromkeys(found))[:n]]


def resolve_country(value: object) -> str:
    """An ISO3 code from an ISO3 code (any case) or a country name (``'Chile'``, ``'chile'``);
    :class:`UnknownCountry` (an ``InvalidArgument``) listing close matches otherwise."""
    table = _country_table()
    codes = set(table["iso3"])
    if isinstance(value, str):
        text = value.strip()
        if text.upper() in codes:
            return text.upper()
        by_name = dict(zip(table["name"].str.lower(), table["iso3"]))
        if text.lower() in by_name:
            return by_name[text.lower()]
    raise UnknownCountry(value, sorted(codes), close_countries(value) if isinstance(value, str) else [])


def country_name(iso3: str) -> str:
    frame = c._countries()
    return dict(zip(frame["iso3"], frame["name"])).get(iso3, iso3)


# --------------------------------------------------------------------------- world positions

def _ranks(parts: pd.DataFrame) -> dict[str, int]:
    """Rank of each listed producer (country or joint label) with a known share above zero, in the
    order :func:`rexlib.core.formulas.concentration_summary` lists producers (share descending, then id);
    a country listed with zero output is not ranked (it produces nothing)."""
    listed = parts[(parts["role"] == "country") & parts["known"] & (parts["share_pct"] > 0)]
    order = sorted(zip(listed["country"], listed["share_pct"]), key=lambda p: (-p[1], str(p[0])))
    return {code: i + 1 for i, (code, _) in enumerate(order)}


def _series_rows(series: c.Series, stage: str) -> list[dict]:
    """One row per listed part of a series (countries and joint labels; ``ROW`` left out)."""
    s = c.summary(series)
    ranks = _ranks(series.parts)
    rows = []
    for p in series.parts.itertuples(index=False):
        if p.role != "country":
            continue
        rows.append(dict(mineral_id=series.mineral_id, stage=stage, series_stage=series.stage,
                         year=series.year if series.year is not None else series.period, period=series.period,
                         code=p.country, value=p.value, flag=p.flag or "", known=bool(p.known),
                         share_pct=p.share_pct if p.known else np.nan, rank=ranks.get(p.country, pd.NA),
                         n_ranked=len(ranks), top1_country=s["top1_country"], top1_share=s["top1_share"],
                         unit=series.unit, source=series.source, source_label=series.label, vintage=series.vintage,
                         measure=series.measure, world_total=series.world_total))
    return rows


@c.memo(maxsize=1024)
def _series(mid: str, stage: str, year: int | None) -> c.Series | None:
    """:func:`stage_series`, kept per process (the profile and the marginal ranking read the same
    series many times; callers here never modify it)."""
    return stage_series(mid, stage, year)


@c.memo(maxsize=64)
def _coverage(codes: frozenset, year: int | None) -> pd.DataFrame:
    """:func:`coalition_coverage` of a set of countries, every mineral (filtered by the callers)."""
    return coalition_coverage(countries=sorted(codes), year=year)


@c.memo(maxsize=8)
def _positions(year: int | None) -> pd.DataFrame:
    rows: list[dict] = []
    left_out: list[dict] = []
    for mid in minerals_for_coverage(None):
        for stage in ("mine", "processing"):
            series = _series(mid, stage, year)
            if series is None:
                continue
            if not rules.is_world(series.share_basis):
                # a share of world needs a world (series.yml series_basis): kyanite's shares are of
                # its six listed producers, crushed stone is U.S. only, boron has no world total
                left_out.append(dict(mineral_id=mid, stage=stage, share_basis=series.share_basis))
                continue
            rows += _series_rows(series, stage)
    frame = pd.DataFrame(rows)
    frame["rank"] = frame["rank"].astype("Int64")
    frame.attrs["left_out"] = left_out
    return frame


def positions_left_out(year: int | None = None) -> pd.DataFrame:
    """The (mineral, stage) series :func:`country_positions` leaves out because their basis is no
    world (columns mineral_id, stage, share_basis)."""
    return pd.DataFrame(_positions(year).attrs.get("left_out", []), columns=["mineral_id", "stage", "share_basis"])


def country_positions(year: int | None = None) -> pd.DataFrame:
    """Every listed producer's place in every mineral's mine and processing series: one row per
    (mineral, stage, producer) with ``share_pct`` (the series layer's stored share, percent of the
    world total), ``rank`` (1 = largest known share; withheld values unranked), ``source_label`` and
    ``year`` of the series. ``year``: that year where a series publishes it, else its latest."""
    if year is not None:
        year = v.year("year", year, sorted(int(y) for y in c._production_all()["year"].unique()))
    return _positions(year).copy()


def _naming(frame: pd.DataFrame, column: str, iso3: str) -> pd.Series:
    """Rows whose ``column`` (a code, a joint label ``A+B`` or a ``;`` list) names ``iso3``."""
    return frame[column].map(lambda x: iso3 in {p for item in c.split_ids(x) for p in c.joint_parts(item)})


def _joint(code: str, iso3: str) -> str:
    return code if code != iso3 else ""


# --------------------------------------------------------------------------- the profile

@dataclass
class CountryProfile:
    """What the data say about one country. Every frame keeps its source columns; an empty frame
    means the data hold nothing on it (``known`` / ``unknown`` say so in words)."""

    iso3: str
    name: str
    shares: pd.DataFrame          # mine and processing shares per mineral, ranked
    top: pd.DataFrame             # the rows of ``shares`` where it ranks 1..3
    reserves: pd.DataFrame
    imports: pd.DataFrame
    deals: pd.DataFrame
    agreements: pd.DataFrame
    groups: pd.DataFrame
    governance: dict
    eu_sourcing: pd.DataFrame
    known: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def deal_dollars(self) -> dict:
        """Deal amounts naming it: ``counted`` sums deals that count in totals (no aggregate, one
        figure per conflict group) with this country as the only asset country; ``shared`` those
        naming other countries too (not attributable); ``aggregate`` totals reported for several deals."""
        d = self.deals
        if d.empty:
            return dict(counted=0.0, n_counted=0, shared=0.0, aggregate=0.0, n_deals=0)
        amount = d["amount_usd"]
        sole = d["shared_with"] == ""
        counted = d["counts_in_totals"].fillna(False).astype(bool) & sole & amount.notna()
        shared = d["counts_in_totals"].fillna(False).astype(bool) & ~sole & amount.notna()
        agg = d["is_aggregate"].fillna(False).astype(bool) & amount.notna()
        return dict(counted=float(amount[counted].sum()), n_counted=int(counted.sum()),
                    shared=float(amount[shared].sum()), aggregate=float(amount[agg].sum()), n_deals=len(d))


def _shares_of(iso3: str, year: int | None) -> pd.DataFrame:
    pos = _positions(year)
    rows = pos[_naming(pos, "code", iso3)].copy()
    rows["joint_label"] = [_joint(code, iso3) for code in rows["code"]]
    names = c.mineral_names()
    rows.insert(1, "mineral", rows["mineral_id"].map(lambda m: names.get(m, m)))
    rows["is_top1"] = rows["rank"].eq(1).fillna(False).astype(bool)
    rows["is_top3"] = rows["rank"].le(TOP_N).fillna(False).astype(bool)
    return rows.sort_values(["stage", "share_pct", "mineral_id"], ascending=[True, False, True],
                            na_position="last").reset_index(drop=True)


@c.memo(maxsize=1)
def _reserves_all() -> pd.DataFrame:
    """The stored reserves series (``reserves_latest``: one edition per year, shares under the series
    rule), default measure, each mineral's latest year."""
    frame = query("SELECT r.*, m.name AS mineral FROM reserves_latest r JOIN minerals m USING (mineral_id) "
                  "WHERE r.is_default_measure ORDER BY r.rowid")
    latest = frame.groupby("mineral_id")["year"].transform("max")
    return frame[frame["year"] == latest].reset_index(drop=True)


def _reserves_of(iso3: str) -> pd.DataFrame:
    frame = _reserves_all()
    rows = frame[_naming(frame, "country", iso3)].copy()
    rows["joint_label"] = [_joint(code, iso3) for code in rows["country"]]
    # Flags (W, NA, ranges, 'included elsewhere') stay flags: value and share are NaN, never 0.
    return rows[["mineral_id", "mineral", "year", "country", "joint_label", "value", "value_low", "value_high", "unit",
                 "flag", "share_pct", "share_flag", "world_value", "vintage", "source_file", "source_line"]
                ].sort_values(["share_pct", "mineral_id"], ascending=[False, True], na_position="last"
                              ).reset_index(drop=True)


@c.memo(maxsize=1)
def _imports_all() -> pd.DataFrame:
    rows = []
    for mid in sorted(c._import_sources_all()["mineral_id"].unique()):
        frame, basis, measure = c.import_source_shares(mid)
        if frame.empty:
            continue
        rows.append(frame.assign(basis=basis))
    return pd.concat(rows, ignore_index=True)


def _imports_of(iso3: str) -> pd.DataFrame:
    frame = _imports_all()
    rows = frame[_naming(frame, "country", iso3)].copy()
    names = c.mineral_names()
    rows.insert(1, "mineral", rows["mineral_id"].map(lambda m: names.get(m, m)))
    rows["joint_label"] = [_joint(code, iso3) for code in rows["country"]]
    rows["nir_pct"] = [c.nir(m).pct for m in rows["mineral_id"]]
    rows["nir_bound"] = [c.nir(m).bound for m in rows["mineral_id"]]
    return rows[["mineral_id", "mineral", "rank", "share_pct", "basis", "period", "measure", "joint_label",
                 "nir_pct", "nir_bound", "vintage", "table_source", "source_file", "source_line"]
                ].sort_values(["rank", "mineral_id"], na_position="last").reset_index(drop=True)


def _deals_of(iso3: str) -> pd.DataFrame:
    frame = api.deals(include_aggregates=True)
    rows = frame[_naming(frame, "asset_country", iso3)].copy()
    rows["shared_with"] = [";".join(p for p in c.split_ids(x) if p != iso3) for x in rows["asset_country"]]
    return rows.reset_index(drop=True)


def _agreements_of(iso3: str) -> pd.DataFrame:
    direct = api.agreements(country=iso3).assign(via="")
    if iso3 not in c.EU27:
        return direct
    # The EU is a party for its 27 member states: listed, and marked as through the EU.
    eu = api.agreements(country="EU").assign(via="EU")
    return pd.concat([direct, eu[~eu["agreement_id"].isin(direct["agreement_id"])]], ignore_index=True)


def _groups_of(iso3: str) -> pd.DataFrame:
    members = ["EU", iso3] if iso3 in c.EU27 else [iso3]
    frame = query("SELECT group_id, group_name, member, notes, source_doc, source_title, source_url, source_quote "
                  "FROM country_groups WHERE list_contains(?, member) ORDER BY group_id", [members])
    return frame.assign(via=np.where(frame["member"] == "EU", "EU", ""))


def _governance_of(iso3: str) -> dict:
    scores = wgi_scores(WGI_YEAR)
    row = scores[scores["iso3"] == iso3]
    if row.empty:
        return dict(wgi_year=WGI_YEAR, wgi_mean=np.nan, wgi_scaled=np.nan, n_indicators=0, rank=None,
                    n_scored=len(scores))
    r = row.iloc[0]
    rank = int((scores["wgi_scaled"] < r["wgi_scaled"]).sum()) + 1    # 1 = best governed
    return dict(wgi_year=WGI_YEAR, wgi_mean=float(r["wgi_mean"]), wgi_scaled=float(r["wgi_scaled"]),
                n_indicators=int(r["n_indicators"]), rank=rank, n_scored=len(scores))


def _eu_sourcing_of(iso3: str) -> pd.DataFrame:
    frame = api.eu_supply_shares(basis="eu_sourcing")
    return frame[frame["country"] == iso3].reset_index(drop=True)


def country_profile(country: str, year: int | None = None) -> CountryProfile:
    """Everything the workbook holds on one country (ISO3 code or name; an unknown one raises
    :class:`UnknownCountry`, an ``InvalidArgument`` listing close matches).

    ``shares``: its share (percent, the series layer's stored ``share_pct``) of world mine production
    and of processing for every mineral whose series lists it, with its rank, the leader, the
    series' ``source_label`` and ``year`` (``year``: that year where published, else the latest);
    ``top``: where it ranks 1..3. ``reserves``: each mineral's latest reserves row (flags kept,
    never 0). ``imports``: U.S. import sources naming it (headline measure: rank, share, period).
    ``deals`` / ``agreements`` / ``groups``: cited curated rows (agreements and groups of the EU
    for a member state, marked ``via='EU'``). ``governance``: WGI mean and the EU 0–10 score used
    in HHI_WGI. ``eu_sourcing``: EC 2023 EU-sourcing shares naming it (``provenance`` on each row).
    """
    iso3 = resolve_country(country)
    if year is not None:
        year = v.year("year", year, sorted(int(y) for y in c._production_all()["year"].unique()))
    name = country_name(iso3)
    shares = _shares_of(iso3, year)
    prof = CountryProfile(iso3, name, shares, shares[shares["is_top3"]].sort_values(
        ["rank", "stage", "mineral_id"]).reset_index(drop=True), _reserves_of(iso3), _imports_of(iso3),
        _deals_of(iso3), _agreements_of(iso3), _groups_of(iso3), _governance_of(iso3), _eu_sourcing_of(iso3))
    prof.known, prof.unknown = _known_unknown(prof)
    return prof


def _known_unknown(p: CountryProfile) -> tuple[list[str], list[str]]:
    """What the data say and do not say about the country, in words (for an honest page)."""
    known, unknown = [], []
    left = positions_left_out()
    if len(left):
        unknown.append("Shares of world leave out " + rules.left_out_note(left, c.mineral_names())
                       .removeprefix("Left out (no world total to rank against): ").rstrip(".")
                       + " (no world total to take a share of)")
    for stage, what in (("mine", "mine production"), ("processing", "processing")):
        rows = p.shares[p.shares["stage"] == stage]
        numbers = rows[rows["known"] & (rows["share_pct"] > 0)]
        withheld = rows[~rows["known"]]
        if len(numbers):
            known.append(f"{what}: a share of world output for {len(numbers)} mineral(s)")
        if len(withheld):
            known.append(f"{what}: listed without a number (withheld or not available) for "
                         f"{', '.join(withheld['mineral'])}")
        if rows.empty:
            unknown.append(f"no USGS or IEA {what} series lists {p.name} separately (it may be inside "
                           "'other countries')")
    zero = p.shares[p.shares["known"] & (p.shares["value"] == 0)]
    if len(zero):
        known.append(f"production listed as zero (USGS prints a dash) for {', '.join(sorted(set(zero['mineral'])))}")
    res = p.reserves
    if len(res):
        known.append(f"reserves listed for {', '.join(res['mineral'])}")
    else:
        unknown.append("no USGS reserves table lists it separately")
    for frame, yes, no in ((p.imports, "a listed U.S. import source for {n} mineral(s)",
                            "not among the major U.S. import sources USGS lists"),
                           (p.deals, "named in {n} deal(s) of the curated dataset", "no deal in the curated dataset"),
                           (p.agreements, "party to {n} agreement(s)", "no agreement in the curated dataset"),
                           (p.groups, "member of {n} group(s)", "in none of the curated country groups"),
                           (p.eu_sourcing, "named in {n} EU-sourcing share(s) of the EC 2023 study",
                            "not named in the EC 2023 study's EU-sourcing shares")):
        (known.append(yes.format(n=len(frame))) if len(frame) else unknown.append(no))
    if np.isnan(p.governance["wgi_scaled"]):
        unknown.append(f"no WGI governance score for {p.governance['wgi_year']}")
    return known, unknown


# --------------------------------------------------------------------------- coalitions

def coalition_members(group: str | None = None, add: Iterable[str] | str | None = None,
                      remove: Iterable[str] | str | None = None) -> c.Members:
    """A coalition: a ``country_groups`` group and/or added countries (ISO3 or names), minus removed
    ones. ``EU`` expands to its 27 member states (:func:`rexlib.metrics._common.resolve_members`)."""
    add = v.items("add", add, c.all_countries())
    remove = v.items("remove", remove, c.all_countries())
    added = [a if str(a).strip().upper() == "EU" else resolve_country(a) for a in add]
    base = c.resolve_members(group, added if added else None) if (group is not None or added) else None
    if base is None:
        raise v.InvalidArgument("group", None, c.group_ids(), " (give a group id or countries to add)")
    removed = {resolve_country(r) for r in remove}
    codes = base.codes - removed
    if removed & {"EU", *c.EU27}:
        codes -= {"EU"}
    label = base.label + (f" − {';'.join(sorted(removed))}" if removed else "")
    if not codes:
        raise v.InvalidArgument("remove", ";".join(sorted(removed)), sorted(base.codes),
                                " (removing these leaves no member)")
    return c.Members(frozenset(codes), label, base.note, base.dropped)


def coalition(group: str | None = None, add=None, remove=None, *, year: int | None = None,
              critical: str | None = None) -> pd.DataFrame:
    """:func:`rexlib.metrics.coverage.coalition_coverage` of a group with countries added/removed:
    per mineral the share of world mining, processing and U.S. imports the set covers."""
    m = coalition_members(group, add, remove)
    table = _coverage(m.codes, year)
    keep = c.critical_set(critical)
    if keep is not None:
        table = table[table["mineral_id"].isin(keep)]
    return table.assign(group=m.label).reset_index(drop=True)


POOLS_YML = Path(__file__).resolve().parent.parent / "metadata" / "partner_pools.yml"


def _pools() -> dict:
    with open(POOLS_YML, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def partner_pool(pool: str | None = None) -> tuple[frozenset[str], str]:
    """The declared candidate partners (rexlib/metadata/partner_pools.yml) and the pool's description:
    ``agreements_and_ministerial`` (default): the parties of the U.S. critical-minerals agreements
    (data/curated/agreements.csv, the kinds declared; the US–China reprieve excluded, with its reason)
    and the members of the 2026 ministerial's groups (country_groups.csv), the United States left out;
    ``listed_producers``: None here (every producer the series list; the caller forms it)."""
    spec = _pools()
    name = c.choice("pool", pool or spec["default"], list(spec["pools"]))
    decl = spec["pools"][name]
    if name == "listed_producers":
        return frozenset(), decl["description"]
    agreements = query("SELECT agreement_id, kind, parties FROM agreements")
    keep = agreements[agreements["kind"].isin(decl.get("agreement_kinds", []))
                      & ~agreements["agreement_id"].isin(list(decl.get("exclude_agreements", {})))]
    codes = {p for parties in keep["parties"].dropna() for p in str(parties).split(";") if p}
    for gid in decl.get("groups", []):
        codes |= set(c.group_members(gid)[1])
    codes -= {"USA"}
    expanded = set()
    for code in codes:
        expanded |= set(c.EU27) if code == "EU" else {code}
    return frozenset(expanded), decl["description"]


def marginal_coverage(group: str | None = None, countries: Iterable[str] | str | None = None, *,
                      stage: str = "mine", critical: str | None = "2022", candidates: Iterable[str] | None = None,
                      year: int | None = None, weakest: int = 10, minerals: Iterable[str] | None = None,
                      remove: Iterable[str] | None = None, pool: str | None = None) -> pd.DataFrame:
    """Which candidate partner adds most coverage where a set of countries is weakest.

    The set: ``group`` and/or ``countries`` (minus ``remove``). Its coverage per mineral at ``stage``
    (``mine`` | ``processing`` | ``import``) is :func:`coalition_coverage`'s; the ``weakest`` minerals
    (lowest coverage; on the ``critical`` list, or ``minerals``) are kept. For each candidate (default:
    every producer or import source those minerals' series list, not yet a member) the added coverage
    of one mineral is ``covered_share(parts, set + candidate) − covered_share(parts, set)`` in
    percentage points; candidates are ranked by the sum over the weakest minerals (ties by ISO3).
    Candidates: ``candidates`` when given, else the declared ``pool`` (:func:`partner_pool`; default
    the countries of the agreements and the 2026 ministerial, so China is never offered unless a
    caller names it or asks for ``pool='listed_producers'``); ``attrs['pool']`` describes it.

    Columns: rank, country, name, added_pp (sum), minerals_added, best_mineral, best_added_pp, detail.
    ``attrs['weakest']`` holds the weakest minerals with their coverage and series label.
    """
    stg = c.choice("stage", stage, list(STAGES))
    n = int(c.number("weakest", weakest, 1, 1000))
    members = coalition_members(group, countries, remove)
    table = coalition(group, countries, remove, year=year, critical=critical)
    col = COVERAGE_COLUMN[stg]
    if minerals is not None:
        keep = [c.mineral(x) for x in ([minerals] if isinstance(minerals, str) else minerals)]
        table = table[table["mineral_id"].isin(keep)]
    table = table[table[col].notna()].sort_values([col, "mineral_id"]).head(n).reset_index(drop=True)
    blocks: dict[str, tuple[pd.DataFrame, str]] = {}
    for mid in table["mineral_id"]:
        if stg == "import":
            parts = import_parts(mid)[0]
            label = f"{c.USGS_SOURCE} (U.S. import sources, headline measure)"
        else:
            series = _series(mid, stg, year)
            parts, label = series.parts, f"{series.label} {series.stage} {series.year}"
        blocks[mid] = (parts, label)
    weak = table[["mineral_id", col]].rename(columns={col: "covered_pct"})
    weak["source"] = [blocks[m][1] for m in weak["mineral_id"]]
    listed = {p for parts, _ in blocks.values() for code in parts["country"]
              if code not in (WORLD, REST_OF_WORLD) for p in c.joint_parts(code)}
    if candidates is not None:
        pool_text = "the candidates given"
        pool = sorted({resolve_country(x) for x in candidates} - members.codes)
    else:
        declared, pool_text = partner_pool(pool)
        pool = sorted((listed if not declared else declared) - members.codes)
    names = c.mineral_names()
    base = {mid: covered_share(parts, members)["covered_pct"] for mid, (parts, _) in blocks.items()}
    rows = []
    for cand in pool:
        plus = c.Members(members.codes | {cand}, f"{members.label} + {cand}")
        gains = {mid: covered_share(parts, plus)["covered_pct"] - base[mid] for mid, (parts, _) in blocks.items()}
        gains = {mid: g for mid, g in gains.items() if g > 1e-9}
        if not gains:
            continue
        best = max(sorted(gains), key=lambda m: gains[m])
        rows.append(dict(country=cand, name=country_name(cand), added_pp=float(sum(gains.values())),
                         minerals_added=len(gains), best_mineral=best, best_added_pp=float(gains[best]),
                         detail="; ".join(f"{names.get(m, m)} +{g:.1f}" if g >= 0.05 else
                                          f"{names.get(m, m)} +{g:.2g}" for m, g in
                                          sorted(gains.items(), key=lambda kv: (-kv[1], kv[0])))))
    out = pd.DataFrame(rows, columns=["country", "name", "added_pp", "minerals_added", "best_mineral",
                                      "best_added_pp", "detail"])
    out = out.sort_values(["added_pp", "country"], ascending=[False, True]).reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    out.attrs["weakest"] = weak
    out.attrs["pool"] = pool_text
    out.attrs["stage"] = stg
    out.attrs["members"] = members
    return out
