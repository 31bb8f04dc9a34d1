"""Check the quantitative claims of the policy documents against the data.

Sources: curated ``claims`` table (``checkable = true`` rows); USGS MCS production (MCS2023–2026),
USGS net import reliance (MCS2025 Fig. 2 for 2024, MCS2026 Fig. 2 for 2025, MCS2026 salient
statistics 2021–2025), USGS U.S. salient statistics, IEA Critical Minerals Data Explorer (2023).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from rexlib.query.warehouse import query
from rexlib.etl import series as rules
from . import _common as c
from .concentration import _summary
from .country import country_name
from rexlib.core.fmt import words
from rexlib.etl.series import BASIS_WORDS
from rexlib.core.fmt import fmt_num
from .export_controls import CLAIM_METRICS, check_control_claim

__all__ = ["check_claims", "count_nir", "list_nir_lines", "COUNT_CONVENTIONS", "TOLERANCE_PP", "TOLERANCE_REL"]

TOLERANCE_PP = 5.0      # percentage points, for claims in percent
TOLERANCE_REL = 0.10    # relative, for quantities (tonnes, counts)


# How USGS tallies the critical-minerals list in its Fig. 2 counts: a list member without a Fig. 2 line
# of its own is read from the line USGS gives it under (each lanthanide from RARE EARTHS; aluminum
# from BAUXITE). Declared as data, one row per member, with the reason.
LIST_NIR_LINES = Path(__file__).resolve().parent.parent / "metadata" / "mappings" / "critical_list_nir_lines.csv"
COUNT_CONVENTIONS = {
    "usgs_list_members": "as USGS counts: each list member on its own (lanthanides read from RARE EARTHS, "
                         "aluminum from BAUXITE, as declared in rex's critical-list mapping)",
    "rex_minerals": "each rex mineral id with a Fig. 2 line of its own (rare earths and bauxite, not on the "
                    "2022 list by name, are not counted; aluminum by its ALUMINUM line)",
}


def list_nir_lines() -> dict[str, str]:
    """List member -> the mineral id whose net-import-reliance line USGS reads it from (members not
    declared in ``critical_list_nir_lines.csv`` are read from their own line)."""
    frame = pd.read_csv(LIST_NIR_LINES, dtype=str)
    return dict(zip(frame["mineral_id"], frame["nir_mineral_id"]))


def count_nir(vintage: str = "MCS2025", *, low: float = 100.0, high: float | None = None,
              critical: str | None = "2022", convention: str = "usgs_list_members") -> pd.DataFrame:
    """Minerals whose U.S. net import reliance in a Fig. 2 edition is in ``[low, high]``
    (``high=None``: ``nir >= low``), one row per mineral counted: the headline NIR
    (``import_reliance.headline``, rexlib/metadata/series.yml) of the edition's Fig. 2 year.

    ``convention`` (:data:`COUNT_CONVENTIONS`): ``usgs_list_members`` (default) counts as USGS does,
    each member of the ``critical`` list on its own, read from the line USGS gives it under
    (``nir_mineral_id``; MCS2025 Fig. 2 then gives 28 list members at 50-100 %, 12 at 100 %);
    ``rex_minerals`` counts each rex mineral id with a line of its own (13 and 12). With
    ``critical=None`` both count every Fig. 2 mineral once. Only exact values (``=``) and lower
    bounds (``>``, at the bound) count. MCS2025 Fig. 2 is for 2024, MCS2026 Fig. 2 for 2025.
    Columns: mineral_id, nir_mineral_id, measure, year, nir_pct, nir_bound, vintage, convention."""
    convention = c.choice("convention", convention, list(COUNT_CONVENTIONS))
    ir = c._import_reliance_all()
    vint = c.choice("vintage", vintage, sorted(ir.loc[ir["table_source"] == "figure", "vintage"].unique()),
                    normalise=False)
    fig = ir[ir["headline"] & (ir["year"] == rules.FIG2_YEAR[vint]) & ir["nir_bound"].isin(["=", ">"])]
    per = fig.sort_values("nir_pct", ascending=False).drop_duplicates("mineral_id")
    keep = c.critical_set(critical)
    if keep is None:
        per = per.assign(nir_mineral_id=per["mineral_id"])
    elif convention == "rex_minerals":
        per = per[per["mineral_id"].isin(keep)].assign(nir_mineral_id=per["mineral_id"])
    else:
        lines = list_nir_lines()
        members = pd.DataFrame({"mineral_id": sorted(keep)})
        members["nir_mineral_id"] = [lines.get(m, m) for m in members["mineral_id"]]
        per = members.merge(per.rename(columns={"mineral_id": "nir_mineral_id"}), on="nir_mineral_id")
    sel = per["nir_pct"] >= low
    if high is not None:
        sel &= per["nir_pct"] < high
    out = per.loc[sel, ["mineral_id", "nir_mineral_id", "measure", "year", "nir_pct", "nir_bound", "vintage"]]
    out = out.sort_values(["nir_pct", "mineral_id"], ascending=[False, True])
    return out.assign(convention=convention).reset_index(drop=True)


def _country_share(series: c.Series, country: str) -> float | None:
    """A country's stored share in a series (0 when the series lists it nowhere and has no remainder)."""
    row = series.parts[series.parts["country"] == country]
    if row.empty:
        return None
    return float(row["share_pct"].iloc[0])


def _verdict(claim, computed: float, *, pp: bool) -> tuple[str, str]:
    """consistent / differs, with the tolerance used."""
    tol = TOLERANCE_PP if pp else None
    value, low, high = claim.value, claim.low, claim.high
    def close(target: float) -> bool:
        return abs(computed - target) <= (tol if pp else TOLERANCE_REL * abs(target))
    tol_text = f"±{TOLERANCE_PP:g} pp" if pp else f"±{TOLERANCE_REL:.0%} relative"
    if pd.notna(value):
        return ("consistent" if close(value) else "differs"), f"value {value:g} {tol_text}"
    lo_ok = pd.isna(low) or computed >= low - (tol if pp else TOLERANCE_REL * abs(low))
    hi_ok = pd.isna(high) or computed <= high + (tol if pp else TOLERANCE_REL * abs(high))
    rng = f"[{'' if pd.isna(low) else f'{low:g}'}, {'' if pd.isna(high) else f'{high:g}'}]"
    return ("consistent" if lo_ok and hi_ok else "differs"), f"range {rng} {tol_text}"


def _production_share(mid: str, country: str, year, stage: str):
    years = c.usgs_years(mid, stage)
    yr = int(year) if pd.notna(year) and int(year) in years else None
    if pd.notna(year) and yr is None:
        return None, f"no USGS {stage} data for {int(year)} (years {years[0]}–{years[-1]})"
    s = c.usgs_series(mid, stage, yr)
    frame = _summary(s)
    row = s.parts[s.parts["country"] == country]     # the stored shares (series.with_shares)
    if row.empty:
        return 0.0, f"{country} not listed in {s.label} {s.measure} {s.year} (≤ other countries {c.fmt(frame['remainder_share'])} %)"
    if not bool(row["known"].iloc[0]):
        return None, f"{country} value withheld in {s.label} {s.year}"
    if pd.isna(row["share_pct"].iloc[0]):
        return None, f"{s.label}, {s.measure}, {s.year}: {BASIS_WORDS[s.share_basis]}"
    return float(row["share_pct"].iloc[0]), f"{s.label}, {s.measure}, {s.year}"


def _demand_growth(claim) -> tuple[float | None, str, str, str]:
    """Growth of clean-technology demand since a base year (unit ``multiple_of_<year>_level``):
    IEA clean-technology demand (``iea_cleantech_demand``; the mineral's sheet 3.2 total, or the
    sheet's ``Total`` over every mineral) in the latest observed year over the base year's."""
    base = int(str(claim.unit).split("_")[2]) if str(claim.unit).startswith("multiple_of_") else None
    mid = claim.mineral if pd.notna(claim.mineral) and claim.mineral else None
    if mid is None:
        rows = query("SELECT year, value FROM iea_demand_totals WHERE kind = 'total_all_minerals' "
                     "AND year_type = 'observed' ORDER BY year")
        what = "clean-technology demand, all minerals (IEA sheet 3.2 'Total')"
    else:
        rows = query("SELECT year, value_kt AS value FROM iea_cleantech_demand WHERE mineral_id = ? "
                     "AND end_use = 'total_clean_technologies' AND year_type = 'observed' ORDER BY year", [mid])
        what = f"{mid} clean-technology demand (IEA sheet 3.2)"
    src = "IEA (2024), Critical Minerals Data Explorer (May 2024), " + what
    years = [int(y) for y in rows["year"]]
    if base is None or base not in years:
        latest = (f"; {years[-1]}: {rows['value'].iloc[-1]:,.1f} kt" if years else "")
        return None, src, "not_checkable", (
            f"the workbook's demand starts in {years[0] if years else 'no year'} (observed) and projects 2030–2050: "
            f"no {base} value, so a multiple of {base} demand cannot be formed{latest}")
    first = float(rows.loc[rows["year"] == base, "value"].iloc[0])
    val = float(rows["value"].iloc[-1]) / first if first else np.nan
    return val, f"{src}, {years[-1]} / {base}", *_verdict(claim, val, pp=False), ""


def _country(iso3) -> str:
    return country_name(iso3)


def _check(claim) -> tuple[float | None, str, str, str]:
    """(computed, source, verdict, note)."""
    metric, mid, ctry = claim.metric, claim.mineral, claim.country
    if metric in ("count_minerals_100pct_import_reliance", "count_minerals_import_reliance_over_50pct"):
        convention = claim.convention if isinstance(claim.convention, str) and claim.convention else "usgs_list_members"
        full = metric == "count_minerals_100pct_import_reliance"
        low, high = (100.0, None) if full else (50.0, 100.0)
        t = count_nir("MCS2025", low=low, high=high, convention=convention)
        every = count_nir("MCS2025", low=low, high=high, critical=None)
        names = c.mineral_names()
        read = sorted({f"{names.get(m, m)} from {names.get(n, n)}" for m, n in zip(t["mineral_id"], t["nir_mineral_id"])
                       if m != n})
        src = ("USGS MCS2025 Fig. 2 (2024), 2022 critical-minerals list, "
               + ("NIR = 100" if full else "50 <= NIR < 100") + f", counted {COUNT_CONVENTIONS[convention]}")
        note = "; ".join(filter(None, [
            "bounds '>x' counted at x", "minerals: " + ", ".join(names.get(m, m) for m in t["mineral_id"]),
            ("read from another line: " + ", ".join(read)) if read else "",
            f"all Fig. 2 minerals (not only critical): {len(every)}"]))
        return float(len(t)), src, *_verdict(claim, len(t), pp=False), note
    if metric == "share_of_mine_production":
        share, src = _production_share(mid, ctry, claim.year, "mine")
        if share is None:
            return None, src, "not_checkable", src
        return share, src, *_verdict(claim, share, pp=True), "claim year not stated: latest USGS year" if pd.isna(claim.year) else ""
    if metric == "share_of_refining":
        s = c.processing_series(mid)
        if s is None:
            return None, "", "not_checkable", "no source has a processing series for this mineral"
        sm = _summary(s)
        share = sm["china_share"] if ctry == c.CHINA else _country_share(s, ctry)
        if share is None or pd.isna(share):
            return None, f"{s.label}, {s.measure}, {s.period}", "not_checkable", f"{_country(ctry)} value not known in {s.label}"
        notes = [words(n) for n in s.notes]       # the series' flags, as page text
        if "capacity" in str(claim.check_note):
            notes.append("processing output used for a capacity claim")
        if s.period_text:
            notes.append(f"shares are a {s.period} average" + (f", claim is for {int(claim.year)}" if pd.notna(claim.year) else ""))
        where = f"{s.label}, {s.measure}" + ("" if s.period_text else f", {s.period}")
        return share, where, *_verdict(claim, share, pp=True), "; ".join(notes)
    if metric == "top3_refining_share":
        # the IEA's observations: 2023 (May 2024 workbook) and 2024 (the 2025 edition, an UNOFFICIAL
        # conversion); a claim without a year is read against the newest (issue 27), as every headline
        blocks = [(m, st) for m in c.iea_minerals() for st in c.iea_stages(m) if st != "mine"]
        observed = sorted({y for m, st in blocks for y in (c.iea_series(m, st, 2023).year, c.iea_series(m, st).year)})
        if pd.notna(claim.year) and int(claim.year) not in observed:
            return None, "", "not_checkable", (f"IEA observations are for {', '.join(map(str, observed))} only, "
                                                f"claim is for {int(claim.year)}")
        year = int(claim.year) if pd.notna(claim.year) else observed[-1]
        rows = pd.concat([c.api.stored_concentration(m, st, year, source="iea") for m, st in blocks])
        val = float(rows["top3_share"].mean())     # the one top-3 rule (stored concentration)
        label = c.iea_series(*blocks[0], year).label      # says "UNOFFICIAL ... conversion" for 2024
        note = "claim's mineral set not stated; unweighted mean used"
        if year == 2023:
            printed = c.api.projected_supply(year=2023)
            printed = printed[printed["stage"].isin(["refinery", "chemicals", "battery_grade"])]
            note += f"; the workbook's printed 'Top 3 share' (the three listed first) gives {printed['top3_share_pct_iea'].mean():.1f}"
        return val, f"{label}: refining blocks, unweighted mean of the top-3 share (three largest) over " + \
            ", ".join(c.mineral_names().get(m, m.replace("_", " ")) for m, _ in blocks), *_verdict(claim, val, pp=True), note
    if metric in ("mine_production",):
        years = c.usgs_years(mid, "mine")
        if pd.isna(claim.year) or int(claim.year) not in years:
            return None, "", "not_checkable", f"no USGS mine data for {claim.year} (years {years[0]}–{years[-1]})"
        s = c.usgs_series(mid, "mine", int(claim.year))
        if ctry == "WLD":
            val = s.world_reported
        else:
            row = s.parts[s.parts["country"] == ctry]
            val = float(row["value"].iloc[0]) if len(row) and bool(row["known"].iloc[0]) else None
        if val is None:
            return None, s.label, "not_checkable", f"{ctry} value not known"
        unit_note = "" if s.unit == "metric tons" else f"unit {s.unit}"
        others = query("SELECT vintage, value FROM production WHERE mineral_id = ? AND stage = 'mine' AND year = ? "
                       "AND country = ? ORDER BY vintage", [mid, int(claim.year), ctry])
        hist = ", ".join(f"{r.vintage}: {r.value:,.0f}" for r in others.itertuples() if pd.notna(r.value))
        return val, f"{s.label}, {s.measure}, {s.year}", *_verdict(claim, val, pp=False), \
            "; ".join(filter(None, [unit_note, f"by edition: {hist}"]))
    if metric == "production_growth":
        years = c.usgs_years(mid, "mine")
        if 2019 not in years:
            return None, "", "not_checkable", f"base year 2019 not in the data (USGS years {years[0]}–{years[-1]})"
    if metric == "demand_growth":
        return _demand_growth(claim)
    if metric == "production_compounds_and_metals_reo":
        t = query("SELECT year, value, vintage FROM us_salient WHERE mineral_id = ? AND statistic = 'Production' "
                  "AND measure ILIKE '%compounds and metals%' AND year = ?", [mid, int(claim.year)])
        if t.empty:
            return None, "", "not_checkable", "no U.S. salient production of compounds and metals for that year"
        val = float(t["value"].iloc[0])
        return val, f"USGS {t['vintage'].iloc[0]} U.S. salient statistics, {int(claim.year)}", \
            *_verdict(claim, val, pp=False), ""
    if metric == "import_reliance_pct":
        n = c.nir(mid, int(claim.year) if pd.notna(claim.year) else None)
        if n.pct is None or (pd.notna(claim.year) and n.year != int(claim.year)):
            return None, n.source, "not_checkable", f"no NIR for {mid} {claim.year}"
        cited = re.search(r"MCS\s?(\d{4})", str(claim.claimant or ""))
        if cited and f"MCS{cited.group(1)}" not in n.source:
            # The claim quotes another edition than the headline's (MCS2026 revised 2024): compare
            # with that edition's figure of the headline measure, and say so.
            rows = c._rows_of("import_reliance", mid)
            rows = rows[(rows["year"] == n.year) & (rows["vintage"] == f"MCS{cited.group(1)}")
                        & (rows["table_source"] == "salient")]
            msr = rules.nir_headline_measure(mid, list(dict.fromkeys(rows.sort_values("source_line")["measure"])))
            row = rows[rows["measure"] == msr]
            if len(row) and pd.notna(row["nir_pct"].iloc[0]):
                val = float(row["nir_pct"].iloc[0])
                verdict, tol = _verdict(claim, val, pp=True)
                return val, f"USGS MCS{cited.group(1)} salient statistics, {n.year}", verdict, "; ".join(filter(None, [
                    tol, f"the headline ({n.source}) is {n.bound if n.bound != '=' else ''}{n.pct:g}"]))
        verdict, tol = _verdict(claim, n.pct, pp=True)
        note = f"USGS prints {n.bound}{n.pct:g}" if n.bound != "=" else ""
        return n.pct, f"{n.source}, {n.year}", verdict, "; ".join(filter(None, [tol, note]))
    if metric in CLAIM_METRICS:           # export controls (USGS T4/T5) and recycling (Fig. 13): issue 27
        return check_control_claim(claim)
    return None, "", "not_checkable", f"no rule to check metric {metric!r}"


def check_claims(include_uncheckable: bool = False) -> pd.DataFrame:
    """Every ``checkable`` claim with the value computed from the data and a verdict.

    Verdicts: ``consistent`` (within ±5 pp for percentages, ±10 % relative for quantities and
    counts; a range ``low``–``high`` or a one-sided bound ("over X" = ``low``) is consistent when the
    computed value lies inside it, widened by the tolerance), ``differs``, or ``not_checkable`` with
    the reason (year not in the data, no IEA block, value withheld ...). Rules per metric:

    * ``share_of_mine_production``: country share of USGS mine production (claim year, else latest);
    * ``share_of_refining``: China's share of the IEA 2023 refining block (rare earths → magnet
      rare earths); ``top3_refining_share``: mean IEA top-3 share of the refining blocks (the claim's year, else the newest observation: 2024);
    * ``count_minerals_100pct_import_reliance`` / ``..._over_50pct``: 2022-list minerals at NIR =
      100 % / 50–100 % in MCS2025 Fig. 2 (2024), counted by the claim's ``convention``
      (:func:`count_nir`; the publisher's ``usgs_list_members`` unless the claim says otherwise);
    * ``mine_production``: USGS value (newest edition for the year; earlier editions in ``note``);
    * ``production_compounds_and_metals_reo``: USGS U.S. salient statistics;
    * ``import_reliance_pct``: the headline NIR (``import_reliance.headline``) for the claim year;
      where the claim cites another MCS edition, that edition's figure of the headline measure;
    * ``demand_growth``: IEA clean-technology demand, latest observed year over the claim's base year
      (the May 2024 workbook starts in 2023, so claims against 2017 are not checkable, with the reason).

    Columns: claim_id, metric, mineral, country, year, claimed (value or low–high, as text),
    claimed_value / claimed_low / claimed_high (numbers, NaN where not stated), computed,
    data_source, verdict, tolerance_or_reason, note, convention (what the claim was judged by,
    ``claims.convention``), claimant, source_doc.
    """
    claims = query("SELECT * FROM claims ORDER BY claim_id")
    if not include_uncheckable:
        claims = claims[claims["checkable"].fillna(False).astype(bool)]
    rows = []
    for cl in claims.itertuples():
        if not cl.checkable:
            # an empty check_note is NaN (truthy): the reason then reads "marked not checkable", never "nan"
            reason = cl.check_note if isinstance(cl.check_note, str) and cl.check_note.strip() else ""
            computed, src, verdict, note = None, "", "not_checkable", reason or "marked not checkable"
            tol = ""
        else:
            try:
                computed, src, verdict, *rest = _check(cl)
            except Exception as err:  # a claim that cannot be evaluated must not hide the others
                computed, src, verdict, rest = None, "", "not_checkable", [f"error: {err}"]
            tol, note = (rest + ["", ""])[:2] if verdict != "not_checkable" else ("", rest[0] if rest else "")
        claimed = (fmt_num(cl.value) if pd.notna(cl.value) else f"{fmt_num(cl.low)}–{fmt_num(cl.high)}")
        if cl.unit == "in_force" and pd.notna(cl.value):          # yes/no claims (export controls, issue 27)
            claimed = "in force (1)" if cl.value == 1 else "not in force (0)"
        rows.append(dict(claim_id=cl.claim_id, metric=cl.metric, mineral=cl.mineral, country=cl.country,
                         year=cl.year, claimed=claimed, claimed_value=cl.value, claimed_low=cl.low,
                         claimed_high=cl.high, unit=cl.unit, computed=computed, data_source=src,
                         verdict=verdict, tolerance_or_reason=tol if verdict != "not_checkable" else note,
                         note=note if verdict != "not_checkable" else "", convention=cl.convention,
                         claimant=cl.claimant,
                         source_doc=cl.source_doc))
    return pd.DataFrame(rows)
