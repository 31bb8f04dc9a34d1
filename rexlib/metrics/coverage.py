"""Coalition coverage: how much of world mine production, of refining and of U.S. import sources a
group of countries accounts for, per mineral.

Sources: USGS MCS (mine and refinery/smelter/metal production; salient import sources with shares,
2021–24; Fig. 2 import-source ranks), IEA Critical Minerals Data Explorer (refining 2023), and the
curated ``country_groups`` table.
"""
from __future__ import annotations

import copy
from collections.abc import Iterable

import numpy as np
import pandas as pd

from rexlib.core import validate as v
from rexlib.core.ids import REST_OF_WORLD
from rexlib.query.warehouse import memo
from . import _common as c

__all__ = ["covered_share", "coalition_coverage", "least_covered", "members_of", "stage_series",
           "import_parts", "minerals_for_coverage"]


def members_of(group: str | None = None, countries: Iterable[str] | str | None = None) -> pd.DataFrame:
    """The resolved member list (one row per ISO3 code) of a group and/or an ad-hoc list."""
    m = c.resolve_members(group, countries)
    return pd.DataFrame({"iso3": sorted(m.codes), "label": m.label, "note": m.note})


def covered_share(parts: pd.DataFrame, members: c.Members, *, value_col: str = "value") -> dict:
    """Share of a block of parts (countries, joint labels, ``ROW``) held by ``members``.

    ``covered_pct = Σ_{member parts} value / Σ_{known parts} value × 100``; the denominator is the
    sum of the known parts (countries + ``ROW``), so the set of all countries covers exactly 100 %.
    A joint label (``USA+CAN``) counts only when all its countries are members. ``ROW`` ("other
    countries") is never a member itself; it counts as covered only when *every* country not listed
    separately is a member (then all of "other countries" belongs to the group). ``covered_high``
    adds the ``ROW`` share when at least one member is unlisted (it may hide in the remainder).
    Withheld member values are unknown: listed in ``withheld_members`` (never counted as 0).
    """
    frame = parts.copy()
    if "known" not in frame:
        frame["known"] = frame[value_col].notna()
    known = frame[frame["known"]]
    total = float(known[value_col].sum())
    listed = {p for code in frame["country"] if code != REST_OF_WORLD for p in c.joint_parts(code)}
    member_mask = np.array([members.covers(code) for code in known["country"]], dtype=bool)
    member_rows = known.loc[member_mask]
    covered = float(member_rows[value_col].sum())
    remainder = float(known.loc[known["country"] == REST_OF_WORLD, value_col].sum())
    unlisted_members = members.codes - listed
    unlisted_all = c.all_countries() - listed
    high = covered
    if remainder > 0:
        if unlisted_all and unlisted_all <= members.codes:
            covered += remainder
            high = covered
        elif unlisted_members:
            high = covered + remainder
    withheld = sorted(code for code, ok in zip(frame["country"], frame["known"]) if not ok and members.covers(code))
    if total <= 0:
        return dict(covered_pct=np.nan, covered_high_pct=np.nan, withheld_members=";".join(withheld))
    return dict(covered_pct=covered / total * 100, covered_high_pct=high / total * 100,
                withheld_members=";".join(withheld))


def _stage_coverage(series: c.Series | None, members: c.Members) -> dict:
    if series is None or series.world_total is None or not c.rules.is_world(series.share_basis):
        return dict(covered_pct=np.nan, covered_high_pct=np.nan, withheld_members="", label="")
    res = covered_share(series.parts, members)
    res["label"] = f"{series.label} {series.stage} {series.period}"
    return res


def import_parts(mid: str) -> tuple[pd.DataFrame | None, pd.DataFrame, str, str]:
    """The U.S. import-source block of a mineral as coverage parts: ``(parts, frame, basis,
    measure)`` from :func:`rexlib.metrics._common.import_source_shares`; ``parts`` (country, value =
    share_pct, known) only when shares are known (basis ``share_pct``), else None. Looked up once per
    mineral for every coalition; each caller gets its own copy."""
    return copy.deepcopy(_import_parts(mid))


@memo(maxsize=512)
def _import_parts(mid: str) -> tuple[pd.DataFrame | None, pd.DataFrame, str, str]:
    frame, basis, measure = c.import_source_shares(mid)
    if basis != "share_pct":
        return None, frame, basis, measure
    parts = frame.rename(columns={"share_pct": "value"})[["country", "value"]].copy()
    parts["known"] = parts["value"].notna()
    return parts, frame, basis, measure


def _import_coverage(mid: str, members: c.Members) -> dict:
    parts, frame, basis, measure = import_parts(mid)
    if basis == "share_pct":
        res = covered_share(parts, members)
        return dict(import_covered_pct=res["covered_pct"], import_covered_high_pct=res["covered_high_pct"],
                    import_basis="share_pct", import_measure=measure, import_sources_ranked=int(frame["rank"].notna().sum()),
                    import_member_sources=sum(members.covers(x) for x in frame["country"]))
    if basis == "rank":
        n = int(len(frame))
        k = sum(members.covers(x) for x in frame["country"])
        return dict(import_covered_pct=np.nan, import_covered_high_pct=np.nan, import_basis="rank_count",
                    import_measure=measure, import_sources_ranked=n, import_member_sources=k)
    return dict(import_covered_pct=np.nan, import_covered_high_pct=np.nan, import_basis="none",
                import_measure="", import_sources_ranked=0, import_member_sources=0)


def stage_series(mid: str, stage: str, year: int | None = None) -> c.Series | None:
    """The series coalition coverage measures a stage on: the mineral's mining (``mine``) or
    processing series of the supply-chain model (:func:`rexlib.metrics._common.supply_series`:
    USGS mine production, ``year`` when published, else the latest; the IEA block; else the EU 2023
    study's shares). None when there is none. Looked up once per mineral, stage and year for every
    coalition (a page per coalition asks for all of them); each caller gets its own copy."""
    return copy.deepcopy(_stage_series(mid, stage, year))


@memo(maxsize=1024)
def _stage_series(mid: str, stage: str, year: int | None) -> c.Series | None:
    return c.supply_series(mid, "processing" if stage == "processing" else "mining", year=year)


def minerals_for_coverage(critical: str | None) -> list[str]:
    """The minerals coalition coverage lists (USGS production, IEA blocks or U.S. import sources),
    on the 2022/2025 U.S. critical list when ``critical`` is given; materials declared not minerals
    (:mod:`rexlib.metrics.categories`) are left out."""
    return _minerals_for_coverage(critical)


def _minerals_for_coverage(critical: str | None) -> list[str]:
    frame = c._production_all()
    mids = (set(frame["mineral_id"]) | set(c.iea_minerals()) | set(c._import_sources_all()["mineral_id"])
            | {mid for mid, _family in c._supply_by_family()})
    keep = c.critical_set(critical)
    from .categories import non_minerals
    mids -= non_minerals()      # the EU's wood, rubber, cork and hydrogen are not minerals
    return sorted(m for m in mids if keep is None or m in keep)


def coalition_coverage(group: str | None = None, countries: Iterable[str] | str | None = None,
                       year: int | None = None, *, mineral: str | None = None,
                       critical: str | None = None) -> pd.DataFrame:
    """Per mineral, the share (percent) that a group covers of

    * ``mine_covered_pct``: world mining (the supply-chain model's mining series: USGS mine, latest
      year or ``year`` when published; else the IEA block; else the EU 2023 study's 2016-2020 shares);
    * ``refining_covered_pct``: processing (its processing series: the IEA 2023 refinery/chemicals/
      battery-grade block, else the USGS refinery, smelter or metal stage, else the EU study's shares);
      ``mine_source`` / ``refining_source`` name the source and period;
    * ``import_covered_pct``: U.S. import sources by ``share_pct`` (MCS2026 salient, 2021–24)
      where shares are known; otherwise ``import_basis='rank_count'`` and only
      ``import_member_sources`` of ``import_sources_ranked`` (Fig. 2 ranks) are given.

    Each coverage is ``Σ member parts / Σ known parts × 100`` (:func:`covered_share`): monotone in
    membership, 100 % for the set of all countries, ``ROW`` never a member by itself;
    ``*_high_pct`` is the upper bound when members may hide in "other countries". ``group`` is a
    ``country_groups`` id; ``countries`` an ISO3 list (``EU`` expands to the 27 member states).
    """
    members = c.resolve_members(group, countries)
    mids = [c.mineral(mineral)] if mineral is not None else _minerals_for_coverage(critical)
    if year is not None:
        year = v.year("year", year, sorted(int(y) for y in c._production_all()["year"].unique()))
    rows = []
    for mid in mids:
        mine, proc = stage_series(mid, "mine", year), stage_series(mid, "processing", year)
        a, b = _stage_coverage(mine, members), _stage_coverage(proc, members)
        imp = _import_coverage(mid, members)
        if mine is None and proc is None and imp["import_basis"] == "none":
            continue
        rows.append(dict(
            mineral_id=mid, group=members.label,
            mine_covered_pct=a["covered_pct"], mine_covered_high_pct=a["covered_high_pct"],
            mine_source=a["label"], mine_withheld_members=a["withheld_members"],
            refining_covered_pct=b["covered_pct"], refining_covered_high_pct=b["covered_high_pct"],
            refining_source=b["label"], refining_withheld_members=b["withheld_members"],
            **imp, members_note=members.note))
    return pd.DataFrame(rows)


def least_covered(group: str | None = None, n: int = 10, *, countries: Iterable[str] | None = None,
                  by: str = "mine", critical: str | None = "2022", year: int | None = None) -> pd.DataFrame:
    """The ``n`` minerals the group covers least, by ``by`` = ``mine`` | ``refining`` | ``import``
    (coverage percent ascending; minerals without that measure are left out). Default: minerals on
    the 2022 U.S. critical-minerals list."""
    key = {"mine": "mine_covered_pct", "refining": "refining_covered_pct", "import": "import_covered_pct"}[
        c.choice("by", by, ["mine", "refining", "import"])]
    n = int(c.number("n", n, 1, 1000))
    table = coalition_coverage(group, countries, year, critical=critical)
    table = table[table[key].notna()]
    return table.sort_values([key, "mineral_id"]).head(n).reset_index(drop=True)
