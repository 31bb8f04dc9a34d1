"""Mineral profile: where one mineral is produced, how concentrated, reserves, IEA refining beside
mining, U.S. import reliance and sources, and the deals, agreements, export controls and claims
that touch it."""
from __future__ import annotations

import pandas as pd

from rexlib.query import api
from rexlib import charts
from rexlib.etl import series
from rexlib.charts.base import esc, fmt_num, source_line
from rexlib.core.ids import stage_output, stage_word
from . import common as c
from . import data as d
from . import metrics_bridge as mb
from . import outlook
from .cache import sections


def stage_words(stage: str) -> str:
    """A stage in words: "mine production", but "production" for USGS's unnamed stage (not
    "production production"): rexlib.core.ids.stage_output (rexlib/metadata/mappings/stages.csv)."""
    return stage_output(stage)

DEFAULTS = {"mineral": "cobalt", "stage": "mine", "year": 2025}


# The processing stage of the one supply-chain model (rexlib.supply_shares): every mineral any
# source has processing shares for, whatever its USGS stages; its own period (the year is not used).
PROCESSING = "processing"


def profile_stages(mineral: str) -> list[str]:
    """The profile's stage options: the USGS production stages, then ``processing`` where any source
    has processing shares."""
    stages = list(d.stage_options(mineral)) if d.has_production(mineral) else []
    return stages + ([PROCESSING] if d.has_supply(mineral, PROCESSING) else [])


def _validate(values: dict, explicit: set) -> dict:
    mineral = d.profile_mineral(values["mineral"])
    if values["stage"] == PROCESSING:
        if d.has_supply(mineral, PROCESSING):
            # the processing shares have their own period: a year left over from another view is not kept
            year = values["year"] if "year" in explicit else DEFAULTS["year"]
            return {"mineral": mineral, "stage": PROCESSING, "year": int(year)}
        from rexlib.core.validate import InvalidArgument
        raise InvalidArgument("stage", values["stage"], profile_stages(mineral) or ["(none)"],
                              f" (no source has processing shares for {mineral})")
    if not d.has_production(mineral):
        return _validate_without_production(mineral, values, explicit)
    stages = d.stage_options(mineral)
    stage = values["stage"]
    if stage not in stages:
        if "stage" in explicit:
            from rexlib.core.validate import choice
            choice("stage", stage, stages)   # raises with the valid stages
        stage = api.primary_stage(mineral)
    years = d.year_options(mineral, stage)
    year = values["year"]
    if year not in years:
        if "year" in explicit:
            from rexlib.core.validate import year as check_year
            check_year("year", year, years)
        year = max(years)
    return {"mineral": mineral, "stage": stage, "year": int(year)}


def _validate_without_production(mineral: str, values: dict, explicit: set) -> dict:
    """A mineral without a world production table: stage and year select production tables, so
    they do not change this profile, but a given value must still be one some mineral has (a plan
    such as ``--all -p year=2024`` passes them to every mineral)."""
    from rexlib.core.validate import choice, year as check_year
    # Not given: the notebook's values, whatever view the visitor came from (one view per mineral,
    # not one per stage and year left over from another mineral: rex publish crawls these)
    stage = values["stage"] if "stage" in explicit else DEFAULTS["stage"]
    year = values["year"] if "year" in explicit else DEFAULTS["year"]
    if "stage" in explicit:
        stage = choice("stage", stage, [*d.all_stages(), PROCESSING])
    if "year" in explicit:
        year = check_year("year", year, d.all_production_years())
    return {"mineral": mineral, "stage": stage, "year": int(year)}


validate_params = _validate


def _amounts(rows: pd.DataFrame, facts: dict) -> list[str]:
    """Each row's amount in its own unit (antimony mining: "40,000 metric tons"); an EU row is a share
    of global supply only and says so, never a tonnage."""
    if facts["source"] == "eu_crm":
        return ["shares only (no tonnage)"] * len(rows)
    def one(value, unit) -> str:
        if pd.isna(value):
            return "withheld / not available"
        return (f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}") + f" {unit}"
    return [one(v, u) for v, u in zip(rows["value"], rows["unit"])]


class MineralProfile(c.App):
    publish_axes = (("mineral", "stage", "year"),)   # rex publish: parameters crossed (common.App.publish_axes)
    title = "Mineral profile"
    lede = ("Where one mineral is produced, how concentrated supply is, who holds reserves, who refines it "
            "(IEA) beside who mines it, where U.S. imports come from, and the policy items that touch it.")

    def __init__(self, mineral=DEFAULTS["mineral"], stage=DEFAULTS["stage"], year=DEFAULTS["year"]):
        resolved = c.resolve([c.Param("mineral", mineral, DEFAULTS["mineral"]),
                              c.Param("stage", stage, DEFAULTS["stage"]),
                              c.Param("year", year, DEFAULTS["year"], int)], _validate)
        super().__init__(resolved)
        v = resolved.values
        self.mineral = c.dropdown("Mineral", d.profile_minerals(), v["mineral"], "300px")
        self.stage = c.dropdown("Stage", [], None, "170px")
        self.year = c.dropdown("Year", [], None, "130px")
        self.measure = c.dropdown("Measure", [], None, "460px")
        self._kept = (v["stage"], v["year"])
        self._set_stages(v["stage"], v["year"])
        self.mineral.observe(self._mineral_changed, names="value")
        self.stage.observe(self._stage_changed, names="value")
        self.year.observe(self._year_changed, names="value")
        self.watch(self.measure)

    def controls(self):
        return [self.mineral, self.stage, self.year, self.measure]

    def page_title(self) -> str:
        name = d.mineral_name(self.mineral.value)
        stage = self.stage.value
        if stage is None:
            return f"{name}: where it is mined and processed"
        when = "" if stage == PROCESSING or self.year.value is None else f", {self.year.value}"
        return f"{name}: where it is mined and processed ({stage}{when})"

    # dependent options ---------------------------------------------------------------
    def _mineral_changed(self, _=None):
        with self.muted():
            if self.stage.value is not None:    # remembered across minerals without production
                self._kept = (self.stage.value, self.year.value)
            self._set_stages(*self._kept)
        self.refresh()

    def _set_stages(self, stage, year):
        """Options for the mineral's production tables; none (controls disabled) for a mineral
        without a world production table. ``stage``/``year`` are kept where the mineral has them."""
        stages = profile_stages(self.mineral.value)
        if not d.has_production(self.mineral.value) and stage != PROCESSING:
            stages = []       # its own profile (what USGS publishes); ?stage=processing opens processing
        for control in (self.stage, self.year, self.measure):
            control.disabled = not stages
        if not stages:
            for control in (self.stage, self.year, self.measure):
                control.options = []
                control.value = None
            return
        primary = api.primary_stage(self.mineral.value) if d.has_production(self.mineral.value) else None
        keep = stage if stage in stages else (primary if primary in stages else stages[0])
        self.stage.options = stages
        self.stage.value = keep
        if keep == PROCESSING:
            self._no_years()
            return
        years = d.year_options(self.mineral.value, keep)
        self.year.options = years
        self.year.value = year if year in years else max(years)
        self._set_measures()

    def _stage_changed(self, _=None):
        if self._muted:
            return
        with self.muted():
            self._set_years()
        self.refresh()

    def _year_changed(self, _=None):
        if self._muted:
            return
        with self.muted():
            self._set_measures()
        self.refresh()

    def _no_years(self):
        """The processing stage has its own period per source: no year or measure to choose."""
        for control in (self.year, self.measure):
            control.options = []
            control.value = None
            control.disabled = True

    def _set_years(self):
        if self.stage.value is None:
            return
        if self.stage.value == PROCESSING:
            self._no_years()
            return
        self.year.disabled = self.measure.disabled = False
        years = d.year_options(self.mineral.value, self.stage.value)
        keep = self.year.value if self.year.value in years else max(years)
        self.year.options = years
        self.year.value = keep
        self._set_measures()

    def _set_measures(self):
        if self.year.value is None:
            return
        options = d.measure_options(self.mineral.value, self.stage.value, self.year.value)
        self.measure.options = options
        self.measure.value = options[0][1] if options else None

    # views -----------------------------------------------------------------------------
    def render(self) -> list[str]:
        mineral, stage, year, key = self.mineral.value, self.stage.value, self.year.value, self.measure.value
        name = d.mineral_name(mineral)
        cache = sections("mineral_profile")
        if stage == PROCESSING:
            parts = cache.get(("processing", mineral), lambda: self._processing(mineral, name))
            return parts + self._mineral_sections(cache, mineral, name)
        if not d.has_production(mineral):
            return cache.get(("without_production", mineral), lambda: self._without_production(mineral, name))
        # Sections keyed by exactly what they depend on: a year change redraws the map, the bars
        # and the table; reserves, IEA, imports and policy come back from the cache.
        parts = cache.get(("production", mineral, stage, year, key), lambda: self._production(mineral, name, stage,
                                                                                           year, key))
        _, facts = d.production_frame(mineral, stage, year, key)    # cached; the trend's labels use it
        trend_key = ("trend", mineral, stage, key, facts["unit"], facts["measure"], facts["qualifier"], facts["vintage"])
        parts += cache.get(trend_key, lambda: self._trend(mineral, name, stage, year, key))
        return parts + self._mineral_sections(cache, mineral, name)

    def _mineral_sections(self, cache, mineral, name) -> list[str]:
        """The sections that depend on the mineral only (any stage): reserves, mining beside
        processing, demand, imports, EU criticality, policy; cached by mineral."""
        parts = cache.get(("reserves", mineral), lambda: self._reserves(mineral, name))
        parts += cache.get(("iea", mineral), lambda: self._iea(mineral, name))
        parts += cache.get(("demand", mineral), lambda: outlook.demand_section(mineral))
        parts += cache.get(("imports", mineral), lambda: self._imports(mineral, name))
        parts += cache.get(("controls", mineral), lambda: controls_section(mineral, name))
        parts += cache.get(("uses", mineral), lambda: uses_section(mineral, name))
        parts += cache.get(("eu_criticality", mineral), lambda: self._eu_criticality(mineral, name))
        parts += cache.get(("policy", mineral), lambda: self._policy(mineral, name))
        return parts

    def _eu_criticality(self, mineral, name) -> list[str]:
        """The EU's own assessments (SR, EI, critical or not, 2011-2023) beside rex's recomputation of it."""
        out = [c.heading("EU criticality assessments")]
        frame = d.eu_criticality_frame(mineral)
        if frame.empty:
            return out + [c.message(f"The European Commission's criticality assessments do not score {name}.", "info")]
        latest = frame[frame["assessment_year"] == frame["assessment_year"].max()]
        risk = mb.risk_table()
        mine = risk[risk["mineral_id"] == mineral]
        tiles = []
        for rec in latest.itertuples():
            verdict = {True: "EU critical", False: "not EU critical"}.get(rec.eu_critical, "not assessed")
            tiles.append({"label": f"{rec.material}: EU supply risk {int(rec.assessment_year)}",
                          "value": "—" if pd.isna(rec.sr) else f"{rec.sr:.1f}",
                          "note": f"EI {rec.ei:.1f}; {verdict} (SR ≥ 1.0 and EI ≥ 2.8)" if pd.notna(rec.ei) else verdict})
        tiles = tiles[:4]
        for rec in mine.itertuples():
            if pd.isna(rec.usgs_sr):       # no USGS-style score (a share or the import reliance is missing)
                continue
            rank = "" if pd.isna(rec.usgs_rank) else f"rank {int(rec.usgs_rank)}; "
            tiles.append({"label": "rex's USGS-style supply risk (U.S. view)", "value": f"{rec.usgs_sr:.2f}",
                          "note": f"{rank}{rec.stage} {rec.year}"})
            if pd.notna(rec.eu_sr):
                stage = stage_word(rec.eu_stage)
                note = (f"{rec.eu_material}, {stage}; the EU's IR not published (0.5), no recycling or "
                        "substitution terms")
                if rec.us_net_exporter:
                    note += "; the U.S. is a net exporter: not a U.S. supply risk (not ranked)"
                tiles.append({"label": "EU supply risk recomputed by rex (EU method, EC 2023 shares)",
                              "value": f"{rec.eu_sr:.2f}", "note": note})
        out.append(charts.share_tiles(tiles))
        out.append(c.message("EU scores from the European Commission's 2023 study, Annex 4 (an unofficial "
                             "transcription; PDF not verified): the EU's view (EU sourcing, recycling and "
                             "substitution included). rex's USGS-style score applies to USGS production and U.S. "
                             "imports and answers for the United States; rex's recomputation of the EU supply risk "
                             "uses the study's own shares with the terms rex has and answers for the EU (rex's "
                             "methods notes compare it with the published SR).", "info"))
        out.append(c.table_html(frame, f"{mineral}_eu_criticality", columns={
            "material": "Material", "assessment_year": "Assessment", "sr": "Supply risk", "ei": "Economic importance",
            "eu_critical": "EU critical", "period": "Period", "provenance": "Provenance", "source_line": "Source line"},
            max_rows=15))
        return out

    def _production(self, mineral, name, stage, year, key) -> list[str]:
        """The production section: map, bars and table of shares where the series' basis has
        shares (series.yml series_basis), else the rows as published by form (boron)."""
        params = {"mineral": mineral, "stage": stage, "year": year}
        rows, facts = d.production_frame(mineral, stage, year, key)
        unit = facts["unit"]
        measure_text = facts["measure"] + (f" ({facts['qualifier']})" if facts["qualifier"] else "")
        src = source_line("USGS world production table", [facts["vintage"]], {**params, "measure": measure_text})
        parts = [self._tiles(mineral, stage, year, rows, facts)]
        if rows["value"].isna().all():
            parts.append(c.message(
                f"USGS publishes no numbers for {name} ({stage}, {year}): every country value is withheld (W) "
                f"or not available (NA). The map shows which countries USGS lists; shares cannot be computed.",
                "warn"))
        parts.append(c.heading(f"Where {name} is produced ({stage}, {year})"))
        basis = facts.get("share_basis", "world_published")
        if basis not in series.SHARE_OF:
            # No world to share (series.yml series_basis): the rows as USGS gives them, by form.
            parts.append(c.message(f"{name}: {series.BASIS_WORDS[basis]}. USGS's rows are shown as published, "
                                   "with what each measures; no share, HHI or ranking is computed.", "info"))
            parts.append(c.table_html(rows, f"{mineral}_{stage}_{year}_production", columns={
                "name": "Country", "product": "Form / product", "value": f"Value ({unit})", "flag": "Flag",
                "vintage": "Vintage", "source_line": "Source line"}))
            return parts
        of = series.SHARE_OF[basis]
        if basis != "world_published":
            parts.append(c.message(f"{name}: {series.BASIS_WORDS[basis]}. The shares below are of the "
                                   f"{int(rows['value'].notna().sum())} listed producers only.", "warn"))
        parts.append(c.chart_html(charts.world_share_map(
            rows, title=(f"{name}: {of} {stage_words(stage)}, {year}" if basis == "world_published"   # as before
                         else f"{name}: {of} ({stage_words(stage)}), {year}"), source=src,
            subtitle=f"{measure_text}; " + ("share of the USGS world total" if basis == "world_published"
                                            else "share of the sum of the listed producers"))))
        parts.append(c.chart_html(charts.top_producers(
            rows, title=f"Top producers of {name}, {year}", source=src, unit=unit,
            subtitle=f"Labels: value (e = estimated, W = withheld, NA = not available) · {of}")))
        parts.append(c.table_html(rows, f"{mineral}_{stage}_{year}_production", columns={
            "name": "Country", "value": f"Value ({unit})", "flag": "Flag", "share_pct": f"{of.capitalize()} %",
            "vintage": "Vintage", "source_line": "Source line"}))
        return parts

    def _processing(self, mineral, name) -> list[str]:
        """Where the mineral is processed: the series layer's best processing series (map, bars,
        table), labelled with its source, period and provenance."""
        rows, facts = d.supply_frame(mineral, PROCESSING)
        period = facts["period"] + (" average" if facts["period_kind"] == "average" else "")
        src = source_line(f"{facts['source_label']}; {facts['measure']} ({facts['source_stage']}); "
                          f"provenance: {facts['provenance']}", [], {"mineral": mineral, "stage": PROCESSING})
        summary = d.supply_summary(mineral, PROCESSING)
        tiles = [{"label": f"Top processor ({period})", "value": f"{mb.country_name(summary['top1_country'])} {summary['top1_share']:.1f}%"
                  if summary["top1_share"] == summary["top1_share"] else "—", "note": facts["source_label"]},
                 {"label": "China's share of processing", "value": "—" if summary["china_share"] != summary["china_share"]
                  else f"{summary['china_share']:.1f}%", "note": period},
                 {"label": "Top-3 share of processing", "value": "—" if summary["top3_share"] != summary["top3_share"]
                  else f"{summary['top3_share']:.1f}%", "note": f"HHI {summary['hhi']:,.0f}"}]
        parts = [charts.share_tiles(tiles)]
        notes = [f"Shares from {facts['source_label']}."]
        if facts["source"] == "eu_crm":
            notes.append("These are shares of global processing averaged over 2016-2020 (no tonnage), from an "
                         "unofficial transcription of the European Commission's 2023 study (PDF not verified).")
        if facts["note"]:
            notes.append(facts["note"] + ".")
        parts.append(c.message(" ".join(notes), "info"))
        parts.append(c.heading(f"Where {name} is processed ({period})"))
        parts.append(c.chart_html(charts.world_share_map(
            rows, title=f"{name}: share of world processing, {period}", source=src, legend="Share of world processing (%)",
            subtitle=f"{facts['measure']} ({facts['source_stage']})")))
        unit = "% of world (shares only)" if facts["source"] == "eu_crm" else facts["unit"]
        parts.append(c.chart_html(charts.top_producers(
            rows, title=f"Top processors of {name}, {period}", source=src, unit=unit,
            subtitle="Labels: value · share of world")))
        parts.append(c.table_html(rows, f"{mineral}_processing", columns={
            "name": "Country", "value": f"Value ({unit})", "share_pct": "Share of world %", "flag": "Flag",
            "source": "Source", "period": "Period", "provenance": "Provenance", "source_line": "Source line"}))
        return parts

    def _trend(self, mineral, name, stage, year, key) -> list[str]:
        _, facts = d.production_frame(mineral, stage, year, key)
        unit = facts["unit"]
        measure_text = facts["measure"] + (f" ({facts['qualifier']})" if facts["qualifier"] else "")
        trend = d.trend_frame(mineral, stage, key)
        vintages = sorted(trend["vintage"].dropna().unique()) if len(trend) else [facts["vintage"]]
        return [c.heading("Trend, 2021–2025"), c.chart_html(charts.production_trend(
            trend, title=f"{name} {stage_words(stage)} by leading country", unit=unit,
            source=source_line("USGS world production tables (newest vintage per year)", vintages,
                               {"mineral": mineral, "stage": stage, "measure": measure_text}),
            subtitle="Top producers of the latest year; each year from the newest USGS vintage that reports it"))]

    def _tiles(self, mineral, stage, year, rows, facts) -> str:
        tiles = mb.concentration_tiles(mineral, stage, year, rows, facts)
        nir = d.nir_for(mineral, year)
        if len(nir):
            first = nir.iloc[0]
            tiles.append({"label": f"U.S. net import reliance, {int(first['year'])}", "value": d.nir_text(first),
                          "note": f"USGS {first['vintage']}"})
        else:
            tiles.append({"label": "U.S. net import reliance", "value": "—", "note": "not in the USGS salient tables"})
        world = facts.get("world_value")
        basis = facts.get("share_basis", "world_published")
        label = {"world_published": f"World {stage_words(stage)}, {year}",
                 "world_sum_of_listed": f"Listed producers' {stage_words(stage)}, {year}"}.get(
                     basis, f"World {stage_words(stage)}, {year}")
        tiles.append({"label": label,
                      "value": ("not published" if basis not in series.SHARE_OF
                                else fmt_num(rows["world_value"].dropna().iloc[0])
                                if basis == "world_sum_of_listed" and rows["world_value"].notna().any()
                                else "withheld/NA" if world is None or pd.isna(world) else fmt_num(world)),
                      "note": facts["unit"] if basis in series.SHARE_OF else series.BASIS_WORDS[basis]})
        return charts.share_tiles(tiles)

    def _without_production(self, mineral, name) -> list[str]:
        """The profile of a mineral without a world production table: what USGS does publish (U.S.
        statistics, prices, reserves, import sources), IEA where it covers the element, the policy
        items, and the production table of its USGS chapter as context (never as its own)."""
        related = d.related_production(mineral)
        text = f"USGS publishes no world production table by country for {name}, so shares and concentration cannot be computed for it from USGS."
        if d.has_supply(mineral, PROCESSING):
            text += (f" Where {name} is processed (the best source the workbook has): this profile with "
                     f"?mineral={mineral}&stage=processing.")
        if related:
            names = ", ".join(d.mineral_name(m) for m in related)
            text += (f" Its USGS chapter has one for {names}: the tiles below give that table's leading "
                     f"producer as context; open the {names} profile for the full view.")
        parts = [c.message(text, "info"), self._tiles_without_production(mineral, related)]
        parts += self._us_statistics(mineral, name)
        parts += self._reserves(mineral, name)
        parts += self._iea(mineral, name)
        parts += outlook.demand_section(mineral)
        parts += self._imports(mineral, name)
        parts += controls_section(mineral, name)
        parts += uses_section(mineral, name)
        parts += self._eu_criticality(mineral, name)
        parts += self._policy(mineral, name)
        return parts

    def _tiles_without_production(self, mineral, related) -> str:
        tiles = []
        nir = d.nir_for(mineral)
        if len(nir):
            first = nir.iloc[0]
            tiles.append({"label": f"U.S. net import reliance, {int(first['year'])}", "value": d.nir_text(first),
                          "note": f"USGS {first['vintage']}"})
        else:
            tiles.append({"label": "U.S. net import reliance", "value": "—", "note": "not in the USGS salient tables"})
        for other in related:
            lead = d.leading_producer(other)
            if lead is None:
                tiles.append({"label": f"{d.mineral_name(other)}: leading producer", "value": "withheld/NA",
                              "note": "USGS world production table"})
                continue
            tiles.append({"label": f"{lead['name']} ({lead['stage']}, {lead['year']}): leading producer",
                          "value": f"{lead['country']} {lead['share_pct']:.1f}%",
                          "note": f"{series.SHARE_OF[lead['share_basis']]}; USGS {lead['vintage']} "
                                  f"(the chapter's table, not {d.mineral_name(mineral)})"})
        return charts.share_tiles(tiles)

    def _us_statistics(self, mineral, name) -> list[str]:
        out = [c.heading("U.S. supply and prices (USGS salient statistics)")]
        frame, facts = d.us_supply_frame(mineral)
        if frame.empty:
            out.append(c.message(f"USGS gives no U.S. production, import, export or consumption series for {name}.",
                                 "info"))
        else:
            src = source_line("USGS salient statistics", [facts["vintage"]], {"mineral": mineral})
            out.append(c.chart_html(charts.us_statistics_lines(
                frame, title=f"{name}: U.S. supply, {facts['years']}", source=src, unit=facts["unit"],
                subtitle="Gaps are withheld (W) or not available (NA) values, never zeros")))
            out.append(c.table_html(frame, f"{mineral}_us_statistics", columns={
                "statistic": "Statistic", "measure": "Measure", "year": "Year", "label": "Value",
                "unit": "Unit", "vintage": "Vintage", "source_line": "Source line"}, max_rows=25))
        prices = d.prices_frame(mineral)
        if prices.empty:
            out.append(c.message(f"USGS publishes no price series for {name}.", "info"))
        else:
            drawn = d.price_series(prices)
            if len(drawn):
                unit = drawn["unit"].iloc[0]
                src = source_line("USGS salient statistics (prices)", [drawn["vintage"].iloc[0]], {"mineral": mineral})
                out.append(c.chart_html(charts.us_statistics_lines(
                    drawn, title=f"{name}: U.S. prices", source=src, unit=unit,
                    subtitle="Series in the most common unit; every price is in the table below")))
            out.append(c.table_html(prices, f"{mineral}_prices", columns={
                "measure": "Price", "year": "Year", "value_text": "Value", "unit": "Unit", "flag": "Flag",
                "vintage": "Vintage", "source_line": "Source line"}, max_rows=25))
        return out

    def _reserves(self, mineral, name) -> list[str]:
        rows, facts = d.reserves_frame(mineral)
        out = [c.heading("Reserves")]
        if rows.empty:
            return out + [c.message(f"USGS publishes no reserves table for {name}.", "info")]
        src = source_line("USGS world reserves table", [facts["vintage"]], {"mineral": mineral, "year": facts["year"]})
        out.append(c.chart_html(charts.reserves_bars(rows, title=f"{name} reserves by country, {facts['year']}",
                                                     source=src, unit=facts["unit"])))
        return out

    def _iea(self, mineral, name) -> list[str]:
        out = [c.heading("Mining beside processing")]
        frame = d.iea_frame(mineral)
        if frame.empty:
            return out + self._mining_beside_processing(mineral, name)
        year, vintage = frame.attrs["year"], frame.attrs["vintage"]
        release = "iea_cm_explorer_2024" if vintage == "IEA2024" else "iea_cm_explorer_2025_conversion"
        src = source_line("IEA Critical Minerals Data Explorer, top-country tables", releases=[release],
                          params={"mineral": d.iea_mineral(mineral), "year": year})
        unofficial = " (UNOFFICIAL conversion of the 2025 edition)" if vintage != "IEA2024" else ""
        out.append(c.chart_html(charts.mining_vs_refining(
            frame, title=f"{name}: share of mining and refining by country, {year} (IEA){unofficial}", source=src,
            subtitle="IEA's top countries per stage; 'Rest of world' is IEA's own remainder")))
        # what changed from the 2023 to the 2024 observation, as the USGS editions' revisions are shown
        out += outlook.iea_change_section(d.iea_mineral(mineral), projections=False)
        return out

    def _mining_beside_processing(self, mineral, name) -> list[str]:
        """Outside the IEA's six minerals: the series layer's best mining and processing series side
        by side (rexlib.supply_shares), each labelled with its source and period."""
        have = [fam for fam in ("mining", PROCESSING) if d.has_supply(mineral, fam)]
        if len(have) < 2:
            missing = "mining" if "mining" not in have else "processing"
            return [c.message(f"No source in the workbook gives {name}'s {missing} shares by country "
                              "(USGS, the IEA's six minerals, the EU 2023 study), so mining and processing "
                              "cannot be set side by side.", "info")]
        frames, labels, provenance = [], [], []
        for fam in have:
            rows, facts = d.supply_frame(mineral, fam)
            period = facts["period"] + (" avg." if facts["period_kind"] == "average" else "")
            label = f"{fam.capitalize()}: {facts['source'].upper().replace('_CRM', ' 2023')} {period}"
            frames.append(rows.assign(stage_label=label, amount_text=_amounts(rows, facts)).head(8))
            labels.append(f"{fam}: {facts['source_label']}")
            provenance.append(facts["provenance"])
        frame = pd.concat(frames, ignore_index=True)
        src = source_line("; ".join(labels), [], {"mineral": mineral})
        out = [c.chart_html(charts.mining_vs_refining(
            frame, title=f"{name}: share of world mining and processing by country", source=src,
            subtitle="Each side from its best source; periods may differ"))]
        if any("unofficial" in p for p in provenance):
            out.append(c.message("EU figures: an unofficial transcription of the European Commission's 2023 "
                                 "criticality study, Appendix 7 (PDF not verified); shares averaged over 2016-2020.",
                                 "info"))
        return out

    def _imports(self, mineral, name) -> list[str]:
        out = [c.heading("Where U.S. imports come from")]
        frame = d.import_sources_frame(mineral)
        if frame.empty:
            return out + [c.message(f"USGS lists no major U.S. import sources for {name}.", "info")]
        period = frame["period"].iloc[0]
        src = source_line("USGS major import sources", [frame["vintage"].iloc[0]],
                          {"mineral": mineral, "period": period, "measure": frame["measure"].iloc[0]})
        out.append(c.chart_html(charts.import_sources_bars(
            frame, title=f"Major U.S. import sources of {name}, {period}", source=src)))
        return out

    def _policy(self, mineral, name) -> list[str]:
        out = [c.heading("Deals, agreements, export controls and claims that touch this mineral")]
        note = ("Rare-earth items are grouped: a row naming any rare-earth element counts for every "
                "rare-earth id." if mineral in d.RARE_EARTH_FAMILY else "")
        if note:
            out.append(f'<div class="rex-note">{esc(note)}</div>')
        specs = [
            ("Financing deals", d.deals_for(mineral), {"announced_date": "Date", "agency": "Agency",
             "counterparty": "Counterparty", "instrument": "Instrument", "amount_usd": "USD",
             "is_aggregate": "Aggregate", "stage": "Stage", "source_title": "Source"}),
            ("Agreements", d.agreements_for(mineral), {"date": "Date", "name": "Agreement", "kind": "Kind",
             "parties": "Parties", "origin": "Origin", "source_title": "Source"}),
            ("Export controls", d.export_controls_for(mineral), {"country": "Country", "products": "Products",
             "kind": "Kind", "effective_year": "In force from", "status": "Status", "origin": "Origin",
             "source_title": "Source"}),
            ("Claims in the documents", d.claims_for(mineral), {"claim_id": "Claim", "metric": "Metric",
             "value": "Value", "unit": "Unit", "claimant": "Claimant", "check_note": "How to check"}),
        ]
        for label, frame, columns in specs:
            out.append(f'<div style="font-weight:bold;margin-top:8px">{esc(label)} ({len(frame)})</div>')
            out.append(c.table_html(frame, f"{mineral}_{label}", columns=columns, max_rows=15)
                       if len(frame) else c.message(f"None recorded for {name}.", "info"))
        out.append(f'<div class="rex-note">{esc("Source: " + charts.base.CURATED_PUBLISHER)}; '
                   f'every row cites its document (the title and the quote, in the CSV).</div>')
        return out


def _pct(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.0f}%"


CONTROLS_SOURCE = "USGS MCS2026 Table 4 (country export controls in force as of January 2026, with the year each took effect)"


def controls_section(mineral: str, name: str) -> list[str]:
    """Export controls over time (issue 27): what came under control when, and the share of world
    mining, world processing and U.S. imports held by the countries with a control in force,
    2022-2026 (rexlib.metrics.export_controls)."""
    out = [c.heading("Export controls over time")]
    timeline = mb.control_timeline(mineral)
    if timeline.empty:
        return out + [c.message(f"USGS MCS2026 Table 4 lists no export control on {name} in force as of January "
                                "2026, and the documents name none.", "info")]
    expo = mb.control_exposure(mineral)
    anyk = expo[expo["kind"] == "any"].reset_index(drop=True)
    first, last = anyk.iloc[0], anyk[anyk["year"] == 2025].iloc[0]
    tiles = []
    for col, label in (("processing_pct", "world processing"), ("mining_pct", "world mining"),
                       ("import_pct", "U.S. imports")):
        if pd.isna(first[col]) and pd.isna(last[col]):
            continue
        series_col = {"processing_pct": "processing_series", "mining_pct": "mining_series"}.get(col)
        note = (last[series_col] if series_col else f"headline import sources ({last['import_measure'] or 'USGS'}), 2021-24")
        tiles.append({"label": f"Share of {label} held by countries with a control in force, {int(first['year'])} → 2025",
                      "value": f"{_pct(first[col])} → {_pct(last[col])}", "note": note})
    out.append(charts.share_tiles(tiles))
    src = source_line(CONTROLS_SOURCE, ["usgs_mcs2026"], {"mineral": mineral})
    out.append(c.chart_html(charts.controls.control_share_lines(
        anyk, title=f"{name}: share held by countries with an export control in force, 2022–2026", source=src,
        subtitle="Any kind (licensing, quota, ban); a year after the newest data year uses the newest data")))
    dated = timeline.copy()
    out.append(c.chart_html(charts.controls.control_timeline(
        dated, title=f"{name}: what came under export control when", source=src, by="country_name",
        subtitle="Year each control took effect (USGS Table 4; the documents' controls where undated)")))
    shown = expo[(expo["countries"] != "") & (expo["kind"] != "any")].copy()
    out.append(c.table_html(shown, f"{mineral}_export_control_shares", columns={
        "year": "Year", "kind": "Kind", "country_names": "Countries", "mining_pct": "World mining %",
        "processing_pct": "World processing %", "import_pct": "U.S. imports %",
        "mining_series": "Mining series", "processing_series": "Processing series"}, max_rows=20, download=expo))
    notes = [n for n in expo["note"].unique() if n]
    text = ("A share is the sum of the controlling countries' shares of world supply, as this profile shows "
            "them, in the series the supply-chain model picks for each year; the IEA and EU processing series "
            "have one period, so their share changes only when a country's control starts. U.S. imports: the "
            "headline import sources, 2021-24. A control counts from the year it took effect; Table 4 "
            "excludes controls since lifted. Blank: no series with a world total.")
    out.append(c.message(" ".join([text] + [f"{n[0].upper()}{n[1:]}." for n in notes]), "info"))
    return out


def uses_section(mineral: str, name: str) -> list[str]:
    """What USGS says the mineral is used for (Table 6), its U.S. scrap (Figure 13) and its price
    growth (Figure 10) beside rex's price series (issue 27)."""
    out = [c.heading("What it is used for, scrap and price growth (USGS MCS2026)")]
    uses = api.usgs_trends("end_uses", mineral)
    if uses.empty:
        # a chapter Table 6 lists by element (rare earths, platinum-group metals): its elements' rows
        chapter = f"included in the {name.lower()} chapter"
        every = api.usgs_trends("end_uses")
        uses = every[every["chapter_note"].fillna("").str.lower().str.startswith(chapter)]
    if len(uses) == 1:
        r = uses.iloc[0]
        extra = f" ({r['chapter_note']})" if isinstance(r["chapter_note"], str) and r["chapter_note"] else ""
        out.append(f'<div class="rex-note"><b>Primary applications:</b> {esc(r["applications"])}{esc(extra)} '
                   f'<span style="color:#5f6b76">Source: USGS MCS2026 Table 6, line {int(r["source_line"])}.</span></div>')
    elif len(uses):
        out.append(f'<div class="rex-note"><b>Primary applications</b> of the {len(uses)} elements of the {esc(name)} '
                   'chapter on the 2025 list (USGS MCS2026 Table 6):</div>')
        out.append(c.table_html(uses, f"{mineral}_end_uses", columns={
            "label": "Element", "applications": "Primary applications", "source_line": "Table 6 line"}, max_rows=20))
    else:
        out.append(c.message(f"USGS MCS2026 Table 6 (primary applications of the 2025 critical minerals) does not "
                             f"list {name}.", "info"))
    scrap = api.usgs_trends("scrap", mineral)
    if len(scrap):
        r = scrap.iloc[0]
        out.append(charts.share_tiles([
            {"label": f"Value of U.S. {r['label'].lower()} scrap, {int(r['year'])} (estimated)",
             "value": f"${fmt_num(r['scrap_value_musd'])} M", "note": f"USGS MCS2026 Fig. 13, line {int(r['source_line'])}"},
            {"label": "Domestic / imported / exported", "value":
             f"{r['pct_domestic']:g} / {r['pct_imported']:g} / {r['pct_exported']:g} %", "note": "percent of the scrap's value"}]))
    else:
        out.append(c.message(f"USGS MCS2026 Fig. 13 prints no scrap figure for {name} (it covers 15 scrap types).",
                             "info"))
    growth = mb.price_growth()
    growth = growth[growth["mineral_id"] == mineral]
    if len(growth):
        out.append(c.table_html(growth, f"{mineral}_price_growth", columns={
            "label": "USGS Fig. 10 price", "usgs_change_pct": "USGS 2024-25 %", "usgs_cagr_pct": "USGS CAGR 2021-25 %",
            "measure": "rex's price series (MCS2026 salient)", "rex_change_pct": "rex 2024-25 %",
            "rex_cagr_pct": "rex CAGR 2021-25 %", "status": "Check", "note": "Note"}, max_rows=10))
    return out


def app(mineral=DEFAULTS["mineral"], stage=DEFAULTS["stage"], year=DEFAULTS["year"]) -> MineralProfile:
    return MineralProfile(mineral, stage, year)
