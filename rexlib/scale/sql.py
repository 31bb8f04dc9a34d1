"""The scale queries as SQL text: one concentration rule and one coverage rule, written once and
instantiated for each panel shape (who = producing country, or exporting partner).

The text is DuckDB SQL restricted to constructs with the same meaning on Spark SQL and Trino after
sqlglot's transpiler (see docs/scaling.md, "The semantic traps"):

* every share is computed in DOUBLE (``CAST(.. AS DOUBLE)``): Spark types ``100.0 * bigint / bigint``
  as DECIMAL and rounds it to 6 decimals, DuckDB as DOUBLE;
* no NULL inside an ORDER BY, and every ranking is total: ties in value are broken by the country
  code (ascending), so the leading country is the same on every engine (``max_by``/``arg_max`` pick
  an arbitrary row among ties, so neither is used);
* counts are ``count(CASE WHEN .. THEN 1 END)``, not ``count(*) FILTER (WHERE ..)``;
* coalition membership is a join with a ``members`` relation (no array parameter, no ``IN``
  subquery inside an aggregate, which Spark rejects);
* ``max(total)`` instead of ``any_value``; parameters are positional ``?`` (DuckDB binds them; on
  Spark, :mod:`rexlib.scale.engine` inlines them as typed literals with sqlglot).

Shares are of the sum over the parts (countries and ``ROW``); a ``WLD`` row (a publisher's world
total, or a customs record's partner "World") is never summed. HHI = Σ share² with shares in
percent (0–10,000), bounded for the remainder exactly as :func:`rexlib.metrics.hhi_bounds` does
when the parts sum to the total: ``hhi_low`` counts ``ROW`` as infinitely many tiny producers,
``hhi_high`` as one.
"""
from __future__ import annotations

from rexlib.core.ids import REST_OF_WORLD, WORLD


def _keys(keys: tuple[str, ...], alias: str = "") -> str:
    return ", ".join(f"{alias}{k}" for k in keys)


def _join_on(keys: tuple[str, ...], left: str, right: str) -> str:
    return " AND ".join(f"{left}.{k} = {right}.{k}" for k in keys)


def _base(keys: tuple[str, ...], who: str, value: str, source: str, where: str) -> str:
    """One positive value per group × who, without the world row; shared by both rules."""
    return f"""base AS (
    SELECT {_keys(keys)}, {who} AS who, sum(CAST({value} AS DOUBLE)) AS v
    FROM {source}
    WHERE {who} <> '{WORLD}' AND {value} IS NOT NULL AND {value} > 0{where}
    GROUP BY {_keys(keys)}, {who}
)"""


def concentration_sql(keys: tuple[str, ...], who: str, value: str, *, source: str = "src", where: str = "",
                      who_name: str = "country", count_name: str = "n_countries") -> str:
    """Per group (``keys``): total, hhi_low/hhi_high, top-1 share and code, top-3, China and
    remainder shares (percent) and the number of named parts (``count_name``).

    ``where`` is appended to the WHERE clause (``" AND (? IS NULL OR year = ?)"``); its
    placeholders are the only parameters.
    """
    k = _keys(keys)
    return f"""WITH {_base(keys, who, value, source, where)},
totals AS (
    SELECT {k}, sum(v) AS total FROM base GROUP BY {k}
),
shares AS (
    SELECT {_keys(keys, 'b.')}, b.who, 100.0 * b.v / t.total AS share, t.total,
           row_number() OVER (PARTITION BY {_keys(keys, 'b.')}
                              ORDER BY CASE WHEN b.who <> '{REST_OF_WORLD}' THEN 0 ELSE 1 END, b.v DESC, b.who) AS rk
    FROM base b JOIN totals t ON {_join_on(keys, 'b', 't')}
)
SELECT {k},
       max(total) AS total,
       sum(CASE WHEN who <> '{REST_OF_WORLD}' THEN share * share ELSE 0 END) AS hhi_low,
       sum(share * share) AS hhi_high,
       max(CASE WHEN rk = 1 AND who <> '{REST_OF_WORLD}' THEN share END) AS top1_share,
       max(CASE WHEN rk = 1 AND who <> '{REST_OF_WORLD}' THEN who END) AS top1_{who_name},
       sum(CASE WHEN who <> '{REST_OF_WORLD}' AND rk <= 3 THEN share ELSE 0 END) AS top3_share,
       sum(CASE WHEN who = 'CHN' THEN share ELSE 0 END) AS china_share,
       sum(CASE WHEN who = '{REST_OF_WORLD}' THEN share ELSE 0 END) AS remainder_share,
       count(CASE WHEN who <> '{REST_OF_WORLD}' THEN 1 END) AS {count_name}
FROM shares
GROUP BY {k}
ORDER BY {k}
"""


def coverage_sql(keys: tuple[str, ...], who: str, value: str, *, source: str = "src", where: str = "",
                 share_name: str = "coverage_pct", count_name: str = "members_producing") -> str:
    """Per group: the share (percent) of the parts' sum held by the countries in the relation
    ``members`` (one column ``country``), and how many members have a positive value.

    ``ROW`` is never a member (the caller drops it from ``members``): a remainder cannot be
    attributed to any group.
    """
    k = _keys(keys)
    return f"""WITH {_base(keys, who, value, source, where)}
SELECT {_keys(keys, 'b.')},
       100.0 * sum(CASE WHEN m.country IS NOT NULL THEN b.v ELSE 0 END) / sum(b.v) AS {share_name},
       count(CASE WHEN m.country IS NOT NULL THEN 1 END) AS {count_name}
FROM base b LEFT JOIN members m ON b.who = m.country
GROUP BY {_keys(keys, 'b.')}
ORDER BY {k}
"""


def yearly_totals_sql(keys: tuple[str, ...], who: str, value: str, *, source: str = "src",
                      order: tuple[str, ...] | None = None) -> str:
    """One row per group × who with the summed value: what the two rules need of a finer panel.
    ``order`` (default ``keys``) sorts the output, so a year-first order keeps Parquet row-group
    statistics selective for one-year queries."""
    return f"""SELECT {_keys(keys)}, {who}, sum({value}) AS {value} FROM {source}
WHERE {value} IS NOT NULL GROUP BY {_keys(keys)}, {who}
ORDER BY {_keys(order or keys)}"""


# The production shape (mineral_id, stage, country, year, value), as rexlib.scale always had it.
PRODUCTION_KEYS = ("mineral_id", "stage", "year")
PRODUCTION_FILTER = " AND (? IS NULL OR stage = ?) AND (? IS NULL OR year = ?)"
CONCENTRATION_SQL = concentration_sql(PRODUCTION_KEYS, "country", "value", where=PRODUCTION_FILTER)
COVERAGE_SQL = coverage_sql(PRODUCTION_KEYS, "country", "value", where=PRODUCTION_FILTER)
