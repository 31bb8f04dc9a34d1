"""Price volatility of mineral price series and price floors from deals.

Sources: USGS MCS2026 salient statistics price series (``prices`` table, 2021–2025, units
normalised, e.g. cents per pound → dollars per pound) and the curated ``deals`` table.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from rexlib.core import validate as v
from rexlib.query.warehouse import query
from . import _common as c

__all__ = ["price_volatility", "price_floors"]


def price_volatility(mineral: str | None = None, start: int = 2021, end: int = 2025, *,
                     min_years: int = 3) -> pd.DataFrame:
    """Volatility per mineral and price measure over ``start``–``end``.

    * ``cv_pct = sample std (ddof=1) / mean × 100`` over the years with a known price;
    * ``max_yoy_pct``: the largest absolute year-on-year change ``|p_t / p_{t−1} − 1| × 100``,
      only between consecutive years that are both known; ``max_yoy_years`` names them.

    Withheld/NA/qualitative prices are never treated as zero: they are dropped and listed in
    ``missing_years``; measures with fewer than ``min_years`` known prices get NaN statistics.
    Columns: mineral_id, measure, unit, n_years, mean, cv_pct, max_yoy_pct, max_yoy_years,
    first, last, missing_years, estimated_years, vintage.
    """
    years = sorted(int(y) for y in query("SELECT DISTINCT year FROM prices")["year"])
    start = v.year("start", start, years)
    end = v.year("end", end, years)
    if end <= start:
        raise v.InvalidArgument("end", end, [y for y in years if y > start], " (end must be after start)")
    min_years = int(c.number("min_years", min_years, 2, 50))
    params: list = [start, end]
    sql = "SELECT * FROM prices WHERE year BETWEEN ? AND ?"
    if mineral is not None:
        sql += " AND mineral_id = ?"
        params.append(c.mineral(mineral))
    frame = query(sql + " ORDER BY mineral_id, measure, year", params)
    rows = []
    for (mid, measure), g in frame.groupby(["mineral_id", "measure"], sort=True):
        g = g.sort_values("year").drop_duplicates("year", keep="last")
        unknown = g["value"].isna() | g["flag"].map(lambda f: c.has_flag(f, *c.UNKNOWN_FLAGS))
        known = g[~unknown]
        missing = sorted(set(range(start, end + 1)) - set(known["year"].astype(int)))
        est = [int(y) for y, f in zip(g["year"], g["flag"]) if c.has_flag(f, "estimated")]
        n = len(known)
        cv = yoy = np.nan
        yoy_years = ""
        if n >= min_years and known["value"].mean() != 0:
            cv = float(known["value"].std(ddof=1) / known["value"].mean() * 100)
            series = known.set_index(known["year"].astype(int))["value"]
            best = None
            for y in series.index:
                if y - 1 in series.index and series[y - 1] != 0:
                    ch = abs(series[y] / series[y - 1] - 1) * 100
                    if best is None or ch > best[0]:
                        best = (ch, f"{y - 1}-{y}")
            if best:
                yoy, yoy_years = float(best[0]), best[1]
        rows.append(dict(mineral_id=mid, measure=measure, unit=g["unit"].iloc[0], n_years=n,
                         mean=float(known["value"].mean()) if n else np.nan, cv_pct=cv, max_yoy_pct=yoy,
                         max_yoy_years=yoy_years, first=float(known["value"].iloc[0]) if n else np.nan,
                         last=float(known["value"].iloc[-1]) if n else np.nan,
                         missing_years=";".join(map(str, missing)), estimated_years=";".join(map(str, est)),
                         vintage=g["vintage"].iloc[-1]))
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    return out.sort_values(["cv_pct", "mineral_id"], ascending=[False, True], na_position="last").reset_index(drop=True)


_FLOOR_RE = re.compile(r"\$\s*([\d,.]+)\s*/\s*(kg|kilogram|lb|pound|t|ton|tonne|metric ton)\b", re.I)
_UNITS = {"kg": "dollars per kilogram", "kilogram": "dollars per kilogram", "lb": "dollars per pound",
          "pound": "dollars per pound", "t": "dollars per metric ton", "ton": "dollars per metric ton",
          "tonne": "dollars per metric ton", "metric ton": "dollars per metric ton"}
# Price measure to compare a floor with, per deal mineral set (NdPr -> the USGS NdPr oxide series).
_NDPR = ("neodymium", "praseodymium")


def price_floors() -> pd.DataFrame:
    """Price floors (``instrument = 'price_floor'``) against USGS market prices.

    The floor level is read from ``amount_note`` (pattern ``$<number>/<kg|lb|t>``); it is compared
    with the USGS price series of the same unit: for NdPr (neodymium;praseodymium) the USGS rare
    earths "Neodymium-praseodymium (NdPr) oxide" series, otherwise the mineral's own series in that
    unit. ``floor_vs_price_pct = (floor / price − 1) × 100`` for every year of the series
    (``premium_latest_pct`` for the newest year). Floors without a stated level, or without a price
    series in a comparable unit, are listed with ``comparable=False`` and the reason.
    """
    deals = query("SELECT deal_id, agency, minerals, stage, amount_note, notes, source_doc FROM deals "
                  "WHERE instrument = 'price_floor' ORDER BY deal_id")
    prices = query("SELECT * FROM prices ORDER BY mineral_id, measure, year")
    rows = []
    for d in deals.itertuples():
        mids = c.split_ids(d.minerals)
        m = _FLOOR_RE.search(str(d.amount_note or ""))
        base = dict(deal_id=d.deal_id, agency=d.agency, minerals=d.minerals, amount_note=d.amount_note)
        if m is None:
            rows.append(dict(base, floor=np.nan, unit=None, comparable=False, reason="no price level stated"))
            continue
        floor = float(m.group(1).replace(",", ""))
        unit = _UNITS[m.group(2).lower()]
        if set(mids) == set(_NDPR):
            cand = prices[(prices["mineral_id"] == "rare_earths") & prices["measure"].str.contains("NdPr", regex=False)]
        else:
            cand = prices[prices["mineral_id"].isin(mids)]
        cand = cand[(cand["unit"] == unit) & cand["value"].notna()]
        if cand.empty:
            rows.append(dict(base, floor=floor, unit=unit, comparable=False,
                             reason=f"no USGS price series in {unit} for {d.minerals}"))
            continue
        measure = cand["measure"].iloc[0]
        series = cand[cand["measure"] == measure].sort_values("year")
        by_year = {int(y): float(p) for y, p in zip(series["year"], series["value"])}
        latest = max(by_year)
        rows.append(dict(base, floor=floor, unit=unit, comparable=True, reason="",
                         price_measure=measure, price_latest_year=latest, price_latest=by_year[latest],
                         premium_latest_pct=(floor / by_year[latest] - 1) * 100,
                         price_min=min(by_year.values()), price_max=max(by_year.values()),
                         floor_vs_price_pct=";".join(f"{y}:{(floor / p - 1) * 100:+.0f}%" for y, p in by_year.items()),
                         years_below_floor=sum(p < floor for p in by_year.values())))
    return pd.DataFrame(rows)
