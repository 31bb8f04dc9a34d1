"""U.S. net import reliance: every mineral sorted by NIR, with USGS's bounds (>95, <50), net
exporters and unknowns shown as such; filters by critical-mineral list and mineral group."""
from __future__ import annotations

import ipywidgets as w

from rexlib.query import api
from rexlib import charts
from rexlib.charts.base import source_line
from rexlib.core.validate import choice, year as check_year
from . import common as c
from . import data as d
from .cache import memo, sections

# How many minerals each U.S. list names (the 2022 list: data/raw/reference/usgs_critical_minerals_2022.csv,
# 50 rows; the final 2025 list, USGS, November 2025: 60). rex's tables flag fewer with a figure: a
# tile says "of the N with a figure", never "of N on the list".
LIST_SIZES = {"2022": 50, "2025": 60}

DEFAULTS = {"year": 2025, "critical": "2025", "group": "all", "table_source": "salient", "mineral": "gallium"}


@memo(4)
def _years(table_source: str) -> list[int]:
    return sorted(int(y) for y in d.import_reliance_all(table_source)["year"].unique())


def _validate(values: dict, explicit: set) -> dict:
    source = choice("table_source", values["table_source"], ["salient", "figure"])
    year = check_year("year", values["year"], _years(source))
    lst = choice("critical", str(values["critical"]), list(d.LISTS))
    group = choice("group", values["group"], d.mineral_groups())
    mineral = api.mineral_id(values["mineral"])
    return {"year": year, "critical": lst, "group": group, "table_source": source, "mineral": mineral}


class ImportReliance(c.App):
    publish_axes = (("table_source", "year", "critical", "group"), ("mineral",))   # rex publish: parameters crossed (common.App.publish_axes)
    title = "U.S. net import reliance"
    lede = ("How much of U.S. consumption of each mineral is met by net imports (USGS). Bounds stay bounds: "
            "'>95' is drawn to 95 in a lighter colour, '<50' to 50, net exporters and unknowns at zero.")

    def __init__(self, year=2025, critical="2025", group="all", table_source="salient", mineral="gallium"):
        resolved = c.resolve([c.Param("year", year, DEFAULTS["year"], int),
                              c.Param("critical", critical, DEFAULTS["critical"]),
                              c.Param("group", group, DEFAULTS["group"]),
                              c.Param("table_source", table_source, DEFAULTS["table_source"]),
                              c.Param("mineral", mineral, DEFAULTS["mineral"])], _validate)
        super().__init__(resolved)
        v = resolved.values
        self.source = c.dropdown("Table", [("Salient statistics (2021–2025)", "salient"),
                                           ("Report figure 2 (2024, 2025)", "figure")], v["table_source"], "300px")
        self.year = w.SelectionSlider(description="Year", options=_years(v["table_source"]), value=v["year"],
                                      continuous_update=False, style={"description_width": "initial"})
        self.list = c.dropdown("List", [(label, key) for key, label in d.LISTS.items()], v["critical"], "330px")
        self.group = c.dropdown("Mineral group", d.mineral_groups(), v["group"], "300px")
        self.mineral = c.dropdown("Import sources of", [], None, "330px")
        self._initial_mineral = v["mineral"]
        self.source.observe(self._source_changed, names="value")
        self.watch(self.year, self.list, self.group, self.mineral)

    def controls(self):
        return [self.source, self.year, self.list, self.group, self.mineral]

    def _source_changed(self, _=None):
        with self.muted():
            years = _years(self.source.value)
            keep = self.year.value if self.year.value in years else max(years)
            self.year.options = years
            self.year.value = keep
        self.refresh()

    def _mineral_options(self, frame):
        options = [(n, m) for n, m in zip(frame["name"], frame["mineral_id"])]
        current = self.mineral.value or self._initial_mineral
        with self.muted():
            self.mineral.options = options
            ids = [m for _, m in options]
            self.mineral.value = current if current in ids else (ids[0] if ids else None)

    def render(self) -> list[str]:
        year, lst, group, source = self.year.value, self.list.value, self.group.value, self.source.value
        frame = d.nir_table(year, lst, group, source)
        self._mineral_options(frame)
        cache = sections("import_reliance")
        parts = cache.get(("nir", year, lst, group, source), lambda: self._nir(frame, year, lst, group, source))
        mineral = self.mineral.value
        parts += cache.get(("sources", mineral, self.mineral.label if mineral is not None else None), self._sources)
        return parts

    def _nir(self, frame, year, lst, group, source) -> list[str]:
        params = {"year": year, "critical": lst, "group": group, "table": source}
        vintages = sorted(frame["vintage"].unique()) if len(frame) else []
        src = source_line("USGS net import reliance" + (" (salient statistics)" if source == "salient"
                                                        else " (report Figure 2)"), vintages, params)
        counts = d.nir_counts(frame) if len(frame) else None
        parts = []
        if counts:
            shown = (f"of the {counts['total']} minerals with a {year} figure"
                     + (f" ({d.LISTS[lst]}: {LIST_SIZES[lst]} minerals)" if lst in LIST_SIZES else ""))
            fully = frame[(frame["nir_bound"] == "=") & (frame["nir_pct"] >= 100)]
            not_in_fig2 = []
            if source == "salient" and year in _years("figure"):
                in_fig2 = set(d.nir_table(year, "all", "all", "figure")["mineral_id"])
                not_in_fig2 = [n for n, m in zip(fully["name"], fully["mineral_id"]) if m not in in_fig2]
            note = shown + "; exact 100 only" + (
                f"; salient-statistics line(s) Report Figure 2 does not list: {', '.join(not_in_fig2)}"
                if not_in_fig2 else "")
            parts.append(charts.share_tiles([
                {"label": f"100% import-reliant, {year}", "value": str(counts["fully"]), "note": note},
                {"label": "More than 50% (exact or bound)", "value": str(counts["over50"]), "note": "'>50' style bounds included"},
                {"label": "Given only as '>95'", "value": str(counts["over95_bound"]), "note": "could be 96–100"},
                {"label": "Net exporters", "value": str(counts["exporters"]), "note": "USGS 'E'"},
                {"label": "Not available / withheld", "value": str(counts["unknown"]), "note": "NA or W"},
            ]))
        if lst != "all" and len(frame):
            from rexlib.metrics.claims_check import list_nir_lines
            listed = set(api.minerals().loc[lambda m: m[f"critical_{lst}"].fillna(False).astype(bool), "mineral_id"])
            stands = {}
            for member, line in list_nir_lines().items():
                if member in listed and line in set(frame["mineral_id"]) and line not in (member,):
                    stands.setdefault(line, []).append(member)
            names = dict(zip(frame["mineral_id"], frame["name"]))
            notes = [f"{names.get(line, line)} stands for {', '.join(sorted(members))}"
                     for line, members in sorted(stands.items())]
            if notes:
                parts.append(c.message("USGS counts some list members from another line "
                                       "(rexlib/metadata/mappings/critical_list_nir_lines.csv): "
                                       + "; ".join(notes) + ".", "info"))
        parts.append(c.chart_html(charts.nir_bars(
            frame, title=f"U.S. net import reliance, {year}: {d.LISTS[lst]}"
                         + (f", {group}" if group != "all" else ""),
            source=src, subtitle=["Bar = USGS value; '>95' ends at 95 (light blue), '<50' at 50 (amber); "
                                  "E = net exporter. Dashed line: 50%.",
                                  "One measure per mineral (USGS's first-listed); the table shows how many more exist."])))
        parts.append(c.table_html(frame, f"nir_{year}_{lst}_{group}_{source}", columns={
            "name": "Mineral", "label": "NIR (USGS text)", "category": "Kind", "nir_pct": "NIR % (or bound)",
            "measure": "Measure", "other_measures": "Other measures", "critical_2022": "On 2022 list",
            "critical_2025": "On 2025 list", "vintage": "Vintage"}, max_rows=120))
        return parts

    def _sources(self) -> list[str]:
        mineral = self.mineral.value
        out = [c.heading("Where U.S. imports come from")]
        if mineral is None:
            return out + [c.message("Pick a mineral to see its import sources.", "info")]
        frame = d.import_sources_frame(mineral)
        name = self.mineral.label
        if frame.empty:
            return out + [c.message(f"USGS lists no major import sources for {name}.", "info")]
        period = frame["period"].iloc[0]
        src = source_line("USGS major import sources", [frame["vintage"].iloc[0]],
                          {"mineral": mineral, "period": period})
        out.append(c.chart_html(charts.import_sources_bars(frame, title=f"Major U.S. import sources of {name}, {period}",
                                                           source=src)))
        return out


def app(year=2025, critical="2025", group="all", table_source="salient", mineral="gallium") -> ImportReliance:
    return ImportReliance(year, critical, group, table_source, mineral)
