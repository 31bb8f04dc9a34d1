"""Chokepoints: concentration (HHI, China's share) per stage across minerals, the governance-weighted
HHI, and the biggest gaps between mining and processing concentration."""
from __future__ import annotations

import ipywidgets as w

from rexlib.query import api
from rexlib.core.fmt import words
from rexlib.charts.base import esc, source_line
from rexlib.charts.concentration import gap_dumbbell, governance_bars, hhi_bars
from rexlib.metrics.categories import non_minerals
from rexlib.core.validate import choice, year as check_year
from . import common as c
from . import data as d
from . import metrics_bridge as mb
from .cache import memo, sections

DEFAULTS = {"stage": "mine", "year": 2025, "critical": "all", "top": 30}
STAGES = ["mine", "refinery", "smelter", "metal", "plant", "processing"]
# "processing": every mineral's processing series from the one supply-chain model (rexlib.etl.series
# stage_families: IEA 2023 blocks, else USGS latest year, else the EU 2023 study's 2016-2020 averages).
PROCESSING = "processing"


@memo(2)
def _names() -> dict:
    frame = api.minerals()
    return dict(zip(frame["mineral_id"], frame["name"]))


def _validate(values: dict, explicit: set) -> dict:
    stage = choice("stage", values["stage"], STAGES)
    year = check_year("year", values["year"], range(2021, 2026))
    critical = choice("critical", str(values["critical"]), list(d.LISTS))
    top = int(values["top"])
    if not 5 <= top <= 80:
        from rexlib.core.validate import InvalidArgument
        raise InvalidArgument("top", top, [5, 80], " (top is a whole number from 5 to 80)")
    return {"stage": stage, "year": year, "critical": critical, "top": top}


@memo(4)
def _critical_ids(critical: str) -> frozenset:
    return frozenset(api.minerals(critical=critical)["mineral_id"])


class Chokepoints(c.App):
    publish_axes = (("stage", "year", "critical"),)   # rex publish: parameters crossed (common.App.publish_axes)
    title = "Chokepoints"
    lede = ("Which minerals are produced by few countries (HHI, 0–10,000), how much of it is China, where "
            "weak governance adds risk (EU HHI_WGI), and where processing is far more concentrated than mining.")

    def __init__(self, stage="mine", year=2025, critical="all", top=30):
        resolved = c.resolve([c.Param("stage", stage, DEFAULTS["stage"]), c.Param("year", year, DEFAULTS["year"], int),
                              c.Param("critical", critical, DEFAULTS["critical"]),
                              c.Param("top", top, DEFAULTS["top"], int)], _validate,
                             warmup=lambda: (mb.concentration_table(stage, year), mb.governance_table(stage, year), mb.gaps()))
        super().__init__(resolved)
        v = resolved.values
        self.stage = c.dropdown("Stage", STAGES, v["stage"], "170px")
        self.year = w.SelectionSlider(description="Year", options=list(range(2021, 2026)), value=v["year"],
                                      continuous_update=False)
        self.critical = c.dropdown("List", [(label, key) for key, label in d.LISTS.items()], v["critical"], "330px")
        self.top = w.IntSlider(description="Minerals shown", min=5, max=80, value=v["top"], continuous_update=False,
                               style={"description_width": "initial"})
        self.watch(self.stage, self.year, self.critical, self.top)

    def controls(self):
        return [self.stage, self.year, self.critical, self.top]

    def _filter(self, frame):
        if self.critical.value == "all" or frame.empty:
            return frame
        keep = _critical_ids(self.critical.value)
        return frame[frame["mineral_id"].isin(keep)]

    def render(self) -> list[str]:
        stage, year, top, critical = self.stage.value, self.year.value, self.top.value, self.critical.value
        cache = sections("chokepoints")
        parts = cache.get(("concentration", stage, year, top, critical), self._concentration)
        parts += cache.get(("gaps", critical), self._gaps)
        parts += cache.get(("controls", year, top, critical), self._controls)
        return parts

    def _controls(self) -> list[str]:
        """Export controls in force in the year (USGS MCS2026 Table 4 with the documents' rows):
        the share of world mining, processing and U.S. imports the controlling countries hold
        (rexlib.metrics.export_controls), and what came under control when (issue 27)."""
        from rexlib.charts.controls import control_timeline
        year, top = self.year.value, self.top.value
        table = self._filter(mb.control_exposure_table(year, "any"))
        table = table[table["countries"] != ""]
        src = source_line("USGS MCS2026 Table 4 (export controls in force as of January 2026, with the year each took "
                          "effect); shares: the supply-chain model's mining and processing series, U.S. headline "
                          "import sources 2021-24", ["MCS2026"], {"year": year, "critical": self.critical.value})
        parts = [c.heading(f"Under export control in {year}"),
                 c.message(f"{len(table)} minerals have a control on primary supply in force in {year}. Shares are "
                           "those held by the controlling countries (any kind: licensing, quota, ban); scrap, catalyst "
                           "and battery-technology controls are listed in the mineral profile, not counted here.", "info"),
                 c.table_html(table, f"export_controls_{year}", columns={
                     "mineral_name": "Mineral", "country_names": "Countries with a control",
                     "processing_pct": "World processing %", "mining_pct": "World mining %",
                     "import_pct": "U.S. imports %", "processing_series": "Processing series",
                     "mining_series": "Mining series"}, max_rows=15)]
        timeline = mb.control_timeline()
        timeline = timeline[timeline["mineral_id"].isin(set(table["mineral_id"].head(top)))
                            & timeline["counts_for_supply"] & timeline["kind"].isin(["licensing", "quota", "ban"])]
        timeline = timeline.assign(row=timeline["mineral_name"] + " — " + timeline["country_name"])
        parts.append(c.chart_html(control_timeline(
            timeline, title="What came under export control when", source=src, by="row",
            subtitle=f"The {min(top, len(table))} minerals above with the largest share under control")))
        return parts

    def _processing(self) -> list[str]:
        """The processing family across minerals: each mineral's best source, its own period."""
        top = self.top.value
        ranked = mb.supply_concentration(PROCESSING)
        basis_note = ranked.attrs.get("note", "")           # series that are not worlds (series.yml series_basis)
        conc = self._filter(ranked)
        left_out = sorted(set(conc["mineral_id"]) & non_minerals())
        conc = conc[~conc["mineral_id"].isin(left_out)]
        conc = conc.assign(name=conc["mineral_id"].map(_names()).fillna(conc["mineral_id"]), year=conc["period"])
        counts = conc["source"].value_counts()
        src = source_line("processing shares per mineral from the best available source: "
                          f"IEA 2023 refining blocks ({counts.get('iea', 0)}), USGS refinery/smelter/metal latest year "
                          f"({counts.get('usgs', 0)}), else the European Commission's 2023 criticality study, Appendix 7, "
                          f"2016-2020 averages ({counts.get('eu_crm', 0)}; an unofficial transcription, PDF not verified)",
                          [], {"stage": PROCESSING, "critical": self.critical.value},
                          releases=["iea_cm_explorer_2024"])
        parts = [c.heading("Concentration by mineral, processing stage"),
                 c.message("Processing shares come from different sources and periods per mineral (column Period); "
                           "the year slider does not apply. EU rows are multi-year averages of shares, not one year."
                           + (f" {basis_note}" if basis_note else "")
                           + (f" Left out, not minerals (the EU also screens them): {', '.join(left_out)}."
                              if left_out else ""), "info"),
                 c.chart_html(hhi_bars(conc.head(top), title="Most concentrated minerals, processing stage",
                                       source=src, subtitle="Each mineral's latest processing series. Bar: HHI lower "
                                       "bound; tick: upper bound. Dashed: 2,500.")),
                 c.table_html(conc, "concentration_processing", columns={
                     "name": "Mineral", "hhi": "HHI", "hhi_high": "HHI upper", "top1_country": "Top processor",
                     "top1_share": "Top share %", "top3_share": "Top-3 %", "china_share": "China %",
                     "source": "Source", "source_stage": "Source stage", "period": "Period",
                     "provenance": "Provenance", "flags": "Flags"}, max_rows=15),
                 c.heading("Governance-weighted concentration (EU method)"),
                 c.message("Governance-weighted HHI is computed for the USGS and IEA tonnage stages; choose "
                           "refinery, smelter or metal for it.", "info")]
        return parts

    def _concentration(self) -> list[str]:
        stage, year, top = self.stage.value, self.year.value, self.top.value
        if stage == PROCESSING:
            return self._processing()
        names = _names()
        params = {"stage": stage, "year": year, "critical": self.critical.value}
        ranked = mb.concentration_table(stage, year)
        conc = self._filter(ranked)
        parts = []
        if ranked.attrs.get("note"):
            parts.append(c.message(ranked.attrs["note"], "info"))
        if conc.empty:
            parts.append(c.message(f"No mineral has a USGS world total at stage '{stage}' in {year}.", "warn"))
        conc = conc.assign(name=conc["mineral_id"].map(names)) if len(conc) else conc.assign(name=[])
        vint = sorted(conc["vintage"].dropna().unique()) if len(conc) else []
        src = source_line("USGS world production tables; HHI = Σ share² over listed producers (computed by rex)",
                          vint, params)
        parts.append(c.heading("Concentration by mineral"))
        parts.append(c.chart_html(hhi_bars(conc.head(top), title=f"Most concentrated minerals, {stage} stage, {year}",
                                           source=src, subtitle="Bar: HHI lower bound ('other countries' spread thin); "
                                           "tick: upper bound (remainder as one producer). Dashed: 2,500.")))
        parts.append(c.table_html(conc, f"concentration_{stage}_{year}", columns={
            "name": "Mineral", "hhi": "HHI", "hhi_high": "HHI upper", "top1_country": "Top producer",
            "top1_share": "Top share %", "top3_share": "Top-3 %", "china_share": "China %",
            "withheld_countries": "Withheld", "flags": "Flags", "vintage": "Vintage"}, max_rows=15))
        gov = self._filter(mb.governance_table(stage, year)) if len(conc) else conc
        parts.append(c.heading("Governance-weighted concentration (EU method)"))
        if len(gov):
            gov = gov.assign(name=gov["mineral_id"].map(names)).head(top)
            gsrc = source_line("USGS world production × World Bank WGI (the EU's 2017 governance-weighted HHI method, computed by rex)",
                               vint, params, releases=["wgi_2023"])
            parts.append(c.chart_html(governance_bars(gov, title=f"HHI_WGI, {stage} stage, {year}", source=gsrc,
                                                      subtitle="Producers without a WGI score get the median score")))
        else:
            parts.append(c.message("No governance-weighted values for these parameters.", "info"))
        return parts

    def _gaps(self) -> list[str]:
        names = _names()
        parts = []
        gap = self._filter(mb.gaps())
        gap = gap.assign(name=gap["mineral_id"].map(names)).head(15)
        gsrc = source_line("China's share of mining vs processing, both from one source where one has both "
                           "(IEA 2023, else USGS latest year, else the EU 2023 study's 2016-2020 averages, an "
                           "unofficial transcription)",
                           sorted({v for v in ["MCS2026"]}), {"critical": self.critical.value},
                           releases=["iea_cm_explorer_2024"])
        parts.append(c.heading("Biggest mining-vs-processing gaps"))
        note = ("Minerals only: materials the EU also screens that are not minerals ("
                + ", ".join(sorted(words(m) for m in non_minerals())) + ") are left out.")
        parts.append(f'<div class="rex-note">{esc(note)}</div>')
        parts.append(c.chart_html(gap_dumbbell(gap, title="Where China processes far more than it mines", source=gsrc,
                                               subtitle="Grey circles: share of mining; vermillion squares: share of processing. "
                                                        "Not controlled by the year slider (each source's latest "
                                                        "year or averaging period).")))
        parts.append(c.table_html(gap, "mining_vs_processing_gap", columns={
            "name": "Mineral", "source": "Source", "mine_period": "Mining period",
            "processing_stage": "Processing stage", "processing_period": "Processing period",
            "china_mine_share": "China mine %", "china_processing_share": "China processing %",
            "china_gap_pp": "Gap (pp)", "top1_processing_country": "Top processor", "flags": "Flags"}))
        return parts


def app(stage="mine", year=2025, critical="all", top=30) -> Chokepoints:
    return Chokepoints(stage, year, critical, top)
