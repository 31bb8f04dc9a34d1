"""Expected row counts per (table, vintage), kept as data and checked by every build.

PUDL keeps ``etl_full_row_counts.csv``; rex keeps ``rexlib/metadata/row_counts.csv``. The raw files are
pinned by their checksums (``data/raw/sources.yml``), so a table whose row count moves without a raw file
moving means a reader or a rule started dropping (or doubling) rows: a chapter skipped, a vintage lost,
a join that fans out. The build fails naming the table, the vintage, the expected and the found count.

Counted: every table the build reads from the publishers' files (not the hand-curated tables of
``data/curated/``, whose rows are each cited and validated, nor the sources' own metadata tables).
A table with a ``vintage`` column is counted per vintage.

After a deliberate change (a new edition, a reader that now reads more, a new source), write the
generated files (these counts and ``docs/data_dictionary.md``, :func:`write_generated`) and review
the diff::

    rex build --write-row-counts
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from rexlib.core.paths import PROJECT
from .schema import CURATED_TABLES

ROW_COUNTS = Path(__file__).resolve().parents[1] / "metadata" / "row_counts.csv"
DICTIONARY = PROJECT / "docs" / "data_dictionary.md"      # generated from the declarations
ARCHITECTURE = PROJECT / "docs" / "architecture.md"        # its tree block: generated from the package
NOT_COUNTED = frozenset(CURATED_TABLES) | {"sources", "source_files", "source_releases"}
ALL_VINTAGES = ""     # the vintage cell of a table counted whole


def count_rows(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``table, vintage, rows`` for every counted table (per vintage where it has one), sorted."""
    rows = []
    for name, frame in tables.items():
        if name in NOT_COUNTED:
            continue
        if "vintage" in frame.columns:
            for vintage, n in frame["vintage"].fillna("(none)").astype(str).value_counts().items():
                rows.append((name, vintage, int(n)))
        else:
            rows.append((name, ALL_VINTAGES, len(frame)))
    return pd.DataFrame(rows, columns=["table", "vintage", "rows"]).sort_values(["table", "vintage"],
                                                                                  ignore_index=True)


def expected(path: Path = ROW_COUNTS) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"table": str, "vintage": str, "rows": int}, keep_default_na=False)


def row_count_problems(tables: dict[str, pd.DataFrame], path: Path = ROW_COUNTS) -> list[str]:
    """One line per (table, vintage) whose row count differs from the declared one, or that is new or gone."""
    want = expected(path)
    found = count_rows({k: v for k, v in tables.items() if k not in NOT_COUNTED})
    merged = want.merge(found, on=["table", "vintage"], how="outer", suffixes=("_expected", "_found"),
                        indicator="side")
    problems = []
    for r in merged.itertuples():
        what = r.table + (f" {r.vintage}" if r.vintage else "")
        if r.side == "left_only":
            problems.append(f"{what}: {int(r.rows_expected):,} rows expected ({path.name}), none built")
        elif r.side == "right_only":
            problems.append(f"{what}: {int(r.rows_found):,} rows built, none declared in {path.name}")
        elif int(r.rows_expected) != int(r.rows_found):
            problems.append(f"{what}: {int(r.rows_expected):,} rows expected ({path.name}), "
                            f"{int(r.rows_found):,} built")
    if problems:
        problems.append("the raw files are pinned by their checksums, so a reader or a rule changed what it keeps; "
                        "if that was meant, run `rex build --write-row-counts` and review the diff")
    return problems


def write_row_counts(tables: dict[str, pd.DataFrame], path: Path = ROW_COUNTS) -> pd.DataFrame:
    counts = count_rows(tables)
    counts.to_csv(path, index=False)
    return counts


def write_generated(tables: dict[str, pd.DataFrame], path: Path = ROW_COUNTS,
                    dictionary: Path = DICTIONARY, architecture: Path = ARCHITECTURE) -> list[Path]:
    """Write every file generated from the declarations, the package and the collected ``tables``: the
    row counts (``path``), the data dictionary (``dictionary``) and the package tree of
    docs/architecture.md (``architecture``; both only where they exist: a source checkout).
    Returns the paths written. What ``rex build --write-row-counts`` runs."""
    from rexlib.core.layers import write_tree
    from rexlib.etl.dictionary import markdown
    write_row_counts(tables, path)
    written = [path]
    if dictionary.parent.is_dir():
        dictionary.write_text(markdown(), encoding="utf-8")
        written.append(dictionary)
    if architecture.is_file():
        write_tree(architecture)
        written.append(architecture)
    return written
