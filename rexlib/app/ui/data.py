"""View models: shape query-API frames into what a panel shows (labels, display status, picks of
the measure to draw). Presentation only; numbers come from rexlib.query.api and rexlib.metrics."""
from __future__ import annotations

import pandas as pd

from rexlib.query import api
from rexlib.etl import series
from rexlib.metrics._common import IEA_REFINING_PROXY, iea_series, iea_stages
from rexlib.metrics.vintage import iea_vintage_change
from rexlib.charts.base import fmt_num
from rexlib.core.ids import FAMILIES
from rexlib.core.validate import InvalidArgument
from rexlib.core.validate import year as check_year
from .cache import memo

# The rare-earth family as declared once (rexlib/metadata/mappings/minerals.csv, column family).
RARE_EARTH_FAMILY = FAMILIES["rare_earths"]

FLAG_WORDS = {"estimated": "e", "withheld": "W", "not_available": "NA", "rounded": "", "zero": "",
              "lower_bound": ">", "upper_bound": "<", "revised": "r", "net_exporter": "E", "small": "small"}


# ------------------------------------------------------------------ options

@memo(1)
def production_minerals() -> tuple[tuple[str, str], ...]:
    """(display name, id) for every mineral with world production rows."""
    frame = api.minerals()
    frame = frame[frame["has_production"].fillna(False)].sort_values("name")
    return tuple(zip(frame["name"], frame["mineral_id"]))


def production_mineral(value: object) -> str:
    valid = [m for _, m in production_minerals()]
    try:
        mid = api.mineral_id(value)
    except InvalidArgument:
        raise InvalidArgument("mineral", value, valid, " (minerals with a world production table)") from None
    if mid not in valid:
        raise InvalidArgument("mineral", value, valid, " (this mineral has no world production table)")
    return mid


@memo(1024)
def production(mineral: str, stage: str | None = None, year: int | None = None) -> pd.DataFrame:
    """``api.production`` cached by its arguments (the measure picker, the map and the trend ask
    for the same rows). A year's rows are cut from the every-year frame: one query serves the
    year options, the measure picker, the map, the bars and the trend."""
    if stage is None:
        stage = api.primary_stage(mineral)
    if year is None:
        return api.production(mineral, stage)
    frame = production(mineral, stage)
    year = check_year("year", year, frame["year"].unique())
    return frame[frame["year"] == year].reset_index(drop=True)


@memo(1024)
def stage_options(mineral: str) -> list[str]:
    return api.stages(mineral)


@memo(1024)
def year_options(mineral: str, stage: str) -> list[int]:
    """``api.production_years``, read off the every-year frame the views load anyway."""
    return sorted(int(y) for y in production(mineral, stage)["year"].unique())


def measure_key(measure: str, qualifier) -> str:
    return f"{measure}||{qualifier or ''}"


@memo(1024)
def measure_options(mineral: str, stage: str, year: int) -> list[tuple[str, str]]:
    """Measures published for this mineral/stage/year: the series layer's default first
    (``is_default_measure``, :mod:`rexlib.etl.series`), then those with a world total, then the rest."""
    frame = production(mineral, stage, year)
    if frame.empty:
        return []
    # A few dozen rows: plain Python beats a pandas groupby by milliseconds here.
    stats: dict[str, list] = {}
    for measure, qualifier, value, aggregate, world, unit, default in zip(
            frame["series_measure"].tolist(), frame["series_qualifier"].tolist(), frame["value"].tolist(),
            frame["is_aggregate"].tolist(), frame["world_reported"].tolist(), frame["unit"].tolist(),
            frame["is_default_measure"].tolist()):
        key = measure_key(measure, qualifier if isinstance(qualifier, str) else None)
        entry = stats.setdefault(key, [0, None, None, False])
        if value == value and not aggregate:
            entry[0] += 1
        if world == world and (entry[1] is None or world > entry[1]):
            entry[1] = world
        if entry[2] is None and isinstance(unit, str):
            entry[2] = unit
        entry[3] = entry[3] or bool(default)
    ranked = sorted(sorted(stats), key=lambda k: (not stats[k][3], stats[k][1] is None, -stats[k][0]))
    out = []
    for key in ranked:
        measure, qualifier = key.split("||")
        label = measure + (f" ({qualifier})" if qualifier else "") + f" [{stats[key][2]}]"
        out.append((label if len(label) < 90 else label[:87] + "...", key))
    return out


def _split_key(key: str | None) -> tuple[str | None, str | None]:
    if not key:
        return None, None
    measure, qualifier = key.split("||")
    return measure, (qualifier or None)


def _label(value, unit, flag, share=None) -> str:
    flags = [f for f in str(flag or "").split(";") if f]
    if pd.isna(value):
        if "withheld" in flags:
            return "withheld (W)"
        if "not_available" in flags:
            return "not available (NA)"
        return "no value"
    text = fmt_num(value)
    marks = [FLAG_WORDS.get(f, "") for f in flags]
    marks = [m for m in marks if m]
    if marks:
        text += f" ({', '.join(dict.fromkeys(marks))})"
    if share is not None and not pd.isna(share):
        text += f" · {share:.1f}%"
    return text


@memo(1)
def _countries() -> pd.DataFrame:
    return api.countries()[["iso3", "iso_numeric"]].rename(columns={"iso3": "country"})


@memo(1024)
def production_frame(mineral: str, stage: str, year: int, key: str | None = None) -> tuple[pd.DataFrame, dict]:
    """Country rows (aggregates dropped) for one measure, with label/status/iso_numeric; plus
    facts about the world row (value, unit, flag, vintage)."""
    frame = production(mineral, stage, year)
    if key is None:
        options = measure_options(mineral, stage, year)
        key = options[0][1] if options else None
    measure, qualifier = _split_key(key)
    if measure is not None:
        frame = frame[(frame["series_measure"] == measure) & (frame["series_qualifier"].fillna("") == (qualifier or ""))]
    world = frame[frame["country"] == "WLD"]
    facts = {"measure": measure, "qualifier": qualifier, "key": key,
             "unit": frame["unit"].iloc[0] if len(frame) else "",
             "world_value": world["value"].iloc[0] if len(world) else None,
             "world_flag": world["flag"].iloc[0] if len(world) else None,
             "vintage": frame["vintage"].iloc[0] if len(frame) else None,
             "share_basis": frame["share_basis"].iloc[0] if len(frame) else "world_published",
             "source_file": frame["source_file"].iloc[0] if len(frame) else None}
    rows = frame[~frame["is_aggregate"]].reset_index(drop=True)
    # A dict lookup, not a merge: the same left join on a unique key, a few ms cheaper per call.
    rows["iso_numeric"] = rows["country"].map(dict(zip(_countries()["country"], _countries()["iso_numeric"])))
    rows["status"] = rows["value"].map(lambda v: "withheld" if pd.isna(v) else "value")
    rows["label"] = [_label(v, u, f, s) for v, u, f, s in zip(rows["value"], rows["unit"], rows["flag"], rows["share_pct"])]
    return rows.reset_index(drop=True), facts


@memo()
def trend_frame(mineral: str, stage: str, key: str | None, top: int = 6) -> pd.DataFrame:
    """Production of the ``top`` producers of the latest year, every year of the same measure."""
    measure, qualifier = _split_key(key)
    frame = production(mineral, stage)
    if measure is not None:
        frame = frame[(frame["series_measure"] == measure) & (frame["series_qualifier"].fillna("") == (qualifier or ""))]
    frame = frame[~frame["is_aggregate"]]
    if frame.empty:
        return frame
    latest = frame[frame["year"] == frame["year"].max()].sort_values("value", ascending=False)
    keep = list(latest.dropna(subset=["value"])["country"].head(top))
    return frame[frame["country"].isin(keep)].reset_index(drop=True)


@memo()
def reserves_frame(mineral: str) -> tuple[pd.DataFrame, dict]:
    """Latest year's reserves by country (aggregates dropped), labelled like production."""
    frame = api.reserves(mineral)
    if frame.empty:
        return frame, {}
    frame = frame[frame["year"] == frame["year"].max()]
    # One measure: the series layer's default (rexlib.etl.series).
    frame = frame[frame["is_default_measure"]]
    world = frame[frame["country"] == "WLD"]
    facts = {"unit": frame["unit"].iloc[0], "year": int(frame["year"].iloc[0]),
             "vintage": frame["vintage"].iloc[0], "measure": frame["measure"].iloc[0],
             "world_value": world["value"].iloc[0] if len(world) else None}
    rows = frame[~frame["is_aggregate"]].copy()
    rows["label"] = [_label(v, u, f, s) for v, u, f, s in zip(rows["value"], rows["unit"], rows["flag"], rows["share_pct"])]
    return rows.reset_index(drop=True), facts


IEA_ALIASES = IEA_REFINING_PROXY     # one declaration: rexlib.metrics._common


@memo()
def iea_mineral(mineral: str) -> str | None:
    """The IEA workbook's id for this mineral, or None when the IEA does not cover it."""
    mid = IEA_ALIASES.get(mineral, mineral)
    return mid if mid in api.iea_minerals() else None


@memo()
@memo(1)
def _supply_minerals() -> dict[str, frozenset]:
    return {fam: frozenset(api.supply_concentration(fam)["mineral_id"]) for fam in ("mining", "processing")}


def has_supply(mineral: str, family: str) -> bool:
    """True when any source has a ``family`` (mining | processing) series for the mineral."""
    return mineral in _supply_minerals().get(family, frozenset())


@memo(512)
def supply_frame(mineral: str, family: str) -> tuple[pd.DataFrame, dict]:
    """The series layer's best ``family`` series (rexlib.query.api.supply_shares) as chart rows (label,
    status, iso_numeric), plus facts: source, period, unit, provenance, source label, note."""
    frame = api.supply_shares(mineral, family)
    first = frame.iloc[0]
    facts = {"source": first["source"], "period": first["period"], "period_kind": first["period_kind"],
             "unit": first["unit"], "provenance": first["provenance"], "source_label": first["source_label"],
             "note": first["note"] or "", "measure": first["measure"], "source_stage": first["source_stage"],
             "source_mineral_id": first["source_mineral_id"]}
    rows = frame[~frame["country"].isin(["WLD", "ROW"])].reset_index(drop=True)
    rows["iso_numeric"] = rows["country"].map(dict(zip(_countries()["country"], _countries()["iso_numeric"])))
    rows["status"] = rows["share_pct"].map(lambda v: "withheld" if pd.isna(v) else "value")
    rows["flag"] = rows["share_flag"]
    if facts["source"] == "eu_crm":      # shares only: the value shown is the share
        rows["value"] = rows["share_pct"]
        rows["label"] = [("<0.1 %" if "upper_bound" in str(f) else f"{v:.1f} %") for v, f in
                         zip(rows["share_pct"], rows["share_flag"])]
    else:
        rows["label"] = [_label(v, u, f, sh) for v, u, f, sh in
                         zip(rows["value"], rows["unit"], rows["share_flag"], rows["share_pct"])]
    return rows, facts


@memo(512)
def supply_summary(mineral: str, family: str) -> dict:
    """HHI, top-1, top-3 and China's share of the best ``family`` series (rexlib.query.api.supply_concentration)."""
    frame = api.supply_concentration(family, mineral=mineral)
    return frame.iloc[0].to_dict()


@memo(512)
def eu_criticality_frame(mineral: str) -> pd.DataFrame:
    """The EU's SR/EI assessments of the mineral (its own material, else its family's groups);
    empty when the EU study does not assess it."""
    try:
        return api.eu_criticality(mineral)
    except InvalidArgument:
        return pd.DataFrame()


def iea_frame(mineral: str) -> pd.DataFrame:
    """The IEA's newest observed shares by stage (``metrics._common.iea_series``' default: 2024, the
    2025 edition's UNOFFICIAL conversion), biggest first; ``attrs``: year, vintage, label, provenance."""
    mid = iea_mineral(mineral)
    if mid is None:
        return pd.DataFrame(columns=["stage", "stage_label", "country", "name", "share_pct", "value_kt"])
    frames, first = [], None
    for stage in iea_stages(mid):
        s = iea_series(mid, stage)
        first = first or s
        frames.append(s.parts.assign(stage=stage, stage_label=s.measure, value_kt=s.parts["value"]))
    out = pd.concat(frames, ignore_index=True)
    out.attrs.update(year=first.year, vintage=first.vintage, label=first.label, provenance=first.provenance)
    return out


@memo()
def iea_change(mineral: str) -> pd.DataFrame:
    """:func:`rexlib.metrics.vintage.iea_vintage_change` of the mineral's IEA block (empty outside the IEA's six)."""
    mid = iea_mineral(mineral)
    return pd.DataFrame() if mid is None else iea_vintage_change(mid)


# ------------------------------------------------------------------ curated policy tables

def _family(mineral: str) -> list[str]:
    return list(RARE_EARTH_FAMILY) if mineral in RARE_EARTH_FAMILY else [mineral]


@memo()
def _touching(table: str, mineral: str) -> pd.DataFrame:
    return api.policy_rows(table, _family(mineral))


def deals_for(mineral: str) -> pd.DataFrame:
    return _touching("deals", mineral)


def agreements_for(mineral: str) -> pd.DataFrame:
    return _touching("agreements", mineral)


def export_controls_for(mineral: str) -> pd.DataFrame:
    return _touching("export_controls", mineral)


def claims_for(mineral: str) -> pd.DataFrame:
    return _touching("claims", mineral)


@memo()
def _import_reliance_of(mineral: str) -> pd.DataFrame:
    """``api.import_reliance(mineral=...)``, every year: a year change filters it again."""
    return api.import_reliance(mineral=mineral)


@memo()
def nir_for(mineral: str, year: int | None = None) -> pd.DataFrame:
    """U.S. net import reliance rows for one mineral, newest year first, the headline row first
    within a year (``headline``, :mod:`rexlib.etl.series`)."""
    try:
        frame = _import_reliance_of(mineral)
    except InvalidArgument:
        return pd.DataFrame()
    if year is not None and (frame["year"] == year).any():
        frame = frame[frame["year"] == year]
    return frame.sort_values(["year", "headline", "source_line"], ascending=[False, False, True],
                             kind="mergesort").reset_index(drop=True)


def nir_text(row) -> str:
    bound = row["nir_bound"]
    if bound == "E":
        return "net exporter"
    if bound in ("NA", "W"):
        return {"NA": "not available", "W": "withheld"}[bound]
    value = row["nir_pct"]
    return f"{bound if bound in '<>' else ''}{value:.0f}%"


@memo()
def import_sources_frame(mineral: str) -> pd.DataFrame:
    """The headline U.S. import sources of the mineral (the measure USGS draws in Fig3; Fig2 ranks
    where no shares are published), ranked."""
    frame = api.import_sources(mineral)
    return frame[frame["headline"]].sort_values("rank", na_position="last").reset_index(drop=True)


# ------------------------------------------------------------------ import reliance

LISTS = {"all": "All minerals", "2022": "2022 U.S. critical-minerals list", "2025": "2025 U.S. critical-minerals list"}


@memo(1)
def mineral_groups() -> tuple[str, ...]:
    groups = api.minerals()["group_2022"].dropna().unique()
    return ("all", *sorted(groups))


def nir_category(bound: str) -> str:
    from rexlib.charts.reliance import NIR_CATEGORIES
    return {"=": NIR_CATEGORIES[0], ">": NIR_CATEGORIES[1], "<": NIR_CATEGORIES[2],
            "E": NIR_CATEGORIES[3]}.get(bound, NIR_CATEGORIES[4])


@memo(4)
def import_reliance_all(table_source: str = "salient") -> pd.DataFrame:
    """``api.import_reliance`` for every year: the year options and the NIR table of each year are
    cut from it (one query per page instead of one per year visited). The table re-sorts the rows
    by mineral and source line, so a year's rows come out exactly as a one-year query's."""
    return api.import_reliance(table_source=table_source)


@memo()
def nir_table(year: int, critical: str = "all", group: str = "all", table_source: str = "salient") -> pd.DataFrame:
    """One row per mineral (its headline NIR, :mod:`rexlib.etl.series`), sorted by NIR, with the bound kept apart:
    ``plot_pct`` is where the bar ends (the bound itself for >/<, 0 for E/NA/W), ``label`` the
    publisher's text (">95", "E" ...), ``other_measures`` how many further measures USGS gives."""
    from rexlib.core.validate import choice
    critical = choice("critical", str(critical), list(LISTS))
    group = choice("group", group, mineral_groups())
    frame = import_reliance_all(table_source)
    year = check_year("year", year, frame["year"].unique())
    frame = frame[frame["year"] == year]
    if critical != "all":
        # A list member USGS gives no line of its own (each lanthanide) is read from the line USGS
        # counts it under (RARE EARTHS): that line belongs to the list's view (the one declaration,
        # rexlib/metadata/mappings/critical_list_nir_lines.csv, also counts the claims).
        from rexlib.metrics.claims_check import list_nir_lines
        members = frame[f"critical_{critical}"].fillna(False).astype(bool)
        minerals = api.minerals()
        listed = set(minerals.loc[minerals[f"critical_{critical}"].fillna(False).astype(bool), "mineral_id"])
        read_from = {line for member, line in list_nir_lines().items() if member in listed}
        frame = frame[members | frame["mineral_id"].isin(read_from)]
    if group != "all":
        groups = api.minerals()[["mineral_id", "group_2022"]]
        frame = frame.merge(groups, on="mineral_id")
        frame = frame[frame["group_2022"] == group]
    if frame.empty:
        return frame.assign(plot_pct=[], category=[], label=[], other_measures=[])
    counts = frame[frame["table_source"] == table_source].groupby("mineral_id").size()
    if table_source == "figure":
        # Fig2's own view: each mineral's headline line (a by-product line such as xenon is never
        # shown as the mineral's figure, rexlib/metadata/series.yml).
        lines = frame.groupby("mineral_id")["measure"].transform("size")
        keep = [series.is_fig2_headline_line(mm, line, n) for mm, line, n in zip(frame["mineral_id"], frame["measure"], lines)]
        frame = frame[keep].copy()
    else:
        frame = frame[frame["headline"]].copy()
    frame["other_measures"] = (frame["mineral_id"].map(counts).fillna(1) - 1).clip(lower=0).astype(int)
    frame["category"] = frame["nir_bound"].map(nir_category)
    frame["plot_pct"] = frame["nir_pct"].where(frame["nir_bound"].isin(["=", ">", "<"]), 0).fillna(0)
    frame["label"] = [nir_text({"nir_bound": b, "nir_pct": p}) for b, p in zip(frame["nir_bound"], frame["nir_pct"])]
    # Sort: exact and bounds by value, then exporters, then unknowns; ties by name.
    rank = frame["nir_bound"].map({"=": 0, ">": 0, "<": 0, "E": 1}).fillna(2)
    frame = frame.assign(_rank=rank).sort_values(["_rank", "plot_pct", "name"], ascending=[True, False, True])
    return frame.drop(columns="_rank").reset_index(drop=True)


def nir_counts(frame: pd.DataFrame) -> dict:
    """Counts shown as tiles; bounds are never rounded into a bucket they may not belong to."""
    exact = frame["nir_bound"] == "="
    return {"fully": int((exact & (frame["nir_pct"] >= 100)).sum()),
            "over50": int((((frame["nir_bound"] == "=") & (frame["nir_pct"] > 50))
                           | ((frame["nir_bound"] == ">") & (frame["nir_pct"] >= 50))).sum()),
            "over95_bound": int(((frame["nir_bound"] == ">") & (frame["nir_pct"] >= 95)).sum()),
            "exporters": int((frame["nir_bound"] == "E").sum()),
            "unknown": int(frame["nir_bound"].isin(["NA", "W"]).sum()),
            "total": int(len(frame))}


# ------------------------------------------------------------------ minerals without a production table

@memo(1)
def profile_minerals() -> tuple[tuple[str, str], ...]:
    """(display name, id) for every mineral the profile can show: a world production table, any U.S.
    statistic (salient statistics, net import reliance, import sources, prices), reserves, or a place
    on either U.S. critical-minerals list."""
    frame = api.minerals_with_statistics()
    return tuple(zip(frame["name"], frame["mineral_id"]))


def profile_mineral(value: object) -> str:
    valid = [m for _, m in profile_minerals()]
    try:
        mid = api.mineral_id(value)
    except InvalidArgument:
        raise InvalidArgument("mineral", value, valid) from None
    if mid not in valid:
        raise InvalidArgument("mineral", value, valid, " (USGS publishes no table for this mineral)")
    return mid


def has_production(mineral: str) -> bool:
    return mineral in {m for _, m in production_minerals()}


def mineral_name(mineral: str) -> str:
    return dict((m, n) for n, m in profile_minerals()).get(mineral, mineral)


def _chapter_key(chapter) -> str:
    """'RARE EARTHS (Heavy)' and 'RARE EARTHS' are one USGS chapter family."""
    if chapter is None or (isinstance(chapter, float) and pd.isna(chapter)):
        return ""
    return str(chapter).split("(")[0].strip().upper()


@memo()
def related_production(mineral: str) -> list[str]:
    """Minerals with a world production table in the same USGS chapter (hafnium -> zirconium;
    iridium -> palladium, platinum; neodymium -> rare earths). Rare-earth elements without a
    chapter of their own (thulium) belong to the rare-earths chapter."""
    frame = api.minerals()
    chapters = dict(zip(frame["mineral_id"], frame["mcs_chapter"].map(_chapter_key)))
    key = chapters.get(mineral, "")
    if not key and mineral in RARE_EARTH_FAMILY:
        key = chapters.get("rare_earths", "")
    if not key:
        return []
    return [m for _, m in production_minerals() if m != mineral and chapters.get(m) == key]


@memo()
def leading_producer(mineral: str, stage: str | None = None) -> dict | None:
    """The largest producer in the newest year of ``mineral``'s best-covered production measure:
    {mineral, name, stage, year, country, share_pct, vintage}; None when every value is withheld."""
    stages = stage_options(mineral)
    if not stages:
        return None
    stage = stage if stage in stages else api.primary_stage(mineral)
    year = max(year_options(mineral, stage))
    rows, facts = production_frame(mineral, stage, year)
    rows = rows.dropna(subset=["share_pct"])
    if rows.empty:
        return None
    top = rows.sort_values("share_pct", ascending=False).iloc[0]
    return {"mineral": mineral, "name": mineral_name(mineral), "stage": stage, "year": int(year),
            "country": top["name"], "share_pct": float(top["share_pct"]), "vintage": facts["vintage"],
            "share_basis": facts["share_basis"]}


SUPPLY_STATISTICS = ("Production", "Import", "Export", "Consumption")


@memo()
def us_supply_frame(mineral: str) -> tuple[pd.DataFrame, dict]:
    """U.S. salient statistics (production, imports, exports, consumption) by year in the unit most
    of them share, one row per measure-year, flags kept (withheld/NA stay missing, never zero)."""
    frame = api.us_salient(mineral)
    frame = frame[frame["statistic"].isin(SUPPLY_STATISTICS)]
    if frame.empty:
        return frame, {}
    unit = frame["unit"].value_counts().index[0]
    frame = frame[frame["unit"] == unit].copy()
    frame["label"] = [_label(v, unit, f) for v, f in zip(frame["value"], frame["flag"])]
    frame["series"] = [m if len(m) <= 60 else m[:57] + "..." for m in frame["measure"]]
    facts = {"unit": unit, "vintage": frame["vintage"].max(),
             "years": f"{int(frame['year'].min())}–{int(frame['year'].max())}"}
    return frame.sort_values(["statistic", "measure", "year"]).reset_index(drop=True), facts


@memo()
def prices_frame(mineral: str) -> pd.DataFrame:
    """USGS price rows for the mineral (newest vintage), flags kept."""
    frame = api.prices(mineral)
    if frame.empty:
        return frame
    frame = frame[frame["vintage"] == frame["vintage"].max()]
    return frame.sort_values(["measure", "year"]).reset_index(drop=True)


@memo()
def all_stages() -> list[str]:
    """Every production stage any mineral has (mine, refinery, smelter ...)."""
    return api.stages()


@memo()
def all_production_years() -> list[int]:
    return api.production_years()


def price_series(prices: pd.DataFrame) -> pd.DataFrame:
    """Price rows worth a line: measures in the most common unit with at least two years."""
    if prices.empty:
        return prices.assign(series=[], label=[])
    years = prices.groupby("measure")["year"].nunique()
    rows = prices[prices["measure"].isin(years[years >= 2].index)]
    if rows.empty:
        return rows.assign(series=[], label=[])
    unit = rows["unit"].value_counts().index[0]
    rows = rows[rows["unit"] == unit]
    return rows.assign(series=[m if len(m) <= 60 else m[:57] + "..." for m in rows["measure"]],
                       label=[_label(v, unit, f) for v, f in zip(rows["value"], rows["flag"])]).reset_index(drop=True)
