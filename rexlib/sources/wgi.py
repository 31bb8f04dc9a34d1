"""World Bank Worldwide Governance Indicators (WGI, 2023 update, data 1996–2022) -> tidy frame.

Source: World Bank, Worldwide Governance Indicators (Kaufmann & Kraay), bulk CSV ``WGIData.csv``
(staged from a GitHub mirror; the file itself states no licence).

Quirks handled here (see /work/shared/data/MANIFEST-other.md):

* UTF-8 byte-order mark before the first header -> read with ``utf-8-sig``.
* Every line ends with a comma, giving an empty unnamed last column -> dropped.
* Wide layout: one column per year (1996, 1998, 2000, 2002–2022; no 1997/1999/2001), every value a
  quoted string, some in scientific notation (``4.70589620817918E-05``).
* Missing values are empty strings (no ``..`` tokens in this vintage). Blank cells are dropped
  silently; any other non-numeric token is dropped and reported as a quality issue.
* Country codes are ISO 3166-1 alpha-3 except ``XKX`` (Kosovo, a World Bank code) and ``ANT``
  (Netherlands Antilles, dissolved 2010, withdrawn from ISO 3166-1). Both are kept unchanged.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

ESTIMATES = ("VA.EST", "PV.EST", "GE.EST", "RQ.EST", "RL.EST", "CC.EST")
NON_ISO_CODES = {"XKX": "Kosovo (World Bank code)", "ANT": "Netherlands Antilles (dissolved 2010)"}
WGI_COLUMNS = ["iso3", "country_name", "indicator", "indicator_name", "year", "value"]
_YEAR_RE = re.compile(r"^\d{4}$")
_ID_COLUMNS = {"Country Name": "country_name", "Country Code": "iso3",
               "Indicator Name": "indicator_name", "Indicator Code": "indicator"}


def _issue(path, line, column, raw, action, reason) -> dict:
    return {"file": Path(path).name, "line": str(line), "column": column, "raw_value": raw,
            "action": action, "reason": reason}


def read_wgi(path) -> tuple[pd.DataFrame, list[dict]]:
    """Read ``WGIData.csv`` into tidy rows ``iso3, country_name, indicator, indicator_name, year, value``.

    ``indicator`` is the World Bank series code (``PV.EST``, ``PV.STD.ERR``, ``PV.NO.SRC``,
    ``PV.PER.RNK``, ``PV.PER.RNK.LOWER``, ``PV.PER.RNK.UPPER``, likewise for CC, GE, RQ, RL, VA).
    Estimates (``*.EST``) are on the WGI's standard-normal scale, roughly -2.5 (weak) .. 2.5 (strong).

    Country codes are kept exactly as published: ISO3 except ``XKX`` (Kosovo) and ``ANT``
    (Netherlands Antilles), which are not ISO 3166-1 alpha-3 codes but are kept as they are.

    Missing values: blank cells are omitted without a quality issue; any other token that is not a
    number (e.g. ``..``) is omitted and reported. Quality issues are dicts with keys file, line
    (CSV line number as a string, header = 1), column, raw_value, action, reason.
    """
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    issues: list[dict] = []
    raw.columns = [str(c).strip() for c in raw.columns]
    extra = [c for c in raw.columns if c not in _ID_COLUMNS and not _YEAR_RE.match(c)]
    for c in extra:
        filled = raw[c].str.strip() != ""
        if filled.any():  # the trailing-comma column should be empty; say so if it is not
            for i in raw.index[filled]:
                issues.append(_issue(path, int(i) + 2, c, raw.at[i, c], "dropped", "value in unnamed column"))
    missing = [c for c in _ID_COLUMNS if c not in raw.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    year_cols = [c for c in raw.columns if _YEAR_RE.match(c)]
    raw = raw[list(_ID_COLUMNS) + year_cols].rename(columns=_ID_COLUMNS)
    for c in _ID_COLUMNS.values():
        raw[c] = raw[c].str.strip()
    raw["_line"] = raw.index + 2

    long = raw.melt(id_vars=list(_ID_COLUMNS.values()) + ["_line"], value_vars=year_cols,
                    var_name="year", value_name="raw")
    long["raw"] = long["raw"].str.strip()
    long = long[long["raw"] != ""]
    long["value"] = pd.to_numeric(long["raw"], errors="coerce")
    bad = long["value"].isna() | ~long["value"].map(lambda v: math.isfinite(v) if pd.notna(v) else False)
    for _, row in long[bad].iterrows():
        issues.append(_issue(path, int(row["_line"]), row["year"], row["raw"], "omitted",
                             "value is not a number"))
    long = long[~bad]

    bad_code = ~raw["iso3"].str.fullmatch(r"[A-Z]{3}")
    for _, row in raw[bad_code].iterrows():
        issues.append(_issue(path, int(row["_line"]), "Country Code", row["iso3"], "kept",
                             "country code is not three uppercase letters"))

    tidy = long.assign(year=long["year"].astype(int), value=long["value"].astype(float))[WGI_COLUMNS]
    tidy = tidy.sort_values(["iso3", "indicator", "year"], kind="stable").reset_index(drop=True)
    return tidy, issues


def governance_scores(wgi: pd.DataFrame, year: int, indicators=ESTIMATES) -> pd.DataFrame:
    """Governance score per country for one year, on the EU criticality 0–10 scale.

    Returns ``iso3, wgi_mean, wgi_scaled, n_indicators``:

    * ``wgi_mean``: unweighted mean of the available estimates among ``indicators`` (default the
      six WGI dimensions VA, PV, GE, RQ, RL, CC ``.EST``), each on the WGI scale -2.5 .. 2.5
      (higher = better governance).
    * ``wgi_scaled = (2.5 - wgi_mean) * 2``: the linear rescale used in the EU criticality
      methodology, where 0 = best governance and 10 = worst (+2.5 -> 0, -2.5 -> 10). Reference:
      European Commission (2017), "Methodology for establishing the EU list of critical raw
      materials", Publications Office of the EU, Luxembourg (WGI used in the
      supply-risk indicator, rescaled to 0–10). Estimates slightly outside ±2.5 exist in the WGI, so
      the result is clipped to 0..10.
    * ``n_indicators``: how many of ``indicators`` were present for that country and year. Countries
      with none are omitted; countries with fewer than all are kept (check ``n_indicators``).
    """
    indicators = tuple(indicators)
    sub = wgi[(wgi["year"] == year) & (wgi["indicator"].isin(indicators))]
    sub = sub.drop_duplicates(["iso3", "indicator"])
    grouped = sub.groupby("iso3")["value"]
    out = pd.DataFrame({"wgi_mean": grouped.mean(), "n_indicators": grouped.count()}).reset_index()
    out["wgi_scaled"] = ((2.5 - out["wgi_mean"]) * 2).clip(0.0, 10.0)
    out["n_indicators"] = out["n_indicators"].astype(int)
    return out[["iso3", "wgi_mean", "wgi_scaled", "n_indicators"]].sort_values("iso3").reset_index(drop=True)


WGI_METHOD = ("WGI 2023 update (Kaufmann & Kraay, World Bank), mean of the six *.EST estimates, "
              "rescaled (2.5 - mean) x 2 to 0 (best)..10 (worst) as in European Commission (2017), "
              "Methodology for establishing the EU list of critical raw materials")
