"""Where the project's data lives. ``REX_DATA_DIR`` moves the derived outputs (tests, read-only installs)."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]      # rexlib/
PROJECT = PACKAGE.parent
RAW = PROJECT / "data" / "raw"
CURATED = PROJECT / "data" / "curated"


def derived_dir() -> Path:
    return Path(os.environ.get("REX_DATA_DIR", PROJECT / "data" / "derived"))


def db_path() -> Path:
    return derived_dir() / "rex.duckdb"
