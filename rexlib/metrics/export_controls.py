"""Export controls over time (issue 27): which countries control a mineral in which year, and what
share of world mining, of world processing and of U.S. imports they hold.

Source of the controls: the ``export_controls`` table (USGS MCS2026 Table 4, controls in force as
of January 2026 with the year each took effect, reconciled with the curated rows the documents
name; :func:`rexlib.query.api.export_controls`). A control is *in force* in a year from its
``effective_year`` on (T4 excludes controls since lifted, so a control it lists was not lifted
before 2026). No share is computed here: a share held is the sum of the controlling countries'
stored shares (``share_pct``, the share rule of :mod:`rexlib.etl.series`) in the series the supply-chain
model picks for that year (:func:`rexlib.metrics.coverage.stage_series`: mining and processing,
``series.yml`` ``stage_families``), and of their shares of the headline U.S. import sources
(:func:`rexlib.metrics._common.import_source_shares`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from rexlib.query import api
from rexlib.query.warehouse import memo
from . import _common as c
from .country import country_name
from .coverage import stage_series
from rexlib.core.fmt import words

__all__ = ["KINDS", "YEARS", "controls_by_mineral", "export_control_timeline", "export_control_exposure",
           "export_control_exposure_table"]

KINDS = ("licensing", "quota", "ban")          # the kinds USGS Table 4 distinguishes
YEARS = tuple(range(2022, 2027))               # the years the issue asks for (T4 is as of January 2026)


@memo(maxsize=1)
def _exploded() -> pd.DataFrame:
    frame = api.export_controls()
    frame = frame[frame["minerals"].notna()].copy()
    frame["mineral_id"] = frame["minerals"].str.split(";")
    return frame.explode("mineral_id")


def controls_by_mineral(mineral: str | None = None) -> pd.DataFrame:
    """One row per control and mineral it names (``export_controls`` exploded on ``minerals``):
    mineral_id, country, kind, effective_year, counts_for_supply, origin, control_id, products, form,
    usgs_control_type, source_doc, source_line, source_url. Rows naming no mineral are left out."""
    frame = _exploded()
    if mineral is not None:
        frame = frame[frame["mineral_id"] == c.mineral(mineral)]
    cols = ["mineral_id", "country", "kind", "effective_year", "counts_for_supply", "origin", "control_id",
            "products", "usgs_item", "form", "usgs_control_type", "status", "source_doc", "source_line", "source_url"]
    return frame[cols].sort_values(["effective_year", "mineral_id", "country"], na_position="last").reset_index(drop=True)


def export_control_timeline(mineral: str | None = None, country: str | None = None) -> pd.DataFrame:
    """What came under control when: one row per (mineral, country, kind) with the year the first
    control of that kind took effect, the controls' ids, products and citation, and the names of
    mineral and country; ordered by year. Reprieves and undated curated rows are kept (year NULL
    for the latter) so nothing the documents name is hidden."""
    frame = controls_by_mineral(mineral)
    if country is not None:
        frame = frame[frame["country"] == c.country(country)]
    if frame.empty:
        return frame.assign(mineral_name=[], country_name=[])
    agg = (frame.sort_values(["effective_year", "control_id"], na_position="last")
           .groupby(["mineral_id", "country", "kind"], dropna=False, sort=False)
           .agg(effective_year=("effective_year", "min"), control_ids=("control_id", lambda s: ";".join(s)),
                products=("products", lambda s: "; ".join(dict.fromkeys(str(x) for x in s))),
                origin=("origin", lambda s: ";".join(sorted(set(s)))),
                counts_for_supply=("counts_for_supply", "any"),
                source_line=("source_line", "min"), source_doc=("source_doc", "first"))
           .reset_index())
    names = c.mineral_names()
    countries = c._countries().set_index("iso3")["name"].to_dict()
    agg["mineral_name"] = [names.get(m, m) for m in agg["mineral_id"]]
    agg["country_name"] = [countries.get(x, x) for x in agg["country"]]
    return agg.sort_values(["effective_year", "mineral_id", "country"], na_position="last").reset_index(drop=True)


def _held(series, members: c.Members) -> tuple[float, list[str], list[str]]:
    """(share of world held by the members, members listed with an unknown value, members the series
    does not list): the sum of the members' stored shares (``share_pct``: the share rule of
    :mod:`rexlib.etl.series`, the same number every profile shows for one country). NaN where the series
    has no share of world (``share_basis``) or there is no series; a joint label counts when all its
    countries are members (:meth:`rexlib.metrics._common.Members.covers`)."""
    if series is None or not c.rules.is_world(series.share_basis):
        return np.nan, [], []
    p = series.parts
    mask = np.array([members.covers(x) for x in p["country"]], dtype=bool)
    mine = p[mask]
    withheld = sorted(mine.loc[~mine["known"].astype(bool), "country"])
    listed = {part for code in p["country"] for part in c.joint_parts(code)}
    unlisted = sorted(members.codes - listed)
    return float(mine.loc[mine["known"].astype(bool), "share_pct"].fillna(0).sum()), withheld, unlisted


def export_control_exposure(mineral: str, years=YEARS, *, kinds=KINDS + ("any",)) -> pd.DataFrame:
    """Per year and kind (licensing, quota, ban, and ``any``): the countries with a control of that
    kind in force on ``mineral`` (``counts_for_supply`` rows only: scrap and battery/technology items
    control no primary supply), and the share of world mining, of world processing and of U.S.
    imports they hold.

    Columns: mineral_id, year, kind, countries (';'-joined ISO3, '' when none), n_countries,
    mining_pct (the sum of their stored shares of world mining, series.with_shares), mining_series
    (source label and data year), processing_pct / processing_series, import_pct (their share of
    U.S. imports: the headline import sources, 2021-24, as USGS prints them) / import_basis /
    import_measure, withheld (controlling countries listed with an unknown value: the share is then
    a lower bound), unlisted (controlling countries a series does not list: they may be in "other
    countries"), note. NaN where there is no series with a world to divide by (``share_basis`` not
    world) or U.S. import shares are not published, never 0; 0 where the series lists no controlling
    country. A year after the newest data year uses the newest data (``*_series`` says which).
    ``kinds`` keeps some of the kinds (the chokepoints ask for ``("any",)``)."""
    mid = c.mineral(mineral)
    valid = range(2000, 2031)      # T4 dates controls from 2012 to 2026
    given = years if isinstance(years, range) else c.v.items("years", years, list(YEARS), "a year")
    yrs = [c.v.year("years", y, valid) for y in given]
    if not yrs:
        raise c.v.InvalidArgument("years", years, list(YEARS), " (give at least one year)")
    every = KINDS + ("any",)
    kinds = [c.choice("kinds", k, every) for k in c.v.items("kinds", kinds, every, "a kind")] or list(every)
    ctrl = controls_by_mineral(mid)
    counted = ctrl["counts_for_supply"].fillna(False).astype(bool)
    supply = ctrl[counted & ctrl["kind"].isin(KINDS)]
    not_counted = ctrl[~counted]
    imports, imp_basis, imp_measure = c.import_source_shares(mid)
    rows = []
    for y in yrs:
        mine = stage_series(mid, "mine", y)
        proc = stage_series(mid, "processing", y)
        in_force = supply[supply["effective_year"].notna() & (supply["effective_year"] <= y)]
        for kind in kinds:
            part = in_force if kind == "any" else in_force[in_force["kind"] == kind]
            codes = set(part["country"])
            members = c.Members(frozenset(codes), ";".join(sorted(codes)))
            mpct, mwith, munl = _held(mine, members)
            ppct, pwith, punl = _held(proc, members)
            if imp_basis == "share_pct":
                hit = imports[[members.covers(x) for x in imports["country"]]]
                ipct = float(hit["share_pct"].fillna(0).sum())
            else:
                ipct = np.nan
            notes = []
            if len(not_counted):
                notes.append("not counted (scrap, catalysts or battery/technology items): "
                             + ", ".join(sorted({country_name(x) for x in not_counted["country"]})))
            rows.append(dict(mineral_id=mid, year=y, kind=kind, countries=";".join(sorted(codes)),
                             country_names=", ".join(sorted(country_name(x) for x in codes)),
                             n_countries=len(codes), mining_pct=mpct, mining_series=_label(mine),
                             processing_pct=ppct, processing_series=_label(proc),
                             import_pct=ipct, import_basis=imp_basis, import_measure=imp_measure,
                             withheld=";".join(sorted(set(mwith + pwith))),
                             unlisted=";".join(sorted(set(munl) & set(punl))) if mine is not None and proc is not None
                             else ";".join(munl or punl),
                             note="; ".join(notes)))
    return pd.DataFrame(rows)


def _label(series) -> str:
    if series is None:
        return ""
    if not c.rules.is_world(series.share_basis):
        return f"{series.label} {words(series.stage)} {series.period} (no world total: not a share of world)"
    return f"{series.label} {words(series.stage)} {series.period}"


def export_control_exposure_table(year: int = 2025, kind: str = "any") -> pd.DataFrame:
    """:func:`export_control_exposure` of every mineral with a control counted for supply, for one
    ``year`` and ``kind``; largest processing share first (then mining)."""
    k = c.choice("kind", kind, KINDS + ("any",))
    mids = sorted(set(controls_by_mineral().query("counts_for_supply == True")["mineral_id"]))
    frames = [export_control_exposure(m, [year], kinds=(k,)) for m in mids]
    out = pd.concat(frames, ignore_index=True)
    out = out[out["kind"] == k]
    out["mineral_name"] = [c.mineral_names().get(m, m) for m in out["mineral_id"]]
    return out.sort_values(["processing_pct", "mining_pct"], ascending=False, na_position="last").reset_index(drop=True)


# --------------------------------------------------------------------------- claims (issue 27)

CLAIM_METRICS = ("export_control_in_force", "export_licensing_in_force", "export_quota_in_force",
                 "export_control_paused_for_usa", "recycling_rate", "us_demand_met_by_recycling_share")
T4_SOURCE = "USGS MCS2026 Table 4 (country export controls in force as of January 2026)"
T5_SOURCE = "USGS MCS2026 Table 5 (trade agreements)"
FIG13_SOURCE = "USGS MCS2026 Figure 13 (U.S. scrap, 2025 estimated)"


def check_control_claim(claim) -> tuple:
    """(computed, source, verdict, tolerance or reason, note) for a claim about export controls or
    recycling (:data:`CLAIM_METRICS`), the tuple :func:`rexlib.metrics.claims_check._check` returns.

    * ``export_control_in_force`` / ``export_licensing_in_force`` / ``export_quota_in_force``:
      1 when Table 4 lists a control (of that kind) by the claim's country on the claim's mineral in
      force in the claim year (default: January 2026), else 0; consistent when equal to the claim.
      A claim naming no mineral is not checkable (Table 4 names materials, not end uses or targets).
      T4 excludes lifted controls: a kind it does not list may have been used before.
    * ``export_control_paused_for_usa``: 1 when Table 5 lists an agreement with the country, in the
      claim year, whose focus is a pause of its export controls.
    * ``recycling_rate``, ``us_demand_met_by_recycling_share``: Figure 13 prints U.S. scrap values
      and their domestic/imported/exported split, not recycling rates or shares of demand: not
      checkable, with what Figure 13 does print for the mineral (or that it prints nothing)."""
    metric, mid, ctry = claim.metric, claim.mineral, claim.country
    if metric in ("recycling_rate", "us_demand_met_by_recycling_share"):
        scrap = api.usgs_trends("scrap", mid) if isinstance(mid, str) and mid else api.usgs_trends("scrap")
        if scrap.empty:
            every = api.usgs_trends("scrap")
            return None, FIG13_SOURCE, "not_checkable", (
                f"Figure 13 prints no {c.mineral_names().get(mid, words(mid)).lower()} scrap (its {len(every)} scrap types: "
                + ", ".join(every["label"]) + "); it gives scrap values and their domestic/imported/exported "
                "split, not recycling rates or shares of demand")
        r = scrap.iloc[0]
        return None, FIG13_SOURCE, "not_checkable", (
            f"Figure 13: {r['label']} scrap ${r['scrap_value_musd']:,.0f} M in {int(r['year'])} "
            f"({r['pct_domestic']:g} % domestic, {r['pct_imported']:g} % imported, {r['pct_exported']:g} % exported): "
            "a value split, not a recycling rate or share of demand")
    year = int(claim.year) if pd.notna(claim.year) else 2026
    if metric == "export_control_paused_for_usa":
        ag = api.agreements(country=ctry)
        hit = ag[ag["usgs_focus"].fillna("").str.contains("[Pp]ause", regex=True)
                 & ag["usgs_date"].fillna("").str.startswith(str(year))]
        val = 1.0 if len(hit) else 0.0
        src = T5_SOURCE + (f" line {int(hit['source_line'].iloc[0])}: {hit['usgs_name'].iloc[0]}, "
                           f"{hit['usgs_date'].iloc[0]}, '{hit['usgs_focus'].iloc[0]}'" if len(hit) else "")
        verdict = "consistent" if val == claim.value else "differs"
        return val, src, verdict, "yes/no", "Table 5 does not give the pause's length" if len(hit) else ""
    if not (isinstance(mid, str) and mid):
        own = controls_by_mineral()
        own = own[(own["country"] == ctry) & own["origin"].isin(["usgs_t4", "both"])]
        return None, T4_SOURCE, "not_checkable", (
            f"the claim names no material; Table 4 names materials, not end uses or target countries "
            f"({country_name(ctry)}: {own['mineral_id'].nunique()} minerals under control, "
            f"{int(own['effective_year'].min())}–{int(own['effective_year'].max())})")
    kind = {"export_licensing_in_force": "licensing", "export_quota_in_force": "quota"}.get(metric)
    rows = controls_by_mineral(mid)
    rows = rows[(rows["country"] == ctry) & rows["origin"].isin(["usgs_t4", "both"])]
    if kind:
        rows = rows[rows["kind"] == kind]
    rows = rows[rows["effective_year"] <= year]
    val = 1.0 if len(rows) else 0.0
    what = f"a {kind} control" if kind else "a control"
    if len(rows):
        r = rows.iloc[0]
        src = f"{T4_SOURCE}, line {int(r['source_line'])}: {r['usgs_control_type']}, {r['usgs_item'] or r['products']} ({int(r['effective_year'])})"
        return val, src, *(("consistent", "yes/no") if val == claim.value else ("differs", "yes/no")), \
            f"in force since {int(r['effective_year'])}"
    if kind == "quota":
        others = controls_by_mineral(mid)
        others = others[(others["country"] == ctry) & others["origin"].isin(["usgs_t4", "both"])]
        return None, T4_SOURCE, "not_checkable", (
            f"Table 4 lists no {country_name(ctry)} export quota on {c.mineral_names().get(mid, words(mid)).lower()} "
            f"in force in {year} "
            f"({', '.join(sorted(set(others['kind']))) or 'no control'} instead); it excludes controls since lifted, "
            "so past use of a quota cannot be checked")
    return val, T4_SOURCE, ("consistent" if val == claim.value else "differs"), "yes/no", \
        f"Table 4 lists no {what} by {country_name(ctry)} on {c.mineral_names().get(mid, words(mid)).lower()} in force in {year}"
