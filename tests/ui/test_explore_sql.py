"""The explore app's SQL box (issue 20 items 3-5, issue 18 item 5), in process.

Before: the query ran in the widget callback with no limit (a click on anything else waited for it),
``SELECT * FROM governance`` embedded all 178,230 rows (a 21.9 MB section) and was written to the
shared disk cache, and empty SQL raised AttributeError ("Something went wrong")."""
from __future__ import annotations

import base64
import re
import time
from pathlib import Path

import pytest

from rexlib.query import user_sql
from rexlib.query.warehouse import query
from rexlib.app.ui import cache, downloads, explore


@pytest.fixture
def shared(tmp_path, monkeypatch, db):
    monkeypatch.setenv("REX_SHARED_CACHE", "1")
    monkeypatch.setenv("REX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "SHARED", cache.SharedSections())
    cache.clear_all()
    yield cache.SHARED
    cache.clear_all()


def _wait(app, timeout: float = 120.0) -> str:
    """The SQL section once no query is running."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        html = app.sections[0].value
        if "Running…" not in html and "Preparing the Excel" not in html:
            return html
        time.sleep(0.1)
    raise AssertionError("the SQL section still says it is running")


def _run(app, sql: str) -> str:
    app.sql.value = sql
    app.run.click()
    return _wait(app)


def _payloads(html: str) -> dict[str, bytes]:
    return {m.group(1): base64.b64decode(m.group(2))
            for m in re.finditer(r'data:([^;]+);base64,([A-Za-z0-9+/=]+)', html)}


def test_first_view_is_the_example_and_the_other_sections_are_there(shared):
    app = explore.app()
    app.widget()
    assert "China" in app.sections[0].value or "CHN" in app.sections[0].value or "china_share_pct" in app.sections[0].value
    assert any("Table production" in s.value for s in app.sections)


def test_a_large_result_is_capped_and_says_how_to_get_all(shared):
    total = int(query("SELECT count(*) AS n FROM governance")["n"].iloc[0])
    app = explore.app()
    app.widget()
    html = _run(app, "SELECT * FROM governance")
    assert len(html) < 8 * 2 ** 20, len(html)                 # was 21.9 MB
    csv = _payloads(html)["text/csv"].decode()
    rows = len(csv.splitlines()) - 1
    assert 1000 < rows < total
    assert len(base64.b64encode(csv.encode())) <= downloads.MAX_BYTES
    assert f"{total:,} rows" in html and f"first {rows:,} in the downloads" in html
    assert "rex sql --csv" in html and "Parquet" in html
    assert html.count("<tr>") == explore.SHOWN_ROWS + 1        # header + shown rows


def test_typed_sql_is_never_cached(shared):
    app = explore.app()
    app.widget()
    before = shared.writes
    _run(app, "SELECT mineral_id, count(*) AS n FROM production GROUP BY 1 ORDER BY 2 DESC")
    _run(app, "SELECT * FROM governance LIMIT 10")
    assert shared.writes == before
    files = list(Path(cache.SharedSections.root()).rglob("*.json"))
    assert not any("governance LIMIT 10" in f.read_text() for f in files)
    assert not any("governance LIMIT 10" in repr(k) for k in cache.sections("explore")._data)


def test_empty_sql_says_nothing_to_run_and_keeps_the_page(shared):
    app = explore.app()
    app.widget()
    others = [s.value for s in app.sections[1:]]
    for sql in ("", "   ", "-- a comment only"):
        html = _run(app, sql)
        assert "Nothing to run" in html and "Something went wrong" not in html
        assert [s.value for s in app.sections[1:]] == others


def test_time_limit_in_the_app(shared, monkeypatch):
    monkeypatch.setattr(user_sql, "LIMITS", user_sql.Limits(seconds=2))
    app = explore.app()
    app.widget()
    html = _run(app, "SELECT count(*) FROM range(1000000000000::BIGINT)")
    assert "time limit" in html and "Stopped after 2 s" in html


def test_cancel_button_stops_the_query(shared):
    app = explore.app()
    app.widget()
    app.sql.value = "SELECT count(*) FROM range(1000000000000::BIGINT)"
    app.run.click()
    assert "Running…" in app.sections[0].value and not app.cancel.disabled
    time.sleep(1.0)
    app.cancel.click()
    html = _wait(app, timeout=30)
    assert "Cancelled" in html and app.cancel.disabled


def test_temp_tables_are_refused_in_the_app(shared):
    app = explore.app()
    app.widget()
    html = _run(app, "CREATE TEMP TABLE t AS SELECT * FROM range(100000000)")
    assert "Not run" in html and "TEMP" in html


def test_excel_download_of_the_result(shared, tmp_path):
    import openpyxl
    app = explore.app()
    app.widget()
    # import_reliance rows with a bound, from USGS's salient tables (the nir_bounds example)
    html = _run(app, "SELECT mineral_id, year, nir_text, nir_pct FROM import_reliance WHERE year = 2025 "
                     "AND table_source = 'salient' ORDER BY mineral_id")
    assert not app.excel.disabled
    app.excel.click()
    html = _wait(app)
    xlsx = _payloads(html)["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
    (tmp_path / "r.xlsx").write_bytes(xlsx)
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    rows = list(sheet.values)
    expected = query("SELECT mineral_id, year, nir_text, nir_pct FROM import_reliance WHERE year = 2025 "
                     "AND table_source = 'salient' ORDER BY mineral_id")
    assert rows[0] == ("mineral_id", "year", "nir_text", "nir_pct")
    assert len(rows) == len(expected) + 1
    assert [r[0] for r in rows[1:]] == expected["mineral_id"].tolist()
