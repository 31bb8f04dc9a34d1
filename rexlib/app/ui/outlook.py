"""Demand outlook: how much of each mineral the IEA scenarios need to 2050, for which technologies,
against the base-case supply the IEA projects to 2040; how concentrated that supply stays, and what
a supplier's cut would mean for 2030 demand. One mineral, or all six key minerals side by side."""
from __future__ import annotations

import pandas as pd

from rexlib.query import api
from rexlib import charts
from rexlib import metrics as m
from rexlib.charts import outlook as ch
from rexlib.charts.base import esc, fmt_num, source_line
from rexlib.metrics import outlook as o
from rexlib.core.validate import choice, year as check_year
from . import common as c
from rexlib.core.ids import IEA_NAMES, STAGE_WORDS
from . import metrics_bridge as mb
from .cache import memo, sections

DEFAULTS = {"mineral": "lithium", "scenario": "STEPS", "year": 2035, "end_use": "all", "supplier": "CHN",
            "view": "mineral"}
SCENARIOS = o.SCENARIOS
YEARS = (2030, 2035, 2040, 2045, 2050)
EXPOSURE_YEAR = 2030
VIEWS = {"mineral": "One mineral", "overview": "All key minerals"}
KEY_ORDER = ("copper", "lithium", "nickel", "cobalt", "graphite", "magnet_rare_earths")
NAMES = IEA_NAMES              # a mineral's name on the IEA pages: rexlib/metadata/mappings/minerals.csv iea_name
STAGE_NAMES = STAGE_WORDS      # refinery -> "refining": rexlib/metadata/mappings/stages.csv
RELEASE = ["iea_cm_explorer_2024"]
PUBLISHER = "IEA (2024), Critical Minerals Data Explorer (May 2024)"
NEWEST_OBSERVED = 2024      # the 2025 edition's observed year (rexlib.etl.series.IEA_VINTAGES)
UNOFFICIAL_NOTE = ("2024 figures: the IEA's 2025 edition of the Critical Minerals Data Explorer as an UNOFFICIAL "
                   "third-party JSON conversion (the IEA workbook itself was not obtained; rex checks its totals, "
                   "top-3 shares and the IEA's '86 % in 2024'). 2023 figures and the demand scenarios: the May 2024 workbook.")


# ---------------------------------------------------------------- data (cached per kernel)

@memo(1)
def _tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(demand, cleantech, tech, supply): the four IEA frames, read once."""
    return api.demand(), api.cleantech_demand(), api.tech_demand(), api.projected_supply()


@memo(1)
def _split() -> dict[str, dict[str, pd.DataFrame]]:
    """The four frames split by mineral (a callback filters tens of rows, not the whole table)."""
    names = ("demand", "cleantech", "tech", "supply")
    return {n: {k: g for k, g in f.groupby("mineral_id", sort=False)} for n, f in zip(names, _tables())}


def _of(table: str, mineral: str) -> pd.DataFrame:
    """Rows of one frame (demand, cleantech, tech, supply) for one mineral (empty when none)."""
    parts = _split()[table]
    if mineral in parts:
        return parts[mineral]
    return _tables()[("demand", "cleantech", "tech", "supply").index(table)].iloc[0:0]


@memo(1)
def _names() -> dict:
    frame = api.minerals()
    names = dict(zip(frame["mineral_id"], frame["name"]))
    names.update(NAMES)
    return names


def name_of(mineral: str) -> str:
    return _names().get(mineral, mineral)


@memo(1)
def _key_minerals() -> tuple[str, ...]:
    demand = _tables()[0]
    present = set(demand["mineral_id"])
    return tuple([k for k in KEY_ORDER if k in present] + sorted(present - set(KEY_ORDER)))


@memo(1)
def mineral_options() -> list[tuple[str, str]]:
    """The six key minerals (sheet 1) first, then every other mineral with clean-technology demand."""
    demand, cleantech, tech, _ = _tables()
    keys = _key_minerals()
    rest = sorted((set(cleantech["mineral_id"]) | set(tech["mineral_id"])) - set(keys), key=name_of)
    return [(name_of(k), k) for k in keys] + [(f"{name_of(k)} (clean technologies only)", k) for k in rest]


@memo(64)
def _end_use_rows(mineral: str) -> tuple[pd.DataFrame, str]:
    return o.demand_by_end_use(mineral, _of("demand", mineral), _of("cleantech", mineral), _of("tech", mineral))


@memo(1)
def _growth_split() -> dict[str, pd.DataFrame]:
    """:func:`rexlib.metrics.outlook.growth` of every mineral's end uses and totals (sheet 1, else 3.x,
    else the 4.x base case), computed once and split by mineral."""
    demand, cleantech, tech, _ = _tables()
    frames = [o.growth(demand), o.growth(cleantech[~cleantech["mineral_id"].isin(set(demand["mineral_id"]))]),
              o.growth(tech[(tech["case"] == "base_case") & ~tech["mineral_id"].isin(set(cleantech["mineral_id"]))]
                       .assign(end_use=lambda f: f["technology"]))]
    both = pd.concat(frames, ignore_index=True)
    return {k: g.reset_index(drop=True) for k, g in both.groupby("mineral_id", sort=False)}


@memo(1)
def _share_split() -> dict[str, pd.DataFrame]:
    share = o.cleantech_share(_tables()[0])
    return {k: g.reset_index(drop=True) for k, g in share.groupby("mineral_id", sort=False)}


@memo(64)
def end_use_options(mineral: str) -> list[tuple[str, str]]:
    rows, _ = _end_use_rows(mineral)
    present = list(dict.fromkeys(rows["end_use"]))
    ordered = [e for e in ch.END_USE_ORDER if e in present] + [e for e in present if e not in ch.END_USE_ORDER]
    return [("All end uses", "all")] + [(ch.end_use_name(e), e) for e in ordered]


@memo(1)
def _balance() -> pd.DataFrame:
    demand, cleantech, _, supply = _tables()
    return o.supply_demand_balance(supply, demand, cleantech)


@memo(1)
def _coverage() -> pd.DataFrame:
    return o.scenario_coverage(_balance())


@memo(1)
def _concentration() -> pd.DataFrame:
    """:func:`rexlib.metrics.outlook.projected_concentration` on the build's stored concentration
    rows (the same rows rexlib.metrics.concentration computes), fetched in 16 queries."""
    supply = _tables()[3]
    stored = {}
    for stage in sorted(supply["stage"].unique()):
        for year in (2023, 2030, 2035, 2040):
            for rec in api.stored_concentration_table(stage, year, "iea").to_dict("records"):
                stored[(rec["mineral_id"], stage, year)] = rec

    def lookup(mineral, stage, year, source="iea"):
        return pd.DataFrame([stored[(mineral, stage, year)]])
    return o.projected_concentration(supply, concentration_fn=lookup)


@memo(1)
def _observed_newest() -> pd.DataFrame:
    """The IEA's newest observation (2024, the 2025 edition's UNOFFICIAL conversion) of every block, as
    :func:`_concentration` rows (the stored concentration, series.iea_default's edition)."""
    supply = _tables()[3]
    rows = [api.stored_concentration_table(stage, NEWEST_OBSERVED, "iea") for stage in sorted(supply["stage"].unique())]
    return pd.concat(rows, ignore_index=True).assign(scenario=o.OBSERVED)


@memo(1)
def _top3_statement() -> pd.DataFrame:
    return o.top3_refining_statement(pd.concat([_concentration(), _observed_newest()], ignore_index=True),
                                     api.claims())


@memo(8)
def _iea_change(mineral: str | None) -> pd.DataFrame:
    from rexlib.metrics.country import country_name
    change = m.iea_vintage_change(mineral)
    listed = {w: change[f"china_share_{w}"].map(lambda x: "not listed" if pd.isna(x) else f"{x:.1f}")
              for w in ("old", "new")}
    return change.assign(name=change["mineral_id"].map(name_of), stage_name=change["stage"].map(STAGE_NAMES),
                         top1_name_new=change["top1_country_new"].map(country_name),
                         china_text_old=listed["old"], china_text_new=listed["new"])


def iea_change_section(mineral: str | None = None, *, projections: bool = True) -> list[str]:
    """What changed from the IEA's 2023 observation (May 2024 workbook) to its 2024 observation (the
    2025 edition, an UNOFFICIAL third-party conversion): block total, top-3, China's share, top
    supplier (rexlib.metrics.iea_vintage_change); with ``projections`` also both editions' base case."""
    change = _iea_change(mineral)
    what = name_of(mineral) if mineral else "the six key minerals"
    out = [c.heading(f"What changed from the 2023 to the 2024 observation (IEA), {what}")]
    if change.empty:
        return out + [c.message(f"The IEA editions do not cover {what}.", "info")]
    out.append(c.message(UNOFFICIAL_NOTE, "info"))
    obs = change[change["comparison"] == "observed"]
    cols = {"stage_name": "Stage", "world_total_old": "2023 total kt", "world_total_new": "2024 total kt",
            "total_change_pct": "Change %", "top3_share_old": "Top-3 2023 %", "top3_share_new": "Top-3 2024 %",
            "top3_change_pp": "Top-3 change pp", "china_text_old": "China 2023 %", "china_text_new": "China 2024 %",
            "china_change_pp": "China change pp", "top1_name_new": "Top supplier 2024"}
    if mineral is None:
        cols = {"name": "Mineral", **cols}
    out.append(c.table_html(obs, f"outlook_iea_change_{mineral or 'all'}", columns=cols, download=change))
    if projections:
        proj = change[change["comparison"] == "projection"]
        out.append(c.table_html(proj, f"outlook_iea_projection_change_{mineral or 'all'}", columns={
            **({"name": "Mineral"} if mineral is None else {}), "stage_name": "Stage", "year_new": "Year",
            "world_total_old": "2024 edition kt", "world_total_new": "2025 edition kt", "total_change_pct": "Change %",
            "top3_share_old": "Top-3 2024 ed. %", "top3_share_new": "Top-3 2025 ed. %", "top3_change_pp": "pp"},
            max_rows=36))
    src = source_line("IEA Critical Minerals Data Explorer, both editions; shares, top-3 and China computed by rex",
                      releases=RELEASE + ["iea_cm_explorer_2025_conversion"])    # prose: the address names the view
    out.append(f'<div class="rex-note">{esc(" ".join(src))}</div>')
    return out


@memo(32)
def _flows(scenario: str, year: int) -> pd.DataFrame:
    """Sheet 3.1's mineral x technology rows of one scenario and year, named for the flow chart."""
    cleantech = _tables()[1]
    rows = cleantech[~cleantech["is_total"] & (cleantech["year"] == year) & (cleantech["scenario"] == scenario)]
    # the sheet's own mineral labels: its graphite is battery-grade graphite, its rare earth neodymium
    return rows.assign(left=rows["mineral_label"], right=rows["end_use"].map(ch.end_use_name), value=rows["value_kt"])


def _processing_stage(mineral: str) -> str | None:
    stages = [s for s in _of("supply", mineral)["stage"].unique() if s != "mine"]
    return stages[0] if stages else None


@memo(128)
def supplier_options(mineral: str) -> list[tuple[str, str]]:
    """Countries the IEA names in the mineral's 2030 processing block (empty outside the six)."""
    stage = _processing_stage(mineral)
    if stage is None:
        return []
    rows = api.refining(mineral, stage, EXPOSURE_YEAR)
    rows = rows[rows["country"] != "ROW"]
    return [(f"{n} ({i})", i) for n, i in zip(rows["name"], rows["country"])]


@memo(128)
def _exposure(mineral: str, supplier: str) -> pd.DataFrame:
    stage = _processing_stage(mineral)
    cut = m.disruption(mineral, supplier, stage, 100, 0, EXPOSURE_YEAR, source="iea")
    frame = _of("cleantech" if (mineral, stage) == ("graphite", "battery_grade") else "demand", mineral)
    return o.demand_exposure(cut, frame)


# ---------------------------------------------------------------- parameters

def _validate(values: dict, explicit: set) -> dict:
    view = choice("view", values["view"], list(VIEWS))
    mineral = choice("mineral", str(values["mineral"]), [k for _, k in mineral_options()])
    scenario = choice("scenario", str(values["scenario"]), SCENARIOS)
    year = check_year("year", values["year"], YEARS)
    uses = [k for _, k in end_use_options(mineral)]
    end_use = values["end_use"]
    if end_use not in uses:
        if "end_use" in explicit:
            choice("end_use", end_use, uses)     # raises, listing this mineral's end uses
        end_use = "all"
    suppliers = [k for _, k in supplier_options(mineral)]
    supplier = str(values["supplier"]).upper()
    if suppliers and supplier not in suppliers:
        if "supplier" in explicit:
            choice("supplier", supplier, suppliers, normalise=False)
        supplier = "CHN" if "CHN" in suppliers else suppliers[0]
    return {"mineral": mineral, "scenario": scenario, "year": year, "end_use": end_use,
            "supplier": supplier if suppliers else DEFAULTS["supplier"], "view": view}


validate_params = _validate


def _src(what: str, params: dict) -> list[str]:
    return source_line(f"{PUBLISHER}, {what}; computed by rex", releases=RELEASE, params=params)


def _pct(x) -> str:
    return "n/a" if x is None or pd.isna(x) else f"{x:.1f}%"


def _times(x) -> str:
    return "n/a" if x is None or pd.isna(x) else f"{x:.2f}×"


def _with_base_year(frame: pd.DataFrame) -> pd.DataFrame:
    """Projection rows plus the observed 2023 row repeated for each scenario (each line starts there)."""
    obs = frame[frame["scenario"] == "observed"]
    proj = frame[frame["scenario"] != "observed"]
    return pd.concat([proj] + [obs.assign(scenario=s) for s in SCENARIOS], ignore_index=True)


# ---------------------------------------------------------------- the app

class Outlook(c.App):
    publish_axes = (("mineral", "scenario"), ("mineral", "year"), ("view", "scenario", "year"), ("mineral", "end_use"),
                    ("mineral", "supplier"))   # rex publish: parameters crossed (common.App.publish_axes)
    title = "Demand outlook"
    lede = ("How much of each mineral the IEA's scenarios need to 2050 and for which technologies, against "
            "the supply the IEA projects from operating and announced projects (base case, to 2040); how "
            "concentrated that supply stays; what a supplier's cut would mean for 2030 demand.")

    def __init__(self, mineral=DEFAULTS["mineral"], scenario=DEFAULTS["scenario"], year=DEFAULTS["year"],
                 end_use=DEFAULTS["end_use"], supplier=DEFAULTS["supplier"], view=DEFAULTS["view"]):
        resolved = c.resolve([c.Param("mineral", mineral, DEFAULTS["mineral"]),
                              c.Param("scenario", scenario, DEFAULTS["scenario"]),
                              c.Param("year", year, DEFAULTS["year"], int),
                              c.Param("end_use", end_use, DEFAULTS["end_use"]),
                              c.Param("supplier", supplier, DEFAULTS["supplier"]),
                              c.Param("view", view, DEFAULTS["view"])], _validate,
                             warmup=lambda: (_tables(), _balance(), _concentration()))
        super().__init__(resolved)
        v = resolved.values
        self.view = c.dropdown("View", [(label, key) for key, label in VIEWS.items()], v["view"], "230px")
        self.mineral = c.dropdown("Mineral", mineral_options(), v["mineral"], "330px")
        self.scenario = c.dropdown("Scenario", list(SCENARIOS), v["scenario"], "160px")
        self.year = c.dropdown("Year", list(YEARS), v["year"], "130px")
        self.end_use = c.dropdown("End use", end_use_options(v["mineral"]), v["end_use"], "290px")
        self.supplier = c.dropdown("Supplier cut in 2030", supplier_options(v["mineral"]) or [("—", "")],
                                   v["supplier"] if supplier_options(v["mineral"]) else "", "330px")
        self.supplier.disabled = not supplier_options(v["mineral"])
        self.mineral.observe(self._mineral_changed, names="value")
        self.watch(self.view, self.scenario, self.year, self.end_use, self.supplier)

    def controls(self):
        return [self.view, self.mineral, self.scenario, self.year, self.end_use, self.supplier]

    def _mineral_changed(self, _=None):
        with self.muted():
            mineral = self.mineral.value
            keep = self.end_use.value
            uses = end_use_options(mineral)
            self.end_use.options = uses
            self.end_use.value = keep if keep in [k for _, k in uses] else "all"
            sup = supplier_options(mineral)
            before = self.supplier.value
            self.supplier.options = sup or [("—", "")]
            ids = [k for _, k in sup]
            self.supplier.value = before if before in ids else ("CHN" if "CHN" in ids else (ids[0] if ids else ""))
            self.supplier.disabled = not sup
        self.refresh()

    # views -------------------------------------------------------------------------------
    def render(self) -> list[str]:
        cache = sections("outlook")
        mineral, scenario, year = self.mineral.value, self.scenario.value, self.year.value
        end_use, supplier = self.end_use.value, self.supplier.value
        if self.view.value == "overview":
            parts = cache.get(("overview", scenario, year), lambda: self._overview(scenario, year))
            parts += cache.get(("flow", scenario, year, None), lambda: self._flow(scenario, year, None))
            return parts
        key_mineral = mineral in _key_minerals()
        parts = cache.get(("tiles", mineral, scenario, year, end_use), lambda: self._tiles(mineral, scenario, year,
                                                                                             end_use))
        parts += cache.get(("by_end_use", mineral, scenario, end_use), lambda: self._by_end_use(mineral, scenario,
                                                                                                 end_use))
        parts += cache.get(("scenarios", mineral, end_use), lambda: self._scenarios(mineral, end_use))
        parts += cache.get(("growth", mineral, year), lambda: self._growth(mineral, year))
        if key_mineral:
            parts += cache.get(("balance", mineral), lambda: self._supply(mineral))
            parts += cache.get(("concentration", mineral), lambda: self._concentration(mineral))
            parts += cache.get(("iea_change", mineral), lambda: iea_change_section(mineral))
            parts += cache.get(("exposure", mineral, supplier), lambda: self._exposure(mineral, supplier))
        parts += cache.get(("flow", scenario, year, mineral), lambda: self._flow(scenario, year, mineral))
        return parts

    @staticmethod
    def _tiles(mineral, scenario, year, end_use) -> list[str]:
        name = name_of(mineral)
        _, basis = _end_use_rows(mineral)
        key = mineral in _key_minerals()
        tiles = []
        g = _growth_split().get(mineral, pd.DataFrame(columns=["end_use", "scenario", "year", "value_kt", "base_kt",
                                                                "multiple"]))
        if end_use == "all":
            total = "total_demand" if key else "total_clean_technologies"
            what = "total demand" if key else "clean-technology demand"
            g = g[g["end_use"] == total]
        else:
            g = g[g["end_use"] == end_use]
            what = f"demand for {ch.end_use_name(end_use).lower()}"
        now = g[(g["scenario"] == scenario) & (g["year"] == year)]
        value = now["value_kt"].iloc[0] if len(now) else None
        tiles.append({"label": f"{name}: {what}, {year} ({scenario})", "value": f"{fmt_num(value)} kt" if value is not None else "n/a",
                      "note": f"2023: {fmt_num(now['base_kt'].iloc[0])} kt (observed)" if len(now) else basis})
        negligible = bool(len(now)) and "negligible" in str(now["base_note"].iloc[0] if "base_note" in now else "")
        tiles.append({"label": f"Growth on 2023, {year} ({scenario})",
                      "value": ("n/a: negligible 2023 base" if negligible
                                else _times(now["multiple"].iloc[0]) if len(now) else "n/a"),
                      "note": " · ".join(f"{s} {_times(x)}" for s, x in
                                         g[g["year"] == year].set_index("scenario")["multiple"].reindex(SCENARIOS).items())})
        if key:
            share = _share_split()[mineral]
            sh = share[(share["scenario"] == scenario) & (share["year"] == year)]["share_pct"]
            base = share[share["scenario"] == "observed"]["share_pct"]
            tiles.append({"label": f"Clean technologies' share of demand, {year}", "value": _pct(sh.iloc[0] if len(sh) else None),
                          "note": f"2023: {_pct(base.iloc[0] if len(base) else None)}"})
            cov = _coverage()
            stage = _processing_stage(mineral)
            row = cov[(cov["mineral_id"] == mineral) & (cov["stage"] == stage) & (cov["year"] == min(year, 2040))]
            if len(row):
                r = row.iloc[0]
                gap = r[f"gap_{scenario}_kt"]
                tiles.append({"label": f"Projected {STAGE_NAMES.get(stage, stage)} vs {scenario} demand, {min(year, 2040)}",
                              "value": f"{'+' if gap >= 0 else ''}{fmt_num(gap)} kt ({r[f'gap_{scenario}_pct']:+.0f}%)",
                              "note": (f"base case covers: {r['covers']}" + ("" if year <= 2040 else
                                                                             "; supply is projected to 2040 only"))})
        out = [charts.share_tiles(tiles)]
        if not key:
            out.append(c.message(f"The workbook gives only clean-technology demand for {name} ({basis}); total demand, "
                                 "other uses and projected supply are given for copper, cobalt, lithium, nickel, "
                                 "graphite and magnet rare earths only.", "info"))
        if mineral == "graphite":
            out.append(f'<div class="rex-note">{esc("Graphite: sheet 1 (total demand) counts all grades, mined and synthetic; the clean-technology sheets count battery-grade graphite only.")}</div>')
        return out

    def _by_end_use(self, mineral, scenario, end_use) -> list[str]:
        name = name_of(mineral)
        rows, basis = _end_use_rows(mineral)
        shown = rows[(rows["scenario"] == scenario) | (rows["scenario"] == "observed")]
        params = {"mineral": mineral, "scenario": scenario, "end_use": None if end_use == "all" else end_use}
        sheet = basis.split(" (")[0]
        chart = ch.demand_stacked(shown, title=f"{name}: demand by end use, {scenario}", highlight=None if end_use == "all" else end_use,
                                  source=_src(sheet, params),
                                  subtitle=f"kt; 2023 observed, 2030–2050 projected ({basis})")
        long = shown.assign(end_use_name=shown["end_use"].map(ch.end_use_name))
        wide = long.pivot_table(index="end_use_name", columns="year", values="value_kt", sort=False).reset_index()
        wide.columns = ["End use (kt)"] + [str(y) for y in wide.columns[1:]]
        return [c.heading(f"Demand by end use ({scenario})"), c.chart_html(chart),
                c.table_html(wide, f"outlook_{mineral}_{scenario}_by_end_use", download=long)]

    @staticmethod
    def _scenarios(mineral, end_use) -> list[str]:
        name = name_of(mineral)
        demand, cleantech, supply = _of("demand", mineral), _of("cleantech", mineral), _of("supply", mineral)
        key = mineral in _key_minerals()
        rows, basis = _end_use_rows(mineral)
        if end_use != "all":
            series, what = rows[rows["end_use"] == end_use], ch.end_use_name(end_use)
            sup = None
        elif key:
            series, what = demand[demand["end_use"] == "total_demand"], "total demand"
            sup = supply.assign(stage_label=supply["stage"].map(STAGE_NAMES))
        else:   # every mineral of the technology sheets has a sheet 3.2 total
            series = cleantech[cleantech["end_use"] == "total_clean_technologies"]
            what, sup = "clean-technology demand", None
        lines = _with_base_year(series)
        params = {"mineral": mineral, "end_use": None if end_use == "all" else end_use}
        chart = ch.scenario_lines(lines, title=f"{name}: {what} in the three scenarios", supply=sup,
                                  source=_src("sheets 1–4" if not key else "sheets 1 and 2", params),
                                  subtitle="kt; lines start at the observed 2023 value" +
                                           ("; grey: base-case supply (sheet 2), to 2040" if sup is not None else ""))
        wide = lines.pivot_table(index="year", columns="scenario", values="value_kt").reset_index()
        wide = wide[["year"] + [s for s in SCENARIOS if s in wide.columns]]
        return [c.heading("The three scenarios side by side"), c.chart_html(chart),
                c.table_html(wide, f"outlook_{mineral}_scenarios", download=series)]

    def _growth(self, mineral, year) -> list[str]:
        name = name_of(mineral)
        _, basis = _end_use_rows(mineral)
        g = _growth_split().get(mineral, pd.DataFrame(columns=["end_use", "scenario", "year", "multiple"]))
        g = g[g["year"] == year].assign(name=lambda f: f["end_use"].map(
            lambda e: {"total_demand": "Total demand", "total_clean_technologies": "All clean technologies"}.get(
                e, ch.end_use_name(e))))
        chart = ch.growth_bars(g, title=f"{name}: demand in {year} as a multiple of 2023",
                               source=_src(basis.split(" (")[0], {"mineral": mineral, "year": year}),
                               subtitle="× the observed 2023 value of the same end use; dashed: 1× (no growth)")
        # pivot_table drops a row whose multiples are all NaN (a negligible base): it stays, blank
        if len(g):
            order = list(dict.fromkeys(zip(g["name"], g["base_kt"])))
            wide = (g.set_index(["name", "base_kt", "scenario"])["multiple"].unstack("scenario")
                    .reindex(pd.MultiIndex.from_tuples(order, names=["name", "base_kt"])).reset_index())
        else:
            wide = pd.DataFrame(columns=["name", "base_kt"])
        wide = wide[["name", "base_kt"] + [s for s in SCENARIOS if s in wide.columns]]
        wide = wide.rename(columns={"name": "End use", "base_kt": "2023 kt", **{s: f"{s} × 2023" for s in SCENARIOS}})
        parts = [c.heading(f"Growth multipliers, {year}"), c.chart_html(chart)]
        if "base_note" in g.columns and g["base_note"].str.contains("negligible").any():
            names = sorted(set(g.loc[g["base_note"].str.contains("negligible"), "name"]))
            parts.append(c.message(f"No multiple where the 2023 base is under 1 % of the {year} value "
                                   f"({', '.join(names)}): the change in kt is the figure to quote "
                                   "(download the CSV: change_kt).", "info"))
        return parts + [c.table_html(wide, f"outlook_{mineral}_growth_{year}", download=g)]

    def _supply(self, mineral) -> list[str]:
        name = name_of(mineral)
        bal = _balance()
        bal = bal[bal["mineral_id"] == mineral]
        cov = _coverage()
        cov = cov[cov["mineral_id"] == mineral]
        out = [c.heading("Projected supply against demand")]
        for stage, part in bal.groupby("stage", sort=False):
            label = STAGE_NAMES.get(stage, stage)
            notes = part["note"].iloc[0]
            out.append(c.chart_html(ch.supply_vs_demand(
                part, title=f"{name}: base-case {label} supply against demand",
                source=_src("sheets 1–3", {"mineral": mineral, "stage": stage}),
                subtitle=[f"Demand: {part['demand_basis'].iloc[0]}; supply: sheet 2 base case (kt)"]
                + [n[0].upper() + n[1:] for n in notes.split("; ")])))
        out.append(c.table_html(cov, f"outlook_{mineral}_coverage", columns={
            "stage": "Stage", "year": "Year", "supply_kt": "Supply kt", "covers": "Supply covers",
            "short_of": "Short of", "gap_STEPS_kt": "Gap STEPS kt", "gap_STEPS_pct": "STEPS %",
            "gap_APS_kt": "Gap APS kt", "gap_APS_pct": "APS %", "gap_NZE_kt": "Gap NZE kt", "gap_NZE_pct": "NZE %"},
            download=bal))
        return out

    def _concentration(self, mineral) -> list[str]:
        name = name_of(mineral)
        conc = _concentration()
        conc = conc[conc["mineral_id"] == mineral].assign(
            label=lambda f: f["stage"].map(STAGE_NAMES) + ": top 3")
        china = conc.assign(label=conc["stage"].map(STAGE_NAMES) + ": China", top3_share=conc["china_share"])
        both = pd.concat([conc, china], ignore_index=True)
        src = _src("sheet 2 by country; shares and HHI computed by rex",
                   {"mineral": mineral})
        out = [c.heading("How concentrated projected supply stays")]
        out.append(c.chart_html(ch.concentration_lines(
            both, title=f"{name}: top-3 and China's share of supply, 2023–2040", source=src,
            subtitle="% of the IEA block total; 2023 observed, 2030–2040 base case")))
        out.append(c.table_html(conc, f"outlook_{mineral}_concentration", columns={
            "stage": "Stage", "year": "Year", "scenario": "Case", "hhi": "HHI (lower bound)", "hhi_high": "HHI upper",
            "top1_country": "Top supplier", "top3_share": "Top-3 %", "china_share": "China %",
            "hhi_change": "HHI vs 2023", "falls": "Falls"}))
        return out

    def _exposure(self, mineral, supplier) -> list[str]:
        name = name_of(mineral)
        stage = _processing_stage(mineral)
        who = mb.country_name(supplier) if supplier else "a supplier"
        out = [c.heading(f"If {who} cut its {STAGE_NAMES.get(stage, stage)} output in {EXPOSURE_YEAR}")]
        if not supplier:
            return out + [c.message("The IEA names no supplier for this mineral.", "info")]
        exp = _exposure(mineral, supplier)
        src = _src("sheets 1 and 2; the cut sized by rex",
                   {"mineral": mineral, "supplier": supplier, "year": EXPOSURE_YEAR, "cut_pct": 100})
        first = exp.iloc[0] if len(exp) else None
        sub = (f"{supplier} holds {first['supplier_share_of_supply_pct']:.1f}% of projected {EXPOSURE_YEAR} "
               f"{STAGE_NAMES.get(stage, stage)} ({fmt_num(first['supplier_kt'])} of {fmt_num(first['supply_kt'])} kt)"
               if first is not None else "")
        out.append(c.chart_html(ch.exposure_bars(exp, title=f"{name}: {EXPOSURE_YEAR} demand exposed to a full cut by "
                                                           f"{supplier}", source=src, subtitle=sub)))
        out.append(c.table_html(exp, f"outlook_{mineral}_{supplier}_exposure", columns={
            "scenario": "Scenario", "demand_kt": "Demand kt", "supplier_kt": "Supplier kt",
            "supplier_share_of_demand_pct": "Supplier % of demand", "remaining_kt": "Supply left kt",
            "shortfall_kt": "Shortfall kt", "shortfall_pct": "Shortfall %"}))
        return out

    def _flow(self, scenario, year, mineral) -> list[str]:
        flows = _flows(scenario, year)
        mine = flows[flows["mineral_id"] == mineral]
        highlight = mine["left"].iloc[0] if len(mine) else None
        chart = ch.flow_sankey(flows, title=f"Minerals to clean technologies, {scenario} {year}", highlight=highlight,
                               source=_src("sheet 3.1 (13 minerals by technology)", {"scenario": scenario, "year": year}),
                               subtitle="Band width = kt. Sheet 3.1 breaks down 13 minerals; the small ones are "
                                        "drawn but not labelled (hover for values)")
        return [c.heading("Which minerals go to which technologies"), c.chart_html(chart),
                c.table_html(flows, f"outlook_flows_{scenario}_{year}", columns={
                    "left": "Mineral", "right": "Technology", "value_kt": "kt", "source_cell": "Cell (sheet 3.1)"},
                    max_rows=12)]

    def _overview(self, scenario, year) -> list[str]:
        demand = _tables()[0]
        out = [c.heading(f"The six key minerals, {year}")]
        g = o.growth(demand[demand["end_use"] == "total_demand"])
        g = g[g["year"] == year].assign(name=lambda f: f["mineral_id"].map(name_of))
        out.append(c.chart_html(ch.growth_bars(g, title=f"Total demand in {year} as a multiple of 2023",
                                               source=_src("sheet 1", {"year": year}),
                                               subtitle="× observed 2023 total demand (all uses)")))
        share = o.cleantech_share(demand)
        sh = share[(share["year"].isin([2023, year])) & share["scenario"].isin(["observed", scenario])]
        sh = sh.assign(name=sh["mineral_id"].map(name_of))
        out.append(c.table_html(sh, f"outlook_cleantech_share_{scenario}_{year}", columns={
            "name": "Mineral", "scenario": "Scenario", "year": "Year", "clean_kt": "Clean tech kt",
            "total_kt": "Total kt", "share_pct": "Clean-tech share %"}))
        cov = _coverage().assign(name=lambda f: f["mineral_id"].map(name_of))
        out.append(c.heading("Which scenario the announced supply covers (base case)"))
        out.append(c.table_html(cov, "outlook_scenario_coverage", columns={
            "name": "Mineral", "stage": "Stage", "year": "Year", "supply_kt": "Supply kt", "covers": "Covers",
            "short_of": "Short of", f"gap_{scenario}_kt": f"Gap {scenario} kt", f"gap_{scenario}_pct": f"Gap {scenario} %"},
            max_rows=36, download=_balance()))
        out.append(f'<div class="rex-note">{esc(o.SUPPLY_NOTE + ". Graphite mining is natural graphite only while demand counts all grades.")}</div>')
        conc = _concentration()
        proc = conc[conc["stage"] != "mine"].assign(label=lambda f: f["mineral_id"].map(name_of))
        out.append(c.heading("Concentration of projected processing"))
        out.append(c.chart_html(ch.concentration_lines(
            proc, title="Top-3 share of processing, 2023–2040", source=_src(
                "sheet 2; concentration computed by rex", {"stage": "processing"}),
            subtitle="Refining (lithium: chemicals; graphite: battery grade); 2023 observed, 2030–2040 base case")))
        st = _top3_statement()
        out.append(c.table_html(st, "outlook_top3_statement", columns={
            "claim_id": "Claim", "claimed_pct": "Claimed %", "claimed_year": "Claimed year",
            "workbook_year": "Workbook year", "year_type": "Year type", "mean_top3_pct": "Workbook mean top-3 %",
            "min_top3_pct": "Min %", "max_top3_pct": "Max %", "comparable": "Same year"}))
        out.append(c.message("The documents quote the IEA's Global Critical Minerals Outlook 2025: the top three "
                             "refiners hold about 86% of midstream processing (its latest year, 2024), up from 82% in "
                             "2020. The 2025 edition's 2024 observation (an UNOFFICIAL conversion) gives a mean of the "
                             "six processing blocks' top-3 shares to set beside it; the May 2024 workbook gives 2023 "
                             "(observed) and 2030–2040 (base case). No edition here gives 2020.", "info"))
        out += iea_change_section(None, projections=False)
        return out


def demand_section(mineral: str, scenario: str = "STEPS", year: int = 2040) -> list[str]:
    """The mineral profile's demand section (HTML parts): for a mineral the IEA workbook covers, its
    demand tiles and the three scenarios beside the base-case supply, and a link to this app; for
    others a one-line note. ``mineral`` is a profile id; one the workbook does not name goes through
    the profile's own IEA alias (rexlib.app.ui.data.iea_mineral: rare earths -> magnet rare earths)."""
    from . import data as d
    head = c.heading("Demand outlook (IEA scenarios)")
    options = {k for _, k in mineral_options()}
    mid = mineral if mineral in options else d.iea_mineral(mineral)
    if mid not in options:
        return [head, c.message(f"The IEA Critical Minerals Data Explorer gives no demand outlook for "
                                f"{name_of(mineral)}.", "info")]
    parts = [head]
    if mid != mineral:
        parts.append(f'<div class="rex-note">{esc(f"Shown for {name_of(mid)}: the IEA workbook projects demand for these, not for all {name_of(mineral).lower()}.")}</div>')
    parts += Outlook._tiles(mid, scenario, year, "all") + Outlook._scenarios(mid, "all")[1:]
    parts.append(f'<div class="rex-note">More: <a href="outlook.ipynb?mineral={esc(mid)}&amp;scenario={esc(scenario)}'
                 f'&amp;year={year}" target="_blank">demand outlook for {esc(name_of(mid))}</a> (by technology, '
                 'growth, supply gap, concentration, a 2030 supplier cut).</div>')
    return parts


def app(mineral=DEFAULTS["mineral"], scenario=DEFAULTS["scenario"], year=DEFAULTS["year"],
        end_use=DEFAULTS["end_use"], supplier=DEFAULTS["supplier"], view=DEFAULTS["view"]) -> Outlook:
    return Outlook(mineral, scenario, year, end_use, supplier, view)
