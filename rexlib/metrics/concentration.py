"""Production concentration: shares, the Herfindahl–Hirschman index (HHI) with bounds for the
unallocated remainder, China's and the leading producer's shares, and mine-vs-processing gaps.

Sources: USGS Mineral Commodity Summaries (``production`` table, MCS2023–MCS2026; the newest edition
printing a world total for the year) and the IEA Critical Minerals Data Explorer (May 2024,
``refining`` table; 2023 observed, 2030–2040 base case).
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from rexlib.query import api
from rexlib.etl import series as rules
from rexlib.core import validate as v
from rexlib.core.formulas import concentration_summary
from . import _common as c

__all__ = ["hhi", "hhi_bounds", "concentration", "concentration_table",
           "mining_vs_processing_gap", "biggest_processing_gaps"]


def hhi(shares_pct: Iterable[float]) -> float:
    """Herfindahl–Hirschman index: ``HHI = Σ s_i²`` with ``s_i`` in percent, so 0 ≤ HHI ≤ 10,000
    (10,000 = a single producer). Raises ``ValueError`` for NaN, negative shares, or shares summing
    to more than 100.5 (allowance for rounding): an unknown share must be handled by the caller
    (see :func:`hhi_bounds`), never treated as zero here."""
    arr = np.asarray(list(shares_pct), dtype=float)
    if arr.size == 0:
        return 0.0
    if np.isnan(arr).any():
        raise ValueError("hhi() got a NaN share: an unknown share must be bounded, not ignored")
    if (arr < 0).any() or arr.sum() > 100.5:
        raise ValueError(f"hhi() needs shares in percent, each >= 0, summing to <= 100 (sum {arr.sum():.2f})")
    return float(min((arr ** 2).sum(), 10_000.0))


def hhi_bounds(share_frame: pd.DataFrame) -> dict:
    """Bounds on the HHI of a share frame (columns country, value, share_pct, known, role; the
    ``parts`` of a :class:`rexlib.metrics._common.Series`, whose shares the series rule stored).

    * known country shares ``s_i`` (joint labels such as ``USA+CAN`` count as one producer);
    * remainder ``r`` = the ``ROW`` share (other countries, split unknown);
    * unallocated ``u = max(0, 100 − Σ s_i − r)``: rounding, or the implicit share of countries whose
      value is withheld when the world total includes them.

    ``hhi_low = Σ s_i²`` (remainder and unallocated spread over infinitely many tiny producers);
    ``hhi_high = Σ s_i² + r² + u²`` (each treated as one producer). Countries withheld *and*
    excluded from the world total cannot be bounded; they are listed in ``withheld``.
    """
    parts = [(c_, v_, s_, bool(k), r == "remainder") for c_, v_, s_, k, r in
             zip(share_frame["country"], share_frame.get("value", share_frame["share_pct"]), share_frame["share_pct"],
                 share_frame["known"], share_frame["role"])]
    out = concentration_summary(parts)
    withheld = sorted(share_frame.loc[~share_frame["known"], "country"])
    listed = share_frame[share_frame["known"] & (share_frame["role"] == "country")]["share_pct"].clip(lower=0)
    return dict(hhi_low=out["hhi_low"], hhi_high=out["hhi_high"], remainder_share=out["remainder_share"],
                unallocated_share=out["unallocated_share"], withheld=withheld,
                rescaled=bool(listed.sum() + out["remainder_share"] > 100.5))


def _summary(series: c.Series) -> dict:
    return c.summary(series)


def _series(mineral: str, stage: str | None, year: int | None, source: str, measure: str | None = None) -> c.Series:
    src = c.choice("source", source, ["usgs", "iea"])
    if src == "iea":
        return c.iea_series(mineral, stage or "mine", year)
    return c.usgs_series(mineral, stage, year, measure=measure)


def concentration(mineral: str, stage: str | None = None, year: int | None = None, source: str = "usgs", *,
                  measure: str | None = None) -> pd.DataFrame:
    """Concentration of one mineral's production at one stage: a one-row DataFrame, the row the
    build stored in ``concentration`` (computed once by :mod:`rexlib.etl.series` with
    :func:`rexlib.core.formulas.concentration_summary`).

    Shares follow the share rule (``rexlib/metadata/series.yml``): ``share_i = value_i / world ×
    100`` (USGS ``WLD``, plus the U.S. when USGS notes that the total excludes it; IEA block total),
    and where the listed parts sum past a rounded world total, shares of their sum (flag
    ``parts_exceed_world_total``), so top-1, top-3, China's share and HHI never exceed 100 % /
    10,000. ``hhi`` is the **lower bound** ``hhi_low`` (the ``ROW`` remainder and any unallocated
    share spread over infinitely many tiny producers); ``hhi_high`` treats each as one producer;
    flag ``hhi_is_lower_bound`` says when they differ. Withheld/NA country values are never zero:
    they set flag ``withheld_values`` and are named.

    ``stage`` defaults to the mineral's primary stage; ``source='usgs'`` (default, year = latest) or
    ``'iea'`` (stages mine, refinery, chemicals, battery_grade; year 2023 observed by default).
    """
    src = c.choice("source", source, ["usgs", "iea"])
    if stage is None:
        stage = api.primary_stage(mineral) if src == "usgs" else "mine"
    return api.stored_concentration(mineral, stage, year, src, measure=measure)


def concentration_table(stage: str = "mine", year: int | None = None, source: str = "usgs", *,
                        critical: str | None = None) -> pd.DataFrame:
    """:func:`concentration` for every mineral that has ``stage`` (and ``year`` when given; with
    ``year=None`` each mineral's latest year), read from the stored ``concentration`` table.
    ``critical='2022'``/``'2025'`` keeps listed minerals. Sorted by ``hhi`` descending. Series
    without a published world total (crushed stone: U.S. only) or without any listed producer
    (yttrium: world total only) are left out."""
    return api.stored_concentration_table(stage, year, source, critical=critical)


def _gap_sources(mid: str) -> tuple[str, str] | None:
    """(mining source, processing source) for the gap: one source for both where one has both, in
    the processing order (series.yml ``gap_rule``), else each family's best; None without both."""
    mining, processing = c.supply_sources(mid, "mining"), c.supply_sources(mid, "processing")
    if not mining or not processing:
        return None
    order = rules.stage_families()["processing"]["order"]
    common = [s for s in order if s in mining and s in processing]
    if common:
        return common[0], common[0]
    return mining[0], processing[0]


def _gap_row(mid: str, year: int | None) -> dict | None:
    sources = _gap_sources(mid)
    if sources is None:
        return None
    mine = c.supply_series(mid, "mining", sources[0], year)
    proc = c.supply_series(mid, "processing", sources[1], year)
    if mine is None or proc is None or mine.world_total is None or proc.world_total is None:
        return None
    a, b = _summary(mine), _summary(proc)
    return dict(
        mineral_id=mid, source=mine.source if mine.source == proc.source else f"{mine.source}+{proc.source}",
        mine_stage=a["stage"], mine_year=a["year"], mine_period=mine.period,
        processing_mineral_id=b["mineral_id"], processing_stage=b["stage"], processing_year=b["year"],
        processing_period=proc.period,
        china_mine_share=a["china_share"], china_processing_share=b["china_share"],
        china_gap_pp=b["china_share"] - a["china_share"],
        top1_mine_country=a["top1_country"], top1_mine_share=a["top1_share"],
        top1_processing_country=b["top1_country"], top1_processing_share=b["top1_share"],
        hhi_mine=a["hhi"], hhi_processing=b["hhi"],
        flags=";".join(sorted(set(filter(None, (a["flags"] + ";" + b["flags"]).split(";"))))),
        provenance="; ".join(dict.fromkeys(p for p in (mine.provenance, proc.provenance) if p)),
        source_label=f"mine: {mine.label} ({a['measure']}, {mine.period}); "
                     f"processing: {proc.label} ({b['measure']}, {proc.period})")


def _gap_minerals() -> list[str]:
    return sorted(m for m in {k[0] for k in c._supply_by_family()} if _gap_sources(m) is not None)


def mining_vs_processing_gap(mineral: str | None = None, year: int | None = None, *,
                             include_non_minerals: bool = False) -> pd.DataFrame:
    """China's and the top producer's share at the mining vs the processing stage, for every mineral
    where any source has both (the supply-chain model of :mod:`rexlib.etl.series`, ``stage_families``).

    Both stages come from one source where one source has both (series.yml ``gap_rule``; the IEA
    2023 blocks first, then USGS latest year, then the EU 2023 study's 2016-2020 averages), so a gap
    compares like with like; otherwise each stage's best source (``source`` says ``usgs+eu_crm``).
    USGS processing may come from a downstream id (bauxite -> alumina refinery;
    ``processing_mineral_id``). ``china_gap_pp = china_processing_share - china_mine_share``
    (percentage points; positive = China processes more than it mines); ``mine_period`` /
    ``processing_period`` name a year or an averaging period; ``provenance`` grades the sources.

    ``mineral=None`` returns every mineral with both stages, largest gap first; materials the EU
    screens that are not minerals (hydrogen, roundwood ...: ``category`` in
    rexlib/metadata/mappings/eu_crm_materials.csv, :mod:`rexlib.metrics.categories`) stay out unless
    ``include_non_minerals``.
    """
    if mineral is not None:
        mid = c.mineral(mineral)
        row = _gap_row(mid, year)
        if row is None:
            raise v.InvalidArgument("mineral", mineral, _gap_minerals(), " (needs both a mining and a processing stage)")
        return pd.DataFrame([row])
    from .categories import non_minerals
    skip = frozenset() if include_non_minerals else non_minerals()
    rows = [r for m in _gap_minerals() if m not in skip and (r := _gap_row(m, year)) is not None]
    return pd.DataFrame(rows).sort_values("china_gap_pp", ascending=False, na_position="last").reset_index(drop=True)


def biggest_processing_gaps(n: int = 10, year: int | None = None, *,
                            include_non_minerals: bool = False) -> pd.DataFrame:
    """The ``n`` minerals where China's processing share most exceeds its mine share (materials that
    are not minerals only with ``include_non_minerals``)."""
    n = int(c.number("n", n, 1, 1000))
    return mining_vs_processing_gap(None, year, include_non_minerals=include_non_minerals).head(n).reset_index(drop=True)
