"""Scenario: cut one supplier's output (presets from the export controls in the documents), let
others ramp up, see the world shortfall and the U.S. exposure; and what a coalition covers."""
from __future__ import annotations

import ipywidgets as w
import pandas as pd

from rexlib.query import api
from rexlib import charts
from rexlib.charts.base import CURATED_PUBLISHER, esc, source_line
from rexlib.charts.scenario import coverage_bars, disruption_waterfall
from rexlib.core.fmt import words
from rexlib.core.ids import stage_word
from rexlib.core.validate import InvalidArgument, choice
from . import common as c
from . import data as d
from . import metrics_bridge as mb
from .cache import memo, sections

DEFAULTS = {"mineral": "gallium", "supplier": "CHN", "stage": "", "cut_pct": 100, "ramp_up_pct": 0,
            "group": "ministerial_2026_attendees", "preset": "none"}


PROCESSING = "processing"     # every mineral's processing series (rexlib.supply_shares), any source


def stage_options(mineral: str) -> list[str]:
    """The USGS stages of the mineral, then ``processing`` where any source has processing shares."""
    mid = d.production_mineral(mineral)
    return [*d.stage_options(mid), *([PROCESSING] if d.has_supply(mid, PROCESSING) else [])]


@memo(256)
def _suppliers(mineral: str, stage: str) -> list[tuple[str, str]]:
    """Every country listed as a producer of ``mineral`` at ``stage`` in any year, by name."""
    mid, stage = d.production_mineral(mineral), choice("stage", stage, stage_options(mineral))
    if stage == PROCESSING:
        rows, _ = d.supply_frame(mid, PROCESSING)
        rows = rows.sort_values(["name", "country"])
        return [(f"{n} ({i})", i) for n, i in zip(rows["name"], rows["country"])]
    rows = api.producers(mid, stage)
    return [(f"{n} ({i})", i) for n, i in zip(rows["name"], rows["country"])]


@memo(256)
def _groups() -> list[tuple[str, str]]:
    frame = api.groups()
    frame = frame[~frame["group_id"].str.startswith("agreement_")].sort_values(["group_name", "group_id"])
    return [(n if len(n) < 70 else n[:67] + "...", g) for g, n in zip(frame["group_id"], frame["group_name"])]


@memo(256)
def _presets() -> list[tuple[str, str]]:
    p = mb.presets()
    p = p[p["runnable"].fillna(False).astype(bool)]
    names = mb.mineral_names()
    return [("none (set your own)", "none")] + [
        (f"{mb.country_name(r.country)} restricts {names.get(r.mineral_id, r.mineral_id).lower()} "
         f"({stage_word(r.stage)})", f"{r.control_id}:{r.mineral_id}")
        for r in p.itertuples()]


def _validate(values: dict, explicit: set) -> dict:
    preset = choice("preset", values["preset"], [k for _, k in _presets()], normalise=False)
    if preset != "none":
        row = mb.presets().set_index(["control_id", "mineral_id"]).loc[tuple(preset.split(":"))]
        values.update(mineral=preset.split(":")[1], supplier=row["country"], stage=row["stage"])
    mineral = d.production_mineral(values["mineral"])
    stages = stage_options(mineral)
    stage = values["stage"] or api.primary_stage(mineral)
    stage = choice("stage", stage, stages)
    supplier = choice("supplier", str(values["supplier"]).upper(), [k for _, k in _suppliers(mineral, stage)],
                      normalise=False)
    cut = float(values["cut_pct"])
    ramp = float(values["ramp_up_pct"])
    if not 0 <= cut <= 100:
        raise InvalidArgument("cut_pct", cut, ["0 to 100"], " (percent of the supplier's output)")
    if not 0 <= ramp <= 100:
        raise InvalidArgument("ramp_up_pct", ramp, ["0 to 100"], " (percent of others' output)")
    group = choice("group", values["group"], [g for _, g in _groups()], normalise=False)
    return {"mineral": mineral, "stage": stage, "supplier": supplier, "cut_pct": cut, "ramp_up_pct": ramp,
            "group": group, "preset": preset}


@memo(2)
def _names() -> dict:
    frame = api.minerals()
    return dict(zip(frame["mineral_id"], frame["name"]))


@memo(2)
def _critical_2025() -> frozenset:
    return frozenset(api.minerals(critical="2025")["mineral_id"])


class Scenario(c.App):
    title = "Scenario: disruption and coalitions"
    lede = ("What if a supplier cut exports? Pick a preset from the export controls in the documents or set "
            "your own: the world shortfall, what other producers could make up, and the share of U.S. "
            "consumption imported from the supplier. Below: what a coalition of countries covers.")

    def __init__(self, mineral="gallium", supplier="CHN", stage="", cut_pct=100, ramp_up_pct=0,
                 group="ministerial_2026_attendees", preset="none"):
        resolved = c.resolve([c.Param("mineral", mineral, DEFAULTS["mineral"]),
                              c.Param("supplier", supplier, DEFAULTS["supplier"]),
                              c.Param("stage", stage, DEFAULTS["stage"]),
                              c.Param("cut_pct", cut_pct, DEFAULTS["cut_pct"], float),
                              c.Param("ramp_up_pct", ramp_up_pct, DEFAULTS["ramp_up_pct"], float),
                              c.Param("group", group, DEFAULTS["group"]),
                              c.Param("preset", preset, DEFAULTS["preset"])], _validate,
                             warmup=lambda: (mb.presets(), mb.coalition_coverage(group)))
        super().__init__(resolved)
        v = resolved.values
        self.preset = c.dropdown("Preset", _presets(), v["preset"], "420px")
        self.mineral = c.dropdown("Mineral", d.production_minerals(), v["mineral"], "280px")
        self.stage = c.dropdown("Stage", stage_options(v["mineral"]), v["stage"], "170px")
        self.supplier = c.dropdown("Supplier", _suppliers(v["mineral"], v["stage"]), v["supplier"], "300px")
        self.cut = w.FloatSlider(description="Cut %", min=0, max=100, step=5, value=v["cut_pct"],
                                 continuous_update=False)
        self.ramp = w.FloatSlider(description="Others ramp up %", min=0, max=100, step=5, value=v["ramp_up_pct"],
                                  continuous_update=False, style={"description_width": "initial"})
        self.group = c.dropdown("Coalition", _groups(), v["group"], "460px")
        self.preset.observe(self._preset_changed, names="value")
        self.mineral.observe(self._mineral_changed, names="value")
        self.stage.observe(self._stage_changed, names="value")
        self.watch(self.supplier, self.cut, self.ramp, self.group)

    def controls(self):
        return [self.preset, self.mineral, self.stage, self.supplier, self.cut, self.ramp, self.group]

    @classmethod
    def warm(cls) -> None:
        """Every mineral's stages and suppliers (the options a mineral change sets)."""
        for _, mineral in d.production_minerals():
            for stage in stage_options(mineral):
                _suppliers(mineral, stage)

    def _set_suppliers(self, keep: str | None = None):
        options = _suppliers(self.mineral.value, self.stage.value)
        ids = [i for _, i in options]
        self.supplier.options = options
        self.supplier.value = keep if keep in ids else ("CHN" if "CHN" in ids else (ids[0] if ids else None))

    def _preset_changed(self, _=None):
        if self.preset.value == "none":
            return
        control, mineral = self.preset.value.split(":")
        row = mb.presets().set_index(["control_id", "mineral_id"]).loc[(control, mineral)]
        with self.muted():
            self.mineral.value = mineral
            self.stage.options = stage_options(mineral)
            self.stage.value = row["stage"]
            self._set_suppliers(row["country"])
            self.cut.value, self.ramp.value = float(row["cut_pct"]), float(row["ramp_up_pct"])
        self.refresh()

    def _mineral_changed(self, _=None):
        if self._muted:
            return
        with self.muted():
            stages = stage_options(self.mineral.value)
            self.stage.options = stages
            self.stage.value = api.primary_stage(self.mineral.value)
            self._set_suppliers(self.supplier.value)
        self.refresh()

    def _stage_changed(self, _=None):
        if self._muted:
            return
        with self.muted():
            self._set_suppliers(self.supplier.value)
        self.refresh()

    def render(self) -> list[str]:
        cache = sections("scenario")
        key = ("disruption", self.mineral.value, self.stage.value, self.supplier.value, self.cut.value,
               self.ramp.value, self.preset.value)
        parts = cache.get(key, self._disruption)
        parts += cache.get(("coalition", self.group.value, self.group.label), self._coalition)
        return parts

    def _disruption(self) -> list[str]:
        mineral, stage, supplier = self.mineral.value, self.stage.value, self.supplier.value
        cut, ramp = self.cut.value, self.ramp.value
        name = dict((m, n) for n, m in d.production_minerals())[mineral]
        params = {"mineral": mineral, "stage": stage, "supplier": supplier, "cut_pct": cut, "ramp_up_pct": ramp}
        row = mb.disruption(mineral, (supplier,), stage, cut, ramp).iloc[0]
        parts = []
        if self.preset.value != "none":
            control = self.preset.value.split(":")[0]
            controls = api.export_controls()
            ec = controls[controls["control_id"] == control].iloc[0]
            parts.append(c.message(f"Preset: {mb.country_name(ec['country'])} — {ec['products']} "
                                   f"({words(ec['action'])}, {words(ec['status'])}). Source: {ec['source_title']}.",
                                   "info"))

        def pct(x):
            return "n/a" if pd.isna(x) else f"{x:.1f}%"
        exposure_note = {"shares": "imports from the supplier × NIR",
                         "different_products": row.get("exposure_note") or "different products: not multiplied",
                         "no_import_sources": "USGS gives no import sources"}.get(
                             row["import_share_basis"], "USGS gives ranks only, no shares")
        parts.append(charts.share_tiles([
            {"label": ("Supplier's share of world " if row.get("share_basis", "world_published") == "world_published"
                       else "Supplier's share of listed producers' ") + stage, "value": pct(row["supplier_share_pct"]),
             "note": f"{row['year']} ({row['vintage']})"},
            {"label": "World supply lost", "value": pct(row["supply_lost_pct"]), "note": f"cut {cut:.0f}%"},
            {"label": "Net loss after ramp-up", "value": pct(row["net_loss_pct"]), "note": f"others +{ramp:.0f}%"},
            {"label": "U.S. consumption imported from supplier", "value": pct(row["us_consumption_exposed_pct"]),
             "note": exposure_note},
            {"label": "U.S. consumption at risk", "value": pct(row.get("us_consumption_at_risk_pct")),
             "note": "exposed × cut"},
        ]))
        if row.get("flags"):
            parts.append(f'<div class="rex-note">Flags: {esc(row["flags"])}</div>')
        if stage == PROCESSING:
            _, facts = d.supply_frame(mineral, PROCESSING)
            src = source_line(f"processing shares: {facts['source_label']}; USGS net import reliance and import "
                              "sources; the disruption computed by rex", ["MCS2026"], params)
            if facts["source"] == "eu_crm":
                parts.append(c.message(
                    "Only shares exist for this mineral's processing: the European Commission's 2023 study, "
                    "2016-2020 averages (an unofficial transcription, PDF not verified). Supply figures below are "
                    "percent of world processing, not tonnes.", "info"))
        else:
            src = source_line("USGS world production, net import reliance and import sources; the disruption computed by rex",
                              [row["vintage"], "MCS2026"], params)
        parts.append(c.chart_html(disruption_waterfall(row, title=f"{name}: world {stage} supply if {supplier} cuts "
                                                                  f"{cut:.0f}%", source=src,
                                                       subtitle=f"Ramp-up = {ramp:.0f}% of everyone else's known output, "
                                                                "capped at the loss")))
        parts.append(c.table_html(pd.DataFrame([row]), f"disruption_{mineral}_{supplier}", max_rows=1, columns={
            "world_total": "World total", "unit": "Unit", "supplier_production": "Supplier output",
            "supply_lost": "Lost", "ramp_up": "Ramp-up", "remaining_supply": "Remaining", "nir_pct": "NIR %",
            "nir_bound": "NIR bound", "supplier_import_share_pct": "Supplier share of U.S. imports %"}))
        return parts

    def _coalition(self) -> list[str]:
        group = self.group.value
        label = self.group.label
        cov = mb.coalition_coverage(group)
        out = [c.heading(f"Coalition coverage: {label}")]
        if cov.empty:
            return out + [c.message("No coverage figures for this group.", "info")]
        names, crit = _names(), _critical_2025()
        cov = cov[cov["mineral_id"].isin(crit)]
        long = cov.melt(id_vars=["mineral_id"], value_vars=["mine_covered_pct", "refining_covered_pct",
                                                             "import_covered_pct"],
                        var_name="measure", value_name="covered_pct")
        long["measure"] = long["measure"].map({"mine_covered_pct": "mine production",
                                               "refining_covered_pct": "refining",
                                               "import_covered_pct": "U.S. imports"})
        long["name"] = long["mineral_id"].map(lambda m: names.get(m, m))
        top = (long.groupby("name")["covered_pct"].max().sort_values(ascending=False).head(20).index)
        members = ", ".join(api.group(group))
        src = source_line("country_groups (curated) × USGS production/import sources × IEA refining, via "
                          "coalition coverage computed by rex", ["MCS2026"], {"group": group},
                          releases=["iea_cm_explorer_2024"], publisher=CURATED_PUBLISHER)
        out.append(f'<div class="rex-note">Members named in the documents: {esc(members)}</div>')
        out.append(c.chart_html(coverage_bars(long[long["name"].isin(top)], title="What the coalition covers "
                                              "(2025 critical minerals, top 20)", source=src,
                                              subtitle="Lower bounds: members hidden in 'other countries' are not counted")))
        out.append(c.table_html(cov.assign(name=cov["mineral_id"].map(lambda m: names.get(m, m))),
                                f"coverage_{group}", columns={"name": "Mineral", "mine_covered_pct": "Mine %",
                                "refining_covered_pct": "Refining %", "import_covered_pct": "U.S. imports %",
                                "import_basis": "Import basis"}, max_rows=15))
        return out


def app(mineral="gallium", supplier="CHN", stage="", cut_pct=100, ramp_up_pct=0, group="ministerial_2026_attendees",
        preset="none") -> Scenario:
    return Scenario(mineral, supplier, stage, cut_pct, ramp_up_pct, group, preset)
