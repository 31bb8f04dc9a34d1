"""Explore: the tables, their declared schema, and read-only SQL on the DuckDB file (for researchers)."""
from __future__ import annotations

import duckdb
import ipywidgets as w

from .. import charts
from ..charts.base import esc, source_line
from ..charts.generic import quick_bar
from ..warehouse import query, read_only_sql
from ..schema import TABLES
from ..validate import choice
from . import common as c
from .cache import memo, sections

DEFAULTS = {"table": "production", "example": "china_share"}

EXAMPLES = {
    "china_share": ("China's share of world mine production, 2025",
                    "SELECT p.mineral_id, round(p.value / w.value * 100, 1) AS china_share_pct, p.unit\n"
                    "FROM production_latest p\n"
                    "JOIN production_latest w USING (mineral_id, stage, measure, qualifier, year, vintage)\n"
                    "WHERE p.country = 'CHN' AND w.country = 'WLD' AND p.stage = 'mine' AND p.year = 2025\n"
                    "  AND w.value > 0\nORDER BY china_share_pct DESC\nLIMIT 25"),
    "nir_bounds": ("Import reliance given only as a bound, 2025",
                   "SELECT mineral_id, nir_text, nir_bound, nir_pct, measure\nFROM import_reliance\n"
                   "WHERE year = 2025 AND table_source = 'salient' AND nir_bound IN ('>', '<')\nORDER BY nir_pct DESC"),
    "deals_by_agency": ("Deal amounts by agency (aggregates dropped)",
                        "SELECT agency, count(*) AS deals, sum(amount_usd) / 1e9 AS usd_bn\nFROM deals\n"
                        "WHERE NOT is_aggregate AND amount_usd IS NOT NULL\nGROUP BY agency ORDER BY usd_bn DESC"),
    "withheld": ("Where USGS withholds numbers (count of withheld cells by mineral)",
                 "SELECT mineral_id, count(*) AS withheld_cells\nFROM production_latest\n"
                 "WHERE flag LIKE '%withheld%'\nGROUP BY mineral_id ORDER BY withheld_cells DESC LIMIT 20"),
    "iea_refining": ("IEA refining shares, 2023",
                     "SELECT mineral_id, country, round(share_pct, 1) AS share_pct\nFROM refining\n"
                     "WHERE stage IN ('refinery', 'chemicals', 'battery_grade') AND year = 2023\n"
                     "  AND scenario = 'observed'\nORDER BY mineral_id, share_pct DESC"),
}

PYTHON_EXAMPLES = """import rexlib
rexlib.production("cobalt", stage="mine", year=2025)      # shares of the USGS world total
rexlib.reserves("lithium")
rexlib.import_reliance(2025)                             # nir_bound: '=', '>', '<', 'E', 'NA', 'W'
rexlib.import_sources("gallium")
rexlib.refining("nickel", stage="refinery", year=2023)   # IEA
rexlib.minerals(critical="2025")
con = rexlib.connect()                                    # read-only DuckDB connection
con.sql("SELECT * FROM deals WHERE NOT is_aggregate").df()"""


@memo(2)
def _tables() -> list[str]:
    present = set(query("SELECT table_name FROM information_schema.tables")["table_name"])
    return sorted(present)


def _validate(values: dict, explicit: set) -> dict:
    return {"table": choice("table", values["table"], _tables()),
            "example": choice("example", values["example"], list(EXAMPLES))}


class Explore(c.App):
    title = "Explore the data"
    lede = ("Every table in the rex DuckDB file, its declared schema, and read-only SQL. The connection "
            "cannot write or read other files. Use rexlib from Python for the same data.")

    def __init__(self, table=DEFAULTS["table"], example=DEFAULTS["example"]):
        resolved = c.resolve([c.Param("table", table, DEFAULTS["table"]),
                              c.Param("example", example, DEFAULTS["example"])], _validate)
        super().__init__(resolved)
        v = resolved.values
        self.table = c.dropdown("Table", _tables(), v["table"], "300px")
        self.example = c.dropdown("SQL example", [(label, key) for key, (label, _) in EXAMPLES.items()],
                                  v["example"], "460px")
        self.sql = w.Textarea(value=EXAMPLES[v["example"]][1], layout=w.Layout(width="900px", height="150px"),
                              continuous_update=False)
        self.run = w.Button(description="Run SQL", button_style="primary")
        self.run.on_click(self._run_clicked)
        self._rerun = False
        self.example.observe(self._example_changed, names="value")
        self.watch(self.table)

    def controls(self):
        return [self.table, self.example, self.sql, self.run]

    def _example_changed(self, _=None):
        with self.muted():
            self.sql.value = EXAMPLES[self.example.value][1]
        self.refresh()

    def _run_clicked(self, _=None):
        self._rerun = True          # the button always runs the SQL again (now(), random() ...)
        try:
            self.refresh()
        finally:
            self._rerun = False

    def render(self) -> list[str]:
        cache = sections("explore")
        text = self.sql.value.strip()
        example = self.example.value if text == EXAMPLES[self.example.value][1] else "custom SQL"
        return [*cache.get(("sql", text, example), self._sql_result, rebuild=self._rerun),
                *cache.get(("table", self.table.value), self._table_view), self._python()]

    def _sql_result(self) -> list[str]:
        text = self.sql.value.strip()
        out = [c.heading("SQL result")]
        try:
            frame = read_only_sql(text)
        except duckdb.Error as error:
            return out + [c.message(f"DuckDB could not run this query: {error}", "error")]
        src = source_line("rex DuckDB file (data/derived/rex.duckdb), built from data/raw and data/curated",
                          params={"example": self.example.value if text == EXAMPLES[self.example.value][1] else "custom SQL"})
        out.append(c.chart_html(quick_bar(frame, title="Query result", source=src)))
        out.append(c.table_html(frame, "query_result", max_rows=50))
        return out

    def _table_view(self) -> list[str]:
        name = self.table.value
        spec = TABLES.get(name)
        out = [c.heading(f"Table {name}")]
        if spec is not None:
            out.append(f'<p class="rex-note">{esc(spec.description)} Key: {esc(", ".join(spec.key) or "none")}.</p>')
        columns = query("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
                        "ORDER BY ordinal_position", [name])
        out.append(c.table_html(columns, f"{name}_columns", columns={"column_name": "Column", "data_type": "Type"},
                                max_rows=60))
        count = int(query(f'SELECT count(*) AS n FROM "{name}"')["n"].iloc[0])   # name is validated
        rows = query(f'SELECT * FROM "{name}" LIMIT 200')
        out.append(f'<p class="rex-note">{count:,} rows; first 20 shown, the CSV has the first 200 '
                   f'(use SQL or rexlib.connect() for all).</p>')
        out.append(c.table_html(rows, f"{name}_sample", max_rows=20))
        return out

    def _python(self) -> str:
        return c.heading("The same data from Python") + f"<pre style='font-size:12px'>{esc(PYTHON_EXAMPLES)}</pre>"


def app(table=DEFAULTS["table"], example=DEFAULTS["example"]) -> Explore:
    return Explore(table, example)
