"""The trade-flow shape: bilateral imports, one row per reporter × partner × HS6 product × year
(customs records, UN Comtrade or CEPII BACI after renaming), on DuckDB or Spark.

Columns the queries read: ``reporter`` (importing country, ISO3), ``partner`` (origin, ISO3;
``WLD`` = the reporter's total over partners, never summed; ``ROW`` = "areas not elsewhere
specified", a remainder of unknown split), ``hs6`` (six-character string, HS 2022), ``year``
(integer) and ``value_usd`` (trade value, US dollars; NULL or 0 = no flow). Other columns (such as
``quantity_kg``) are ignored. For Comtrade, keep ``flowCode = 'M'`` and map partner code 0 to ``WLD``
and 899 to ``ROW`` in the view you pass.

The questions: how concentrated are a country's imports of a product across partners (the same
HHI/top-1/top-3 rule as production, :func:`rexlib.scale.sql.concentration_sql`), how much of them a
coalition supplies (the coverage rule), and which HS codes carry which mineral (:func:`hs_minerals`).
"""
from __future__ import annotations

from importlib import resources

import pandas as pd

from rexlib.core import validate as v
from . import engine
from .production import members_frame
from .sql import concentration_sql, coverage_sql

HS_MAP_FILE = "hs6_minerals.csv"
TRADE_FILTER = " AND (? IS NULL OR reporter = ?) AND (? IS NULL OR year = ?)"
BY = ("hs6", "mineral")


def hs_minerals() -> pd.DataFrame:
    """The HS 2022 subheadings that carry a critical mineral of the 2022 U.S. list: one row per
    (hs6, mineral_id); a code shared by several minerals (2615.90 Nb/Ta/V ores, 8112.92 unwrought
    Ga/Ge/In/Nb/V) has one row per mineral.

    Columns: ``hs6``; ``mineral_id`` (rexlib id); ``critical_list_2022`` (the list's entry or group);
    ``form`` (ore/concentrate, element, oxide/compound, ferroalloy, intermediate, metal,
    manufactured article); ``hs_description`` (the HS 2022 text); ``source`` (subheading, and the
    line of the HS 2022 file in data/raw it was checked against); ``note``.
    """
    with resources.files(__package__).joinpath(HS_MAP_FILE).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


def _plan(by: str, mineral: str | None, hs_map: pd.DataFrame | None) -> tuple[tuple[str, ...], str, pd.DataFrame | None]:
    """Group keys, FROM clause and the HS map relation (None when the query needs none)."""
    by = v.choice("by", by, BY)
    table = hs_minerals() if hs_map is None else hs_map
    if mineral is not None:
        mineral = v.choice("mineral", mineral, sorted(set(table["mineral_id"])))
        table = table[table["mineral_id"] == mineral]
    table = table[["hs6", "mineral_id"]].drop_duplicates().reset_index(drop=True)
    if by == "mineral":
        source = ("(SELECT t.reporter, t.partner, t.year, t.value_usd, m.mineral_id "
                  "FROM src t JOIN hs_map m ON t.hs6 = m.hs6) flows")
        return ("reporter", "mineral_id", "year"), source, table
    if mineral is None:
        return ("reporter", "hs6", "year"), "src", None
    source = "(SELECT t.* FROM src t JOIN (SELECT DISTINCT hs6 FROM hs_map) m ON t.hs6 = m.hs6) flows"
    return ("reporter", "hs6", "year"), source, table


def _params(reporter: str | None, year: int | None) -> list:
    if reporter is not None and not isinstance(reporter, str):
        raise v.InvalidArgument("reporter", reporter, [], " (an ISO3 code such as 'USA')")
    if year is not None:
        year = v.year("year", year, range(1988, 2100))
    return [reporter, reporter, year, year]


def partner_concentration(con, source, *, reporter: str | None = None, year: int | None = None,
                          mineral: str | None = None, by: str = "hs6",
                          hs_map: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per reporter × product (``by='hs6'``) or × mineral (``by='mineral'``, the codes of
    :func:`hs_minerals` summed) × year: total imports (USD), partner HHI bounds (0–10,000),
    leading partner and its share (ties go to the first ISO3 code), top-3, China and remainder
    shares (%), and the number of named partners.

    ``reporter``/``year``/``mineral`` restrict the panel; ``hs_map`` replaces the packaged map
    (for example ``hs_minerals().query("form != 'manufactured article'")``).
    """
    keys, frm, table = _plan(by, mineral, hs_map)
    sql = concentration_sql(keys, "partner", "value_usd", source=frm, where=TRADE_FILTER, who_name="partner",
                            count_name="n_partners")
    tables = {"src": source} if table is None else {"src": source, "hs_map": table}
    return engine.run(con, sql, _params(reporter, year), tables)


def coalition_share(con, members, source, *, reporter: str | None = None, year: int | None = None,
                    mineral: str | None = None, by: str = "hs6",
                    hs_map: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per reporter × product (or mineral) × year: the share (%) of imports that come from
    ``members`` (ISO3 codes; ``ROW`` is never a member) and how many members supply any."""
    keys, frm, table = _plan(by, mineral, hs_map)
    sql = coverage_sql(keys, "partner", "value_usd", source=frm, where=TRADE_FILTER,
                       share_name="coalition_share_pct", count_name="members_supplying")
    tables = {"src": source, "members": members_frame(members)}
    if table is not None:
        tables["hs_map"] = table
    return engine.run(con, sql, _params(reporter, year), tables)


__all__ = ["hs_minerals", "partner_concentration", "coalition_share", "BY"]
