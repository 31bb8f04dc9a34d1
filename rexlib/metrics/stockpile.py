"""Project Vault: what a stockpile budget buys at USGS prices, and how many months of U.S. supply it covers.

Per mineral (declared in ``rexlib/metadata/stockpile.yml``: which price measure, which consumption
measure, the form bought and any caveat):

* ``price_usd_per_kg``: the newest known price of the declared MCS2026 price measure (``prices``
  table, units normalised by the build; dollars per pound x 1/0.45359237, per metric ton / 1000, per
  dry metric ton unit / 10), with its year, flag, measure and raw line;
* ``quantity_kg = budget_usd / price_usd_per_kg`` (the form bought; ``content`` converts it to the
  consumption's measure, e.g. lithium content in lithium carbonate);
* ``annual_consumption_kg``: the newest year of the declared consumption measure (``us_salient``);
* ``annual_net_imports_kg = consumption x NIR / 100`` with NIR the headline net import reliance
  (``metrics._common.nir``, the one rule in ``series.yml``); a bound (``>50``) keeps its number and is
  said (months are then an upper bound); a net exporter (``E``) has no net imports to cover;
* ``months_covered = quantity (content) / (annual basis / 12)``; ``cost_of_months_usd`` the cost of
  ``months`` months of the basis at the price.

Withheld (W), not available or undeclared values give NaN and a ``status`` saying which, never a zero
or an invented price.
"""
from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import yaml

from rexlib.core import validate as v
from rexlib.query.warehouse import query
from . import _common as c

__all__ = ["stockpile", "stockpile_presets", "stockpile_rules", "BASES", "SPLITS"]

RULES_FILE = Path(__file__).resolve().parents[1] / "metadata" / "stockpile.yml"
BASES = ("net_imports", "consumption")
SPLITS = ("equal", "net_import_value")
LB_KG = 0.45359237
# price unit -> factor to dollars per kilogram of the priced form
_PER_KG = {"dollars per kilogram": 1.0, "dollars per pound": 1.0 / LB_KG, "dollars per metric ton": 1e-3,
           "dollars per dry metric ton unit": 0.1, "dollars per gram": 1e3, "dollars per troy ounce": 1e3 / 31.1034768}
# consumption unit -> kilograms
_KG = {"kilograms": 1.0, "metric tons": 1e3, "thousand metric tons": 1e6, "million metric tons": 1e9}


@lru_cache(maxsize=1)
def stockpile_rules() -> dict:
    """The declarations of ``rexlib/metadata/stockpile.yml``."""
    return yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))


def stockpile_presets() -> pd.DataFrame:
    """The declared budget scenarios (``stockpile.yml`` ``presets``) with their dollars from the curated
    ``deals`` table: preset, label, deals, budget_usd, sources (the documents the deals cite)."""
    deals = query("SELECT deal_id, amount_usd, source_doc, source_quote FROM deals")
    by_id = {r.deal_id: r for r in deals.itertuples()}
    rows = []
    for key, decl in stockpile_rules()["presets"].items():
        ids = decl["deals"]
        missing = [d for d in ids if d not in by_id]
        if missing:
            raise KeyError(f"stockpile.yml preset {key}: deals {missing} not in data/curated/deals.csv")
        rows.append(dict(preset=key, label=decl["label"], deals=";".join(ids),
                         budget_usd=float(sum(by_id[d].amount_usd for d in ids)),
                         sources="; ".join(f"{d}: {by_id[d].source_doc}" for d in ids)))
    return pd.DataFrame(rows)


def default_budget() -> float:
    """The documents' scenario: the amount of ``stockpile.yml`` ``default_deal`` (D004, $12 billion)."""
    presets = stockpile_presets()
    deal = stockpile_rules()["default_deal"]
    return float(presets.loc[presets["deals"] == deal, "budget_usd"].iloc[0])


def _pick(frame: pd.DataFrame, text: str) -> pd.DataFrame:
    return frame[frame["measure"].str.contains(text, regex=False)]


def _newest(frame: pd.DataFrame) -> pd.Series | None:
    if frame.empty:
        return None
    return frame.sort_values("year").iloc[-1]


def _known(row: pd.Series | None) -> bool:
    return row is not None and pd.notna(row["value"]) and not c.has_flag(row["flag"], *c.UNKNOWN_FLAGS)


def _why_unknown(row: pd.Series | None, what: str) -> str:
    if row is None:
        return f"no {what} series"
    flag = str(row["flag"] or "")
    word = "withheld (W)" if "withheld" in flag else "not available (NA)" if "not_available" in flag else "not published"
    return f"{what} {word} for {int(row['year'])} (MCS2026 line {int(row['source_line'])})"


def _inputs(mid: str) -> dict:
    """Price, consumption and NIR of one mineral under the declared measures."""
    decl = (stockpile_rules().get("minerals") or {}).get(mid)
    out: dict = dict(mineral_id=mid, form="", caveat="", status=[], content=1.0, nir_pct=None, nir_bound="none",
                     nir_year=None, nir_measure="")
    if decl is None:
        out["status"].append("no price/consumption measure declared in rexlib/metadata/stockpile.yml")
        return out
    out["form"], out["caveat"] = decl.get("form", ""), decl.get("caveat", "")
    content = float(decl.get("content", 1.0))
    prices = query("SELECT * FROM prices WHERE mineral_id = ? ORDER BY year", [mid])
    series = _pick(prices, decl["price"])
    if series["measure"].nunique() > 1:
        raise ValueError(f"stockpile.yml {mid}: price {decl['price']!r} matches {sorted(series['measure'].unique())}")
    known = series[series["value"].notna() & ~series["flag"].map(lambda f: c.has_flag(f, *c.UNKNOWN_FLAGS))]
    price = _newest(known)
    if price is None:
        out["status"].append(_why_unknown(_newest(series), "price"))
    elif price["unit"] not in _PER_KG:
        out["status"].append(f"price unit {price['unit']!r} has no conversion to dollars per kilogram")
        price = None
    if price is not None:
        out.update(price_measure=price["measure"], price_year=int(price["year"]), price=float(price["value"]),
                   price_unit=price["unit"], price_flag=price["flag"] or "",
                   price_usd_per_kg=float(price["value"]) * _PER_KG[price["unit"]],
                   price_source=f"{price['source_file']} line {int(price['source_line'])}")
    cons_rows = query("SELECT * FROM us_salient WHERE mineral_id = ? AND statistic = 'Consumption' ORDER BY year", [mid])
    cons_series = _pick(cons_rows, decl["consumption"])
    cons = _newest(cons_series)       # the newest year, even when withheld: an older year is not substituted
    if cons is not None and len(cons_series[cons_series["year"] == cons["year"]]) > 1:
        raise ValueError(f"stockpile.yml {mid}: consumption {decl['consumption']!r} matches several measures")
    if _known(cons) and cons["unit"] in _KG:
        out.update(consumption_measure=cons["measure"], consumption_year=int(cons["year"]),
                   consumption=float(cons["value"]), consumption_unit=cons["unit"], consumption_flag=cons["flag"] or "",
                   annual_consumption_kg=float(cons["value"]) * _KG[cons["unit"]],
                   consumption_source=f"{cons['source_file']} line {int(cons['source_line'])}")
    else:
        out["status"].append(_why_unknown(cons, "consumption") if not _known(cons)
                             else f"consumption unit {cons['unit']!r} is not a mass")
        if cons is not None:
            out.update(consumption_measure=cons["measure"], consumption_year=int(cons["year"]),
                       consumption_flag=cons["flag"] or "",
                       consumption_source=f"{cons['source_file']} line {int(cons['source_line'])}")
    nir = c.nir(mid, out.get("consumption_year"))
    out.update(nir_pct=nir.pct, nir_bound=nir.bound, nir_year=nir.year, nir_measure=nir.measure, content=content)
    return out


def _annual_basis(row: dict, basis: str) -> tuple[float, str]:
    """Annual kilograms of the basis (consumption or net imports) and a note; NaN with the reason."""
    cons = row.get("annual_consumption_kg", np.nan)
    if basis == "consumption":
        return cons, ""
    if row["nir_pct"] is None:
        return np.nan, f"net import reliance {row['nir_bound']} (unknown)"
    if row["nir_bound"] == "E":
        return np.nan, "net exporter (E): no net imports to cover"
    note = f"NIR {'more than ' if row['nir_bound'] == '>' else 'less than ' if row['nir_bound'] == '<' else ''}" \
           f"{row['nir_pct']:g} %"
    if row["nir_bound"] == ">":
        note += ": net imports at least this, months at most"
    return cons * min(row["nir_pct"], 100.0) / 100.0, note


def _weights(rows: list[dict], split: str | Mapping[str, float]) -> dict[str, float]:
    mids = [r["mineral_id"] for r in rows]
    if isinstance(split, Mapping):
        weights = {c.mineral(k): c.number(f"split[{k}]", w, 0) for k, w in split.items()}
        unknown = sorted(set(weights) - set(mids))
        if unknown:
            raise v.InvalidArgument("split", unknown, mids, " (split weights must name minerals asked for)")
    elif split == "equal":
        weights = {m: 1.0 for m in mids}
    else:
        weights = {}
        for r in rows:
            annual, _ = _annual_basis(r, "net_imports")
            value = annual * r.get("price_usd_per_kg", np.nan) / r["content"]
            weights[r["mineral_id"]] = value if np.isfinite(value) else 0.0
            if not np.isfinite(value):
                r["status"].append("no budget under net_import_value: its net import value cannot be computed")
    total = sum(weights.values())
    if total <= 0:
        raise v.InvalidArgument("split", split, SPLITS, " (no mineral has a positive weight)")
    return {m: weights.get(m, 0.0) / total for m in mids}


def stockpile(budget_usd: float | None = None, minerals: Sequence[str] | str | None = None,
              basis: str = "net_imports", *, months: float = 12.0,
              split: str | Mapping[str, float] = "equal") -> pd.DataFrame:
    """What a stockpile budget buys per mineral at the newest USGS price and how many months of U.S.
    net imports (``basis='net_imports'``) or apparent consumption (``basis='consumption'``) it covers.

    ``budget_usd``: dollars (default: the documents' Project Vault, $12 billion, deals D004);
    ``minerals``: ids (default ``stockpile.yml`` ``default_minerals``); ``months``: the months of the
    basis whose cost ``cost_of_months_usd`` gives; ``split``: ``'equal'``, ``'net_import_value'`` or
    ``{mineral: weight}`` (see ``stockpile.yml`` ``split_rule``).

    One row per mineral: budget share and dollars, price (measure, unit, year, flag, $/kg, source
    line), form bought and caveat, quantity (kg of the form; metric tons), consumption and NIR used,
    annual basis (kg of content), months covered, cost of ``months`` months, and ``status`` ('ok' or
    every reason a figure is missing). Quantities and months are NaN where an input is withheld or
    missing, never zero.
    """
    basis = v.choice("basis", basis, BASES)
    budget = default_budget() if budget_usd is None else c.number("budget_usd", budget_usd, 0)
    months = c.number("months", months, 0, 1200)
    if isinstance(split, str):
        split = v.choice("split", split, SPLITS)
    elif not isinstance(split, Mapping):
        raise v.InvalidArgument("split", split, SPLITS, " (or a mapping {mineral: weight})")
    if minerals is None:
        mids = list(stockpile_rules()["default_minerals"])
    else:
        if not isinstance(minerals, (str, list, tuple)):
            raise v.InvalidArgument("minerals", minerals, [], " (a mineral id or a list of ids)")
        names = [minerals] if isinstance(minerals, str) else list(minerals)
        if not names:
            raise v.InvalidArgument("minerals", minerals, c.minerals_table()["mineral_id"], " (give at least one)")
        mids = list(dict.fromkeys(c.mineral(m) for m in names))
    rows = [_inputs(m) for m in mids]
    shares = _weights(rows, split)
    out = []
    for r in rows:
        share = shares[r["mineral_id"]]
        dollars = budget * share
        price = r.get("price_usd_per_kg", np.nan)
        qty = dollars / price if np.isfinite(price) and price > 0 else np.nan
        annual, note = _annual_basis(r, basis)
        monthly_content = annual / 12.0
        months_cov = qty * r["content"] / monthly_content if np.isfinite(qty) and monthly_content > 0 else np.nan
        cost = months * monthly_content / r["content"] * price if np.isfinite(price) else np.nan
        status = list(r["status"])
        if basis == "net_imports" and note and not np.isfinite(annual) and not any("consumption" in s for s in status):
            status.append(note)
        out.append(dict(
            mineral_id=r["mineral_id"], basis=basis, split=split if isinstance(split, str) else "weights",
            budget_share_pct=share * 100.0, budget_usd=dollars,
            price_measure=r.get("price_measure", ""), price=r.get("price", np.nan), price_unit=r.get("price_unit", ""),
            price_year=r.get("price_year"), price_flag=r.get("price_flag", ""), price_usd_per_kg=price,
            price_source=r.get("price_source", ""), form=r["form"], caveat=r["caveat"], content=r["content"],
            quantity_kg=qty, quantity_t=qty / 1e3 if np.isfinite(qty) else np.nan,
            consumption_measure=r.get("consumption_measure", ""), consumption_year=r.get("consumption_year"),
            consumption=r.get("consumption", np.nan), consumption_unit=r.get("consumption_unit", ""),
            consumption_flag=r.get("consumption_flag", ""), consumption_source=r.get("consumption_source", ""),
            nir_pct=r["nir_pct"], nir_bound=r["nir_bound"], nir_year=r["nir_year"],
            annual_basis_kg=annual, basis_note=note, months_covered=months_cov,
            months=months, cost_of_months_usd=cost,
            status="ok" if not status else "; ".join(status)))
    frame = pd.DataFrame(out)
    for col in ("price_year", "consumption_year", "nir_year"):
        frame[col] = frame[col].astype("Int64")
    frame["nir_pct"] = pd.to_numeric(frame["nir_pct"], errors="coerce")
    return frame


def months_text(value: float) -> str:
    """Months for people: "1,451.9", "not computable" for NaN (withheld or missing inputs)."""
    return "not computable" if value is None or not math.isfinite(value) else f"{value:,.1f}"
