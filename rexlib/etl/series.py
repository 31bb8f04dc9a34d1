"""THE series rules: which stage, edition, measure and denominator a figure uses.

Everything here is a pure function over DataFrames, driven by the declarations in
``rexlib/metadata/series.yml`` (read that file for the rules in words). The build applies these
functions once and stores their results (``production_latest`` with ``share_pct``,
``concentration``, ``import_reliance.headline``, ``import_sources.headline``); the API, the
metrics, the apps, the reports and the publisher checks read what the build stored. Nothing else
chooses a series: to change a rule, change it here or in series.yml.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from rexlib.core.fmt import words   # notes are page text: ids in words
from rexlib.core.formulas import concentration_summary, hhi_wgi
from rexlib.core.ids import MINERALS, REST_OF_WORLD, WORLD

RULES_FILE = Path(__file__).resolve().parents[1] / "metadata" / "series.yml"
UNKNOWN_FLAGS = frozenset({"withheld", "not_available", "not_applicable", "qualitative", "unparsed"})
# Stages in the order a mineral's primary stage is looked for (the declared list is checked against it).
STAGE_ORDER = ("mine", "refinery", "smelter", "metal", "production", "plant")
EXCLUDES_US = re.compile(r"excludes u\.s\. production(?! of)", re.I)
# A rounded world total: listed parts may exceed it by this fraction before the parts' sum is used.
ROUNDING_ALLOWANCE = 0.005
_TOTAL_MEASURE = re.compile(r"^(all\b|all forms\b|total\b|total imports\b|combined total\b)", re.I)


class SeriesRuleError(ValueError):
    """Data the declared series rules do not cover (the message names the mineral and the fix)."""


@lru_cache(maxsize=1)
def rules() -> dict:
    """The declarations of ``rexlib/metadata/series.yml`` (checked by :func:`check_rules`)."""
    decl = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    check_rules(decl)
    return decl


# Every key series.yml may hold; an unknown key is a typo or a rule nothing applies (refused).
RULE_KEYS = frozenset({
    "edition_rule", "share_rule", "series_basis_rule", "series_basis", "stage_aliases", "primary_stage", "product_rule",
    "nir_headline", "import_sources_fallback", "import_sources_headline", "stage_families",
    "stage_families_usable", "stage_family_proxies", "processing_counterparts", "gap_rule", "provenance"})
FAMILY_KEYS = frozenset({"stages", "order", "reason"})
BASIS_KEYS = frozenset({"mineral", "stage", "measure", "vintage", "basis", "product", "raw", "reason"})


def _unknown(where: str, found, valid) -> None:
    bad = sorted(set(found) - set(valid))
    if bad:
        raise SeriesRuleError(f"rexlib/metadata/series.yml {where}: unknown key(s) {bad}; valid: {sorted(valid)}")


def check_rules(decl: dict, sources=None) -> None:
    """Refuse what no rule applies: an unknown top-level key, an unknown key of a stage family, an
    unknown ``series_basis`` key or basis, and (given ``sources``, the supply sources the build's
    step registry declares: :func:`rexlib.etl.steps.supply_sources`) a source in ``stage_families``
    that no step supplies (it would silently get no rows). Raises SeriesRuleError naming the key
    and the valid ones."""
    _unknown("(top level)", decl, RULE_KEYS)
    for family, fam in (decl.get("stage_families") or {}).items():
        _unknown(f"stage_families.{family}", fam, FAMILY_KEYS)
        if sources is not None:
            _unknown(f"stage_families.{family}.stages (source)", fam.get("stages") or {}, sources)
            _unknown(f"stage_families.{family}.order (source)", fam.get("order") or [], sources)
    for proxy in (decl.get("stage_family_proxies") or {}).values():
        if sources is not None:
            _unknown("stage_family_proxies (source)", [proxy.get("source")], sources)
    for entry in decl.get("series_basis") or []:
        _unknown(f"series_basis ({entry.get('mineral')})", entry, BASIS_KEYS)
        _unknown(f"series_basis ({entry.get('mineral')}) basis", [entry.get("basis")], BASES)


# ------------------------------------------------------------------------------------ stages

def canonical_stage(mineral_id: str, stage: str) -> str:
    """An edition's stage name -> the canonical (MCS2026) one, per ``stage_aliases``."""
    return (rules()["stage_aliases"].get(mineral_id) or {}).get(stage, stage)


def apply_stage_aliases(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``stage`` canonical (the edition's words stay in ``measure``/``measure_raw``)."""
    out = frame.copy()
    out["stage"] = [canonical_stage(m, s) for m, s in zip(out["mineral_id"], out["stage"])]
    return out


def primary_stage(mineral_id: str) -> str | None:
    """The stage a mineral's figures use when none is given (None: no production table)."""
    return rules()["primary_stage"].get(mineral_id)


def check_primary_stages(production: pd.DataFrame) -> None:
    """Every mineral with production rows has a declared primary stage that it publishes."""
    have = production.groupby("mineral_id")["stage"].agg(set)
    problems = []
    for mid, stages in have.items():
        declared = primary_stage(mid)
        if declared is None:
            problems.append(f"{mid}: no primary_stage (it publishes {sorted(stages)})")
        elif declared not in stages:
            problems.append(f"{mid}: primary_stage {declared!r} is not among its stages {sorted(stages)}")
    if problems:
        raise SeriesRuleError("rexlib/metadata/series.yml primary_stage: " + "; ".join(problems))


# ------------------------------------------------------------------------------------ editions

def choose_editions(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the edition each (mineral, stage, year) series comes from (``edition_rule``):
    the newest vintage printing a world total for that year, else the newest with any row."""
    keys = ["mineral_id", "stage", "year"]
    with_world = frame[(frame["country"] == WORLD) & frame["value"].notna()].groupby(keys)["vintage"].max()
    newest = frame.groupby(keys)["vintage"].max()
    chosen = with_world.reindex(newest.index).fillna(newest).rename("_chosen")
    out = frame.join(chosen, on=keys)
    return out[out["vintage"] == out["_chosen"]].drop(columns="_chosen")


# ------------------------------------------------------------------------------------ shares

def known_mask(frame: pd.DataFrame) -> np.ndarray:
    """A number that is not a withheld / not-available / qualitative code."""
    flags = frame["flag"].fillna("").astype(str) if "flag" in frame else pd.Series("", index=frame.index)
    unknown = np.array([bool(UNKNOWN_FLAGS.intersection(f.split(";"))) for f in flags], dtype=bool)
    return frame["value"].notna().to_numpy(dtype=bool) & ~unknown


def fold_measures(frame: pd.DataFrame) -> pd.Series:
    """The measure of the world total each row belongs to. MCS2026 writes a country's product
    qualifier into the measure ("Mine production: steatite" for talc); such a measure with no world
    total of its own belongs to the total of its base ("Mine production"), and where a stage has a
    single world total every row of the stage belongs to it (MCS2023/2024 talc)."""
    keys = ["mineral_id", "stage", "year", "vintage"]
    worlds = frame[frame["country"] == WORLD].groupby(keys)["measure"].agg(set)
    out = []
    for measure, *key in zip(frame["measure"], *(frame[k] for k in keys)):
        have = worlds.get(tuple(key), set())
        base = str(measure).split(":")[0].strip()
        if measure in have:
            out.append(measure)
        elif base in have:
            out.append(base)
        elif len(have) == 1:
            out.append(next(iter(have)))
        else:
            out.append(measure)
    return pd.Series(out, index=frame.index, dtype=object)


def _series_qualifiers(frame: pd.DataFrame) -> pd.Series:
    """Within a measure with several world totals (natural / synthetic), a row belongs to the total
    of its own qualifier, else to the unqualified total; with one total, every row belongs to it."""
    keys = ["mineral_id", "stage", "year", "vintage", "series_measure"]
    worlds = frame[frame["country"] == WORLD].groupby(keys)["qualifier"].agg(lambda s: set(s.fillna("")))
    out = []
    for qualifier, *key in zip(frame["qualifier"].fillna(""), *(frame[k] for k in keys)):
        have = worlds.get(tuple(key), set())
        if len(have) <= 1:
            out.append(next(iter(have)) if have else "")
        elif qualifier in have:
            out.append(qualifier)
        elif "" in have:
            out.append("")
        else:
            out.append(qualifier)
    return pd.Series(out, index=frame.index, dtype=object)


SERIES_KEY = ["mineral_id", "stage", "year", "vintage", "series_measure", "series_qualifier"]


def with_shares(frame: pd.DataFrame, *, world_from_parts_flag: str = "world_is_sum_of_listed") -> pd.DataFrame:
    """``frame`` (one edition per series, as :func:`choose_editions` leaves it) with the share rule
    applied. Adds: ``series_measure``, ``series_qualifier`` (the series a row belongs to),
    ``known``, ``world_reported`` (the world total as printed), ``world_value`` (the denominator),
    ``share_pct`` (percent; NaN for unknown values), ``share_flag`` (``parts_exceed_world_total``,
    ``world_is_sum_of_listed``, ``world_excludes_us``, ``world_excludes_us_unknown``) and
    ``is_default_measure`` (the series figures use when no measure is chosen)."""
    out = frame.copy()
    out["qualifier"] = out["qualifier"].fillna("") if "qualifier" in out else ""
    out["series_measure"] = fold_measures(out)
    out["series_qualifier"] = _series_qualifiers(out)
    out["known"] = known_mask(out)
    is_world = (out["country"] == WORLD).to_numpy()
    world_value = np.full(len(out), np.nan)
    world_reported = np.full(len(out), np.nan)
    share_flag = np.full(len(out), "", dtype=object)
    default = np.zeros(len(out), dtype=bool)
    notes = out["note"].fillna("").astype(str) if "note" in out else pd.Series("", index=out.index)
    positions = {key: idx for key, idx in out.groupby(SERIES_KEY, sort=False).indices.items()}
    stats = {}
    for key, idx in positions.items():
        w = idx[is_world[idx]]
        parts = idx[~is_world[idx]]
        known_parts = parts[out["known"].to_numpy()[parts]]
        parts_sum = float(out["value"].to_numpy()[known_parts].sum()) if len(known_parts) else 0.0
        reported = next((float(out["value"].iat[i]) for i in w if pd.notna(out["value"].iat[i])), None)
        total, flags = reported, []
        if total is not None and any(EXCLUDES_US.search(notes.iat[i]) for i in w):
            us = [i for i in known_parts if out["country"].iat[i] == "USA"]
            if us:
                total += float(out["value"].iat[us[0]])
                flags.append("world_excludes_us")
            else:
                flags.append("world_excludes_us_unknown")
        if total is None or total <= 0:
            total = parts_sum if parts_sum > 0 else None
            flags.append(world_from_parts_flag)
        elif parts_sum > total * (1 + ROUNDING_ALLOWANCE):
            total = parts_sum
            flags.append("parts_exceed_world_total")
        world_value[idx] = np.nan if total is None else total
        world_reported[idx] = np.nan if reported is None else reported
        share_flag[idx] = ";".join(flags)
        stats[key] = (len(parts), reported)
    out["world_reported"] = world_reported
    out["world_value"] = world_value
    values = out["value"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(out["known"].to_numpy() & (world_value > 0), values / world_value * 100, np.nan)
    out["share_pct"] = share
    out["share_flag"] = share_flag
    # The default series of a (mineral, stage, year): among those with a printed world total, the
    # one with most country rows, then the larger world total, then by name (unqualified first).
    by_year: dict[tuple, list] = {}
    for key, (n_rows, reported) in stats.items():
        by_year.setdefault(key[:3], []).append((key, n_rows, reported))
    for _, candidates in by_year.items():
        with_world = [c for c in candidates if c[2] is not None] or candidates
        best = min(with_world, key=lambda c: (-c[1], -(c[2] or 0.0), c[0][4], c[0][5] != "", c[0][5]))
        default[positions[best[0]]] = True
    out["is_default_measure"] = default
    return out


# ------------------------------------------------------------------------------------ series basis

BASES = ("world_published", "world_sum_of_listed", "us_only", "no_world")
# The bases whose shares exist, and what they are shares of (us_only / no_world: no share).
SHARE_OF = {"world_published": "share of world", "world_sum_of_listed": "share of listed producers"}
BASIS_WORDS = {
    "world_published": "share of world (the publisher's world total)",
    "world_sum_of_listed": "share of listed producers (no world total; not a share of world)",
    "us_only": "no share: USGS gives U.S. figures only",
    "no_world": "no share: countries report different forms, so no world total (a table by form)"}
_QUALIFIER = re.compile(r"^[^:—]*[:—]\s*(.+)$")


def basis_entries() -> list[dict]:
    """``series_basis`` of series.yml: the declared series (every one without a printed world total)."""
    return list(rules().get("series_basis") or [])


def declared_basis(mineral_id: str, stage: str, measure: str | None = None, vintage: str | None = None) -> dict | None:
    """The ``series_basis`` entry of a series (an entry without ``measure`` / ``vintage`` covers
    every measure / edition)."""
    for entry in basis_entries():
        if (entry["mineral"] == mineral_id and entry["stage"] == stage and entry.get("measure", measure) == measure
                and entry.get("vintage", vintage) == vintage):
            return entry
    return None


def _entry_id(entry: dict) -> tuple:
    return entry["mineral"], entry["stage"], entry.get("measure"), entry.get("vintage")


def is_world(basis: str) -> bool:
    """True where shares of the series are shares of a world (rankings, HHI across minerals)."""
    return basis == "world_published"


def _product_of(measure: object) -> str:
    found = _QUALIFIER.match(str(measure or ""))
    return found.group(1).strip() if found else ""


def apply_basis(frame: pd.DataFrame, *, strict: bool = True) -> pd.DataFrame:
    """``frame`` (from :func:`with_shares`) with ``share_basis`` and ``product``, the shares of
    series whose basis has none (us_only, no_world) removed (share_pct and world_value NULL).
    Basis: the ``series_basis`` declaration, else world_published where the world total is printed.
    ``strict`` (production): a series without a printed total and without a declaration, or a
    declaration that matches no series, raises SeriesRuleError naming it; otherwise (reserves,
    capacity) such a series is world_sum_of_listed."""
    out = frame.copy()
    basis = np.full(len(out), "world_published", dtype=object)
    product = np.full(len(out), "", dtype=object)
    used, missing = set(), []
    for key, idx in out.groupby(SERIES_KEY, sort=False).indices.items():
        mid, stage, year, vintage, measure, _ = key
        entry = declared_basis(mid, stage, measure, vintage)
        if entry is not None:
            used.add(_entry_id(entry))
            b = entry["basis"]
        elif out["world_reported"].iloc[idx].notna().any():
            b = "world_published"
        else:
            b = "world_sum_of_listed"
            if strict:
                missing.append(f"{mid}/{stage}/{measure!r}/{year}/{vintage}")
        basis[idx] = b
        series_product = (entry or {}).get("product") or _product_of(measure) or MINERALS.get(mid, (mid,))[0]
        for i in idx:
            own = out["measure"].iat[i]
            product[i] = (_product_of(own) or series_product) if own != measure else series_product
    if missing:
        raise SeriesRuleError("rexlib/metadata/series.yml series_basis: series without a printed world total and "
                              f"without a declared basis (one of {list(BASES)}): " + "; ".join(missing[:20]))
    stale = ["/".join(str(x) for x in _entry_id(e) if x) for e in basis_entries() if _entry_id(e) not in used]
    if strict and stale:
        raise SeriesRuleError(f"rexlib/metadata/series.yml series_basis: entries that match no series: {stale}")
    out["share_basis"] = basis
    out["product"] = product
    no_share = ~out["share_basis"].isin(list(SHARE_OF)).to_numpy()
    out.loc[no_share, ["share_pct", "world_value"]] = np.nan
    return out


_LEFT_OUT_WORDS = {"world_sum_of_listed": "shares of listed producers only",
                   "us_only": "USGS gives U.S. figures only",
                   "no_world": "forms not comparable, no world total"}


def left_out_note(rows: pd.DataFrame, names: dict | None = None) -> str:
    """The visible note of a ranking across minerals that left out ``rows`` (columns mineral_id,
    share_basis): which minerals, and why (their basis has no world to rank against)."""
    if rows is None or len(rows) == 0:
        return ""
    names = names or {}
    groups = []
    for basis in BASES[1:]:
        mids = sorted(set(rows.loc[rows["share_basis"] == basis, "mineral_id"]))
        if mids:
            groups.append(f"{', '.join(names.get(m, m) for m in mids)} ({_LEFT_OUT_WORDS[basis]})")
    return "Left out (no world total to rank against): " + "; ".join(groups) + "."


def production_latest(production: pd.DataFrame, *, strict: bool = False) -> pd.DataFrame:
    """``production_latest`` / ``reserves_latest`` / ``capacity_latest``: the edition rule, the share
    rule, then the series basis (``strict`` for production: every series declared or with a world)."""
    return apply_basis(with_shares(choose_editions(production)), strict=strict).drop(columns=["known"])


# IEA editions, oldest first: the May 2024 workbook (``refining``, observed 2023) and the 2025 edition's
# UNOFFICIAL JSON conversion (``iea_supply_2025``, observed 2024; issue 27).
IEA_VINTAGES = ("IEA2024", "IEA2025")


def iea_with_shares(refining: pd.DataFrame, newer: pd.DataFrame | None = None) -> pd.DataFrame:
    """The IEA blocks (``refining`` table, vintage IEA2024, and ``newer``: ``iea_supply_2025``,
    IEA2025) in the series vocabulary: one series per mineral, stage, year, scenario and vintage; the
    denominator is the block total (the listed countries plus "Rest of world").

    THE IEA edition rule (``is_default_measure``, :func:`iea_default`): every edition's rows are kept
    (both queryable); a year's default series comes from the first edition that prints it, so the
    2023 observation and the 2030-2040 base case are the 2024 workbook's (read with the demand of the
    same edition), and the 2024 observation the 2025 edition's. The observed headline is the newest
    observed year (:func:`_iea_family_rows`, ``metrics._common.iea_series``): 2024."""
    parts = [refining if "vintage" in refining else refining.assign(vintage=IEA_VINTAGES[0])]
    if newer is not None and len(newer):
        parts.append(newer)
    both = pd.concat(parts, ignore_index=True)
    frame = both.rename(columns={"value_kt": "value"}).assign(
        measure=both["stage_label"], qualifier=both["scenario"], flag="", note="")
    out = with_shares(frame, world_from_parts_flag="")
    out["is_default_measure"] = iea_default(out)
    return out


def iea_default(frame: pd.DataFrame) -> pd.Series:
    """True for the rows of the default IEA edition of their (mineral, stage, year): the first of
    :data:`IEA_VINTAGES` that prints the year (see :func:`iea_with_shares`)."""
    rank = frame["vintage"].map({v: i for i, v in enumerate(IEA_VINTAGES)})
    first = rank.groupby([frame["mineral_id"], frame["stage"], frame["year"]]).transform("min")
    return rank == first


def iea_provenance(vintage: str) -> str:
    """The provenance grade of an IEA edition (series.yml ``provenance``: ``iea``, ``iea_IEA2025``)."""
    return provenance("iea" if vintage == IEA_VINTAGES[0] else f"iea_{vintage}")


def iea_label(vintage: str) -> str:
    """How a figure of an IEA edition is cited (the 2025 one says it is an unofficial conversion)."""
    return IEA_LABELS[vintage]


# ------------------------------------------------------------------------------------ concentration

SHARE_FIGURES = ("hhi", "hhi_low", "hhi_high", "top1_country", "top1_share", "top3_share", "china_share",
                 "remainder_share", "unallocated_share")


def no_share_figures(basis: str) -> dict:
    """The share-based figures a series of ``basis`` may not have (all of them where it has no share)."""
    return {} if basis in SHARE_OF else {k: None for k in SHARE_FIGURES}


def concentration_rows(series_rows: pd.DataFrame, source: str, label) -> list[dict]:
    """One concentration summary (:func:`rexlib.core.formulas.concentration_summary`) per series of a
    frame from :func:`with_shares` (WLD rows are not parts). ``label(vintage, key)`` names the source."""
    rows = []
    frame = series_rows.assign(known=known_mask(series_rows)) if "known" not in series_rows else series_rows
    for key, part in frame.groupby(SERIES_KEY, sort=True):
        mid, stage, year, vintage, measure, qualifier = key
        world = part[part["country"] == WORLD]
        parts = part[part["country"] != WORLD]
        first = part.iloc[0]
        if "unit" not in part:
            unit = "thousand metric tons"       # the IEA workbook's unit
        else:
            unit = str(world["unit"].iloc[0]) if len(world) else str(part["unit"].mode().iloc[0])
        basis = str(first["share_basis"]) if "share_basis" in part else "world_published"
        # A series without shares (us_only, no_world) is summarised on its values only to count
        # its producers; every share-based figure is then removed (no_share_figures).
        share_col = "share_pct" if basis in SHARE_OF else "value"
        summary = concentration_summary(
            [(c, v, s, bool(k), REST_OF_WORLD == c) for c, v, s, k, _ in
             zip(parts["country"], parts["value"], parts[share_col], parts["known"], parts["flag"])])
        flags = [f for f in (str(first["share_flag"]).split(";") + summary.pop("flags")) if f]
        summary.update(no_share_figures(basis))
        rows.append(dict(source=source, mineral_id=mid, stage=stage, year=int(year), measure=measure,
                         share_basis=basis,
                         qualifier=qualifier, is_default_measure=bool(first["is_default_measure"]),
                         vintage=vintage, unit=unit,
                         world_total=None if pd.isna(first["world_value"]) else float(first["world_value"]),
                         world_reported=None if pd.isna(first["world_reported"]) else float(first["world_reported"]),
                         flags=";".join(dict.fromkeys(flags)), source_label=label(vintage, key), **summary))
    return rows


# ------------------------------------------------------------------------------------ import reliance

def nir_headline_measure(mineral_id: str, measures: list[str]) -> str | None:
    """The salient measure that is a mineral's headline (``nir_headline``; a single measure is its
    own headline). Raises when a mineral has several measures and no declaration, or a declared
    measure is not published."""
    declared = (rules()["nir_headline"].get(mineral_id) or {}).get("measure")
    if declared is not None:
        if measures and declared not in measures:
            raise SeriesRuleError(f"series.yml nir_headline {mineral_id}: measure {declared!r} is not published "
                                  f"(published: {sorted(measures)})")
        return declared
    if len(set(measures)) > 1:
        raise SeriesRuleError(f"series.yml nir_headline: {mineral_id} has {len(set(measures))} net-import-reliance "
                              f"measures {sorted(set(measures))} and no declared headline")
    return measures[0] if measures else None


def fig2_measure(mineral_id: str, fig2_line: str, salient_measures: list[str]) -> str | None:
    """The salient measure a Fig2 line reports (None: the mineral has no salient rows)."""
    decl = rules()["nir_headline"].get(mineral_id) or {}
    if fig2_line == decl.get("fig2"):
        return decl["measure"]
    if fig2_line in (decl.get("fig2_other") or {}):
        return decl["fig2_other"][fig2_line]
    if decl:
        raise SeriesRuleError(f"series.yml nir_headline {mineral_id}: Fig2 line {fig2_line!r} is not declared")
    return nir_headline_measure(mineral_id, salient_measures) if salient_measures else None


def is_fig2_headline_line(mineral_id: str, fig2_line: str, n_lines: int) -> bool:
    decl = rules()["nir_headline"].get(mineral_id) or {}
    if decl:
        return fig2_line == decl.get("fig2")
    return n_lines == 1


FIG2_YEAR = {"MCS2025": 2024, "MCS2026": 2025}   # the current year each edition's Fig2 reports


def mark_nir_headline(reliance: pd.DataFrame) -> pd.Series:
    """Boolean ``headline`` for the ``import_reliance`` table (both ``table_source`` values): one
    row per mineral and year (the rule at ``nir_headline`` in series.yml)."""
    headline = pd.Series(False, index=reliance.index)
    sal = reliance[reliance["table_source"] == "salient"]
    fig = reliance[reliance["table_source"] == "figure"]
    measures = {m: list(dict.fromkeys(g.sort_values("source_line")["measure"])) for m, g in sal.groupby("mineral_id")}
    for mid in sorted(set(reliance["mineral_id"])):
        msr = nir_headline_measure(mid, measures.get(mid, []))
        mfig = fig[fig["mineral_id"] == mid]
        years = sorted(set(reliance.loc[reliance["mineral_id"] == mid, "year"]))
        for year in years:
            chosen = None
            lines = mfig[(mfig["year"] == year) & (mfig["vintage"].map(FIG2_YEAR) == year)]
            top = [i for i, line in zip(lines.index, lines["measure"]) if is_fig2_headline_line(mid, line, len(lines))]
            srows = sal[(sal["mineral_id"] == mid) & (sal["year"] == year) & (sal["measure"] == msr)]
            srows = srows.sort_values("vintage")
            if top:
                f = reliance.loc[top[0]]
                same = srows[(srows["vintage"] == f["vintage"]) & (srows["nir_bound"] == f["nir_bound"])
                             & ((srows["nir_pct"] == f["nir_pct"]) | (srows["nir_pct"].isna() & pd.isna(f["nir_pct"])))]
                chosen = same.index[-1] if len(same) else top[0]
            elif len(srows):
                chosen = srows.index[-1]
            if chosen is not None:
                headline.loc[chosen] = True
    return headline


# ------------------------------------------------------------------------------------ the product rule

def nir_product(mineral_id: str) -> str:
    """What the headline net import reliance measures (``nir_headline.<mineral>.product``; a
    mineral with one NIR measure: the mineral)."""
    decl = rules()["nir_headline"].get(mineral_id) or {}
    return decl.get("product") or MINERALS.get(mineral_id, (mineral_id,))[0]


def same_product(mineral_id: str, import_measure: str) -> bool:
    """True when the import-source measure ``import_measure`` is for the product of the headline
    NIR (``product_rule``): only then may the two be multiplied."""
    decl = rules()["nir_headline"].get(mineral_id) or {}
    if "import_sources" not in decl:
        return True
    return decl["import_sources"] == import_measure


def check_product_pairs(sources: pd.DataFrame) -> None:
    """Every declared ``nir_headline.<mineral>.import_sources`` is a published salient measure."""
    sal = sources[sources["table_source"] == "salient"]
    problems = []
    for mid, decl in rules()["nir_headline"].items():
        want = decl.get("import_sources")
        if want is None:
            continue
        have = sorted(set(sal.loc[sal["mineral_id"] == mid, "measure"]))
        if want not in have:
            problems.append(f"{mid}: import_sources {want!r} is not published (published: {have})")
    if problems:
        raise SeriesRuleError("rexlib/metadata/series.yml nir_headline: " + "; ".join(problems))


# ------------------------------------------------------------------------------------ import sources

def import_sources_headline_measure(mineral_id: str, salient_measures: list[str]) -> str | None:
    """The salient import-source measure Fig3 draws (``import_sources_headline``), else the
    fallback rule (a total measure, else the first printed)."""
    declared = rules()["import_sources_headline"].get(mineral_id)
    if declared is not None:
        if declared not in salient_measures:
            raise SeriesRuleError(f"series.yml import_sources_headline {mineral_id}: {declared!r} is not published "
                                  f"(published: {salient_measures})")
        return declared
    totals = [m for m in salient_measures if _TOTAL_MEASURE.match(str(m))]
    return totals[0] if totals else (salient_measures[0] if salient_measures else None)


def mark_import_sources_headline(sources: pd.DataFrame) -> pd.Series:
    """Boolean ``headline`` for ``import_sources``: the rows of each mineral's headline measure
    (salient shares), or, for a mineral without salient shares, the newest edition's Fig2 ranks."""
    headline = pd.Series(False, index=sources.index)
    for mid, part in sources.groupby("mineral_id"):
        sal = part[(part["table_source"] == "salient") & part["share_pct"].notna()]
        if len(sal):
            order = sal.groupby("measure")["source_line"].min().sort_values()
            msr = import_sources_headline_measure(mid, list(order.index))
            headline.loc[sal.index[sal["measure"] == msr]] = True
            continue
        fig = part[part["table_source"] == "figure"]
        if len(fig):
            newest = fig[fig["vintage"] == fig["vintage"].max()]
            first = newest.sort_values("source_line")["measure"].iloc[0]
            headline.loc[newest.index[newest["measure"] == first]] = True
    return headline


USGS_LABEL = "USGS Mineral Commodity Summaries"
IEA_LABEL = "IEA (2024), Critical Minerals Data Explorer"
IEA_LABELS = {"IEA2024": IEA_LABEL,
              "IEA2025": "IEA (2025), Critical Minerals Data Explorer, UNOFFICIAL third-party conversion"}
CONCENTRATION_COLUMNS = [
    "source", "mineral_id", "stage", "year", "measure", "qualifier", "is_default_measure", "share_basis", "vintage", "unit",
    "world_total", "world_reported", "hhi", "hhi_low", "hhi_high", "top1_country", "top1_share", "top3_share",
    "china_share", "n_countries", "has_listed_producer", "remainder_share", "unallocated_share",
    "withheld_countries", "flags", "coverage_note", "source_label"]
WGI_COLUMNS = ["source", "mineral_id", "stage", "year", "vintage", "hhi_wgi", "hhi_wgi_high", "hhi", "hhi_high",
               "wgi_weighted_mean", "share_without_wgi", "countries_without_wgi", "withheld", "missing_rule",
               "wgi_fill", "wgi_year", "source_label"]


def _fmt(value, digits: int = 1) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:,.{digits}f}"


def coverage_note(row: dict) -> str:
    """What a concentration figure covers, in words (shown beside it in the apps and reports)."""
    measure = row["measure"] + (f" ({row['qualifier']})" if row["qualifier"] and row["source"] == "usgs" else "")
    r = row["remainder_share"]
    basis = row.get("share_basis", "world_published")
    total = (f"world total {_fmt(row['world_total'], 0)} {row['unit']}" if basis == "world_published"
             else f"sum of listed producers {_fmt(row['world_total'], 0)} {row['unit']}"
             if basis == "world_sum_of_listed" else BASIS_WORDS[basis])
    note = (f"{row['source_label']}, {measure}, {row['year']}: {row['n_countries']} producers listed"
            f"{' + other countries (' + _fmt(r) + ' %)' if r else ''}; {total}")
    if basis == "world_sum_of_listed":
        note += "; shares of listed producers, not of world"
    flags = row["flags"].split(";")
    if row["withheld_countries"]:
        note += (f"; withheld/not available: {row['withheld_countries'].replace(';', ', ')} (not counted"
                 + (", HHI may be understated)" if basis in SHARE_OF else ")"))
    if "china_not_listed" in flags and r:
        note += f"; China not listed (at most the {_fmt(r)} % remainder)"
    words = {"parts_exceed_world_total": "listed countries sum past the rounded world total: shares are of their sum",
             "world_excludes_us": "USGS world total excludes U.S. production; the known U.S. value was added",
             "world_excludes_us_unknown": "USGS world total excludes U.S. production (U.S. value withheld or not listed)",
             "world_is_sum_of_listed": "no usable USGS world total"}
    extra = [words[f] for f in flags if f in words]
    return note + ("; " + "; ".join(extra) if extra else "")


def concentration_tables(usgs: pd.DataFrame, iea: pd.DataFrame, wgi_scores: pd.DataFrame | None,
                         wgi_year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stored ``concentration`` (every series of both sources) and ``concentration_wgi`` (HHI_WGI,
    missing scores = median, of each default series) tables, from frames of :func:`with_shares`."""
    rows = concentration_rows(usgs, "usgs", lambda vintage, key: f"{USGS_LABEL} {vintage}")
    rows += concentration_rows(iea, "iea", lambda vintage, key: f"{iea_label(vintage)}, {key[5]} {key[2]}")
    for row in rows:
        row["coverage_note"] = coverage_note(row)
        if row["source"] == "iea":
            row["qualifier"] = ""          # the IEA scenario travels in source_label
            row["world_reported"] = row["world_total"]     # the block total is the IEA's own total
    conc = pd.DataFrame(rows, columns=CONCENTRATION_COLUMNS)
    wgi_rows = []
    if wgi_scores is not None:
        lookup = dict(zip(wgi_scores["iso3"], wgi_scores["wgi_scaled"]))
        fill = float(wgi_scores["wgi_scaled"].median())
        frames = {"usgs": usgs, "iea": iea}
        parts_of = {src: {k: g for k, g in frame[frame["is_default_measure"] & (frame["country"] != WORLD)]
                          .groupby(["mineral_id", "stage", "year"])} for src, frame in frames.items()}
        for row in rows:
            if not row["is_default_measure"] or row["share_basis"] not in SHARE_OF:
                continue
            part = parts_of[row["source"]].get((row["mineral_id"], row["stage"], row["year"]))
            if part is None:
                continue
            known = known_mask(part)
            parts = [(c, v, s, bool(k), c == REST_OF_WORLD) for c, v, s, k in
                     zip(part["country"], part["value"], part["share_pct"], known)]
            w = hhi_wgi(parts, lookup, fill)
            hhi_frac = row["hhi_low"] / 10_000.0
            wgi_rows.append(dict(source=row["source"], mineral_id=row["mineral_id"], stage=row["stage"],
                                 year=row["year"], vintage=row["vintage"], hhi=row["hhi_low"], hhi_high=row["hhi_high"],
                                 wgi_weighted_mean=w["hhi_wgi"] / hhi_frac if hhi_frac > 0 else np.nan,
                                 withheld=row["withheld_countries"], missing_rule="median", wgi_fill=fill,
                                 wgi_year=int(wgi_year), source_label=row["source_label"], **w))
    return conc, pd.DataFrame(wgi_rows, columns=WGI_COLUMNS)


# ------------------------------------------------------------------------------------ stage families

SUPPLY_COLUMNS = [
    "mineral_id", "stage_family", "source", "source_stage", "source_mineral_id", "period", "period_kind", "year",
    "is_best", "country", "value", "unit", "share_pct", "share_published_pct", "share_flag", "share_basis",
    "world_value", "measure", "product", "vintage", "provenance", "source_label", "note", "source_file", "source_line",
    "source_cell"]
SUPPLY_CONCENTRATION_COLUMNS = [
    "mineral_id", "stage_family", "source", "source_stage", "source_mineral_id", "period", "period_kind", "year",
    "is_best", "share_basis", "hhi", "hhi_low", "hhi_high", "top1_country", "top1_share", "top3_share",
    "china_share", "n_countries", "remainder_share", "unallocated_share", "withheld_countries", "flags", "unit",
    "provenance", "source_label", "note"]
EU_LABEL = "European Commission (2023), Study on the critical raw materials for the EU, Appendix 7"
SHARE_ONLY_UNIT = "percent of global supply (shares only; no tonnage)"


def stage_families() -> dict:
    """``stage_families`` of series.yml: family -> {stages: {source: [stages]}, order: [sources]}."""
    return rules()["stage_families"]


def stage_family_of(source: str, stage: str) -> str | None:
    """The canonical family (``mining`` | ``processing``) of a source's stage; None if it has none."""
    return next((fam for fam, decl in stage_families().items() if stage in decl["stages"].get(source, [])), None)


def provenance(source: str) -> str:
    return rules()["provenance"][source]


def _first_stage(stages: pd.Series, declared: list[str]) -> str:
    have = set(stages)
    return next(s for s in declared if s in have)


def _world_series_rows(usgs: pd.DataFrame, family: str, declared: list[str], source: str) -> list[pd.DataFrame]:
    """The latest default series of the first declared stage a mineral has (rows of a ``*_latest``
    table, USGS ``production_latest``); at processing also each ``processing_counterparts``
    mineral, from its downstream id."""
    frame = usgs[usgs["is_default_measure"] & usgs["stage"].isin(declared)]
    groups = [(mid, mid, rows) for mid, rows in frame.groupby("mineral_id", sort=True)]
    if family == "processing":
        for mid, decl in (rules().get("processing_counterparts") or {}).items():
            rows = usgs[usgs["is_default_measure"] & (usgs["mineral_id"] == decl["mineral_id"])
                        & (usgs["stage"] == decl["stage"])]
            if not rows.empty:
                groups.append((mid, decl["mineral_id"], rows))
    # USGS's name, else the declared provenance without its grade ("official: ...").
    label = USGS_LABEL if source == "usgs" else provenance(source).split(": ", 1)[-1]
    out = []
    for mid, source_mid, rows in groups:
        rows = rows[rows["stage"] == _first_stage(rows["stage"], declared)]
        rows = rows[rows["year"] == rows["year"].max()]
        parts = rows[rows["country"] != WORLD]
        if parts.empty:
            continue
        vintage = str(parts["vintage"].iloc[0])
        out.append(pd.DataFrame({
            "mineral_id": mid, "stage_family": family, "source": source, "source_stage": parts["stage"],
            "source_mineral_id": source_mid, "period": parts["year"].astype(int).astype(str), "period_kind": "year",
            "year": parts["year"].astype(int), "country": parts["country"], "value": parts["value"],
            "unit": parts["unit"], "share_pct": parts["share_pct"], "share_published_pct": np.nan,
            "share_flag": parts["share_flag"].fillna(""), "share_basis": parts["share_basis"],
            "world_value": parts["world_value"], "measure": parts["series_measure"], "product": parts["product"],
            "vintage": vintage, "provenance": provenance(source),
            "source_label": f"{label} {vintage}",
            "note": "" if source_mid == mid else f"{source.upper()} {words(source_mid)} {parts['stage'].iloc[0]} stands for {words(mid)} processing",
            "source_file": parts["source_file"],
            "source_line": parts["source_line"], "source_cell": None}))
    return out


def _iea_family_rows(iea: pd.DataFrame, family: str, declared: list[str], source: str = "iea") -> list[pd.DataFrame]:
    """The observed IEA block (iea_with_shares rows) of the first declared stage, and the same block
    for each mineral it stands in for (``stage_family_proxies``), said in ``note``."""
    proxies = {mid: decl for mid, decl in (rules().get("stage_family_proxies") or {}).items() if decl["source"] == source}
    frame = iea[(iea["scenario"] == "observed") & iea["stage"].isin(declared) & (iea["country"] != WORLD)]
    out = []
    for iea_mid, rows in frame.groupby("mineral_id", sort=True):
        rows = rows[rows["stage"] == _first_stage(rows["stage"], declared)]
        rows = rows[rows["year"] == rows["year"].max()]      # the newest observation (any edition)
        year = int(rows["year"].iloc[0])
        vintage = str(rows["vintage"].iloc[0])
        cells = (rows["source"].str.replace(r"^.*, sheet ", "sheet ", regex=True) + "!" + rows["source_cell"]
                 if vintage == IEA_VINTAGES[0] else rows["source_path"])
        targets = [(iea_mid, "")] + [(mid, f"IEA {words(iea_mid)} ({decl['reason']}) stands for {words(mid)}")
                                     for mid, decl in proxies.items() if decl["mineral_id"] == iea_mid]
        for mid, note in targets:
            out.append(pd.DataFrame({
                "mineral_id": mid, "stage_family": family, "source": source, "source_stage": rows["stage"],
                "source_mineral_id": iea_mid, "period": str(year), "period_kind": "year", "year": year,
                "country": rows["country"], "value": rows["value"], "unit": "thousand metric tons",
                "share_pct": rows["share_pct"], "share_published_pct": np.nan,
                "share_flag": rows["share_flag"].fillna(""), "share_basis": "world_published",
                "world_value": rows["world_value"], "measure": rows["stage_label"], "product": rows["stage_label"],
                "vintage": vintage, "provenance": iea_provenance(vintage),
                "source_label": f"{iea_label(vintage)}, observed {year}", "note": note,
                "source_file": rows["source_file"], "source_line": pd.array([pd.NA] * len(rows), dtype="Int64"),
                "source_cell": cells}))
    return out


def _eu_family_rows(eu: pd.DataFrame, family: str, declared: list[str], source: str = "eu_crm") -> list[pd.DataFrame]:
    """The EU study's global supply shares at the declared stages, with the share rule applied on a
    world of 100 % (shares summing past 100.5 % are taken of their sum, flagged
    ``parts_exceed_world_total``; the printed share stays in ``share_published_pct``)."""
    frame = eu[eu["stage"].isin(declared) & eu["mineral_id"].notna()]
    if frame.empty:
        return []
    # What is produced at the stage: the EU's Aluminium E is bauxite mining (stage_mineral_id).
    frame = frame.assign(mineral_id=frame["stage_mineral_id"].fillna(frame["mineral_id"]),
                         eu_mineral_id=frame["mineral_id"])
    # Two EU materials sharing one extraction (Titanium and Titanium metal E are the same titanium
    # concentrates rows): keep the family's own material, else the first by name.
    pick = (frame.assign(_own=frame["eu_mineral_id"] != frame["family_id"])
            .sort_values(["_own", "material"]).drop_duplicates(["mineral_id", "stage"])[["mineral_id", "stage", "material"]])
    frame = frame.merge(pick, on=["mineral_id", "stage", "material"], how="inner")
    keyed = pd.DataFrame({"mineral_id": frame["mineral_id"], "stage": frame["stage"], "year": 0,
                          "vintage": frame["vintage"], "measure": "share", "qualifier": "",
                          "country": frame["country"], "value": frame["share_pct"],
                          "flag": frame["share_flag"].fillna(""), "note": ""})
    worlds = keyed.drop_duplicates(["mineral_id", "stage"]).assign(country=WORLD, value=100.0, flag="")
    shared = with_shares(pd.concat([keyed, worlds], ignore_index=True), world_from_parts_flag="")
    shared = shared[shared["country"] != WORLD].reset_index(drop=True)
    src = frame.reset_index(drop=True)
    flags = [";".join(f for f in (a, b) if f) for a, b in zip(src["share_flag"].fillna(""), shared["share_flag"])]
    return [pd.DataFrame({
        "mineral_id": src["mineral_id"], "stage_family": family, "source": source, "source_stage": src["stage"],
        "source_mineral_id": src["eu_mineral_id"], "period": src["period"], "period_kind": "average",
        "year": pd.array([pd.NA] * len(src), dtype="Int64"), "country": src["country"], "value": np.nan,
        "unit": SHARE_ONLY_UNIT, "share_pct": shared["share_pct"], "share_published_pct": src["share_pct"],
        "share_flag": flags, "share_basis": "world_published", "world_value": np.nan, "measure": src["material"],
        "product": src["material"], "vintage": src["vintage"],
        "provenance": src["provenance"], "source_label": f"{EU_LABEL}, average {src['period'].iloc[0]}",
        "note": "", "source_file": src["source_file"], "source_line": src["source_line"].astype("Int64"),
        "source_cell": None})]


SERIES_OF_SUPPLY = ["mineral_id", "stage_family", "source", "source_stage", "source_mineral_id", "period"]


# How a supply source's frame is read into stage-family rows: the shapes a step may declare
# (``Supply.shape`` in a step's STEP, rexlib/etl/steps/<source>.py).
SUPPLY_SHAPES = {
    "world_series": _world_series_rows,   # a *_latest table (USGS production_latest): a series per year with world totals
    "iea_blocks": _iea_family_rows,       # iea_with_shares rows: observed blocks with their totals
    "eu_shares": _eu_family_rows,         # shares only, of a world of 100 % (EU CRM Appendix 7)
}


def supply_shares_table(supplies: dict[str, tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    """The stored ``supply_shares``: for every mineral and stage family, the latest series of each
    source ``stage_families`` declares, from ``supplies`` (source -> (shape, frame): what the step
    registry declares, :func:`rexlib.etl.steps.supply_frames`; e.g. USGS ``production_latest``, the IEA
    observed blocks, the EU Appendix 7 shares) with its period, unit and provenance; ``is_best``
    marks the source the family's declared ``order`` picks (the answer when no source is asked for).
    A declared source no step supplies, or an unknown shape, raises SeriesRuleError."""
    frames = []
    for family, decl in stage_families().items():
        for source, stages in decl["stages"].items():
            if source not in supplies:
                raise SeriesRuleError(
                    f"rexlib/metadata/series.yml stage_families.{family}: source {source!r} is supplied by no "
                    f"build step (the `supplies` of a STEP in rexlib/etl/steps/<source>.py); supplied: {sorted(supplies)}")
            shape, frame = supplies[source]
            if shape not in SUPPLY_SHAPES:
                raise SeriesRuleError(f"supply source {source!r}: unknown shape {shape!r}; valid: {sorted(SUPPLY_SHAPES)}")
            frames += SUPPLY_SHAPES[shape](frame, family, stages, source)
    out = pd.concat(frames, ignore_index=True)
    rank = {(fam, src): i for fam, decl in stage_families().items() for i, src in enumerate(decl["order"])}
    # A series without the publisher's world total (its shares are of the listed countries only)
    # answers only when no other source has the family (series.yml stage_families_usable).
    no_world = out["share_flag"].str.contains("world_is_sum_of_listed", regex=False, na=False)
    unusable = no_world.groupby([out[k] for k in SERIES_OF_SUPPLY], dropna=False).transform("any")
    out["_rank"] = [rank[(f, s)] + (100 if bad else 0)
                    for f, s, bad in zip(out["stage_family"], out["source"], unusable)]
    best = out.groupby(["mineral_id", "stage_family"])["_rank"].transform("min")
    out["is_best"] = out["_rank"] == best
    out = out.drop(columns="_rank").sort_values(
        ["mineral_id", "stage_family", "is_best", "source", "share_pct"], ascending=[True, True, False, True, False],
        na_position="last").reset_index(drop=True)
    return out[SUPPLY_COLUMNS]


def supply_concentration_table(supply: pd.DataFrame) -> pd.DataFrame:
    """The stored ``supply_concentration``: HHI bounds, top-1, top-3 and China's share of each series
    of ``supply_shares`` (:func:`rexlib.core.formulas.concentration_summary` on its stored shares)."""
    rows = []
    for key, part in supply.groupby(SERIES_OF_SUPPLY, sort=True, dropna=False):
        first = part.iloc[0]
        shares = part["share_pct"] if first["share_basis"] in SHARE_OF else part["value"]   # counts only
        known = shares.notna().to_numpy()
        summary = concentration_summary([(c, v, s, bool(k), c == REST_OF_WORLD) for c, v, s, k in
                                         zip(part["country"], part["value"].fillna(part["share_pct"]),
                                             shares, known)])
        flags = [f for f in str(first["share_flag"]).split(";") + summary.pop("flags") if f]
        summary.update(no_share_figures(first["share_basis"]))
        rows.append(dict(zip(SERIES_OF_SUPPLY, key), period_kind=first["period_kind"], year=first["year"],
                         is_best=bool(first["is_best"]), share_basis=first["share_basis"], unit=first["unit"], provenance=first["provenance"],
                         source_label=first["source_label"], note=first["note"],
                         flags=";".join(dict.fromkeys(f for f in flags if f != "upper_bound")), **summary))
    return pd.DataFrame(rows, columns=SUPPLY_CONCENTRATION_COLUMNS)
