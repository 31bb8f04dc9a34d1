"""rexlib/app/ui turns frames into sections: it runs no SQL and holds none (issue 29). What a view needs
comes from the query layer (rexlib.query.api) or metrics; user-typed SQL goes through rexlib.query.user_sql.

On main before issue 29 this failed on ui/data.py, ui/financing.py, ui/scenario.py, ui/claims.py
and ui/explore.py (``from ..warehouse import query`` and SELECT statements)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

UI = Path(__file__).resolve().parents[2] / "rexlib" / "app" / "ui"

# Modules and names that run SQL: the connection, the warehouse's query functions, DuckDB itself.
SQL_MODULES = {"duckdb", "db"}
SQL_FUNCTIONS = {"query", "connect", "connection", "open_database", "read_only_sql"}
SQL_METHODS = {"sql", "execute", "executemany", "fetchdf"}
SQL_TEXT = re.compile(r"\bSELECT\b[\s\S]*\bFROM\b|\bFROM\s+information_schema\b|\b(INSERT\s+INTO|CREATE\s+(TABLE|VIEW)|"
                      r"PRAGMA|ATTACH)\b")


def sql_in(source: str) -> list[str]:
    """What in a module's source runs or holds SQL (one line each); empty when nothing does."""
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            found += [f"{line}: import {a.name}" for a in node.names if a.name.split(".")[0] in SQL_MODULES]
        elif isinstance(node, ast.ImportFrom):
            module = (node.module or "").split(".")[-1]
            names = {a.name for a in node.names}
            if module in SQL_MODULES or (node.module or "").split(".")[0] == "duckdb" or names & SQL_MODULES:
                found.append(f"{line}: from {node.module} import {', '.join(sorted(names))}")
            elif module == "warehouse" and names & SQL_FUNCTIONS:
                found.append(f"{line}: from {node.module} import {', '.join(sorted(names & SQL_FUNCTIONS))}")
        elif isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id == "warehouse" and node.attr in SQL_FUNCTIONS:
                found.append(f"{line}: warehouse.{node.attr}")
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in SQL_FUNCTIONS - {"connect"}:
                found.append(f"{line}: {f.id}(...)")
            elif isinstance(f, ast.Attribute) and f.attr in SQL_METHODS:
                found.append(f"{line}: .{f.attr}(...)")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_TEXT.search(node.value):
            found.append(f"{line}: SQL text {node.value[:60]!r}")
    return found


def test_the_scan_finds_each_way_sql_got_into_ui():
    """Each way SQL sat in rexlib/app/ui on main is caught (these lines are main's, issue 29)."""
    assert sql_in("from ..warehouse import query\n")
    assert sql_in("from .. import warehouse\nwarehouse.query('x')\n")
    assert sql_in("import duckdb\n") and sql_in("from .. import db\n") and sql_in("from ..db import connect\n")
    assert sql_in('frame = q("SELECT * FROM deals ORDER BY announced_date, deal_id")\n')
    assert sql_in("x = f'SELECT count(*) AS n FROM \"{name}\"'\n")
    assert sql_in('q("SELECT table_name FROM information_schema.tables")\n')
    assert sql_in("con.sql('x').df()\n") and sql_in("cur.execute('x')\n")
    # ... and what ui may do is not: the cache keyed by the data's identity, pandas, words about tables.
    assert not sql_in("from .. import warehouse\nmemo = warehouse.memo\nstamp = warehouse.identity\n")
    assert not sql_in("from .. import api\nframe = api.deals()\nframe.groupby('agency')['usd'].sum()\n")
    assert not sql_in('"""Select a mineral from the list."""\n')


@pytest.mark.parametrize("path", sorted(UI.rglob("*.py")), ids=lambda p: p.name)
def test_ui_module_runs_and_holds_no_sql(path):
    found = sql_in(path.read_text(encoding="utf-8"))
    assert not found, (f"rexlib/app/ui/{path.relative_to(UI)} runs or holds SQL; move it to rexlib/query/api.py (a function "
                       f"with validated plain arguments) or a metric:\n" + "\n".join(found))
