"""Concentration of every production series at once, for the tables the build stores
(``concentration``, ``concentration_wgi``) so that the apps read one indexed row instead of
recomputing a mineral on demand.

The rules are those of :func:`rexlib.metrics.concentration.concentration` (series choice in
:func:`rexlib.metrics._common.usgs_series` / ``iea_series``, shares, HHI bounds, China and top
producers) and :func:`rexlib.metrics.governance.hhi_wgi`, applied to the whole ``production`` and
``refining`` tables in one pass over plain Python rows: pandas per series costs ~20 ms × ~600
series, this costs well under a second. tests/metrics/test_concentration_all.py checks that every
stored row equals the metric functions' output.
"""
from __future__ import annotations

import re
from collections import defaultdict

import numpy as np
import pandas as pd

from ..ids import REST_OF_WORLD, WORLD
from . import _common as c

__all__ = ["concentration_rows"]

_EXCLUDES_US = re.compile(r"excludes u\.s\. production(?! of)", re.I)
_UNKNOWN = frozenset(c.UNKNOWN_FLAGS)

# Columns of the stored ``concentration`` table (``concentration()``'s columns first).
CONCENTRATION_COLUMNS = [
    "source", "mineral_id", "stage", "year", "measure", "is_default_measure", "vintage", "unit",
    "world_total", "world_reported", "hhi", "hhi_low", "hhi_high", "top1_country", "top1_share",
    "top3_share", "china_share", "n_countries", "has_listed_producer", "remainder_share",
    "unallocated_share", "withheld_countries", "flags", "coverage_note", "source_label"]


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _unknown_flag(flag) -> bool:
    if _missing(flag):
        return False
    return any(p.strip() in _UNKNOWN for p in str(flag).split(";") if p.strip())


class _Part:
    """One producer row of a series (``parts`` in :class:`rexlib.metrics._common.Series`)."""

    __slots__ = ("country", "value", "known", "role", "share")

    def __init__(self, country, value, flag, known=None):
        self.country = country
        self.value = float(value) if not _missing(value) else float("nan")
        self.known = (self.value == self.value and not _unknown_flag(flag)) if known is None else known
        self.role = "remainder" if country == REST_OF_WORLD else "country"
        self.share = float("nan")


def _sorted_desc(parts: list[_Part], attr: str) -> list[_Part]:
    """``sort_values(attr, ascending=False, na_position='last')`` exactly as the metric sorts: through
    pandas, whose default quicksort may order ties differently from a stable sort, and the order of
    the shares decides the last bits of the sums."""
    values = [getattr(p, attr) for p in parts]
    numbers = [v for v in values if v == v]
    if len(set(numbers)) == len(numbers):   # no ties: every correct sort agrees, a stable one is cheap
        return (sorted((p for p in parts if getattr(p, attr) == getattr(p, attr)), key=lambda p: -getattr(p, attr))
                + [p for p in parts if getattr(p, attr) != getattr(p, attr)])
    order = pd.Series([getattr(p, attr) for p in parts], dtype=float).sort_values(
        ascending=False, na_position="last").index
    return [parts[i] for i in order]


def _summary(*, mineral_id, stage, year, source, vintage, measure, unit, parts, world_total, notes,
             label) -> dict:
    """:func:`rexlib.metrics.concentration._summary` on plain rows (same formulas, same order of
    floating-point operations, so the numbers are bit-identical)."""
    total = world_total
    if total is None:
        total = float(np.sum(np.array([p.value for p in parts if p.known], dtype=float)))
    for p in parts:
        if p.known and p.value < 0:
            raise ValueError("shares() got a negative production value")
        p.share = (p.value / total * 100) if (p.known and total) else float("nan")
    known = [p for p in parts if p.known]
    countries = np.array([max(p.share, 0.0) if p.share == p.share else p.share
                          for p in known if p.role == "country"], dtype=float)
    # pandas' sum skips NaN (a share is NaN only when the total is 0 or unknown)
    remainder = float(np.sum(np.array([p.share if p.share == p.share else 0.0
                                       for p in known if p.role == "remainder"], dtype=float)))
    scale = 1.0
    if countries.sum() + remainder > 100.5:
        scale = 100.0 / (countries.sum() + remainder)
    s = countries * scale
    r = remainder * scale
    low = c_hhi(s)
    u = max(0.0, 100.0 - float(s.sum()) - r)
    high = min(low + r ** 2 + u ** 2, 10_000.0)
    withheld = sorted(p.country for p in parts if not p.known)
    listed = [p for p in known if p.role == "country"]
    ranked = _sorted_desc(listed, "share")
    top1 = ranked[0] if ranked else None
    chn = [p for p in parts if p.country == c.CHINA]
    flags: list[str] = []
    if r > 0 or u > 0.05:
        flags.append("hhi_is_lower_bound")
    if withheld:
        flags.append("withheld_values")
    if scale != 1.0:
        flags.append("parts_exceed_world_total")
    if not chn:
        china = 0.0
        flags.append("china_not_listed")
    elif not chn[0].known:
        china = float("nan")
        flags.append("china_withheld")
    else:
        china = chn[0].share
    n = sum(1 for p in ranked if p.value > 0)
    note = (f"{label}, {measure}, {year}: {n} producers listed"
            f"{' + other countries (' + c.fmt(r) + ' %)' if r else ''}; "
            f"world total {c.fmt(world_total, 0)} {unit}")
    if withheld:
        note += f"; withheld/not available: {', '.join(withheld)} (not counted, HHI may be understated)"
    if "china_not_listed" in flags and r:
        note += f"; China not listed (at most the {c.fmt(r)} % remainder)"
    if notes:
        note += "; " + "; ".join(notes)
    top3 = sum(p.share for p in ranked[:3]) if ranked else float("nan")   # (a + b) + c, as pandas adds 3
    return dict(
        mineral_id=mineral_id, stage=stage, year=year, source=source, vintage=vintage, measure=measure,
        unit=unit, world_total=world_total, hhi=low, hhi_low=low, hhi_high=high,
        top1_country=None if top1 is None else top1.country,
        top1_share=float("nan") if top1 is None else top1.share, top3_share=float(top3),
        china_share=china, n_countries=n, remainder_share=r, unallocated_share=u,
        withheld_countries=";".join(withheld), flags=";".join(flags), coverage_note=note, source_label=label,
        has_listed_producer=bool(listed), _parts=parts, _bounds=(s, r, u, scale, withheld))


def c_hhi(arr: np.ndarray) -> float:
    """:func:`rexlib.metrics.concentration.hhi` without the argument checks (shares here are
    never NaN or negative, and sum to at most 100 after rescaling)."""
    if arr.size == 0:
        return 0.0
    if np.isnan(arr).any():
        raise ValueError("hhi() got a NaN share: an unknown share must be bounded, not ignored")
    return float(min((arr ** 2).sum(), 10_000.0))


# ------------------------------------------------------------------------------------ USGS

def _fold(rows: list[dict]) -> list[dict]:
    """:func:`rexlib.checks.fold_country_qualified_measures` for the rows of one vintage."""
    worlds = {r["measure"] for r in rows if r["country"] == WORLD}
    out = []
    for r in rows:
        measure = r["measure"]
        base = measure.split(":")[0].strip()
        if measure in worlds:
            folded = measure
        elif base in worlds:
            folded = base
        elif len(worlds) == 1:
            folded = next(iter(worlds))
        else:
            folded = measure
        out.append(r if folded == measure else {**r, "measure": folded})
    return out


def _usgs_series(mid: str, stage: str, year: int, raw: list[dict]):
    """Every measure of one USGS mineral/stage/year: yields (summary kwargs, is_default)."""
    vintages = sorted({r["vintage"] for r in raw})
    with_world = sorted({r["vintage"] for r in raw if r["country"] == WORLD and not _missing(r["value"])})
    vint = with_world[-1] if with_world else vintages[-1]
    sub = _fold([r for r in raw if r["vintage"] == vint])
    worlds = [r for r in sub if r["country"] == WORLD]
    measures = sorted({r["measure"] for r in sub})
    candidates = sorted({r["measure"] for r in worlds}) or measures

    def rank(m: str):
        rows = [r for r in sub if r["measure"] == m and r["country"] != WORLD]
        wv = [r["value"] for r in worlds if r["measure"] == m and not _missing(r["value"])]
        return (-len(rows), -(float(max(wv)) if wv else 0.0), m)
    default = min(candidates, key=rank)
    for msr in measures:
        series = [r for r in sub if r["measure"] == msr]
        mworld = [r for r in series if r["country"] == WORLD]
        notes: list[str] = []
        if len(mworld) > 1:
            quals = [r["qualifier"] if not _missing(r["qualifier"]) else "" for r in mworld]
            q = "" if "" in quals else quals[0]
            series = [r for r in series if (r["qualifier"] if not _missing(r["qualifier"]) else "") == q]
            mworld = [r for r in series if r["country"] == WORLD]
            notes.append(f"several world totals in this measure; qualifier {q or '(none)'!r} used")
        parts = _sorted_desc([_Part(r["country"], r["value"], r["flag"]) for r in series
                              if r["country"] != WORLD], "value")
        if mworld:
            unit = str(mworld[0]["unit"])
        else:
            unit = str(pd.Series([r["unit"] for r in series]).mode().iloc[0])
        world_reported = float(mworld[0]["value"]) if mworld and not _missing(mworld[0]["value"]) else None
        world_total = world_reported
        wnote = str(mworld[0]["note"] or "") if mworld else ""
        if world_total is not None and _EXCLUDES_US.search(wnote):
            us = [p for p in parts if p.country == "USA" and p.known]
            if us:
                world_total += float(us[0].value)
                notes.append("USGS world total excludes U.S. production; the known U.S. value was added")
            else:
                notes.append("USGS world total excludes U.S. production (U.S. value withheld or not listed)")
        if world_total is None or world_total <= 0:
            known = np.array([p.value for p in parts if p.known], dtype=float)
            world_total = float(known.sum()) if len(known) and known.sum() > 0 else None
            notes.append("no usable USGS world total; the sum of listed values is used")
        yield dict(mineral_id=mid, stage=stage, year=year, source="usgs", vintage=vint, measure=msr, unit=unit,
                   parts=parts, world_total=world_total, notes=notes,
                   label=f"{c.USGS_SOURCE} {vint}"), world_reported, msr == default


def _iea_series(mid: str, stage: str, year: int, block: list[dict]):
    parts = _sorted_desc([_Part(r["country"], r["value_kt"], "", known=not _missing(r["value_kt"]))
                          for r in block], "value")
    total = float(np.sum(np.array([p.value for p in parts if p.known], dtype=float)))
    scenario = str(block[0]["scenario"])
    return dict(mineral_id=mid, stage=stage, year=year, source="iea", vintage="IEA2024",
                measure=str(block[0]["stage_label"]), unit="thousand metric tons", parts=parts,
                world_total=total if total > 0 else None, notes=[],
                label=f"{c.IEA_SOURCE}, {scenario} {year}"), total


def _groups(frame: pd.DataFrame, columns: list[str]) -> dict[tuple, list[dict]]:
    """Rows as dicts (only ``columns``), grouped by mineral, stage and year, in table order."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for values in zip(*(frame[col].tolist() for col in columns)):
        row = dict(zip(columns, values))
        groups[(row["mineral_id"], row["stage"], int(row["year"]))].append(row)
    return groups


_USGS_COLUMNS = ["mineral_id", "stage", "year", "measure", "qualifier", "country", "value", "flag", "unit", "note",
                 "vintage"]
_IEA_COLUMNS = ["mineral_id", "stage", "year", "country", "value_kt", "scenario", "stage_label"]


def _series_all(production: pd.DataFrame, refining: pd.DataFrame):
    """(summary, world_reported, is_default) for every series of both sources."""
    for (mid, stage, year), raw in sorted(_groups(production, _USGS_COLUMNS).items()):
        for kwargs, reported, is_default in _usgs_series(mid, stage, year, raw):
            yield kwargs, reported, is_default
    for (mid, stage, year), block in sorted(_groups(refining, _IEA_COLUMNS).items()):
        kwargs, reported = _iea_series(mid, stage, year, block)
        yield kwargs, reported, True


def concentration_rows(production: pd.DataFrame, refining: pd.DataFrame, wgi: pd.DataFrame | None = None,
                       *, wgi_year: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stored ``concentration`` and ``concentration_wgi`` tables.

    ``production``: the ``production`` table joined with ``countries`` (``kind``, ``name``), as
    :func:`rexlib.metrics._common._production_all` reads it; ``refining``: the ``refining`` table;
    ``wgi``: governance scores (:func:`rexlib.sources.wgi.governance_scores`, columns iso3,
    wgi_scaled) for ``wgi_year``.

    ``concentration``: one row per source × mineral × stage × year × measure (USGS: every measure of
    the chosen vintage, ``is_default_measure`` marking the one ``concentration()`` picks without a
    ``measure``; IEA: one measure per block). Series whose shares cannot be computed (the metric
    raises) are left out. ``concentration_wgi``: HHI_WGI (EU scale 0–10, missing scores = median)
    of every default-measure series.
    """
    rows, wgi_rows = [], []
    lookup = fill = None
    if wgi is not None:
        lookup = dict(zip(wgi["iso3"], wgi["wgi_scaled"]))
        fill = float(wgi["wgi_scaled"].median())
    for kwargs, reported, is_default in _series_all(production, refining):
        try:
            row = _summary(**kwargs)
        except ValueError:
            continue
        parts, bounds = row.pop("_parts"), row.pop("_bounds")
        row.update(world_reported=reported, is_default_measure=is_default)
        rows.append(row)
        if is_default and lookup is not None:
            wgi_rows.append(_hhi_wgi(row, parts, bounds, lookup, fill, wgi_year))
    conc = pd.DataFrame(rows, columns=CONCENTRATION_COLUMNS)
    wgi_frame = pd.DataFrame(wgi_rows, columns=WGI_COLUMNS)
    return conc, wgi_frame


WGI_COLUMNS = ["source", "mineral_id", "stage", "year", "vintage", "hhi_wgi", "hhi_wgi_high", "hhi", "hhi_high",
               "wgi_weighted_mean", "share_without_wgi", "countries_without_wgi", "withheld", "missing_rule",
               "wgi_fill", "wgi_year", "source_label"]


def _hhi_wgi(row: dict, parts: list[_Part], bounds, lookup: dict, fill: float, wgi_year: int) -> dict:
    """:func:`rexlib.metrics.governance.hhi_wgi_of_shares` (missing rule ``median``)."""
    _, r, u, scale, withheld = bounds
    known = [p for p in parts if p.known and p.role == "country"]
    if scale != 1.0:   # as the metric does: unscaled country shares plus the scaled remainder
        scale = 100.0 / (float(np.sum(np.array([p.share for p in known], dtype=float))) + r)
    total = 0.0
    no_score: list[str] = []
    no_score_share = 0.0
    for p in known:
        s = p.share * scale
        codes = c.joint_parts(p.country)
        vals = [lookup[code] for code in codes if code in lookup]
        # sum / n is np.mean's arithmetic for these few values, at a fraction of its call cost
        score = float(sum(vals) / len(vals)) if vals and len(vals) == len(codes) else None
        if score is None:
            no_score.append(p.country)
            no_score_share += s
            score = fill
        total += (s / 100.0) ** 2 * score
    high = total + ((r / 100.0) ** 2 + (u / 100.0) ** 2) * fill
    hhi_frac = row["hhi_low"] / 10_000.0
    return dict(source=row["source"], mineral_id=row["mineral_id"], stage=row["stage"], year=row["year"],
                vintage=row["vintage"], hhi_wgi=total, hhi_wgi_high=high, hhi=row["hhi_low"], hhi_high=row["hhi_high"],
                wgi_weighted_mean=total / hhi_frac if hhi_frac > 0 else np.nan,
                share_without_wgi=no_score_share + r + u, countries_without_wgi=";".join(no_score),
                withheld=";".join(withheld), missing_rule="median", wgi_fill=fill, wgi_year=int(wgi_year),
                source_label=row["source_label"])
