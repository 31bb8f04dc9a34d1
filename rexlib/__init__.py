"""rexlib: curated critical-minerals data (USGS, IEA, policy documents) in DuckDB, with a small API.

    import rexlib
    rexlib.production("cobalt", stage="mine", year=2024)
"""
from .version import __version__
from .api import (agreements, claims, deals, export_controls, group, groups, import_reliance,  # noqa: E402
                  import_sources, intensities, minerals, prices, production, publisher_checks,
                  quality_issues, refining, reserves, us_salient)
from .warehouse import connect  # noqa: E402
from .validate import InvalidArgument  # noqa: E402
from .build import build as _build  # noqa: E402
from .warehouse import reset  # noqa: E402


def build(**kwargs):
    """Build the database from data/raw and data/curated (see rexlib.build.build)."""
    report = _build(**kwargs)
    # Not needed for correctness (every query compares the file's identity and reopens), but
    # frees the old file's connection and cached results at once.
    reset()
    return report
