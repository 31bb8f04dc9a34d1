"""USGS MCS2026 Figure 10 (price growth) and Figure 13 (scrap) checked (issue 27).

Figure 10 prints, per priced critical mineral, the 2024-2025 percent change and the 2021-2025
compound annual growth rate, rounded to whole percent. :func:`price_growth_comparison` recomputes
both from the ``prices`` table (MCS2026 salient statistics, units normalised) for every price series
of the mineral:

* ``change_pct = p2025 / p2024 × 100 − 100``;
* ``cagr_pct = (p2025 / p2021) ^ (1/4) × 100 − 100``;

and says which series reproduces USGS's figure (both within ``TOLERANCE_PP`` = 1 pp: the figure is
rounded to whole percent). Where none does, the figure is not reproduced and the row says so (no
number is changed). Withheld or missing prices give NaN, never 0. The build stores the result as
publisher checks (:func:`run_usgs_trends_checks`); ``rexlib.metrics.usgs_trends`` shows it.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

TOLERANCE_PP = 1.0


def _words(text: object) -> set[str]:
    low = str(text).lower().replace("london metal exchange", "lme").replace("u.s.", "united states")
    return {w for w in re.findall(r"[a-z]+", low) if len(w) > 2}


def _market(label: str) -> str | None:
    """The market a Figure 10 label names in parentheses ('Cobalt (U.S. spot cathode)'); a product
    after a comma ('Cerium, oxide') is the chapter's one series and names no market."""
    m = re.search(r"\(([^)]*)\)", label)
    return m.group(1) if m else None


def price_growth_comparison(fig: pd.DataFrame, prices: pd.DataFrame) -> pd.DataFrame:
    """``fig`` (the ``usgs_price_growth`` rows) beside ``prices`` (the ``prices`` table): one row per
    Figure 10 row: label, price_series, basis,
    usgs_change_pct, usgs_cagr_pct (as printed), the rex series that reproduces it best (``measure``,
    ``unit``, ``rex_change_pct``, ``rex_cagr_pct``, prices ``p2021``/``p2024``/``p2025`` and whether
    2025 is estimated), ``status`` (reproduced | reproduced_by_another_series: the numbers match a
    series other than the one the label names | reproduced_by_another_row: the numbers printed on
    another row are this mineral's, the rows look swapped | not_reproduced | no_series) and ``note``."""
    prices = prices[prices["year"].isin([2021, 2024, 2025])]
    rows, series_of = [], {}
    for f in fig.itertuples():
        sub = prices[prices["mineral_id"] == f.mineral_id]
        cands = []
        for (measure, unit), g in sub.groupby(["measure", "unit"], sort=True):
            p = {int(y): v for y, v in zip(g["year"], g["value"])}
            p21, p24, p25 = (p.get(y, np.nan) for y in (2021, 2024, 2025))
            chg = p25 / p24 * 100 - 100 if p24 and not np.isnan(p24) and not np.isnan(p25) else np.nan
            cagr = (p25 / p21) ** 0.25 * 100 - 100 if p21 and not np.isnan(p21) and not np.isnan(p25) else np.nan
            err = max(abs(chg - f.pct_change_2024_2025), abs(cagr - f.cagr_2021_2025_pct))
            est = "estimated" in str(g.loc[g["year"] == 2025, "flag"].max())
            market = _market(f.label)
            named = bool(_words(market) & _words(measure)) if market else True
            cands.append(dict(measure=measure, unit=unit, p2021=p21, p2024=p24, p2025=p25, estimated_2025=est,
                              rex_change_pct=chg, rex_cagr_pct=cagr, err=err, named=named))
        base = dict(mineral_id=f.mineral_id, label=f.label, price_series=f.price_series, basis=f.basis,
                    usgs_change_pct=f.pct_change_2024_2025, usgs_cagr_pct=f.cagr_2021_2025_pct,
                    source_line=f.source_line)
        if not cands:
            rows.append(dict(base, measure=None, unit=None, p2021=np.nan, p2024=np.nan, p2025=np.nan,
                             estimated_2025=False, rex_change_pct=np.nan, rex_cagr_pct=np.nan, status="no_series",
                             note="no price series for this mineral in the MCS2026 salient statistics"))
            continue
        ok = [x for x in cands if x["err"] <= TOLERANCE_PP]
        best = min(ok or cands, key=lambda x: (not x["named"], np.nan_to_num(x["err"], nan=1e9)))
        named = [x for x in cands if x["named"]]
        if ok and best["named"]:
            status, note = "reproduced", f"within {TOLERANCE_PP:g} pp (USGS rounds to whole percent)"
        elif ok:
            status = "reproduced_by_another_series"
            note = (f"the label names '{_market(f.label)}', but its numbers are those of '{best['measure']}'"
                    + (f"; '{named[0]['measure']}' gives {named[0]['rex_change_pct']:+.0f} % and "
                       f"{named[0]['rex_cagr_pct']:+.0f} %/yr" if named else ""))
        else:
            status = "not_reproduced"
            note = (f"no salient price series gives both figures within {TOLERANCE_PP:g} pp; closest shown"
                    if not np.isnan(best["err"]) else "the salient series lacks 2021, 2024 or 2025")
        series_of[f.source_line] = cands
        best = {k: v for k, v in best.items() if k not in ("err", "named")}
        rows.append(dict(base, **best, status=status, note=note))
    out = pd.DataFrame(rows)
    # A row no series of its mineral reproduces may carry another row's numbers (two rows swapped).
    for i in out.index[out["status"] == "not_reproduced"]:
        for j in out.index[out.index != i]:
            other = out.loc[j]
            match = [x for x in series_of.get(int(out.at[i, "source_line"]), [])
                     if max(abs(x["rex_change_pct"] - other["usgs_change_pct"]),
                            abs(x["rex_cagr_pct"] - other["usgs_cagr_pct"])) <= TOLERANCE_PP]
            if match:
                for k, val in match[0].items():
                    if k not in ("err", "named"):
                        out.at[i, k] = val
                out.at[i, "status"] = "reproduced_by_another_row"
                out.at[i, "note"] = (f"the figures USGS prints for '{other['label']}' (line {int(other['source_line'])}: "
                                     f"{other['usgs_change_pct']:+.0f} %, {other['usgs_cagr_pct']:+.0f} %/yr) are this "
                                     f"mineral's ('{match[0]['measure']}': {match[0]['rex_change_pct']:+.1f} %, "
                                     f"{match[0]['rex_cagr_pct']:+.1f} %/yr): the two rows look swapped")
                break
    return out


FIG13_TOLERANCE_PP = 0.1


def run_usgs_trends_checks(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Publisher checks: ``fig13_value_split`` (domestic + imported + exported = 100 % of each scrap
    type's value, within rounding) and ``fig10_price_growth`` (Figure 10's 2024-2025 change against
    the named series of the salient prices: pass when reproduced; fail when only another series or
    another row reproduces it: the allow-list in corrections.yml says why)."""
    rows = []
    for r in tables["usgs_scrap"].itertuples():
        total = r.pct_domestic + r.pct_imported + r.pct_exported
        rows.append(dict(check="fig13_value_split", subject=f"{r.label}/{r.year}", expected=100.0, computed=total,
                         difference=total - 100, tolerance=FIG13_TOLERANCE_PP, key=(r.label,),
                         status="pass" if abs(total - 100) <= FIG13_TOLERANCE_PP else "fail", reason=""))
    comp = price_growth_comparison(tables["usgs_price_growth"], tables["prices"])
    for r in comp.itertuples():
        status = {"reproduced": "pass", "no_series": "not_comparable"}.get(r.status, "fail")
        rows.append(dict(check="fig10_price_growth", subject=f"{r.label} (line {r.source_line})",
                         expected=r.usgs_change_pct, computed=r.rex_change_pct,
                         difference=r.rex_change_pct - r.usgs_change_pct, tolerance=TOLERANCE_PP,
                         key=(r.mineral_id,), status=status, reason=f"{r.status}: {r.note}"))
    return pd.DataFrame(rows)
