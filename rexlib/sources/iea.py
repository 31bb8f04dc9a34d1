"""IEA Critical Minerals Data Explorer (May 2024 edition) -> tidy supply, block totals and demand.

Source: IEA (2024), Critical Minerals Data Explorer, IEA, Paris,
https://www.iea.org/data-and-statistics/data-tools/critical-minerals-data-explorer (CC BY 4.0 per the
in-file Notice). The staged copy is a third-party re-upload re-saved in Excel Online; values are the
cached cell values (openpyxl ``data_only=True``).

Quirks handled here (see /work/shared/data/MANIFEST-other.md):

* Sheet ``2 Total supply for key minerals`` is a human layout: two side-by-side panels (mining in
  A–E, refining in G–K, blank F). Panels are found from the year-header row, not hard-coded.
* Each block starts with ``"<Mineral> - <Stage>"`` and ends with ``Rest of world``, a total row and
  ``Top 3 share``. The cobalt-refining total row is labelled ``Total clean technologies``; any label
  starting with ``Total`` is taken as the block total.
* ``Rest of world`` values carry float noise (47.900000000000034); values are rounded to 6 decimals.
* ``Top 3 share`` is stored as a fraction (0.47); it is returned in percent (47.2). The workbook's
  top 3 is the three largest *named* countries of that year (not the first three rows).
* The sheet title says ``base case``; the first year (2023) is the observed base year, the later
  years (2030/2035/2040) are base-case projections.
* Country labels are kept as IEA spells them (``Democratic Republic of Congo``); no ISO3 mapping.
* Only the top 4–6 countries are named per block, so a full HHI cannot be computed from this sheet.
* Workbook error (found while parsing, not in the manifest): in nickel mining, nickel refining,
  graphite battery grade (all years) and graphite mining (2030–2040) the named countries plus
  ``Rest of world`` exceed the total by exactly the value of the sixth (last-listed) country, i.e.
  ``Rest of world`` was computed as total minus the first five countries and double-counts the
  sixth (Australia, Canada, Germany, Tanzania). The totals and the ``Top 3 share`` rows follow the
  same first-five logic. ``read_iea_supply`` corrects ``Rest of world`` (published value kept in
  ``value_kt_published``) and reports each correction as a quality issue. The workbook's own
  ``Top 3 share`` is returned unchanged; it differs from the true top 3 only for graphite battery
  grade 2023 (97.78 % published, China+Japan+United States; Germany 28.2 kt > United States
  16.5 kt gives 98.35 %), also reported as a quality issue.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

SUPPLY_SHEET = "2 Total supply for key minerals"
DEMAND_SHEETS = ("1 Total demand for key minerals", "3.1 Cleantech demand by tech")

# IEA mineral wording (lower case) -> rexlib.ids mineral id.
MINERAL_IDS = {
    "copper": "copper",
    "cobalt": "cobalt",
    "lithium": "lithium",
    "nickel": "nickel",
    "graphite": "graphite",
    "magnet rare earth elements": "magnet_rare_earths",
    # demand sheets
    "graphite (all grades: natural and synthetic)": "graphite",
    "battery-grade graphite": "graphite",
    "chromium": "chromium",
    "manganese": "manganese",
    "molybdenum": "molybdenum",
    "pgms": "pgm",
    "silicon": "silicon",
    "silver": "silver",
    "zinc": "zinc",
    "neodymium": "neodymium",
}

# IEA stage wording (lower case) -> rexlib.ids.PRODUCTION_STAGES.
STAGES = {
    "mining": "mine",
    "mining (natural)": "mine",
    "refining": "refinery",
    "chemicals": "chemicals",
    "battery grade": "battery_grade",
}

_BLOCK_RE = re.compile(r"^(?P<mineral>.+?)\s+-\s+(?P<stage>.+)$")
_SCENARIOS = {
    "base case": "base_case",
    "stated policies scenario": "steps",
    "announced pledges scenario": "aps",
    "net zero emissions by 2050 scenario": "nze",
}
OBSERVED = "observed"

SUPPLY_COLUMNS = ["mineral_id", "stage", "stage_label", "country_label", "year", "value_kt", "share_pct",
                  "scenario", "source_sheet", "source_cell", "value_kt_published", "note"]
TOTAL_COLUMNS = ["mineral_id", "stage", "stage_label", "year", "scenario", "total_label", "total_kt",
                 "top3_share_pct", "top3_share_pct_computed", "source_cell", "top3_source_cell"]
DEMAND_COLUMNS = ["mineral_id", "mineral_label", "scenario", "end_use", "is_total", "year", "value_kt",
                  "source_sheet", "source_cell"]


def _text(value: object) -> str:
    if value is None:
        return ""
    return re.sub(r"\s+", " ", str(value).replace("\xa0", " ")).strip()


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not (
        isinstance(value, float) and math.isnan(value))


def _clean(value: float) -> float:
    """Round away binary float noise (47.900000000000034 -> 47.9)."""
    return round(float(value), 6)


def _issue(path, sheet, cell, column, raw, action, reason) -> dict:
    return {"file": Path(path).name, "line": f"{sheet}!{cell}", "column": column,
            "raw_value": "" if raw is None else str(raw), "action": action, "reason": reason}


def _year_header(ws, max_scan: int = 15) -> tuple[int, dict[int, int]]:
    """Return (row, {column index: year}) for the first row holding at least two year numbers."""
    for r in range(1, min(ws.max_row, max_scan) + 1):
        years = {}
        for c in range(1, ws.max_column + 1):
            v = ws.cell(r, c).value
            if _is_number(v) and float(v).is_integer() and 1990 <= v <= 2100:
                years[c] = int(v)
        if len(years) >= 2:
            return r, years
    raise ValueError(f"{ws.title}: no year header row found")


def _panels(years: dict[int, int]) -> list[tuple[int, list[int]]]:
    """Group contiguous year columns into panels: [(label column, [year columns])]."""
    panels, run = [], []
    for c in sorted(years):
        if run and c != run[-1] + 1:
            panels.append(run)
            run = []
        run.append(c)
    if run:
        panels.append(run)
    return [(run[0] - 1, run) for run in panels]


def _supply_scenario(ws, header_row: int) -> str | None:
    """Read the projection scenario from the sheet title (``... base case (kt)``)."""
    for r in range(1, header_row):
        for c in range(1, ws.max_column + 1):
            text = _text(ws.cell(r, c).value).lower()
            for words, code in _SCENARIOS.items():
                if words in text:
                    return code
    return None


def read_iea_supply(path, fix_rest_of_world: bool = True) -> tuple[pd.DataFrame, pd.DataFrame, list[dict]]:
    """Read sheet ``2 Total supply for key minerals`` of the IEA Critical Minerals Data Explorer.

    Returns ``(supply, totals, issues)``:

    * ``supply``: one row per block x country (incl. ``Rest of world``) x year with columns
      mineral_id, stage, stage_label, country_label, year, value_kt, share_pct (value / block total
      * 100), scenario (``observed`` for the first year, 2023; the sheet's own scenario — ``base_case``
      — for 2030/2035/2040), source_sheet, source_cell, value_kt_published (the cell as published)
      and note ('' unless the value was corrected).
    * ``totals``: one row per block x year: mineral_id, stage, stage_label, year, scenario,
      total_label (IEA wording, e.g. ``Total clean technologies``), total_kt, top3_share_pct (the
      workbook's ``Top 3 share`` row, converted from a fraction to percent), top3_share_pct_computed
      (the three largest named countries / total * 100), source_cell (total cell), top3_source_cell.
    * ``issues``: quality-issue dicts (file, line, column, raw_value, action, reason) for every cell
      that was not read, was skipped or corrected, and for every block/year where the parts do not
      add up to the total or the workbook's top-3 share differs from the computed one.

    ``fix_rest_of_world``: when the named countries plus ``Rest of world`` exceed the block total by
    exactly (within 0.05 kt) the value of the last-listed country, ``Rest of world`` double-counts
    that country (see module docstring); subtract it. Set False to get the cells exactly as
    published (``value_kt`` then equals ``value_kt_published`` everywhere).
    """
    wb = openpyxl.load_workbook(path, read_only=False, data_only=True)
    ws = wb[SUPPLY_SHEET]
    sheet = ws.title
    issues: list[dict] = []
    header_row, years = _year_header(ws)
    first_year = min(years.values())
    projection = _supply_scenario(ws, header_row)
    if projection is None:
        projection = "base_case"
        issues.append(_issue(path, sheet, "A1", "scenario", "", "assumed base_case",
                             "sheet title does not name a scenario"))

    def scenario_of(year: int) -> str:
        return OBSERVED if year == first_year else projection

    supply_rows, total_rows = [], []
    for label_col, year_cols in _panels(years):
        block = None  # dict with mineral_id, stage, stage_label, totals, top3
        for r in range(header_row + 1, ws.max_row + 1):
            label_cell = ws.cell(r, label_col)
            label = _text(label_cell.value)
            values = {c: ws.cell(r, c).value for c in year_cols}
            has_values = any(v is not None and _text(v) != "" for v in values.values())
            if not label and not has_values:
                continue
            m = _BLOCK_RE.match(label)
            if m and not has_values:
                mineral_label, stage_label = m.group("mineral").strip(), m.group("stage").strip()
                mineral_id = MINERAL_IDS.get(mineral_label.lower())
                stage = STAGES.get(stage_label.lower())
                if mineral_id is None or stage is None:
                    issues.append(_issue(path, sheet, label_cell.coordinate, "block", label, "skipped block",
                                         "unknown mineral or stage wording"))
                    block = None
                else:
                    block = {"mineral_id": mineral_id, "stage": stage, "stage_label": stage_label}
                continue
            if block is None:
                # Outside a block: notes text is ignored; numbers here would be lost, so report them.
                if has_values:
                    issues.append(_issue(path, sheet, label_cell.coordinate, "label", label, "skipped row",
                                         "values outside a mineral block"))
                continue
            if not label:
                for c, v in values.items():
                    if v is not None and _text(v) != "":
                        issues.append(_issue(path, sheet, ws.cell(r, c).coordinate, str(years[c]), v,
                                             "skipped", "value without a country label"))
                continue
            kind = ("top3" if label.lower().startswith("top 3") else
                    "total" if label.lower().startswith("total") else "country")
            for c in year_cols:
                cell = ws.cell(r, c)
                v = cell.value
                year = years[c]
                if not _is_number(v):
                    if v is None or _text(v) == "":
                        if kind == "country":
                            issues.append(_issue(path, sheet, cell.coordinate, str(year), v, "skipped",
                                                 f"blank value for {label}"))
                    else:
                        issues.append(_issue(path, sheet, cell.coordinate, str(year), v, "skipped",
                                             "value is not a number"))
                    continue
                base = {"mineral_id": block["mineral_id"], "stage": block["stage"],
                        "stage_label": block["stage_label"], "year": year, "scenario": scenario_of(year)}
                if kind == "country":
                    supply_rows.append({**base, "country_label": label, "value_kt": _clean(v),
                                        "source_sheet": sheet, "source_cell": cell.coordinate})
                elif kind == "total":
                    total_rows.append({**base, "total_label": label, "total_kt": _clean(v),
                                       "source_cell": cell.coordinate})
                else:
                    share = float(v) * 100 if abs(float(v)) <= 1.0 else float(v)
                    total_rows.append({**base, "top3_share_pct": share, "top3_source_cell": cell.coordinate})
            if kind == "top3":
                block = None  # "Top 3 share" closes the block

    supply = pd.DataFrame(supply_rows)
    supply["value_kt_published"] = supply["value_kt"]
    supply["note"] = ""
    keys = ["mineral_id", "stage", "stage_label", "year", "scenario"]
    raw_totals = pd.DataFrame(total_rows)
    totals = (raw_totals.groupby(keys, sort=False, as_index=False)
              .agg({"total_label": "first", "total_kt": "first", "top3_share_pct": "first",
                    "source_cell": "first", "top3_source_cell": "first"}))

    # Parts vs total: detect (and optionally correct) a Rest of world that double-counts a country.
    total_of = {tuple(r[k] for k in keys): r for _, r in totals.iterrows()}
    for key, group in supply.groupby(keys, sort=False):
        total = total_of.get(key)
        if total is None:
            continue
        excess = round(group["value_kt"].sum() - total["total_kt"], 6)
        if abs(excess) <= 0.001 * abs(total["total_kt"]):
            continue
        is_row = group["country_label"].str.lower() == "rest of world"
        named = group[~is_row]
        last = named.iloc[-1] if len(named) else None
        if (fix_rest_of_world and is_row.sum() == 1 and last is not None and last["value_kt"] > 0
                and abs(excess - last["value_kt"]) <= 0.05):
            idx = group.index[is_row][0]
            published = supply.at[idx, "value_kt"]
            supply.at[idx, "value_kt"] = _clean(published - last["value_kt"])
            supply.at[idx, "note"] = (f"Rest of world corrected: published value double-counts "
                                      f"{last['country_label']} ({last['value_kt']} kt)")
            issues.append(_issue(path, sheet, supply.at[idx, "source_cell"], "value_kt", published,
                                 f"corrected to {supply.at[idx, 'value_kt']}",
                                 f"countries + Rest of world exceed {total['total_label']} "
                                 f"({total['total_kt']} kt, {total['source_cell']}) by exactly "
                                 f"{last['country_label']} ({last['value_kt']} kt, {last['source_cell']}): "
                                 f"Rest of world = total minus the first five countries"))
        else:
            issues.append(_issue(path, sheet, total["source_cell"], "total_kt", total["total_kt"],
                                 "kept as published",
                                 f"countries + Rest of world differ from the total by {excess} kt"))

    # Shares of the block total; computed top 3 over named countries (not "Rest of world").
    supply = supply.merge(totals[keys + ["total_kt"]], on=keys, how="left")
    missing = supply["total_kt"].isna()
    for _, row in supply[missing].iterrows():
        issues.append(_issue(path, sheet, row["source_cell"], "share_pct", row["value_kt"], "share left empty",
                             "block has no total row for this year"))
    supply["share_pct"] = supply["value_kt"] / supply["total_kt"] * 100
    named = supply[supply["country_label"].str.lower() != "rest of world"]
    top3 = (named.groupby(keys, sort=False)["value_kt"]
            .apply(lambda s: s.nlargest(3).sum()).rename("top3_kt").reset_index())
    totals = totals.merge(top3, on=keys, how="left")
    totals["top3_share_pct_computed"] = totals["top3_kt"] / totals["total_kt"] * 100
    differs = (totals["top3_share_pct"] - totals["top3_share_pct_computed"]).abs() > 0.05
    for _, row in totals[differs].iterrows():
        issues.append(_issue(path, sheet, row["top3_source_cell"], "top3_share_pct", row["top3_share_pct"] / 100,
                             "kept as published",
                             f"workbook top-3 share {row['top3_share_pct']:.2f}% differs from the three "
                             f"largest named countries ({row['top3_share_pct_computed']:.2f}%); the "
                             f"workbook ranks only the first five listed countries"))
    for _, row in totals[totals["top3_share_pct"].isna()].iterrows():
        issues.append(_issue(path, sheet, row["source_cell"], "top3_share_pct", "", "left empty",
                             "block has no Top 3 share row for this year"))

    supply = supply[SUPPLY_COLUMNS].astype({"year": int, "value_kt": float, "share_pct": float,
                                            "value_kt_published": float})
    totals = totals[TOTAL_COLUMNS].astype({"year": int})
    return supply.reset_index(drop=True), totals.reset_index(drop=True), issues


def _demand_scenarios(ws, header_row: int, years: dict[int, int]) -> dict[int, str]:
    """Map each year column to a scenario from the scenario-name row above the year row.

    A scenario name sits over the first column of its run (merged look, no merged cells). The first
    year column (2023) has no scenario above it: it is the observed base year.
    """
    first_year = min(years.values())
    result, current = {}, None
    for c in sorted(years):
        name = _text(ws.cell(header_row - 1, c).value).lower()
        if name:
            current = _SCENARIOS.get(name, name)
        if years[c] == first_year and not name:
            result[c] = OBSERVED
        else:
            result[c] = current
    return result


def read_iea_demand(path) -> pd.DataFrame:
    """Read the demand-by-end-use sheets ``1 Total demand for key minerals`` and
    ``3.1 Cleantech demand by tech`` into a tidy frame.

    Columns: mineral_id (rexlib id, or None when the IEA label has no id), mineral_label (IEA's
    block header, e.g. ``Graphite (all grades: natural and synthetic)``), scenario (``observed`` for
    2023; ``steps`` / ``aps`` / ``nze`` for Stated Policies / Announced Pledges / Net Zero 2050),
    end_use (IEA's row label, e.g. ``Electric vehicles``, ``Other uses``, ``Total demand``),
    is_total (row label starts with ``Total``), year, value_kt, source_sheet, source_cell.

    Skipped on purpose: ``Share of clean technologies in total demand`` rows (ratios, not kt), the
    helper label columns W/X, sheet 3.2 (same numbers as the 3.1 totals) and sheets 4.x (per-tech
    sheets with sensitivity cases and extra side tables). Sheet 1 and 3.1 overlap for the clean-tech
    rows of the minerals present in both; keep ``source_sheet`` when combining.
    Note: magnet rare earth demand covers Nd, Pr, Tb, Dy; lithium is Li content (not LCE); graphite
    on sheet 1 covers all grades (mined and synthetic), so ``graphite`` there is wider than USGS's
    natural graphite.
    """
    wb = openpyxl.load_workbook(path, read_only=False, data_only=True)
    rows = []
    for name in DEMAND_SHEETS:
        ws = wb[name]
        header_row, years = _year_header(ws)
        scenarios = _demand_scenarios(ws, header_row, years)
        label_col = min(years) - 1
        mineral_label = None
        for r in range(header_row + 1, ws.max_row + 1):
            label = _text(ws.cell(r, label_col).value)
            values = {c: ws.cell(r, c).value for c in years}
            numeric = {c: v for c, v in values.items() if _is_number(v)}
            if not label:
                continue
            if not numeric:
                mineral_label = None if label.lower().startswith("notes") else label
                continue
            if mineral_label is None or label.lower().startswith("share of"):
                continue
            for c, v in numeric.items():
                rows.append({
                    "mineral_id": MINERAL_IDS.get(mineral_label.lower()),
                    "mineral_label": mineral_label, "scenario": scenarios[c], "end_use": label,
                    "is_total": label.lower().startswith("total"), "year": years[c], "value_kt": _clean(v),
                    "source_sheet": ws.title, "source_cell": get_column_letter(c) + str(r),
                })
    return pd.DataFrame(rows, columns=DEMAND_COLUMNS).astype({"year": int, "value_kt": float})
