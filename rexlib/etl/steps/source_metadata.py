"""The sources' own metadata (data/raw/sources.yml): releases and files, so citations travel inside the database."""
from __future__ import annotations

from rexlib.core.provenance import load_sources, source_tables
from .context import Context, StepResult


def collect_source_metadata(ctx: Context) -> StepResult:
    return StepResult(source_tables(load_sources(ctx.raw_dir)))
