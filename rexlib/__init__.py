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
from . import build  # noqa: E402  (callable: rexlib.build() builds the database)
