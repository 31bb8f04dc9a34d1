"""Explore: the tables, their declared schema, and read-only SQL on the DuckDB file (for researchers)."""
from __future__ import annotations

import sys
import threading
import traceback

import ipywidgets as w

from rexlib.charts.base import esc, source_line
from rexlib.charts.generic import quick_bar
from rexlib.query import api, user_sql
from rexlib.etl.dictionary import dictionary_frame
from rexlib.etl.schema import declared_tables
from rexlib.core.validate import choice
from . import common as c
from . import downloads
from .cache import sections

DEFAULTS = {"table": "production", "example": "china_share"}
SHOWN_ROWS = 50                     # rows of a result shown as a table (the downloads hold more)

# The example queries and the Python equivalents live with the user-SQL layer (rexlib.query.user_sql):
# rexlib/app/ui runs and holds no SQL of its own.
EXAMPLES = user_sql.EXAMPLES
PYTHON_EXAMPLES = user_sql.PYTHON_EXAMPLES


def _tables() -> list[str]:
    return api.tables()


def _validate(values: dict, explicit: set) -> dict:
    return {"table": choice("table", values["table"], _tables()),
            "example": choice("example", values["example"], list(EXAMPLES))}


class Explore(c.App):
    """The SQL box runs its query in a thread (``rexlib.query.user_sql``: time, memory and temp-space
    limits, queries only) so that the kernel stays free to receive a click on Cancel; the result
    section is replaced when the query ends. The first view (an example query, bounded) is drawn in
    place so that the page's static first view has it. Results of typed SQL are never cached (in
    memory or in the shared disk tier): only the fixed examples are."""

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
        self.cancel = w.Button(description="Cancel", disabled=True, tooltip="Stop the running query")
        self.excel = w.Button(description="Excel download", disabled=True,
                              tooltip="Prepare the result as an Excel file (a link appears below the table)")
        self.run.on_click(self._run_clicked)
        self.cancel.on_click(self._cancel_clicked)
        self.excel.on_click(self._excel_clicked)
        self._query: user_sql.Query | None = None
        self._job = 0                      # number of the newest SQL run; older threads drop their result
        self._lock = threading.Lock()
        self._sql_html: str | None = None  # the SQL section as last drawn (None: draw it in place)
        self._result = None                # the rows the downloads of the last result hold
        self.example.observe(self._example_changed, names="value")
        self.watch(self.table)

    def controls(self):
        return [self.table, self.example, self.sql, self.run, self.cancel, self.excel]

    # ------------------------------------------------------------ the SQL section
    def _example_changed(self, _=None):
        with self.muted():
            self.sql.value = EXAMPLES[self.example.value][1]
        self._start(rerun=False)

    def _run_clicked(self, _=None):
        self._start(rerun=True)            # the button always runs the SQL again (now(), random() ...)

    def _cancel_clicked(self, _=None):
        query = self._query
        if query is not None:
            query.cancel()

    def _start(self, *, rerun: bool) -> None:
        """Run the SQL in a thread; the section says it is running until the thread replaces it.
        A run started while another is running cancels that one."""
        text = self.sql.value
        with self._lock:
            self._job += 1
            job = self._job
            old, self._query = self._query, None
        if old is not None:
            old.cancel()
        cached = None if rerun else self._cached(text)
        if cached is not None:
            self._show(job, cached, None)
            return
        query = user_sql.Query(text)
        with self._lock:
            self._query = query
        self.cancel.disabled = False
        self.excel.disabled = True
        self._sql_html = (c.heading("SQL result") + c.message(
            f"Running… (stops after {user_sql.LIMITS.seconds:g} s; Cancel stops it now)", "info"))
        self._set_sql_section(self._sql_html)
        threading.Thread(target=self._run_thread, args=(job, query, text, rerun), daemon=True,
                         name="rex-explore-sql").start()

    def _run_thread(self, job: int, query, text: str, rerun: bool) -> None:
        try:
            html, kept = self._sql_section(text, query, store=rerun)
        except Exception as error:         # noqa: BLE001 - the page gets a message, the log the details
            traceback.print_exc(file=sys.__stderr__)
            html, kept = c.heading("SQL result") + c.friendly(error), None
        self._show(job, html, kept, query)

    def _show(self, job: int, html: str, kept, query=None) -> None:
        with self._lock:
            if job != self._job:
                return                     # a newer run owns the section
            if query is None or self._query is query:
                self._query = None
            self._result = kept
        self.cancel.disabled = True
        self.excel.disabled = not _is_result(html)
        self._sql_html = html
        self._set_sql_section(html)

    def _set_sql_section(self, html: str) -> None:
        if self.sections:
            self.sections[0].value = html

    def _example_key(self, text: str):
        key = self.example.value
        return key if text.strip() == EXAMPLES[key][1] else None

    def _cached(self, text: str) -> str | None:
        """A fixed example's section from the cache (typed SQL is never cached)."""
        example = self._example_key(text)
        if example is None:
            return None
        return sections("explore").get(("sql", EXAMPLES[example][1], example),
                                       lambda: self._draw(text, user_sql.Query(text), example)[0])

    def _sql_section(self, text: str, query, store: bool = False) -> tuple[str, object]:
        """(section HTML, the rows the downloads hold) for ``text``. Examples are stored in the section
        cache (``store``: replace what is there); typed SQL is not."""
        example = self._example_key(text)
        if example is None:
            return self._draw(text, query, "custom SQL")
        kept = []

        def draw() -> str:
            html, rows = self._draw(text, query, example)
            kept.append(rows)
            return html
        html = sections("explore").get(("sql", EXAMPLES[example][1], example), draw, rebuild=store)
        return html, (kept[0] if kept else None)

    def _draw(self, text: str, query, example: str) -> tuple[str, object]:
        out = [c.heading("SQL result")]
        try:
            result = query.run()
        except user_sql.NothingToRun as error:
            return "".join(out + [c.message(f"{error} Type a query or pick an example.", "info")]), None
        except user_sql.Refused as error:
            return "".join(out + [c.message(f"Not run: {error}", "error")]), None
        except user_sql.LimitReached as error:
            if error.which == "cancelled":
                return "".join(out + [c.message("Cancelled: the query was stopped.", "warn")]), None
            return "".join(out + [c.message(f"{error} For longer queries, {user_sql.HOW_TO_GET_ALL}.",
                                            "error")]), None
        except user_sql.QueryError as error:
            return "".join(out + [c.message(f"DuckDB could not run this query: {error}", "error")]), None
        frame = result.frame
        src = source_line("rex DuckDB file (data/derived/rex.duckdb), built from data/raw and data/curated",
                          params={"example": example})
        out.append(c.chart_html(quick_bar(frame, title="Query result", source=src)))
        kept = downloads.capped(frame)
        out.append(c.table_html(frame.head(SHOWN_ROWS), "query_result", max_rows=SHOWN_ROWS, download=kept, raw=True))
        if not frame.empty:
            out.append(f'<div class="rex-note rex-result-count">{esc(_count_note(result, len(kept)))}</div>')
        return "".join(out), kept

    def _excel_clicked(self, _=None):
        """Build the Excel file of the result shown (for a cached example: run it again) in a thread
        and add its link below the table."""
        with self._lock:
            job, kept = self._job, self._result
        base = self._sql_html or ""
        text = self.sql.value
        self.excel.disabled = True

        def build():
            try:
                frame = kept
                if frame is None:
                    frame = downloads.capped(user_sql.Query(text).run().frame)
                link = downloads.excel_link(frame, "query_result")
            except user_sql.UserSqlError as error:
                link = c.message(f"No Excel file: {error}", "error")
            except Exception as error:     # noqa: BLE001
                traceback.print_exc(file=sys.__stderr__)
                link = c.friendly(error, source="the Excel download")
            with self._lock:
                if job != self._job:
                    return
            self._sql_html = base + link
            self._set_sql_section(self._sql_html)
        self._set_sql_section(base + '<div class="rex-note">Preparing the Excel file…</div>')
        threading.Thread(target=build, daemon=True, name="rex-explore-excel").start()

    def render(self) -> list[str]:
        cache = sections("explore")
        if self._sql_html is None:          # first view: an example, drawn in place
            text = self.sql.value
            self._sql_html = self._cached(text) or self._draw(text, user_sql.Query(text), "custom SQL")[0]
            self.excel.disabled = not _is_result(self._sql_html)
        return [self._sql_html, *cache.get(("table", self.table.value), self._table_view), self._python()]

    def _table_view(self) -> list[str]:
        name = self.table.value
        spec = declared_tables().get(name)
        out = [c.heading(f"Table {name}")]
        if spec is not None:
            out.append(f'<p class="rex-note">{esc(spec.description)} Key: {esc(", ".join(spec.key) or "none")}.</p>')
        # The data dictionary (rexlib/metadata/fields.yml): type, key, unit and description per column.
        out.append(c.table_html(dictionary_frame(name), f"{name}_columns", max_rows=60, raw=True))
        count, rows = api.row_count(name), api.table_rows(name, 200)
        out.append(f'<p class="rex-note">{count:,} rows; first 20 shown, the CSV has the first 200 '
                   f'(use SQL or rexlib.connect() for all).</p>')
        out.append(c.table_html(rows, f"{name}_sample", max_rows=20, raw=True))
        return out

    def _python(self) -> str:
        return c.heading("The same data from Python") + f"<pre style='font-size:12px'>{esc(PYTHON_EXAMPLES)}</pre>"


def _is_result(html: str) -> bool:
    return 'class="rex-dl"' in html


def _count_note(result, kept: int) -> str:
    """How many rows the result has, how many the table and the downloads hold, how to get all."""
    shown = min(SHOWN_ROWS, len(result.frame))
    if not result.truncated and kept == len(result.frame):
        return (f"{result.total_rows:,} rows; " + (f"the first {shown} shown, " if shown < kept else "")
                + "the downloads have all of them.")
    total = (f"{result.total_rows:,}" if result.total_rows is not None
             else f"more than {len(result.frame):,} (counting stopped at the time limit)")
    wide = (f" (wide rows: the query kept the first {len(result.frame):,}, "
            f"{user_sql.MAX_BYTES // 2 ** 20} MB)" if getattr(result, "capped_by", None) == "bytes" else "")
    return (f"{total} rows{wide}; the first {shown} shown, the first {kept:,} in the downloads (downloads in the "
            f"page stop at {downloads.MAX_ROWS:,} rows or {downloads.MAX_BYTES // 2 ** 20} MB). "
            f"{user_sql.HOW_TO_GET_ALL[0].upper()}{user_sql.HOW_TO_GET_ALL[1:]}, or read the table's "
            f"Parquet file in data/derived/parquet/.")


def app(table=DEFAULTS["table"], example=DEFAULTS["example"]) -> Explore:
    return Explore(table, example)
