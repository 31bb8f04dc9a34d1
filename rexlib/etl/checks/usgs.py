"""Checks against the publishers' own figures; part of the build, failing it unless allow-listed.

1. USGS world totals: for each mineral/stage/measure/year/vintage, the sum of countries + ``ROW``
   is within 5 % of the publisher's ``WLD`` row.
2. USGS Table 7 (MCS2026): our computed share of the leading country in world production matches
   USGS's ``Leading_source_precent_world`` within 2 percentage points.
3. IEA: our top-3 share of each block matches the workbook's own "Top 3 share" row within 0.5 pp.

A failing check is allowed only by an entry of the corrections registry
(``rexlib/metadata/corrections.yml``, applied by :mod:`rexlib.etl.corrections`), with its reason; such
checks show up as ``allowed`` in ``publisher_checks`` and the entry is logged in ``quality_issues``.
"""
from __future__ import annotations

import re

import pandas as pd

from rexlib.etl.corrections import NOT_ALLOWABLE, apply_allowances
from rexlib.etl.series import FIG2_YEAR, choose_editions, fig2_measure, fold_measures

WORLD_TOLERANCE = 0.05
T7_TOLERANCE_PP = 2.0
IEA_TOLERANCE_PP = 0.5

def world_total_checks(production: pd.DataFrame) -> pd.DataFrame:
    """Countries + ROW vs WLD per mineral/stage/measure/year/vintage.

    Country rows carrying a product qualifier (``Brazil (beneficiated)``) count towards the single
    world total of their measure; when a measure has several world totals (natural / synthetic),
    each is compared with the rows of its own qualifier.
    """
    rows = []
    keys = ["mineral_id", "stage", "measure", "year", "vintage"]
    production = fold_country_qualified_measures(production)
    for key, group in production.groupby(keys, dropna=False):
        worlds = group[group["country"] == "WLD"]
        if worlds.empty:
            continue
        if len(worlds) == 1:
            pairs = [("", worlds, group[group["country"] != "WLD"])]
        else:
            pairs = [(q, worlds[worlds["qualifier"] == q], group[(group["country"] != "WLD") & (group["qualifier"] == q)])
                     for q in worlds["qualifier"].unique()]
        for qualifier, world, parts in pairs:
            rows.append(_compare_world(key, qualifier, world, parts))
    return pd.DataFrame([r for r in rows if r])


def fold_country_qualified_measures(production: pd.DataFrame) -> pd.DataFrame:
    """``production`` with each row's measure replaced by the measure of the world total it
    belongs to (the series rule :func:`rexlib.etl.series.fold_measures`)."""
    return production.assign(measure=fold_measures(production))


def _compare_world(key, qualifier, world, parts) -> dict | None:
    if world["value"].isna().all() or parts.empty:
        return None
    expected = float(world["value"].iloc[0])
    wflags = str(world["flag"].iloc[0] or "")
    subject = "/".join(str(k) for k in key) + (f" ({qualifier})" if qualifier else "")
    base = dict(check="world_total", subject=subject, expected=expected, tolerance=WORLD_TOLERANCE, key=tuple(key))
    # "Excludes U.S. production." but not "Excludes U.S. production of pyrophyllite" (talc).
    excludes_us = bool(re.search(r"excludes u\.s\. production(?! of)", str(world["note"].iloc[0] or ""), re.I))
    if excludes_us:
        # Rule: a world total noted "Excludes U.S. production" is compared without the U.S. row.
        parts = parts[parts["country"] != "USA"]
    if parts["value"].isna().any() or any(f in wflags for f in ("lower_bound", "upper_bound", "range")):
        return dict(base, computed=None, difference=None, status="not_comparable",
                    reason="a country value is withheld/not available or the total is a bound/range")
    computed = float(parts["value"].sum())
    diff = (computed - expected) / expected if expected else (0.0 if computed == 0 else 1.0)
    status, reason = "pass", "world total excludes U.S. production" if excludes_us else ""
    if abs(diff) > WORLD_TOLERANCE:
        status, reason = "fail", f"countries + other countries differ from the world total by {diff:+.1%}"
    return dict(base, computed=computed, difference=diff, status=status, reason=reason)


def t7_checks(t7: pd.DataFrame, production: pd.DataFrame) -> pd.DataFrame:
    rows = []
    latest = production[production["vintage"] == "MCS2026"]
    for rec in t7.itertuples():
        subject = f"{rec.mineral_id}/{rec.year}/{rec.leading_country}"
        if pd.isna(rec.leading_share_pct):
            rows.append(dict(check="t7_leading_share", subject=subject, expected=None, computed=None, key=(rec.mineral_id,),
                             difference=None, tolerance=T7_TOLERANCE_PP, status="not_comparable",
                             reason=f"USGS share is {rec.leading_share_flag or 'not given'}"))
            continue
        part = latest[(latest["mineral_id"] == rec.mineral_id) & (latest["year"] == rec.year)]
        computed, reason = _leading_share(part, rec.leading_country, rec.world_total_prod if pd.notna(rec.world_total_prod) else None, rec.unit)
        if computed is None:
            rows.append(dict(check="t7_leading_share", subject=subject, expected=rec.leading_share_pct,
                             computed=None, difference=None, tolerance=T7_TOLERANCE_PP, key=(rec.mineral_id,),
                             status="fail", reason=reason))
            continue
        diff = computed - rec.leading_share_pct
        status, why = "pass", ""
        if abs(diff) > T7_TOLERANCE_PP:
            status = "fail"
        rows.append(dict(check="t7_leading_share", subject=subject, expected=rec.leading_share_pct, key=(rec.mineral_id,),
                         computed=computed, difference=diff, tolerance=T7_TOLERANCE_PP, status=status,
                         reason=why))
    return pd.DataFrame(rows)


def _leading_share(part: pd.DataFrame, country: str, t7_world: float | None = None,
                   t7_unit: str = "metric tons") -> tuple[float | None, str]:
    """Leading country's share of world output in the series USGS used for Table 7.

    Candidates are each stage+measure's world total and, per stage, the sum over its measures
    (silicon: ferrosilicon + silicon metal). The candidate whose world total is nearest to T7's own
    ``World_total_prod`` (converted to T7's unit) is the one compared; without a T7 total, mine
    production is preferred, then refinery, smelter, metal, plant.
    """
    from rexlib.etl.normalise import UNIT_FACTORS
    candidates = []
    order = ("mine", "refinery", "smelter", "metal", "plant", "production")
    for rank, stage in enumerate(order):
        rows = part[part["stage"] == stage]
        if rows.empty:
            continue
        series = [(m, g) for m, g in rows.groupby("measure")]
        if len(series) > 1:
            series.append(("(sum of measures)", rows))
        for measure, group in series:
            world = group[group["country"] == "WLD"]["value"]
            lead = group[group["country"] == country]["value"]
            if world.empty or lead.empty or world.isna().any() or lead.isna().any() or world.sum() <= 0:
                continue
            unit = group["unit"].iloc[0]
            factor = UNIT_FACTORS.get(unit, (None, 1.0))[1] / UNIT_FACTORS.get(t7_unit, (None, 1.0))[1]
            distance = abs(world.sum() * factor - t7_world) / t7_world if t7_world else rank
            candidates.append((distance, rank, float(lead.sum() / world.sum() * 100)))
    if not candidates:
        return None, "no production rows with both the leading country and a world total"
    return min(candidates)[2], ""


def iea_checks(refining: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for rec in totals.itertuples():
        subject = f"{rec.mineral_id}/{rec.stage}/{rec.year}"
        block = refining[(refining["mineral_id"] == rec.mineral_id) & (refining["stage"] == rec.stage)
                         & (refining["year"] == rec.year) & (refining["country"] != "ROW")]
        computed = float(block["value_kt"].nlargest(3).sum() / rec.total_kt * 100) if rec.total_kt else None
        diff = computed - rec.top3_share_pct if computed is not None else None
        status, why = "pass", ""
        if diff is None or abs(diff) > IEA_TOLERANCE_PP:
            status = "fail"
        rows.append(dict(check="iea_top3_share", subject=subject, expected=rec.top3_share_pct, computed=computed,
                         key=(rec.mineral_id, rec.stage, rec.year),
                         difference=diff, tolerance=IEA_TOLERANCE_PP, status=status, reason=why))
    return pd.DataFrame(rows)


IEA_BLOCK_TOLERANCE = 0.001


def iea_block_sum_checks(refining: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """Each IEA block's countries + Rest of world (after the value corrections) against the block's
    printed total, within 0.1 %: a Rest of world that double-counts a country (sheet 2, four
    blocks) must be corrected in rexlib/metadata/corrections.yml, or this fails the build."""
    keys = ["mineral_id", "stage", "year"]
    sums = refining.groupby(keys)["value_kt"].sum().rename("parts").reset_index()
    merged = sums.merge(totals[keys + ["total_kt"]], on=keys, how="inner")
    rows = []
    for rec in merged.itertuples():
        diff = (rec.parts - rec.total_kt) / rec.total_kt if rec.total_kt else None
        ok = diff is not None and abs(diff) <= IEA_BLOCK_TOLERANCE
        rows.append(dict(check="iea_block_sum", subject=f"{rec.mineral_id}/{rec.stage}/{rec.year}",
                         key=(rec.mineral_id, rec.stage, rec.year), expected=rec.total_kt, computed=rec.parts,
                         difference=diff, tolerance=IEA_BLOCK_TOLERANCE, status="pass" if ok else "fail",
                         reason="" if ok else f"countries + Rest of world differ from the block total by {diff:+.1%}"))
    return pd.DataFrame(rows)


FIG3_TOLERANCE_PP = 1.0
def nir_fig2_checks(reliance: pd.DataFrame) -> pd.DataFrame:
    """Every Fig2 line (MCS2025, MCS2026) against rex: the headline NIR of the mineral and year
    equals Fig2's headline line (bound and number), and each other Fig2 line equals the salient
    measure it reports in the same edition (MCS2026; MCS2025's salient tables are not loaded)."""
    rows = []
    sal = reliance[reliance["table_source"] == "salient"]
    head = reliance[reliance["headline"]]
    for rec in reliance[reliance["table_source"] == "figure"].itertuples():
        subject = f"{rec.mineral_id}/{rec.year}/{rec.vintage}/{rec.measure}"
        measures = list(dict.fromkeys(sal.loc[sal["mineral_id"] == rec.mineral_id].sort_values("source_line")["measure"]))
        msr = fig2_measure(rec.mineral_id, rec.measure, measures)
        hl = head[(head["mineral_id"] == rec.mineral_id) & (head["year"] == rec.year)]
        is_headline_line = len(hl) and ((hl["table_source"].iloc[0] == "figure" and hl["measure"].iloc[0] == rec.measure)
                                        or (hl["table_source"].iloc[0] == "salient" and hl["measure"].iloc[0] == msr))
        if is_headline_line:
            other = hl.iloc[0]
            check = "nir_headline_fig2"
        else:
            same = sal[(sal["mineral_id"] == rec.mineral_id) & (sal["year"] == rec.year) & (sal["measure"] == msr)
                       & (sal["vintage"] == rec.vintage)]
            check = "nir_measure_fig2"
            if same.empty:
                rows.append(dict(check=check, subject=subject, expected=rec.nir_pct, computed=None, difference=None,
                                 tolerance=0.0, status="not_comparable", key=(rec.mineral_id, rec.year, rec.measure),
                                 reason=f"no salient statistics of {rec.vintage} for {rec.year} are loaded"
                                 if FIG2_YEAR.get(rec.vintage) == rec.year and rec.vintage != "MCS2026"
                                 else "the salient statistics do not print this measure"))
                continue
            other = same.iloc[0]
        equal = other["nir_bound"] == rec.nir_bound and (
            (pd.isna(other["nir_pct"]) and pd.isna(rec.nir_pct)) or other["nir_pct"] == rec.nir_pct)
        why = ""
        rows.append(dict(check=check, subject=subject, expected=rec.nir_pct, computed=other["nir_pct"],
                         key=(rec.mineral_id, rec.year, rec.measure),
                         difference=None if pd.isna(rec.nir_pct) or pd.isna(other["nir_pct"])
                         else float(other["nir_pct"] - rec.nir_pct), tolerance=0.0,
                         status="pass" if equal else ("allowed" if why else "fail"),
                         reason=why or ("" if equal else f"rex {other['nir_bound']}{other['nir_pct']} "
                                        f"({other['table_source']}: {other['measure']}) vs Fig2 {rec.nir_text}")))
    return pd.DataFrame(rows)


def import_sources_fig3_checks(sources: pd.DataFrame, fig3: pd.DataFrame) -> pd.DataFrame:
    """The headline import-source shares of every Fig3 commodity (MCS2026, 2021-24) equal Fig3's
    percentages within rounding (1 pp), country by country."""
    rows = []
    head = sources[sources["headline"] & (sources["table_source"] == "salient")]
    for (mid, commodity), part in fig3.groupby(["mineral_id", "commodity"], sort=False):
        mine = head[head["mineral_id"] == mid]
        got = dict(zip(mine["country"], mine["share_pct"]))
        for rec in part.itertuples():
            computed = got.get(rec.country)
            diff = None if computed is None or pd.isna(rec.share_pct) else float(computed - rec.share_pct)
            ok = diff is not None and abs(diff) <= FIG3_TOLERANCE_PP
            why = ""
            rows.append(dict(check="import_sources_fig3", subject=f"{mid}/{commodity}/{rec.country}",
                             key=(mid, rec.country),
                             expected=rec.share_pct, computed=computed, difference=diff,
                             tolerance=FIG3_TOLERANCE_PP, status="pass" if ok else ("allowed" if why else "fail"),
                             reason=why or ("" if ok else f"headline measure {mine['measure'].iloc[0] if len(mine) else None!r}")))
    return pd.DataFrame(rows)


def world_total_not_allowable(production: pd.DataFrame):
    """The rule of :data:`rexlib.etl.corrections.NOT_ALLOWABLE` for world totals: a failed world_total
    check whose printed total exceeds the countries + other countries by more than the tolerance,
    on an edition the figures use (``series.choose_editions``), cannot be allow-listed: every share,
    HHI and top-3 of that series would be of a wrong world (an extra zero in cobalt's world total
    gave the DRC 7.4 % instead of 73.1 %). Returns ``check row -> reason | None``."""
    used = set(map(tuple, choose_editions(production)[["mineral_id", "stage", "year", "vintage"]]
                   .drop_duplicates().itertuples(index=False)))

    def refuse(rec) -> str | None:
        if rec["check"] != "world_total" or pd.isna(rec.get("difference")) or rec["difference"] >= -WORLD_TOLERANCE:
            return None
        mid, stage, _measure, year, vintage = rec["key"]
        if (mid, stage, year, vintage) not in used:
            return None
        return NOT_ALLOWABLE["world_total"] + f" ({vintage} is the edition figures use for {mid} {stage} {year})"
    return refuse


def run_publisher_checks(tables: dict[str, pd.DataFrame], extra: pd.DataFrame | None = None
                         ) -> tuple[pd.DataFrame, list[dict]]:
    """Every check (plus ``extra`` rows of other sources' checks, with a ``key`` column), with the
    corrections registry's allowances applied (except where a figure would use the wrong number:
    :func:`world_total_not_allowable`): (checks, quality-issue rows)."""
    return apply_allowances(pd.concat([extra,
        nir_fig2_checks(tables["import_reliance"]),
        import_sources_fig3_checks(tables["import_sources"], tables["import_sources_fig3"]),
        world_total_checks(tables["production"]),
        t7_checks(tables["usgs_leading_source"], tables["production"]),
        iea_checks(tables["refining"], tables["refining_totals"]),
        iea_block_sum_checks(tables["refining"], tables["refining_totals"]),
    ], ignore_index=True), not_allowable=world_total_not_allowable(tables["production"]))
