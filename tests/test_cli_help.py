"""The rex command line as a new user meets it (issue 18 item 9, issue 20 item 5)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from rexlib import __version__, cli
from rexlib.etl import schema
from tests.conftest import rex_cli as rex


def test_version():
    """The real entry point, in a process of its own (the other tests call rexlib.cli.main)."""
    out = subprocess.run([sys.executable, "-m", "rexlib.cli", "--version"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == f"rex {__version__}"


@pytest.mark.parametrize("command", ["build", "info", "sql", "serve", "report", "publish"])
def test_every_subcommand_has_a_description_argument_help_and_an_example(command):
    out = rex(command, "--help")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    usage, _, rest = text.partition("\n\n")
    assert usage.startswith("usage: rex " + command)
    description = rest.split("\n\n")[0]
    assert len(description.split()) >= 8, f"no description: {description!r}"
    assert "example" in text.lower() and f"rex {command}" in text.split("xample", 1)[1]
    # every argument line carries help text: argparse puts help after the option on the same line
    # or on the next, indented; an option with no help ends the line with its metavar
    lines = text.splitlines()
    section = False
    for i, line in enumerate(lines):
        if line.strip() in ("options:", "positional arguments:"):
            section = True
            continue
        if section and line and not line.startswith(" "):
            section = False
        if section and line.startswith("  ") and not line.startswith("    "):
            has_help = len(line.split("  ")) > 2 or (i + 1 < len(lines) and lines[i + 1].startswith(" " * 10))
            assert has_help or "--help" in line, f"{command}: no help for {line.strip()!r}"


def test_sql_arguments_have_help():
    out = rex("sql", "--help")
    arguments = out.stdout.split("positional arguments:", 1)[1].splitlines()
    for option in ("SQL", "--csv", "--max-rows", "--time-limit", "--memory-limit"):
        line = next(l for l in arguments if l.strip().startswith(option))
        assert len(line.split()) > 3, line


@pytest.mark.parametrize("sql", ["", "   ", "-- nothing here"])
def test_sql_nothing_to_run_exits_2_without_traceback(db, sql):
    out = rex("sql", sql)
    assert out.returncode == 2
    assert "Nothing to run" in out.stderr and "Traceback" not in out.stderr


def test_syntax_error_gets_no_read_only_hint(db):
    out = rex("sql", "SELEC 1")
    assert out.returncode == 2 and "syntax error" in out.stderr
    assert "Only read-only" not in out.stderr


def test_refused_statement_gets_the_read_only_hint(db):
    out = rex("sql", "CREATE TEMP TABLE t AS SELECT 1")
    assert out.returncode == 2 and "Only read-only" in out.stderr


def test_sql_time_limit_exits_1_with_a_message(db):
    out = rex("sql", "--time-limit", "1", "SELECT count(*) FROM range(1000000000000::BIGINT)")
    assert out.returncode == 1 and "time limit" in out.stderr and "Traceback" not in out.stderr


def test_sql_csv_writes_every_row(db):
    n = int(rex("sql", "--csv", "SELECT count(*) AS n FROM governance").stdout.split()[1])
    out = rex("sql", "--csv", "SELECT * FROM governance")
    assert out.returncode == 0 and len(out.stdout.splitlines()) == n + 1


def test_sql_print_says_how_many_rows_were_left_out(db):
    out = rex("sql", "--max-rows", "5", "SELECT * FROM governance")
    assert out.returncode == 0 and "5 of " in out.stderr and "--csv" in out.stderr


def test_info_table_lists_its_columns(db):
    out = rex("info", "production")
    assert out.returncode == 0, out.stderr
    for column in schema.TABLES["production"].columns:
        assert column in out.stdout


def test_info_unknown_table_exits_2_listing_the_tables(db):
    out = rex("info", "produktion")
    assert out.returncode == 2 and "'production'" in out.stderr and "governance" in out.stderr


def test_info_table_uses_the_data_dictionary_when_there_is_one(db, monkeypatch, capsys):
    calls = []

    def describe_table(name):
        calls.append(name)
        return f"{name}: from the data dictionary"
    monkeypatch.setattr(schema, "describe_table", describe_table, raising=False)
    assert cli._info_table("reserves") == 0
    assert calls == ["reserves"] and "from the data dictionary" in capsys.readouterr().out
