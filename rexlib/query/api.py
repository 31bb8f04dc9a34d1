"""The query API: plain arguments in, DataFrames out. Every argument is checked against the data
and bound as a SQL parameter."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from rexlib.etl import series
from rexlib.core import validate as v
from rexlib.core.ids import stage_word
from rexlib.sources.eu_crm import STAGES as EU_STAGE_FAMILIES
from rexlib.sources.wgi import WGI_METHOD
from .warehouse import memo, query, reset


@memo(1)
def _mineral_ids() -> tuple[str, ...]:
    return tuple(query("SELECT mineral_id FROM minerals ORDER BY 1")["mineral_id"])


@memo(1)
def _country_codes() -> tuple[str, ...]:
    return tuple(query("SELECT iso3 FROM countries ORDER BY 1")["iso3"])


def clear_caches() -> None:
    """Forget cached results (kept for callers of the old API; the cache is keyed by the database's
    identity, so a rebuild never needs this)."""
    reset()


@memo(256)
def _distinct(table: str, column: str, mineral: str | None = None) -> tuple:
    # table/column come from this module only, never from a caller.
    if mineral is None:
        frame = query(f'SELECT DISTINCT "{column}" AS v FROM "{table}" WHERE "{column}" IS NOT NULL ORDER BY 1')
    else:
        frame = query(f'SELECT DISTINCT "{column}" AS v FROM "{table}" WHERE mineral_id = ? '
                      f'AND "{column}" IS NOT NULL ORDER BY 1', [mineral])
    return tuple(frame["v"])


def mineral_id(value: object) -> str:
    """Validate a mineral id (``'Lithium'`` and ``' lithium '`` are accepted as ``'lithium'``)."""
    if isinstance(value, str):
        value = value.strip().lower().replace(" ", "_").replace("-", "_")
    return v.choice("mineral", value, _mineral_ids())


def country_code(value: object) -> str:
    if isinstance(value, str):
        value = value.strip().upper()
    return v.choice("country", value, _country_codes(), normalise=False)


def minerals(critical: str | None = None) -> pd.DataFrame:
    """All minerals; ``critical='2022'`` or ``'2025'`` keeps those on that U.S. critical-minerals list."""
    sql = "SELECT * FROM minerals"
    if critical is not None:
        which = v.choice("critical", str(critical), ["2022", "2025"])
        sql += f" WHERE critical_{which}"
    return query(sql + " ORDER BY mineral_id")


def stages(mineral: str | None = None) -> list[str]:
    """A mineral's production stages in any edition (``mine``, ``refinery`` ...); with no mineral,
    every stage any mineral has."""
    return list(_distinct("production", "stage", None if mineral is None else mineral_id(mineral)))


def production_years(mineral: str | None = None, stage: str | None = None) -> list[int]:
    """Years with production rows in any edition: of a mineral (and stage); with no mineral, of any."""
    if mineral is None:
        if stage is not None:
            raise v.InvalidArgument("stage", stage, ["None (a stage needs a mineral)"])
        return [int(y) for y in _distinct("production", "year")]
    mid = mineral_id(mineral)
    if stage is None:
        return [int(y) for y in _distinct("production", "year", mid)]
    stg = v.choice("stage", stage, stages(mid))
    frame = query("SELECT DISTINCT year FROM production WHERE mineral_id = ? AND stage = ? ORDER BY 1", [mid, stg])
    return [int(y) for y in frame["year"]]


def primary_stage(mineral: str) -> str:
    """The stage a mineral's figures use when none is given (``rexlib/metadata/series.yml``)."""
    mid = mineral_id(mineral)
    stage = series.primary_stage(mid)
    if stage is None:
        raise v.InvalidArgument("mineral", mineral, _distinct("production", "mineral_id"),
                                " (no USGS production table for this mineral)")
    return stage


def production(mineral: str, stage: str | None = None, year: int | None = None, *, vintage: str | None = None,
               measure: str | None = None) -> pd.DataFrame:
    """Production by country for one mineral and stage (default: the mineral's primary stage).

    Every row of a series (mineral × stage × year) comes from one edition (``vintage``: the newest
    that publishes the year, :mod:`rexlib.etl.series`); ``vintage=`` returns that edition's rows instead.
    Columns: country, name, year, measure, qualifier, value, value_low, value_high, unit, flag,
    share_pct (percent of ``world_value``, the series' world total under the share rule; NaN when
    the value is withheld/unknown, and for every row of a series whose ``share_basis`` has no share),
    share_flag (``parts_exceed_world_total``, ``world_excludes_us``, ``world_is_sum_of_listed`` ...),
    share_basis (series.yml ``series_basis``: ``world_published`` a share of world,
    ``world_sum_of_listed`` a share of the listed producers, ``us_only`` / ``no_world`` no share),
    product (what the row measures: boron's rows are a table by form), world_value, world_reported,
    series_measure, is_default_measure (the series figures use), is_aggregate (``WLD``/``ROW``),
    mineral_id, stage, vintage, source_file, source_line, note.
    """
    return _production(mineral, stage, year, vintage, measure)


@memo(2048)
def _production(mineral, stage, year, vintage, measure) -> pd.DataFrame:
    mid = mineral_id(mineral)
    index = _series_index()
    stages_ = sorted(s for m, s in index if m == mid)
    stg = primary_stage(mid) if stage is None else v.choice("stage", stage, stages_ or ["mine"])
    if vintage is not None:
        params: list = [mid, stg, v.choice("vintage", vintage, _distinct("production", "vintage", mid), normalise=False)]
        rows = query("SELECT * FROM production p WHERE p.mineral_id = ? AND p.stage = ? AND p.vintage = ?", params)
        frame = _named(series.apply_basis(series.with_shares(rows), strict=False).drop(columns=["known"]))
    else:
        frame = index.get((mid, stg), _production_all().iloc[0:0])
    if year is not None:
        valid = frame["year"].unique() if vintage is not None else index.get((mid, stg), frame)["year"].unique()
        frame = frame[frame["year"] == v.year("year", year, valid)]
    if measure is not None:
        frame = frame[frame["measure"] == v.choice("measure", measure, _distinct("production", "measure", mid),
                                                   normalise=False)]
    return frame.reset_index(drop=True)


@memo(1)
def _series_index() -> dict[tuple[str, str], pd.DataFrame]:
    """``production_latest`` (one query per database) split by (mineral, stage), in the API's order."""
    return {key: part.reset_index(drop=True) for key, part in _production_all().groupby(["mineral_id", "stage"],
                                                                                        sort=False)}


_SHARE_COLUMNS = ["country", "name", "year", "measure", "qualifier", "value", "value_low", "value_high", "unit",
                  "flag", "share_pct", "share_flag", "share_basis", "product", "world_value", "world_reported",
                  "series_measure",
                  "series_qualifier", "is_default_measure", "is_aggregate", "mineral_id", "stage", "vintage", "source_file",
                  "source_line", "note"]
_ORDER = ["mineral_id", "stage", "year", "measure", "value", "country", "qualifier", "vintage"]


@memo(1)
def _country_names() -> tuple[dict, dict]:
    frame = query("SELECT iso3, name, kind FROM countries")
    return dict(zip(frame["iso3"], frame["name"])), dict(zip(frame["iso3"], frame["kind"]))


def _named(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with the country's name and ``is_aggregate``, in the API's order (year, measure, value
    descending, country)."""
    names, kinds = _country_names()
    frame = frame.assign(name=frame["country"].map(names), is_aggregate=frame["country"].map(kinds).eq("aggregate"))
    frame = frame.sort_values(_ORDER, ascending=[True, True, True, True, False, True, True, True],
                              na_position="last", kind="mergesort")
    return frame[_SHARE_COLUMNS].reset_index(drop=True)


def production_all() -> pd.DataFrame:
    """Every mineral's and stage's production rows in one frame (the series of ``production_latest``),
    with the columns of ``production``: split by (mineral_id, stage) it equals ``production(mineral,
    stage)`` for each. One query (the apps' preheated kernels load it once)."""
    return _production_all()


@memo(1)
def _production_all() -> pd.DataFrame:
    return _named(query("SELECT * FROM production_latest"))


def reserves(mineral: str, year: int | None = None) -> pd.DataFrame:
    """Reserves by country, each year from one edition (the series rule); share_pct of the world total."""
    return _reserves(mineral, year)


@memo(512)
def _reserves(mineral, year) -> pd.DataFrame:
    mid = mineral_id(mineral)
    params: list = [mid]
    where = "p.mineral_id = ?"
    if year is not None:
        where += " AND p.year = ?"
        params.append(v.year("year", year, _distinct("reserves", "year", mid)))
    return _named(query(f"SELECT * FROM reserves_latest p WHERE {where}", params))


def import_reliance(year: int | None = None, *, mineral: str | None = None, table_source: str = "salient",
                    vintage: str | None = None) -> pd.DataFrame:
    """U.S. net import reliance, one row per mineral/measure (and year when ``year`` is None).

    ``table_source='salient'`` (default): MCS2026 salient statistics, 2021–2025, every measure, plus
    the Fig2 line where that is the headline (2024: MCS2025's Fig2). ``table_source='figure'``: the
    report's Fig2 lines only (MCS2025: 2024; MCS2026: 2025).
    ``headline`` marks exactly one row per mineral and year: the figure every app, metric and report
    uses (rule in ``rexlib/metadata/series.yml``). ``nir_bound``: ``=`` exact, ``>``/``<`` bound
    (``nir_pct`` holds the bound), ``E`` net exporter, ``NA``/``W`` unknown/withheld.
    """
    return _import_reliance(year, mineral, table_source, vintage)


@memo(512)
def _import_reliance(year, mineral, table_source, vintage) -> pd.DataFrame:
    src = v.choice("table_source", table_source, ["salient", "figure"])
    if src == "salient":
        sql = ["SELECT r.*, m.name, m.critical_2022, m.critical_2025 FROM import_reliance r "
               "JOIN minerals m USING (mineral_id) WHERE (r.table_source = 'salient' OR r.headline)"]
        params: list = []
    else:
        sql = ["SELECT r.*, m.name, m.critical_2022, m.critical_2025 FROM import_reliance r "
               "JOIN minerals m USING (mineral_id) WHERE r.table_source = ?"]
        params = [src]
    if vintage is not None:
        sql.append("AND r.vintage = ?")
        params.append(v.choice("vintage", vintage, _distinct("import_reliance", "vintage"), normalise=False))
    if year is not None:
        sql.append("AND r.year = ?")
        params.append(v.year("year", year, _distinct("import_reliance", "year")))
    if mineral is not None:
        sql.append("AND r.mineral_id = ?")
        params.append(mineral_id(mineral))
    return query(" ".join(sql) + " ORDER BY r.year, r.nir_pct DESC NULLS LAST, r.mineral_id, r.table_source, "
                 "r.source_line", params)


def headline_import_reliance(year: int | None = None, *, critical: str | None = None) -> pd.DataFrame:
    """The headline net import reliance: one row per mineral and year (the ``headline`` rows of
    :func:`import_reliance`), with ``measure``, ``table_source`` and ``vintage`` saying where it is from."""
    frame = import_reliance(year)
    frame = frame[frame["headline"]]
    if critical is not None:
        which = v.choice("critical", str(critical), ["2022", "2025"])
        frame = frame[frame[f"critical_{which}"].fillna(False).astype(bool)]
    return frame.reset_index(drop=True)


def import_sources(mineral: str, *, period: str | None = None) -> pd.DataFrame:
    """Major U.S. import sources, ranked; ``share_pct`` where USGS gives it (MCS2026), else rank only.
    ``headline`` marks the rows of the measure USGS draws in Fig3 (the one every app uses)."""
    return _import_sources(mineral, period)


@memo(512)
def _import_sources(mineral, period) -> pd.DataFrame:
    mid = mineral_id(mineral)
    params: list = [mid]
    sql = ("SELECT s.*, c.name FROM import_sources s JOIN countries c ON c.iso3 = s.country "
           "WHERE s.mineral_id = ?")
    if period is not None:
        sql += " AND s.period = ?"
        params.append(v.choice("period", period, _distinct("import_sources", "period", mid), normalise=False))
    return query(sql + " ORDER BY s.headline DESC, s.vintage DESC, s.table_source DESC, s.measure, "
                 "s.rank NULLS LAST", params)


def iea_minerals() -> tuple[str, ...]:
    """Mineral ids the IEA workbook covers (the ``refining`` table)."""
    return _distinct("refining", "mineral_id")


# The IEA editions and their supply / demand tables (rexlib.etl.series.IEA_VINTAGES; issue 27).
IEA_SUPPLY_TABLES = {"IEA2024": "refining", "IEA2025": "iea_supply_2025"}
IEA_DEMAND_TABLES = {"IEA2024": "iea_demand", "IEA2025": "iea_demand_2025"}


def refining(mineral: str, stage: str | None = None, year: int | None = None, *,
             vintage: str = "IEA2024") -> pd.DataFrame:
    """IEA mining/refining by country (kt, share of the block total); ``ROW`` = IEA's "Rest of world".
    ``vintage``: ``IEA2024`` (the May 2024 workbook, observed 2023; default) or ``IEA2025`` (the 2025
    edition's UNOFFICIAL third-party conversion, observed 2024; rows cite a JSON path, ``provenance`` says so)."""
    table = IEA_SUPPLY_TABLES[v.choice("vintage", vintage, list(IEA_SUPPLY_TABLES), normalise=False)]
    valid = _distinct(table, "mineral_id")
    mid = mineral_id(mineral)
    if mid not in valid:
        raise v.InvalidArgument("mineral", mineral, valid, " (the IEA workbook covers only these minerals)")
    params: list = [mid]
    sql = f"SELECT r.*, c.name FROM {table} r JOIN countries c ON c.iso3 = r.country WHERE r.mineral_id = ?"
    if stage is not None:
        sql += " AND r.stage = ?"
        params.append(v.choice("stage", stage, _distinct(table, "stage", mid)))
    if year is not None:
        sql += " AND r.year = ?"
        params.append(v.year("year", year, _distinct(table, "year", mid)))
    return query(sql + " ORDER BY r.stage, r.year, r.value_kt DESC", params)


def us_salient(mineral: str, statistic: str | None = None) -> pd.DataFrame:
    """U.S. salient statistics of one mineral (MCS2026: production, imports, exports, consumption,
    stocks, employment ...) by measure and year, in the unit USGS gives; ``statistic`` keeps one."""
    mid = mineral_id(mineral)
    params: list = [mid]
    sql = "SELECT * FROM us_salient WHERE mineral_id = ?"
    if statistic is not None:
        sql += " AND statistic = ?"
        params.append(v.choice("statistic", statistic, _distinct("us_salient", "statistic", mid), normalise=False))
    return query(sql + " ORDER BY statistic, measure, year", params)


def prices(mineral: str | None = None) -> pd.DataFrame:
    """USGS price series (MCS2026 salient statistics) by mineral, measure and year; units stated
    (cents per pound converted to dollars per pound, measure text included), flags kept."""
    params: list = []
    sql = "SELECT * FROM prices"
    if mineral is not None:
        sql += " WHERE mineral_id = ?"
        params.append(mineral_id(mineral))
    return query(sql + " ORDER BY mineral_id, measure, year", params)


def quality_issues() -> pd.DataFrame:
    """Every raw value the build could not parse or had to fix, and every allow-list entry used:
    file, line, column, raw value, what was done and why."""
    return query("SELECT * FROM quality_issues ORDER BY file, line")


def publisher_checks(status: str | None = None) -> pd.DataFrame:
    """Every check of the build against the publishers' own figures (world totals, T7, Fig2, Fig3,
    IEA top-3, EU and IEA-demand sums): expected, computed, difference, tolerance, ``status``
    (pass | allowed | fail | not_comparable) and the reason; allowances come from
    ``rexlib/metadata/corrections.yml``."""
    params: list = []
    sql = "SELECT * FROM publisher_checks"
    if status is not None:
        sql += " WHERE status = ?"
        params.append(v.choice("status", status, ["pass", "allowed", "fail", "not_comparable"]))
    return query(sql + ' ORDER BY "check", subject', params)


# --- policy datasets (hand-curated, cited; data/curated) -------------------------------------

def _in_list(column: str) -> str:
    """SQL condition: the ';'-separated list in ``column`` (a constant of this module) holds the
    bound value."""
    return f"list_contains(string_split(coalesce({column}, ''), ';'), ?)"


def _policy_stage(value: object) -> str:
    from rexlib.core.ids import POLICY_STAGES
    return v.choice("stage", value, POLICY_STAGES)


def deals(mineral: str | None = None, agency: str | None = None, stage: str | None = None,
          country: str | None = None, include_aggregates: bool = False) -> pd.DataFrame:
    """Financing deals. Aggregates (totals that sum other rows) are left out unless asked for, so a
    sum of ``amount_usd`` never double-counts. Rows sharing a ``conflict_group`` are the same figure
    as reported differently by different documents; both are kept, each cited.

    ``mineral`` matches deals listing that mineral; ``agency`` matches case-insensitively within the
    agency field (e.g. ``"EXIM"`` also finds ``"EXIM; private"``); ``country`` is the asset's ISO3.
    """
    if not isinstance(include_aggregates, bool):
        raise v.InvalidArgument("include_aggregates", include_aggregates, [True, False])
    # counts_in_totals: not an aggregate, and within a conflict group only the smallest figure
    # counts (the conservative reading, as in rexlib.metrics.financing's default), so sums never
    # double-count.
    sql = ["""SELECT * FROM (SELECT *, NOT coalesce(is_aggregate, false) AND (conflict_group IS NULL OR
              row_number() OVER (PARTITION BY conflict_group ORDER BY amount_usd ASC NULLS LAST,
                  deal_id) = 1) AS counts_in_totals
              FROM deals) WHERE 1 = 1"""]
    params: list = []
    if not include_aggregates:
        sql.append("AND NOT coalesce(is_aggregate, false)")
    if mineral is not None:
        sql.append("AND " + _in_list("minerals"))
        params.append(mineral_id(mineral))
    if agency is not None:
        agencies = sorted({a.strip() for s in _distinct("deals", "agency") for a in s.split(";")})
        if not isinstance(agency, str) or not any(agency.strip().lower() == a.lower() for a in agencies):
            raise v.InvalidArgument("agency", agency, agencies)
        sql.append("AND list_contains(list_transform(string_split(agency, ';'), lambda x: lower(trim(x))), ?)")
        params.append(agency.strip().lower())
    if stage is not None:
        sql.append("AND stage = ?")
        params.append(_policy_stage(stage))
    if country is not None:
        sql.append("AND asset_country = ?")
        params.append(country_code(country))
    return query(" ".join(sql) + " ORDER BY announced_date NULLS LAST, deal_id", params)


def agreements(country: str | None = None) -> pd.DataFrame:
    """Agreements, frameworks and forums: the documents' (curated, cited) and USGS MCS2026 Table 5's
    U.S. agreements of 2025, reconciled (``origin`` curated | usgs_t5 | both); ``country`` keeps those
    it is a party to (ISO3 or ``EU``)."""
    params: list = []
    sql = "SELECT * FROM agreements"
    if country is not None:
        sql += " WHERE " + _in_list("parties")
        params.append(country_code(country))
    return query(sql + " ORDER BY date NULLS LAST, agreement_id", params)


def groups() -> pd.DataFrame:
    """Every named country group with its size."""
    return query("SELECT group_id, any_value(group_name) AS group_name, count(*) AS members "
                 "FROM country_groups GROUP BY group_id ORDER BY group_id")


def group(name: str) -> list[str]:
    """Member codes (ISO3 or ``EU``) of a named group from ``country_groups``."""
    gid = v.choice("group", name, _distinct("country_groups", "group_id"))
    return list(query("SELECT member FROM country_groups WHERE group_id = ? ORDER BY member", [gid])["member"])


def export_controls(country: str | None = None, mineral: str | None = None) -> pd.DataFrame:
    """Export restrictions and reprieves: those named in the documents (curated, cited) and every
    item of USGS MCS2026 Table 4 with the year it took effect (``origin`` curated | usgs_t4 | both,
    ``kind`` licensing | quota | ban | reprieve | unspecified, ``effective_year``), by restricting
    ``country`` (ISO3) and/or ``mineral``; ordered by the year it took effect, then id."""
    params: list = []
    sql = ["SELECT * FROM export_controls WHERE 1 = 1"]
    if country is not None:
        sql.append("AND country = ?")
        params.append(country_code(country))
    if mineral is not None:
        sql.append("AND " + _in_list("minerals"))
        params.append(mineral_id(mineral))
    return query(" ".join(sql) + " ORDER BY effective_year NULLS LAST, announced_date NULLS LAST, control_id", params)


def usgs_trends(table: str, mineral: str | None = None) -> pd.DataFrame:
    """One of the USGS MCS2026 industry-trends tables read for issue 27, as published:
    ``end_uses`` (Table 6, what each critical mineral is used for), ``scrap`` (Figure 13, value of
    U.S. scrap, million dollars, and its domestic/imported/exported percent) or ``price_growth``
    (Figure 10, percent change 2024-2025 and compound annual growth 2021-2025); ``mineral`` keeps
    one mineral's rows (an empty frame where USGS prints none)."""
    name = v.choice("table", table, ("end_uses", "scrap", "price_growth"))
    sql, params = f"SELECT * FROM usgs_{name}", []
    if mineral is not None:
        sql += " WHERE mineral_id = ?"
        params.append(mineral_id(mineral))
    return query(sql + " ORDER BY source_line", params)


def claims(mineral: str | None = None, checkable: bool | None = None) -> pd.DataFrame:
    """Quantitative claims quoted from the documents (curated, cited): ``mineral`` keeps one mineral's,
    ``checkable`` those the workbook can (True) or cannot (False) check. Verdicts:
    :func:`rexlib.metrics.check_claims`."""
    params: list = []
    sql = ["SELECT * FROM claims WHERE 1 = 1"]
    if mineral is not None:
        sql.append("AND mineral = ?")
        params.append(mineral_id(mineral))
    if checkable is not None:
        if not isinstance(checkable, bool):
            raise v.InvalidArgument("checkable", checkable, [True, False])
        sql.append("AND checkable = ?")
        params.append(checkable)
    return query(" ".join(sql) + " ORDER BY claim_id", params)


def intensities(mineral: str | None = None) -> pd.DataFrame:
    """Material content per product stated in the documents (amount, bounds and unit per ``per``;
    curated, cited), optionally for one mineral."""
    params: list = []
    sql = "SELECT * FROM intensities"
    if mineral is not None:
        sql += " WHERE mineral = ?"
        params.append(mineral_id(mineral))
    return query(sql + " ORDER BY intensity_id", params)


# --- derived tables (computed once by the build; rexlib.metrics computes the same on demand) ----

_CONCENTRATION_COLUMNS = ("c.mineral_id, c.stage, c.year, c.source, c.vintage, c.measure, c.unit, c.world_total, "
                          "c.hhi, c.hhi_low, c.hhi_high, c.top1_country, c.top1_share, c.top3_share, c.china_share, "
                          "c.n_countries, c.remainder_share, c.unallocated_share, c.withheld_countries, c.flags, "
                          "c.coverage_note, c.source_label, c.share_basis")
_WGI_COLUMNS = ("w.mineral_id, w.stage, w.year, w.source, w.vintage, w.hhi_wgi, w.hhi_wgi_high, w.hhi, w.hhi_high, "
                "w.wgi_weighted_mean, w.share_without_wgi, w.countries_without_wgi, w.withheld, w.missing_rule, "
                "w.wgi_fill, w.wgi_year, ? AS method, w.source_label")
# Each series' default year when no year is given: USGS the latest, IEA the latest observed.
_DEFAULT_YEAR = """c.year = CASE WHEN c.source = 'usgs'
    THEN (SELECT max(p.year) FROM production p WHERE p.mineral_id = c.mineral_id AND p.stage = c.stage)
    ELSE coalesce((SELECT max(r.year) FROM refining r WHERE r.mineral_id = c.mineral_id AND r.stage = c.stage
                   AND r.scenario = 'observed'),
                  (SELECT max(r.year) FROM refining r WHERE r.mineral_id = c.mineral_id AND r.stage = c.stage)) END"""


# A ranking across minerals: series whose basis is a world and that list a producer (yttrium: none).
_RANKED = "c.share_basis = 'world_published' AND c.world_total IS NOT NULL AND c.has_listed_producer"


def _concentration_filter(stage: str, year: int | None, source: str,
                          critical: str | None) -> tuple[str, list, Callable[[], None]]:
    """WHERE clause, parameters and a year check for :func:`stored_concentration_table` (arguments
    validated as ``rexlib.metrics.concentration_table`` validates them). The check only has to run
    when no row matches: a stored row exists for every year a stage has, so a matching row proves
    the year valid, and the apps are spared a query per widget change."""
    src = v.choice("source", source, ["usgs", "iea"])
    which = None if critical is None else v.choice("critical", str(critical), ["2022", "2025"])
    table = "production" if src == "usgs" else "refining"
    stg = v.choice("stage", stage, _distinct(table, "stage"))
    sql = ["c.source = ? AND c.stage = ? AND c.is_default_measure"]
    params: list = [src, stg]

    def valid_years():
        return (query("SELECT DISTINCT year FROM production WHERE stage = ?", [stg])["year"] if src == "usgs"
                else (2023, 2030, 2035, 2040))

    def check() -> None:
        pass
    if year is None:
        sql.append("AND " + _DEFAULT_YEAR)
    else:
        sql.append("AND c.year = ?")
        if isinstance(year, int) and not isinstance(year, bool):
            params.append(year)

            def check() -> None:
                v.year("year", year, valid_years())
        else:
            params.append(v.year("year", year, valid_years()))
    # a ranking takes only series whose basis is a world (series.yml series_basis: crushed stone is
    # U.S. only, boron has no world, kyanite's shares are of listed producers) and that list a producer
    sql.append("AND " + _RANKED)
    if which is not None:
        sql.append(f"AND c.mineral_id IN (SELECT mineral_id FROM minerals WHERE critical_{which})")
    return " ".join(sql), params, check


def stored_concentration_table(stage: str = "mine", year: int | None = None, source: str = "usgs", *,
                               critical: str | None = None) -> pd.DataFrame:
    """``rexlib.metrics.concentration_table`` read from the build's ``concentration`` table: one row
    per mineral with ``stage`` (``year``, or each mineral's latest year), sorted by HHI descending.
    Same columns and values (shares in percent, HHI 0–10,000)."""
    where, params, check = _concentration_filter(stage, year, source, critical)
    frame = query(f"SELECT {_CONCENTRATION_COLUMNS} FROM concentration c WHERE {where} "
                  "ORDER BY c.hhi DESC, c.mineral_id", params)
    if frame.empty:
        check()
    # the series a ranking leaves out (no world: series.yml series_basis), said in attrs
    left = query("SELECT c.mineral_id, c.share_basis FROM concentration c WHERE "
                 + where.replace(_RANKED, "c.share_basis <> 'world_published'")
                 + " ORDER BY c.mineral_id", params)
    frame.attrs["left_out"] = left.to_dict("records")
    frame.attrs["note"] = series.left_out_note(left, dict(zip(minerals()["mineral_id"], minerals()["name"])))
    return frame


def stored_governance_table(stage: str = "mine", year: int | None = None, *,
                            critical: str | None = None) -> pd.DataFrame:
    """``rexlib.metrics.governance_table`` (WGI 2022, missing scores = median) read from the build's
    ``concentration_wgi`` table, for the minerals of :func:`stored_concentration_table`; sorted by
    ``hhi_wgi`` (EU scale 0–10) descending."""
    where, params, check = _concentration_filter(stage, year, "usgs", critical)
    frame = query(f"SELECT {_WGI_COLUMNS} FROM concentration c JOIN concentration_wgi w "
                  f"USING (source, mineral_id, stage, year) WHERE {where} ORDER BY c.hhi DESC, c.mineral_id",
                  [WGI_METHOD, *params])
    if frame.empty:
        check()
    # The metric sorts this same order by hhi_wgi with pandas; doing the same keeps its order of ties.
    return frame.sort_values("hhi_wgi", ascending=False).reset_index(drop=True)


def stored_concentration(mineral: str, stage: str | None = None, year: int | None = None, source: str = "usgs", *,
                         measure: str | None = None, qualifier: str | None = None) -> pd.DataFrame:
    """``rexlib.metrics.concentration`` read from the build's ``concentration`` table: a one-row
    DataFrame. ``measure`` (USGS) picks another measure of the same vintage; the default is the one
    the metric picks (``is_default_measure``)."""
    src = v.choice("source", source, ["usgs", "iea"])
    mid = mineral_id(mineral)
    table = "production" if src == "usgs" else "refining"
    if stage is None:
        stage = (series.primary_stage(mid) or "mine") if src == "usgs" else "mine"
    stages_ = _distinct(table, "stage", mid)
    if not stages_:
        raise v.InvalidArgument("mineral", mineral, _distinct(table, "mineral_id"),
                                " (no USGS production data for this mineral)" if src == "usgs"
                                else " (the IEA workbook covers only these minerals)")
    stg = v.choice("stage", stage, stages_)
    sql = f"SELECT {_CONCENTRATION_COLUMNS}, c.is_default_measure, c.qualifier FROM concentration c " \
          "WHERE c.source = ? AND c.mineral_id = ? AND c.stage = ? AND "
    params: list = [src, mid, stg]
    if year is None:
        rows = query(sql + _DEFAULT_YEAR + " ORDER BY c.measure", params)
    else:
        # One query in the usual case; every series is stored, so no row means no such year (or
        # not an int): then validate against the years that exist, which names them.
        rows = None
        if isinstance(year, int) and not isinstance(year, bool):
            rows = query(sql + "c.year = ? ORDER BY c.measure", [*params, year])
        if rows is None or rows.empty:
            valid = query(f"SELECT DISTINCT year FROM {table} WHERE mineral_id = ? AND stage = ?", [mid, stg])["year"]
            rows = query(sql + "c.year = ? ORDER BY c.measure", [*params, v.year("year", year, valid)])
    if measure is None:
        picked = rows[rows["is_default_measure"]]
    else:
        picked = rows[rows["measure"] == v.choice("measure", measure, rows["measure"], normalise=False)]
        if qualifier is not None or picked["qualifier"].nunique() > 1:
            quals = sorted(picked["qualifier"].fillna("").unique(), key=lambda q: (q != "", q))
            q = v.choice("qualifier", qualifier or "", quals, normalise=False) if qualifier is not None else quals[0]
            picked = picked[picked["qualifier"].fillna("") == q]
    return picked.drop(columns=["is_default_measure", "qualifier"]).reset_index(drop=True)


# --- European Commission CRM 2023 study (issue 15): an unofficial transcription ----------------------

# The EU study's stages by code, word (stages.csv: E -> extraction) and family (mining, processing).
_EU_STAGES = {**{s: s for s in EU_STAGE_FAMILIES}, **{stage_word(s): s for s in EU_STAGE_FAMILIES},
              **{family: s for s, family in EU_STAGE_FAMILIES.items()}}
_EU_SHARE_TABLES = {"global": "eu_crm_global_supply", "eu_sourcing": "eu_crm_eu_sourcing"}


def _eu_mineral(table: str, mineral: object) -> str:
    """A mineral id or a family id (``rare_earths``, ``pgm``) that ``table`` (a constant) covers."""
    valid = sorted(set(_distinct(table, "mineral_id")) | set(_distinct(table, "family_id")))
    value = mineral.strip().lower().replace(" ", "_").replace("-", "_") if isinstance(mineral, str) else mineral
    try:
        return v.choice("mineral", value, valid)
    except v.InvalidArgument:
        raise v.InvalidArgument("mineral", mineral, valid, " (minerals and families the EU CRM 2023 study covers)") from None


def eu_supply_shares(mineral: str | None = None, stage: str | None = None, *, basis: str = "global") -> pd.DataFrame:
    """Supply shares by country from the European Commission's 2023 criticality study, Appendix 7
    (an unofficial transcription; the PDF is not verified: column ``provenance`` says so on every row).

    ``mineral``: a mineral id (``gallium``) or a family id (``rare_earths``, ``pgm``: every member);
    ``stage``: ``E``/``extraction``/``mining`` or ``P``/``processing``; ``basis``: ``global`` (global
    supply, default) or ``eu_sourcing`` (the EU's sourcing: domestic production and imports, countries
    >= 1 % only). Shares are percent and multi-year averages (``period``, e.g. ``2016-2020``), never
    one year; ``<0.1%`` is ``share_pct`` 0.1 with ``share_flag`` ``upper_bound``. ``t`` is the study's
    trade parameter. Sorted by material, stage, share descending."""
    table = _EU_SHARE_TABLES[v.choice("basis", basis, list(_EU_SHARE_TABLES))]
    sql = ["SELECT s.material, s.mineral_id, s.family_id, s.stage_mineral_id, s.material_group, s.material_group_id, "
           "s.stage, "
           "s.stage_family, s.country, c.name, s.share_pct, s.share_flag, s.share_text, s.t, s.period, "
           "s.provenance, s.vintage, s.source_file, s.source_line "
           f"FROM {table} s JOIN countries c ON c.iso3 = s.country WHERE true"]
    params: list = []
    mid = None
    if mineral is not None:
        mid = _eu_mineral(table, mineral)
        sql.append("AND (s.mineral_id = ? OR s.family_id = ?)")
        params += [mid, mid]
    if stage is not None:
        stg = _EU_STAGES[v.choice("stage", stage, list(_EU_STAGES))]
        if mid is not None:
            have = query(f"SELECT DISTINCT stage FROM {table} WHERE mineral_id = ? OR family_id = ? ORDER BY 1",
                         [mid, mid])["stage"]
            if stg not in set(have):
                raise v.InvalidArgument("stage", stage, list(have), f" (the EU study gives {mid} only at these stages)")
        sql.append("AND s.stage = ?")
        params.append(stg)
    return query(" ".join(sql) + " ORDER BY s.material, s.stage, s.share_pct DESC, s.country", params)


def eu_criticality(mineral: str | None = None, year: int | None = None) -> pd.DataFrame:
    """Supply risk (SR) and economic importance (EI) per material and EU assessment (2011, 2014, 2017,
    2020, 2023), from Annex 4 of the European Commission's 2023 study (an unofficial transcription;
    ``provenance`` on every row). ``eu_critical`` = SR >= 1.0 and EI >= 2.8 (2017-2023; NULL for
    2011/2014 and where not assessed); a material not assessed in a year has ``sr``/``ei`` NULL with
    flag ``not_assessed``. ``period`` names the assessment (scores, not annual values).

    ``mineral``: a mineral id or family id (``rare_earths``: HREE and LREE groups, ``pgm``)."""
    table = "eu_crm_criticality"
    sql = [f"SELECT * FROM {table} WHERE true"]
    params: list = []
    if mineral is not None:
        mid = _eu_mineral(table, mineral)
        sql.append("AND (mineral_id = ? OR family_id = ?)")
        params += [mid, mid]
    if year is not None:
        sql.append("AND assessment_year = ?")
        params.append(v.year("year", year, _distinct(table, "assessment_year")))
    return query(" ".join(sql) + " ORDER BY material, assessment_year", params)


# --- IEA demand outlook (issue 16; sheets 1, 3.1, 3.2, 4.x of the Critical Minerals Data Explorer) ----

def _demand_filters(table: str, mineral, scenario, year, end_use) -> tuple[list[str], list]:
    """WHERE parts and parameters shared by :func:`demand` and :func:`cleantech_demand`. A scenario
    keeps its projections and the observed 2023 base year (which belongs to every scenario)."""
    where, params = ["1 = 1"], []
    if mineral is not None:
        valid = _distinct(table, "mineral_id")
        mid = mineral_id(mineral)
        if mid not in valid:
            raise v.InvalidArgument("mineral", mineral, valid, f" (the IEA workbook's {table} covers only these)")
        where.append("AND d.mineral_id = ?")
        params.append(mid)
    if scenario is not None:
        scen = v.choice("scenario", scenario, [s for s in _distinct(table, "scenario") if s != "observed"])
        where.append("AND (d.scenario = ? OR d.year_type = 'observed')")
        params.append(scen)
    if year is not None:
        where.append("AND d.year = ?")
        params.append(v.year("year", year, _distinct(table, "year")))
    if end_use is not None:
        where.append("AND d.end_use = ?")
        params.append(v.choice("end_use", end_use, _distinct(table, "end_use")))
    return where, params


def demand(mineral: str | None = None, scenario: str | None = None, year: int | None = None,
           end_use: str | None = None, *, vintage: str = "IEA2024") -> pd.DataFrame:
    """IEA demand for the six key minerals by end use (sheet 1 of the May 2024 workbook), kt.

    One row per mineral x end use x scenario x year: ``value_kt``, ``year_type`` (``observed`` 2023,
    ``projected`` 2030–2050), ``scenario`` (STEPS/APS/NZE; ``observed`` for 2023), ``is_total`` (the
    ``total_clean_technologies`` and ``total_demand`` rows: do not add them to the end uses),
    ``source_sheet``/``source_cell``. ``scenario='APS'`` returns APS and the 2023 base year. Lithium
    is Li content (not LCE); magnet rare earths are Nd+Pr+Dy+Tb; graphite is all grades.
    ``vintage='IEA2025'``: the 2025 edition's UNOFFICIAL conversion (observed 2024; rows cite a JSON
    path; its copper and graphite-NZE sector rows do not add up to their totals, see publisher_checks).
    """
    table = IEA_DEMAND_TABLES[v.choice("vintage", vintage, list(IEA_DEMAND_TABLES), normalise=False)]
    where, params = _demand_filters(table, mineral, scenario, year, end_use)
    return query(f"SELECT d.*, m.name FROM {table} d JOIN minerals m USING (mineral_id) WHERE {' '.join(where)} "
                 "ORDER BY d.mineral_id, d.year, d.scenario, d.is_total, d.end_use", params)


def cleantech_demand(mineral: str | None = None, scenario: str | None = None, year: int | None = None,
                     end_use: str | None = None) -> pd.DataFrame:
    """IEA clean-technology demand (sheets 3.1 and 3.2), kt: the 3.1 sector rows of 13 minerals and
    every mineral's total (``end_use='total_clean_technologies'``, sheet 3.2, 37 minerals). Columns
    and scenario rule as :func:`demand`. Graphite here is battery-grade only."""
    where, params = _demand_filters("iea_cleantech_demand", mineral, scenario, year, end_use)
    return query(f"SELECT d.*, m.name FROM iea_cleantech_demand d JOIN minerals m USING (mineral_id) "
                 f"WHERE {' '.join(where)} ORDER BY d.mineral_id, d.year, d.scenario, d.is_total, d.end_use", params)


def tech_demand(technology: str | None = None, mineral: str | None = None, case: str | None = None,
                scenario: str | None = None, year: int | None = None) -> pd.DataFrame:
    """IEA mineral demand of one technology (sheets 4.1–4.6), kt, in the base case and the workbook's
    alternative cases (``case``; e.g. ``cdte_comeback`` for solar PV). Scenario rule as :func:`demand`."""
    where, params = ["1 = 1"], []
    if technology is not None:
        where.append("AND d.technology = ?")
        params.append(v.choice("technology", technology, _distinct("iea_tech_demand", "technology")))
    if mineral is not None:
        valid = _distinct("iea_tech_demand", "mineral_id")
        mid = mineral_id(mineral)
        if mid not in valid:
            raise v.InvalidArgument("mineral", mineral, valid, " (the IEA technology sheets cover only these)")
        where.append("AND d.mineral_id = ?")
        params.append(mid)
    if case is not None:
        where.append("AND d.case = ?")
        params.append(v.choice("case", case, _distinct("iea_tech_demand", "case")))
    if scenario is not None:
        scen = v.choice("scenario", scenario, [s for s in _distinct("iea_tech_demand", "scenario") if s != "observed"])
        where.append("AND (d.scenario = ? OR d.year_type = 'observed')")
        params.append(scen)
    if year is not None:
        where.append("AND d.year = ?")
        params.append(v.year("year", year, _distinct("iea_tech_demand", "year")))
    return query(f"SELECT d.*, m.name FROM iea_tech_demand d JOIN minerals m USING (mineral_id) "
                 f"WHERE {' '.join(where)} ORDER BY d.technology, d.case, d.mineral_id, d.year, d.scenario", params)


def projected_supply(mineral: str | None = None, stage: str | None = None, year: int | None = None) -> pd.DataFrame:
    """IEA total supply per mineral and stage (sheet 2; the ``refining_totals`` rows, kt): 2023
    observed and the 2030/2035/2040 base case (``scenario``, ``year_type``). The country split of the
    same blocks is :func:`refining`.

    ``top3_share_pct``: the year's three largest named countries (``formulas.concentration_summary``
    over the block's shares, the one top-3 rule: ``supply_concentration`` gives the same number);
    ``top3_share_pct_iea``: the workbook's printed "Top 3 share", the three countries it lists first,
    ranked by 2040 (graphite battery grade 2023: 98.35 vs the workbook's 97.78, whose three are China,
    Japan and the United States, while Germany's 28.2 kt exceeds the United States' 16.5 kt)."""
    where, params = ["1 = 1"], []
    if mineral is not None:
        valid = _distinct("refining", "mineral_id")
        mid = mineral_id(mineral)
        if mid not in valid:
            raise v.InvalidArgument("mineral", mineral, valid, " (the IEA workbook covers only these minerals)")
        where.append("AND t.mineral_id = ?")
        params.append(mid)
        stages_ = _distinct("refining", "stage", mid)
    else:
        stages_ = _distinct("refining", "stage")
    if stage is not None:
        where.append("AND t.stage = ?")
        params.append(v.choice("stage", stage, stages_))
    if year is not None:
        where.append("AND t.year = ?")
        params.append(v.year("year", year, _distinct("refining_totals", "year")))
    out = query(f"""
        SELECT t.mineral_id, t.stage, s.stage_label, t.year, s.scenario,
               CASE WHEN s.scenario = 'observed' THEN 'observed' ELSE 'projected' END AS year_type,
               t.total_kt, t.top3_share_pct AS top3_share_pct_iea, t.source_cell
        FROM refining_totals t
        JOIN (SELECT DISTINCT mineral_id, stage, year, stage_label, scenario FROM refining) s
          USING (mineral_id, stage, year)
        WHERE {' '.join(where)} ORDER BY t.mineral_id, t.stage, t.year""", params)
    out.insert(out.columns.get_loc("top3_share_pct_iea"), "top3_share_pct", _iea_top3(out))
    return out


def _iea_top3(blocks: pd.DataFrame) -> list[float]:
    """Top-3 share of each IEA block (mineral, stage, year) by the one rule (formulas.concentration_summary
    over the stored shares; ``ROW`` is the remainder)."""
    from rexlib.core.formulas import concentration_summary
    if blocks.empty:
        return []
    rows = query("SELECT mineral_id, stage, year, country, value_kt, share_pct FROM refining")
    parts = {key: [(r.country, r.value_kt, r.share_pct, pd.notna(r.share_pct), r.country == "ROW")
                   for r in grp.itertuples()]
             for key, grp in rows.groupby(["mineral_id", "stage", "year"], sort=False)}
    return [concentration_summary(parts[(m, s, int(y))])["top3_share"] if (m, s, int(y)) in parts else float("nan")
            for m, s, y in zip(blocks["mineral_id"], blocks["stage"], blocks["year"])]


# ---------------------------------------------------------------- one supply-chain model across sources

_SUPPLY_SOURCES = ("usgs", "iea", "eu_crm")


def _stage_family_words() -> dict[str, str]:
    """Every word a user may give for a stage family (lower case) -> the family: the family ids, each
    member stage of series.yml ``stage_families`` (the rule) and its word (stages.csv: refinery ->
    refining, E -> extraction)."""
    out: dict[str, str] = {}
    for family, decl in series.stage_families().items():
        out[family] = family
        for stages in decl["stages"].values():
            for stage in stages:
                out.setdefault(stage.lower(), family)
                out.setdefault(stage_word(stage).lower(), family)
    return out


def _stage_family(stage: object) -> str:
    key = str(stage).strip().lower()
    words = _stage_family_words()
    if key not in words:
        families = list(series.stage_families())
        also = "; ".join(", ".join(w for w, f in words.items() if f == fam and w != fam) for fam in families)
        raise v.InvalidArgument("stage", stage, families, f" (also accepted: {also})")
    return words[key]


def supply_shares(mineral: str, stage: str = "processing", source: str | None = None) -> pd.DataFrame:
    """Every country's share of world ``stage`` (``mining`` or ``processing``) of a mineral, with its
    source, period and provenance: the one supply-chain model of :mod:`rexlib.etl.series`
    (``stage_families`` in series.yml: USGS mine/refinery/smelter/metal, IEA mining/refining/
    chemicals/battery grade and the EU 2023 study's extraction/processing shares map onto it).

    ``source=None`` returns the best available by the declared order (processing: IEA 2023 block,
    then USGS latest year, then the EU's 2016-2020 averages; mining: USGS, IEA, EU) and column
    ``source`` says which it used; ``source='usgs'|'iea'|'eu_crm'`` returns that source's series.
    ``period`` is a year or the EU's averaging period (``period_kind``); EU rows have shares only
    (``value`` NULL) and ``provenance`` "unofficial transcription ... PDF not verified". Sorted by
    share, largest first."""
    mid = mineral_id(mineral)
    fam = _stage_family(stage)
    have = query("SELECT source, bool_or(is_best) AS best FROM supply_shares WHERE mineral_id = ? AND stage_family = ? "
                 "GROUP BY source ORDER BY best DESC, source", [mid, fam])
    if have.empty:
        valid = query("SELECT DISTINCT mineral_id FROM supply_shares WHERE stage_family = ? ORDER BY 1", [fam])
        raise v.InvalidArgument("mineral", mineral, list(valid["mineral_id"]), f" (no source has a {fam} series for it)")
    sql = ("SELECT s.mineral_id, s.stage_family, s.source, s.source_stage, s.source_mineral_id, s.period, "
           "s.period_kind, s.year, s.country, c.name, s.value, s.unit, s.share_pct, s.share_published_pct, "
           "s.share_flag, s.world_value, s.measure, s.is_best, s.provenance, s.source_label, s.note, "
           "s.source_file, s.source_line, s.source_cell FROM supply_shares s JOIN countries c ON c.iso3 = s.country "
           "WHERE s.mineral_id = ? AND s.stage_family = ? AND ")
    if source is None:
        return query(sql + "s.is_best ORDER BY s.share_pct DESC NULLS LAST, s.country", [mid, fam])
    src = v.choice("source", source, list(have["source"]))
    return query(sql + "s.source = ? ORDER BY s.share_pct DESC NULLS LAST, s.country", [mid, fam, src])


def supply_concentration(stage: str = "processing", source: str | None = None, *,
                         mineral: str | None = None, include_unranked: bool = False) -> pd.DataFrame:
    """HHI bounds, top-1, top-3 and China's share of every mineral's ``stage`` series (the stored
    ``supply_concentration``, computed by the build from :func:`supply_shares`), the best source per
    mineral unless ``source`` is given; with period, provenance and ``share_basis``. Sorted by HHI,
    highest first.

    Across minerals (no ``mineral``) this is a ranking, so only series whose basis is a world
    (``share_basis = 'world_published'``) are in it; the others (U.S.-only, no-world and
    listed-producers-only series: construction sand and gravel, boron, kyanite ...) are left out and
    said so: ``frame.attrs["left_out"]`` (records of mineral_id, source, share_basis) and
    ``frame.attrs["note"]`` (the visible note). ``include_unranked=True`` keeps them (with NULL
    figures where the basis has no share). One ``mineral``: its row whatever its basis."""
    fam = _stage_family(stage)
    sql = ("SELECT * FROM supply_concentration WHERE stage_family = ? AND ")
    params: list = [fam]
    if source is None:
        sql += "is_best"
    else:
        sql += "source = ?"
        params.append(v.choice("source", source, list(_SUPPLY_SOURCES)))
    if mineral is not None:
        sql += " AND mineral_id = ?"
        params.append(mineral_id(mineral))
    frame = query(sql + " ORDER BY hhi DESC NULLS LAST, mineral_id", params)
    if mineral is None and not include_unranked:
        frame = _ranked(frame)
    return frame


def _ranked(frame: pd.DataFrame) -> pd.DataFrame:
    """A ranking across minerals: the rows whose basis is a world; the rest named in ``attrs``."""
    keep = frame["share_basis"].map(series.is_world).astype(bool)
    left = frame.loc[~keep, ["mineral_id", "source", "share_basis"]].reset_index(drop=True)
    out = frame[keep].reset_index(drop=True)
    names = dict(zip(minerals()["mineral_id"], minerals()["name"]))
    out.attrs["left_out"] = left.to_dict("records")
    out.attrs["note"] = series.left_out_note(left, names)
    return out


# ------------------------------------------------------------------ lookups the apps' views need
# (rexlib/app/ui runs no SQL of its own: tests/uisql/test_ui_has_no_sql.py)

def countries() -> pd.DataFrame:
    """Every country and aggregate of the ``countries`` table (``iso3``, ``name``, ``kind``,
    ``iso_numeric`` for map shapes ...), by ISO3."""
    return query("SELECT * FROM countries ORDER BY iso3")


def minerals_with_statistics() -> pd.DataFrame:
    """``name`` and ``mineral_id`` of every mineral with a world production table, any U.S. statistic
    (salient statistics, net import reliance, import sources, prices), reserves, or a place on either
    U.S. critical-minerals list; by name."""
    return query("""
        SELECT name, mineral_id FROM minerals
        WHERE coalesce(has_production, false) OR coalesce(critical_2022, false) OR coalesce(critical_2025, false)
           OR mineral_id IN (SELECT mineral_id FROM us_salient UNION SELECT mineral_id FROM import_reliance
                             UNION SELECT mineral_id FROM import_sources UNION SELECT mineral_id FROM prices
                             UNION SELECT mineral_id FROM reserves)
        ORDER BY name""")


def producers(mineral: str, stage: str) -> pd.DataFrame:
    """Countries (``country`` ISO3, ``name``; no aggregates) listed as producers of ``mineral`` at
    ``stage`` in any year of its series (``production_latest``), by name."""
    mid = mineral_id(mineral)
    stg = v.choice("stage", stage, stages(mid))
    return query("SELECT DISTINCT c.name, p.country FROM production_latest p JOIN countries c ON c.iso3 = p.country "
                 "WHERE p.mineral_id = ? AND p.stage = ? AND c.kind <> 'aggregate' ORDER BY c.name, p.country",
                 [mid, stg])


# table -> (its ';'-separated mineral column, the order of its rows: newest first)
_POLICY_TABLES = {"deals": ("minerals", "announced_date DESC NULLS LAST, deal_id"),
                  "agreements": ("minerals", "date DESC NULLS LAST, agreement_id"),
                  "export_controls": ("minerals", "control_id"),
                  "claims": ("mineral", "claim_id")}


def policy_rows(table: str, minerals: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """Rows of a curated policy table (``deals``, ``agreements``, ``export_controls``, ``claims``)
    naming any of ``minerals`` (e.g. every rare-earth element for ``rare_earths``), newest first;
    aggregates and every column included, as stored."""
    name = v.choice("table", table, list(_POLICY_TABLES))
    if isinstance(minerals, str) or not isinstance(minerals, (list, tuple)) or not minerals:
        raise v.InvalidArgument("minerals", minerals, ["a non-empty list of mineral ids"])
    ids = [mineral_id(m) for m in minerals]
    column, order = _POLICY_TABLES[name]
    return query(f"SELECT * FROM {name} WHERE len(list_intersect(string_split(coalesce({column}, ''), ';'), ?)) > 0 "
                 f"ORDER BY {order}", [ids])


@memo(2)
def tables() -> list[str]:
    """Names of every table and view of the database, sorted."""
    return sorted(set(query("SELECT table_name FROM information_schema.tables")["table_name"]))


def table_rows(table: str, limit: int = 200) -> pd.DataFrame:
    """The first ``limit`` rows of a table or view of the database (as stored, no order)."""
    name = v.choice("table", table, tables())
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise v.InvalidArgument("limit", limit, ["a whole number >= 0"])
    return query(f'SELECT * FROM "{name}" LIMIT {limit}')       # name is one of tables(), limit an int


def row_count(table: str) -> int:
    """How many rows a table or view of the database holds."""
    name = v.choice("table", table, tables())
    return int(query(f'SELECT count(*) AS n FROM "{name}"')["n"].iloc[0])
