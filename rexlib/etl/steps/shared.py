"""Raw files more than one step reads, read once per build run (through :class:`Context.read_once`)."""
from __future__ import annotations

from rexlib.sources import usgs_mcs2026
from .context import Context

MCS2026_FILE = "usgs/mcs2026/MCS2026_Commodities_Data.csv"


def mcs2026(ctx: Context) -> dict:
    """USGS MCS2026 commodities file (world tables, salient statistics, import sources, critical list)."""
    def read():
        mcs = usgs_mcs2026.read_mcs2026(ctx.raw_dir / MCS2026_FILE)
        return mcs, mcs["issues"]
    return ctx.read_once("usgs_mcs2026", read)
