"""rexlib: the critical-minerals workbook's data (USGS MCS 2023-2026, IEA, WGI, the EC 2023
criticality study, cited policy tables) in one DuckDB database, with a small query API.

    import rexlib
    rexlib.production("gallium", year=2024)      # by country; share_pct under one share rule
    rexlib.import_reliance(year=2025)            # every measure; `headline` marks USGS's Fig2 figure
    rexlib.import_sources("antimony")            # `headline` marks the measure of USGS's Fig3
    rexlib.eu_supply_shares("gallium", "processing")
    rexlib.supply_shares("germanium", "processing")  # best source (IEA, USGS, else EU), with period
    rexlib.country_profile("ARG")                # shares, top-3, reserves, imports, deals, groups
    rexlib.marginal_coverage("forge_members")    # who adds most where a coalition is weakest
    rexlib.stockpile(12e9, ["gallium"], basis="net_imports", months=12)  # Project Vault: kg, months covered
    con = rexlib.connect()                       # read-only SQL (DuckDB)

Every figure follows one declared rule (rexlib/metadata/series.yml: stages, editions, shares,
headline measures); bad arguments raise :class:`InvalidArgument` naming the valid values. The
first query in a fresh clone builds the database (about 30 s, with progress on stderr);
``rexlib.build()`` rebuilds it. Columns and units: docs/data_dictionary.md.
"""
from rexlib.core import old_paths as _old_paths
_old_paths.install()                      # import paths from before the layered packages keep working
from rexlib.core.version import __version__  # noqa: E402
from rexlib.query.api import (agreements, claims, cleantech_demand, deals, demand, eu_criticality, eu_supply_shares,
                              export_controls, group, groups, headline_import_reliance, import_reliance,
                              import_sources, intensities, minerals, prices, primary_stage, production,
                              projected_supply, publisher_checks, quality_issues, refining, reserves,
                              supply_concentration, supply_shares, tech_demand, us_salient)
from rexlib.query.warehouse import connect  # noqa: E402
from rexlib.core.validate import InvalidArgument  # noqa: E402
from rexlib.etl import build  # noqa: E402  (callable: rexlib.build() builds the database)
# Country and coalition profiles (issue 17): metrics over the series layer.
from .metrics.country import coalition, country_profile, marginal_coverage  # noqa: E402
from .metrics.coverage import coalition_coverage  # noqa: E402
# Project Vault stockpile calculator (issue 27): budget -> quantity, months of U.S. net imports or consumption.
from .metrics.stockpile import stockpile  # noqa: E402

__all__ = ["__version__", "agreements", "build", "claims", "cleantech_demand", "connect", "deals", "demand",
           "eu_criticality", "eu_supply_shares", "export_controls", "group", "groups", "headline_import_reliance",
           "import_reliance", "import_sources", "intensities", "InvalidArgument", "minerals", "prices",
           "primary_stage", "production", "projected_supply", "publisher_checks", "quality_issues", "refining",
           "reserves", "supply_concentration", "supply_shares", "tech_demand", "us_salient",
           # country and coalition profiles (issue 17)
           "coalition", "coalition_coverage", "country_profile", "marginal_coverage",
           # Project Vault stockpile calculator (issue 27)
           "stockpile"]

# Export controls over time and the USGS MCS2026 industry-trends tables (issue 27).
from .metrics.export_controls import export_control_exposure, export_control_timeline  # noqa: E402
from rexlib.query.api import usgs_trends  # noqa: E402
__all__ += ["export_control_exposure", "export_control_timeline", "usgs_trends"]

# What the apps' views look up, as plain functions (issue 29: rexlib/app/ui runs no SQL of its own).
from rexlib.query.api import (countries, minerals_with_statistics, policy_rows, producers, row_count, table_rows,
                              tables)  # noqa: E402
from .metrics.financing import deal_totals  # noqa: E402
__all__ += ["countries", "deal_totals", "minerals_with_statistics", "policy_rows", "producers", "row_count",
            "table_rows", "tables"]


def __getattr__(name: str):
    """``rexlib.warehouse``, ``rexlib.series``…: modules that moved into layered packages (issue 29)."""
    return _old_paths.attribute(name)
