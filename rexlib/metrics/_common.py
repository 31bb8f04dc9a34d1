"""Shared helpers for the metrics package: argument validation, the USGS and IEA share series,
country-group membership and U.S. net import reliance / import sources per mineral.

Everything here reads the database through :func:`rexlib.query.warehouse.query` with constant SQL or ``?``
parameters; whole tables are cached per process (call :func:`clear_caches` after a rebuild).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
import numpy as np
import pandas as pd

from rexlib.query import api
from rexlib.etl import series as rules
from rexlib.core import validate as v
from rexlib.core.formulas import concentration_summary
from rexlib.core.ids import REST_OF_WORLD, WORLD
from rexlib.query.warehouse import memo, query, reset


CHINA = "CHN"
AGGREGATES = frozenset({WORLD, REST_OF_WORLD})
UNKNOWN_FLAGS = ("withheld", "not_available", "not_applicable", "qualitative", "unparsed")
# USGS processing stages, in order of preference, used when the IEA does not cover a mineral.
USGS_PROCESSING_STAGES = tuple(rules.stage_families()["processing"]["stages"]["usgs"])
IEA_PROCESSING_STAGES = tuple(rules.stage_families()["processing"]["stages"]["iea"])
IEA_SOURCE = "IEA (2024), Critical Minerals Data Explorer"
USGS_SOURCE = "USGS Mineral Commodity Summaries"
# European Union member states (27 since 1 February 2020, the United Kingdom's withdrawal). Used to
# expand the party code ``EU`` of the curated tables into countries.
EU27 = ("AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN", "IRL",
        "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE")


def clear_caches() -> None:
    """Forget every cached result (not needed after a rebuild: caches are keyed by the database's
    identity)."""
    reset()


# --------------------------------------------------------------------------- validation

def mineral(value: object) -> str:
    """A valid mineral id (``InvalidArgument`` listing valid ids otherwise)."""
    return api.mineral_id(value)


def country(value: object) -> str:
    """A valid ISO3 / reserved country code (``InvalidArgument`` listing valid codes otherwise)."""
    return api.country_code(value)


def choice(name: str, value: object, valid: Iterable, *, normalise: bool = True) -> str:
    return v.choice(name, value, valid, normalise=normalise)


def number(name: str, value: object, low: float | None = None, high: float | None = None) -> float:
    """A finite float within [low, high]; ``InvalidArgument`` otherwise."""
    hint = f" ({name} must be a number" + (f" from {low}" if low is not None else "") + \
           (f" to {high}" if high is not None else "") + ")"
    if isinstance(value, bool):
        raise v.InvalidArgument(name, value, [], hint)
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise v.InvalidArgument(name, value, [], hint) from None
    if not np.isfinite(out) or (low is not None and out < low) or (high is not None and out > high):
        raise v.InvalidArgument(name, value, [], hint)
    return out


def split_ids(text: object) -> list[str]:
    """``'a;b'`` -> ``['a', 'b']``; blank/NaN -> ``[]``."""
    if text is None or (isinstance(text, float) and np.isnan(text)) or pd.isna(text):
        return []
    return [p.strip() for p in str(text).split(";") if p.strip()]


def has_flag(flag: object, *names: str) -> bool:
    return bool(set(split_ids(flag)) & set(names))


# --------------------------------------------------------------------------- cached tables

# The tables in their stored order (a join alone may return rows in any order, and the order of
# tied values decides which one a metric lists first and the last bits of its sums). The build's
# stored concentration tables read the same queries (rexlib.build.derive_tables).
PRODUCTION_ALL_SQL = ("SELECT p.*, c.kind, c.name FROM production_latest p JOIN countries c ON c.iso3 = p.country "
                      "ORDER BY p.rowid")
# Both IEA editions (rexlib.etl.series.IEA_VINTAGES): the May 2024 workbook (``refining``) and the 2025
# edition's UNOFFICIAL conversion (``iea_supply_2025``); which one a figure reads is series.iea_default.
REFINING_ALL_SQL = (
    "SELECT * FROM (SELECT r.mineral_id, r.stage, r.stage_label, r.country, r.year, r.value_kt, r.share_pct, "
    "r.scenario, 'IEA2024' AS vintage, r.source_file, r.source_cell AS source_ref, c.kind, c.name, 0 AS edition, r.rowid AS n "
    "FROM refining r JOIN countries c ON c.iso3 = r.country "
    "UNION ALL SELECT r.mineral_id, r.stage, r.stage_label, r.country, r.year, r.value_kt, r.share_pct, r.scenario, "
    "r.vintage, r.source_file, r.source_path, c.kind, c.name, 1, r.rowid FROM iea_supply_2025 r "
    "JOIN countries c ON c.iso3 = r.country) ORDER BY edition, n")


@memo(maxsize=1)
def _production_all() -> pd.DataFrame:
    return query(PRODUCTION_ALL_SQL)


@memo(maxsize=1)
def production_vintages() -> pd.DataFrame:
    """Every edition's production rows (the ``production`` table): for comparing vintages only;
    figures use the series of ``production_latest``."""
    return query("SELECT p.*, c.kind, c.name FROM production p JOIN countries c ON c.iso3 = p.country ORDER BY p.rowid")


@memo(maxsize=1)
def _refining_all() -> pd.DataFrame:
    return query(REFINING_ALL_SQL)


@memo(maxsize=8)
def _by_mineral(table: str) -> dict[str, pd.DataFrame]:
    """One of the cached tables split by ``mineral_id`` (rows in table order, original index):
    the per-mineral functions below filter ~100 rows instead of scanning the whole table."""
    frame = {"production": _production_all, "import_sources": _import_sources_all,
             "import_reliance": _import_reliance_all}[table]()
    return {mid: part for mid, part in frame.groupby("mineral_id", sort=False)}


@memo(maxsize=1)
def _production_series() -> dict[tuple, pd.DataFrame]:
    """``production_latest`` split by (mineral, stage, year): the rows of one series (one edition)."""
    return {(m, s, int(y)): part for (m, s, y), part in _production_all().groupby(["mineral_id", "stage", "year"],
                                                                                  sort=False)}


def _rows_of(table: str, mid: str) -> pd.DataFrame:
    """The rows of ``mid`` in a cached table (an empty frame with its columns when it has none)."""
    part = _by_mineral(table).get(mid)
    if part is None:
        frame = {"production": _production_all, "import_sources": _import_sources_all,
                 "import_reliance": _import_reliance_all}[table]()
        return frame.iloc[0:0]
    return part


@memo(maxsize=1)
def _countries() -> pd.DataFrame:
    return query("SELECT iso3, name, kind FROM countries ORDER BY iso3")


@memo(maxsize=1)
def _groups() -> pd.DataFrame:
    return query("SELECT group_id, group_name, member FROM country_groups ORDER BY group_id, member")


@memo(maxsize=1)
def _import_sources_all() -> pd.DataFrame:
    return query("SELECT * FROM import_sources")


@memo(maxsize=1)
def _import_reliance_all() -> pd.DataFrame:
    return query("SELECT r.*, m.critical_2022, m.critical_2025 FROM import_reliance r "
                 "JOIN minerals m USING (mineral_id)")


@memo(maxsize=1)
def _minerals_all() -> pd.DataFrame:
    return query("SELECT * FROM minerals ORDER BY mineral_id")


def minerals_table() -> pd.DataFrame:
    return _minerals_all().copy()


def mineral_names() -> dict[str, str]:
    frame = _minerals_all()
    return dict(zip(frame["mineral_id"], frame["name"]))


def critical_set(which: str | None) -> set[str] | None:
    """Mineral ids on the 2022 or 2025 U.S. critical-minerals list (None -> no filter)."""
    if which is None:
        return None
    which = choice("critical", str(which), ["2022", "2025"])
    frame = _minerals_all()
    return set(frame.loc[frame[f"critical_{which}"].fillna(False).astype(bool), "mineral_id"])


# --------------------------------------------------------------------------- countries & groups

def country_kinds() -> dict[str, str]:
    frame = _countries()
    return dict(zip(frame["iso3"], frame["kind"]))


@memo(maxsize=1)     # asked once per option of a page's menus (rex publish validates every link it writes)
def all_countries() -> frozenset[str]:
    """Every ISO3 country or territory code (aggregates, joint labels and the EU excluded)."""
    frame = _countries()
    return frozenset(frame.loc[frame["kind"].isin(["country", "territory"]), "iso3"])


@memo(maxsize=1)
def group_ids() -> list[str]:
    return sorted(_groups()["group_id"].unique())


@memo(maxsize=128)
def group_members(group: str) -> tuple[str, frozenset[str]]:
    """Validated ``group_id`` and its member codes as stored (``EU`` not yet expanded)."""
    gid = choice("group", group, group_ids(), normalise=False)
    frame = _groups()
    return gid, frozenset(frame.loc[frame["group_id"] == gid, "member"])


def joint_parts(code: str) -> tuple[str, ...]:
    """``'USA+CAN'`` -> ``('USA', 'CAN')``; a plain code -> ``(code,)``."""
    return tuple(code.split("+")) if "+" in code else (code,)


@dataclass(frozen=True)
class Members:
    """A resolved set of member countries and how it was obtained."""

    codes: frozenset[str]
    label: str
    note: str = ""
    dropped: tuple[str, ...] = field(default_factory=tuple)

    def covers(self, code: str) -> bool:
        """True when ``code`` (a country or a joint label such as ``USA+CAN``) is entirely a member."""
        if code in AGGREGATES:
            return False
        return all(part in self.codes for part in joint_parts(code))


def resolve_members(group: str | None = None, countries: Iterable[str] | str | None = None, *,
                    expand_eu: bool = True) -> Members:
    """Members from a ``country_groups`` group id and/or an ad-hoc list of ISO3 codes.

    A string that is a group id is accepted as ``countries`` too (``suppliers='forge_members'``).
    ``EU`` expands to the 27 member states (``EU27``) when ``expand_eu``. The aggregate codes
    ``WLD`` and ``ROW`` are never members: they are dropped and reported in ``dropped``.
    """
    if group is None and countries is None:
        raise v.InvalidArgument("group", None, group_ids(), " (give a group id or a list of countries)")
    codes: set[str] = set()
    labels: list[str] = []
    if group is not None:
        gid, members = group_members(group)
        codes |= members
        labels.append(gid)
    if countries is not None:
        if isinstance(countries, str):
            if countries in set(group_ids()):
                gid, members = group_members(countries)
                codes |= members
                labels.append(gid)
                countries = []
            else:
                countries = [countries]
        items = v.items("countries", countries, all_countries())
        if not items and group is None and not codes:
            raise v.InvalidArgument("countries", items, all_countries(), " (the list is empty)")
        for item in items:
            codes.add(country(item))
        if items:
            labels.append(";".join(sorted(str(i).strip().upper() for i in items))
                          if len(items) <= 8 else f"{len(items)} countries")
    dropped = tuple(sorted(codes & AGGREGATES))
    codes -= AGGREGATES
    notes = []
    if expand_eu and "EU" in codes:
        codes |= set(EU27)
        notes.append("EU expanded to its 27 member states")
    if dropped:
        notes.append(f"aggregate codes {', '.join(dropped)} are never members and were dropped")
    return Members(frozenset(codes), " + ".join(labels), "; ".join(notes), dropped)


# --------------------------------------------------------------------------- USGS production series

@dataclass
class Series:
    """One production series: the parts (countries, joint labels, ``ROW``) and the world total.

    ``parts`` columns: country, name, kind, value, flag, known (value is a number that is not a
    withheld/NA code), role (``country`` | ``remainder``). ``world_total`` is the publisher's total
    (USGS ``WLD``, adjusted by adding the U.S. when USGS notes "Excludes U.S. production" and the U.S.
    value is known; IEA: the block total). ``world_reported`` is the total as printed.
    """

    mineral_id: str
    stage: str
    year: int
    source: str
    vintage: str
    measure: str
    unit: str
    parts: pd.DataFrame
    world_total: float | None
    world_reported: float | None
    world_flag: str = ""
    notes: list[str] = field(default_factory=list)
    scenario: str = ""
    period_text: str = ""        # a multi-year average's period (EU study); "" for a year series
    provenance: str = ""
    share_basis: str = "world_published"    # series.yml series_basis: what the shares are shares of

    @property
    def period(self) -> str:
        """What the shares refer to: the data year, or the averaging period (never one year)."""
        return self.period_text or str(self.year)

    @property
    def label(self) -> str:
        if self.source == "iea":
            return f"{rules.iea_label(self.vintage)}, {self.scenario} {self.year}"
        if self.source == "eu_crm":
            return f"{rules.EU_LABEL}, average {self.period} ({self.provenance})"
        return f"{USGS_SOURCE} {self.vintage}"


def usgs_stages(mid: str) -> list[str]:
    return sorted(_rows_of("production", mid)["stage"].unique())


def usgs_years(mid: str, stage: str) -> list[int]:
    frame = _rows_of("production", mid)
    return sorted(int(y) for y in frame.loc[frame["stage"] == stage, "year"].unique())


def usgs_series(mineral_id: str, stage: str | None = None, year: int | None = None, *,
                vintage: str | None = None, measure: str | None = None) -> Series:
    """The USGS series for one mineral/stage/year (validated), as the series layer stored it
    (``production_latest``: one edition, shares under the share rule, the default measure marked;
    :mod:`rexlib.etl.series`). ``stage`` defaults to the mineral's primary stage, ``year`` to the latest,
    ``measure`` to the default series. ``vintage`` must be the series' edition (other editions are
    vintages: :func:`rexlib.query.api.production` with ``vintage=``)."""
    mid = mineral(mineral_id)
    stages = usgs_stages(mid)
    if not stages:
        raise v.InvalidArgument("mineral", mineral_id, sorted(_production_all()["mineral_id"].unique()),
                                " (no USGS production data for this mineral)")
    stg = choice("stage", stage if stage is not None else rules.primary_stage(mid), stages)
    years = usgs_years(mid, stg)
    yr = v.year("year", year, years) if year is not None else max(years)
    raw = _production_series()[(mid, stg, yr)]
    if vintage is not None:
        choice("vintage", vintage, sorted(raw["vintage"].unique()), normalise=False)
    if measure is not None:
        msr = choice("measure", measure, sorted(raw["series_measure"].unique()), normalise=False)
        sub = raw[raw["series_measure"] == msr]
        quals = sorted(sub["series_qualifier"].unique(), key=lambda q: (q != "", q))
        sub = sub[sub["series_qualifier"] == quals[0]]
    else:
        sub = raw[raw["is_default_measure"]]
    world = sub[sub["country"] == WORLD]
    parts = sub[sub["country"] != WORLD].copy()
    parts["known"] = rules.known_mask(parts)
    parts["role"] = np.where(parts["country"] == REST_OF_WORLD, "remainder", "country")
    parts = parts[["country", "name", "kind", "value", "flag", "known", "role", "share_pct"]].sort_values(
        "value", ascending=False, na_position="last").reset_index(drop=True)
    first = sub.iloc[0]
    unit = str(world["unit"].iloc[0]) if len(world) else str(sub["unit"].mode().iloc[0])
    total = None if pd.isna(first["world_value"]) else float(first["world_value"])
    reported = None if pd.isna(first["world_reported"]) else float(first["world_reported"])
    notes = [f for f in str(first["share_flag"] or "").split(";") if f]
    return Series(mid, stg, yr, "usgs", str(first["vintage"]), str(first["series_measure"]), unit, parts, total,
                  reported, str(world["flag"].iloc[0] or "") if len(world) else "", notes,
                  str(first["series_qualifier"]), share_basis=str(first["share_basis"]))


def percent_parts(frame: pd.DataFrame) -> pd.DataFrame:
    """Parts whose ``value`` already is a percent share (U.S. sourcing, the EU study's shares) as
    the frame :func:`rexlib.metrics.concentration.hhi_bounds` takes: ``share_pct = value`` where
    ``known`` (default: a number), ``ROW`` the remainder. No denominator is chosen here: production
    shares are the stored ones (``Series.parts``, the series rule of :mod:`rexlib.etl.series`)."""
    out = frame.copy()
    if "known" not in out:
        out["known"] = out["value"].notna().to_numpy(dtype=bool)
    out["share_pct"] = np.where(out["known"], out["value"], np.nan)
    out["role"] = np.where(out["country"] == REST_OF_WORLD, "remainder", "country")
    return out.reset_index(drop=True)


def summary(series: Series) -> dict:
    """Concentration of a series (:func:`rexlib.core.formulas.concentration_summary` on its shares): the
    figures the stored ``concentration`` table holds for it."""
    p = series.parts
    # a series without shares (us_only, no_world) is summarised on its values to count producers only
    shares = p["share_pct"] if series.share_basis in rules.SHARE_OF else p["value"]
    out = concentration_summary([(c, v_, s, bool(k), r == "remainder") for c, v_, s, k, r in
                                 zip(p["country"], p["value"], shares, p["known"], p["role"])])
    out["flags"] = ";".join(list(dict.fromkeys(series.notes + out["flags"])))
    out.update(rules.no_share_figures(series.share_basis))     # no share, no share-based figure
    out["share_basis"] = series.share_basis
    out.update(mineral_id=series.mineral_id, stage=series.stage, year=series.year, period=series.period,
               provenance=series.provenance, source=series.source,
               vintage=series.vintage, measure=series.measure, unit=series.unit, world_total=series.world_total,
               source_label=series.label)
    return out


# --------------------------------------------------------------------------- IEA series

def iea_minerals() -> list[str]:
    return sorted(_refining_all()["mineral_id"].unique())


def iea_stages(mid: str) -> list[str]:
    frame = _refining_all()
    return sorted(frame.loc[frame["mineral_id"] == mid, "stage"].unique())


def iea_series(mineral_id: str, stage: str = "mine", year: int | None = None, *, vintage: str | None = None) -> Series:
    """The IEA block (mining or refining by country, kt) for one mineral/stage/year.

    ``year`` defaults to the newest observed year (2024, from the 2025 edition's UNOFFICIAL
    conversion; 2023 is the May 2024 workbook's); 2030/2035/2040 are the IEA base case. A year both
    editions print is read from the edition :func:`rexlib.etl.series.iea_default` picks, or from
    ``vintage`` (``IEA2024`` | ``IEA2025``). ``ROW`` is the IEA's "Rest of world". The world total is
    the sum of the block (the IEA's own total).
    """
    mid = mineral(mineral_id)
    valid = iea_minerals()
    if mid not in valid:
        raise v.InvalidArgument("mineral", mineral_id, valid, " (the IEA workbook covers only these minerals)")
    stg = choice("stage", stage, iea_stages(mid))
    frame = _refining_all()
    block = frame[(frame["mineral_id"] == mid) & (frame["stage"] == stg)]
    if vintage is not None:
        block = block[block["vintage"] == choice("vintage", vintage, sorted(block["vintage"].unique()), normalise=False)]
    years = sorted(int(y) for y in block["year"].unique())
    observed = sorted(int(y) for y in block.loc[block["scenario"] == "observed", "year"].unique())
    yr = v.year("year", year, years) if year is not None else (observed[-1] if observed else years[-1])
    block = block[block["year"] == yr]
    block = block[rules.iea_default(block)]
    block = rules.iea_with_shares(block)
    parts = block.copy()
    parts["role"] = np.where(parts["country"] == REST_OF_WORLD, "remainder", "country")
    parts = parts[["country", "name", "kind", "value", "flag", "known", "role", "share_pct"]].sort_values(
        "value", ascending=False).reset_index(drop=True)
    total = float(parts.loc[parts["known"], "value"].sum())
    scenario = str(block["scenario"].iloc[0])
    return Series(mid, stg, yr, "iea", str(block["vintage"].iloc[0]), str(block["stage_label"].iloc[0]), "thousand metric tons",
                  parts, total if total > 0 else None, total, "", [], scenario,
                  provenance=rules.iea_provenance(str(block["vintage"].iloc[0])))


# Minerals whose refining another IEA block stands for (series.yml stage_family_proxies).
IEA_REFINING_PROXY = {mid: decl["mineral_id"] for mid, decl in (rules.rules().get("stage_family_proxies") or {}).items()
                      if decl["source"] == "iea"}
STAGE_FAMILIES = ("mining", "processing")


@memo(maxsize=1)
def _supply_all() -> pd.DataFrame:
    return query("SELECT s.*, c.kind, c.name FROM supply_shares s JOIN countries c ON c.iso3 = s.country "
                 "ORDER BY s.rowid")


@memo(maxsize=1)
def _supply_by_family() -> dict[tuple, pd.DataFrame]:
    return {key: part for key, part in _supply_all().groupby(["mineral_id", "stage_family"], sort=False)}


def supply_sources(mineral_id: str, family: str) -> list[str]:
    """The sources with a ``family`` series for the mineral (the stored ``supply_shares``), best first."""
    part = _supply_by_family().get((mineral(mineral_id), family))
    if part is None:
        return []
    return list(dict.fromkeys(part.sort_values("is_best", ascending=False, kind="stable")["source"]))


def supply_series(mineral_id: str, family: str = "processing", source: str | None = None,
                  year: int | None = None) -> Series | None:
    """The mineral's ``family`` (mining | processing) series as the series layer chose it
    (``supply_shares.is_best``: series.yml ``stage_families``), or that ``source``'s; None when no
    source has one. USGS series take ``year`` where published (else the latest); the IEA block is
    the observed year; EU rows are 2016-2020 averages of shares only (``unit`` says so)."""
    mid = mineral(mineral_id)
    fam = choice("stage", family, STAGE_FAMILIES)
    part = _supply_by_family().get((mid, fam))
    if part is None:
        return None
    if source is None:
        rows = part[part["is_best"]]
    else:
        src = choice("source", source, supply_sources(mid, fam))
        rows = part[part["source"] == src]
    first = rows.iloc[0]
    note = [str(first["note"])] if first["note"] else []
    if first["source"] == "usgs":
        pid, stage = str(first["source_mineral_id"]), str(first["source_stage"])
        years = usgs_years(pid, stage)
        series = usgs_series(pid, stage, year if year in years else None)
    elif first["source"] == "iea":
        series = iea_series(str(first["source_mineral_id"]), str(first["source_stage"]))
    else:
        parts = rows.assign(value=rows["share_pct"], flag=rows["share_flag"], known=rows["share_pct"].notna(),
                            role="country")
        parts = parts[["country", "name", "kind", "value", "flag", "known", "role", "share_pct"]].sort_values(
            "share_pct", ascending=False).reset_index(drop=True)
        total = 100.0      # the values are share_pct, already of the share rule's denominator
        flags = [f for f in str(first["share_flag"]).split(";") if f and f != "upper_bound"]
        series = Series(mid, str(first["source_stage"]), None, "eu_crm", str(first["vintage"]), str(first["measure"]),
                        str(first["unit"]), parts, total, 100.0, "", flags, "", str(first["period"]),
                        str(first["provenance"]))
    series.notes.extend(n for n in note if n not in series.notes)
    return series


def processing_series(mineral_id: str, year: int | None = None, *, source: str | None = None) -> Series | None:
    """The processing series of a mineral as the series layer chose it (:func:`supply_series`,
    series.yml ``stage_families.processing.order``: the IEA 2023 refining/chemicals/battery-grade
    block, else USGS refinery/smelter/metal (or a declared downstream id: bauxite -> alumina), else
    the EU 2023 study's processing shares); None when no source has one."""
    return supply_series(mineral_id, "processing", source, year)


def mine_series(mineral_id: str, year: int | None = None, *, source: str = "usgs") -> Series | None:
    """The mine-stage series (USGS, or IEA ``source='iea'``); None when the mineral has none."""
    mid = mineral(mineral_id)
    if source == "iea":
        return iea_series(mid, "mine") if mid in iea_minerals() and "mine" in iea_stages(mid) else None
    if "mine" not in usgs_stages(mid):
        return None
    years = usgs_years(mid, "mine")
    return usgs_series(mid, "mine", year if year in years else None)


def has_listed_countries(series: Series | None) -> bool:
    """True when the series lists at least one producer with a known value (not just a world total)."""
    if series is None:
        return False
    p = series.parts
    return bool(((p["role"] == "country") & p["known"]).any())


def primary_series(mineral_id: str, year: int | None = None) -> Series | None:
    """The series of the mineral's primary stage (:func:`rexlib.etl.series.primary_stage`)."""
    mid = mineral(mineral_id)
    stg = rules.primary_stage(mid)
    if stg is None or stg not in usgs_stages(mid):
        return None
    years = usgs_years(mid, stg)
    return usgs_series(mid, stg, year if year in years else None)


# --------------------------------------------------------------------------- U.S. trade

def import_source_shares(mineral_id: str) -> tuple[pd.DataFrame, str, str]:
    """Major U.S. import sources of one mineral: ``(frame, basis, measure)``, the headline rows
    (``import_sources.headline``: the measure USGS draws in Fig3, :mod:`rexlib.etl.series`).

    basis ``share_pct``: MCS2026 salient statistics (2021–24); ``ROW`` ("Other countries") is a
    remainder. basis ``rank``: only the Fig. 2 ranks are known (newest edition); ``share_pct`` is
    NaN. basis ``none``: no import sources.
    """
    mid = mineral(mineral_id)
    sub = _rows_of("import_sources", mid)
    head = sub[sub["headline"]].sort_values("rank", na_position="last")
    if head.empty:
        return sub.iloc[0:0].copy(), "none", ""
    basis = "share_pct" if (head["table_source"] == "salient").all() else "rank"
    return head.reset_index(drop=True), basis, str(head["measure"].iloc[0])


@dataclass(frozen=True)
class Nir:
    """U.S. net import reliance of a mineral for one year (percent of apparent consumption)."""

    pct: float | None         # the number (the bound for > / <); 0 for a net exporter; None unknown
    bound: str                # = > < E NA W (or 'none' when USGS prints nothing)
    year: int | None
    measure: str
    source: str

    @property
    def fraction(self) -> float | None:
        return None if self.pct is None else min(max(self.pct, 0.0), 100.0) / 100.0


def nir(mineral_id: str, year: int | None = None, *, table_source: str = "salient") -> Nir:
    """Headline net import reliance of one mineral (``import_reliance.headline``, rule in
    ``rexlib/metadata/series.yml``) for ``year`` (the newest year when None or not published).
    Net exporter (``E``) -> 0; ``NA``/``W`` -> None (unknown, never 0). A bound (``>95``) keeps its
    number and ``bound``. ``table_source`` is kept for callers; the headline may be a Fig2 row."""
    mid = mineral(mineral_id)
    sub = _rows_of("import_reliance", mid)
    sub = sub[sub["headline"]]
    if sub.empty:
        return Nir(None, "none", None, "", "")
    years = sorted(int(y) for y in sub["year"].unique())
    yr = year if year in years else years[-1]
    row = sub[sub["year"] == yr].iloc[0]
    src = f"{USGS_SOURCE} {row['vintage']} ({'Fig. 2' if row['table_source'] == 'figure' else 'salient statistics'})"
    if row["nir_bound"] in ("=", ">", "<") and pd.notna(row["nir_pct"]):
        return Nir(float(row["nir_pct"]), str(row["nir_bound"]), yr, str(row["measure"]), src)
    if row["nir_bound"] == "E":
        return Nir(0.0, "E", yr, str(row["measure"]), src)
    return Nir(None, str(row["nir_bound"]), yr, str(row["measure"]), src)


# --------------------------------------------------------------------------- governance

@memo(maxsize=4)
def wgi_table(year: int) -> pd.DataFrame:
    """WGI scores for one year on the EU 0–10 scale (see :mod:`rexlib.metrics.governance`)."""
    from ..sources.wgi import ESTIMATES, governance_scores  # noqa: F811
    valid = query("SELECT DISTINCT year FROM governance ORDER BY 1")["year"]
    yr = v.year("wgi_year", year, valid)
    raw = query(WGI_SQL, [yr, *ESTIMATES])
    return governance_scores(raw, yr)


# Ordered: a country's score is the mean of its six estimates, and the order they are added in
# decides the last bits (the build's stored HHI_WGI reads the same query).
WGI_SQL = ("SELECT iso3, indicator, year, value FROM governance WHERE year = ? AND indicator IN (?, ?, ?, ?, ?, ?) "
           "ORDER BY iso3, indicator")


def fmt(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:,.{digits}f}"
