"""The sources' own metadata (data/raw/sources.yml): releases and files, so citations travel inside the database."""
from __future__ import annotations

from rexlib.core.provenance import load_sources, source_tables
from ..tablespec import Table
from .context import Context, Step, StepResult

TABLES = (
    Table("sources", "Every data release the raw files come from (data/raw/sources.yml): publisher, citation, "
          "DOI, URL, licence, publication date.",
          {"id": "VARCHAR", "publisher": "VARCHAR", "title": "VARCHAR", "citation": "VARCHAR", "doi": "VARCHAR",
           "url": "VARCHAR", "licence": "VARCHAR", "date_published": "VARCHAR", "vintage": "VARCHAR", "note": "VARCHAR"},
          key=("id",), required=("id", "publisher", "title", "citation", "url", "licence", "date_published")),
    Table("source_files", "Every raw file in data/raw/ with its release, size and sha256 (verified by every build).",
          {"path": "VARCHAR", "release": "VARCHAR", "bytes": "BIGINT", "sha256": "VARCHAR"},
          key=("path",), required=("path", "release", "bytes", "sha256")),
)
SPEC = {t.name: t for t in TABLES}


def collect_source_metadata(ctx: Context) -> StepResult:
    return StepResult(source_tables(load_sources(ctx.raw_dir)))


STEP = Step("source_metadata", collect_source_metadata, ("sources", "source_files"))
