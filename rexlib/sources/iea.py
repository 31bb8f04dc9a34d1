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
  same first-five logic. ``read_iea_supply`` reads the cells as published and reports each such
  block as a quality issue; the values are corrected by ``rexlib/metadata/corrections.yml`` (one
  ``override`` entry per cell with its ``expect`` guard, applied by the build; the published value
  stays in ``value_kt_published``). The workbook's own
  ``Top 3 share`` is returned unchanged; it differs from the true top 3 only for graphite battery
  grade 2023 (97.78 % published, China+Japan+United States; Germany 28.2 kt > United States
  16.5 kt gives 98.35 %), also reported as a quality issue.

Demand sheets (``1``, ``3.1``, ``3.2``, ``4.1``–``4.6``; :func:`read_iea_demand`):

* One layout: title in ``A2`` (must end ``(kt)``), scenario names in row 4 over the first column of
  each run, years in row 5 (``B`` 2023 without a scenario, ``D:H`` STEPS, ``J:N`` APS, ``P:T`` NZE),
  labels in column A. A labelled row without numbers opens a block (a mineral on sheets 1 and 3.1,
  a case on sheets 4.x; sheet 3.2 has none).
* Every label (mineral, end use, scenario, case, technology sheet) maps to an id through
  ``rexlib/metadata/mappings/iea_demand_labels.csv``; an unmapped label stops the build, naming sheet and cell.
* Sheet 1's ``Share of clean technologies in total demand`` rows are fractions (0.2459); they go to
  ``iea_demand_totals`` in percent. Columns W:X of sheet 1 repeat the labels in the IEA's internal
  wording and are not read.
* Cobalt's ``Low emissions power generation`` row is the ``Other low emissions power generation``
  of the other minerals (the workbook's own helper column W files both as ``Low-emissions``).
* ``Graphite (all grades: natural and synthetic)`` on sheet 1 is wider than ``Battery-grade
  graphite`` of sheets 3.x/4.x (2023 clean technologies: 1,292.0 kt vs 772.2 kt); both map to
  ``graphite`` and keep their label in ``mineral_label``.
* Alternative cases of sheets 4.x recompute their 2023 column (4.1 ``B27`` cadmium 0.909 kt vs the
  base case's ``B8`` 0.671 kt); kept as published, one quality issue per case. ``Lower battery sizes``
  has no NZE columns and ``Limited battery size reduction`` only NZE: blanks are not loaded.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

SUPPLY_SHEET = "2 Total supply for key minerals"
DEMAND_SHEET = "1 Total demand for key minerals"
CLEANTECH_TECH_SHEET = "3.1 Cleantech demand by tech"
CLEANTECH_MINERAL_SHEET = "3.2 Cleantech demand by mineral"
TECH_SHEETS = ("4.1 Solar PV", "4.2 Wind", "4.3 EV", "4.4 Battery storage", "4.5 Electricity networks",
               "4.6 Hydrogen")
# IEA wording -> ids (minerals, end uses, scenarios, cases, technology sheets), one row per label, cited.
LABELS_FILE = Path(__file__).resolve().parents[1] / "metadata" / "mappings" / "iea_demand_labels.csv"


class UnmappedLabel(ValueError):
    """A workbook label with no row in the label mapping (rexlib/metadata/mappings/iea_demand_labels.csv)."""


def load_labels(path: Path | str | None = None) -> dict[str, dict[str, str]]:
    """The label mapping (default :data:`LABELS_FILE`) as ``{kind: {label (lower case, spaces
    collapsed): id}}``."""
    path = LABELS_FILE if path is None else path
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"kind", "label", "id"} - set(frame.columns)
    if missing:
        raise UnmappedLabel(f"{Path(path).name}: missing columns {sorted(missing)}")
    out: dict[str, dict[str, str]] = {}
    for kind, label, ident in zip(frame["kind"], frame["label"], frame["id"]):
        key = _text(label).lower()
        if key in out.setdefault(kind, {}) and out[kind][key] != ident:
            raise UnmappedLabel(f"{Path(path).name}: {kind} label {label!r} mapped twice")
        out[kind][key] = ident
    return out


# IEA stage wording -> rexlib.core.ids.PRODUCTION_STAGES: kind `stage` of iea_demand_labels.csv.

_BLOCK_RE = re.compile(r"^(?P<mineral>.+?)\s+-\s+(?P<stage>.+)$")
_SCENARIOS = {"base case": "base_case"}   # sheet 2's title; the demand scenarios are in the label mapping
OBSERVED = "observed"

SUPPLY_COLUMNS = ["mineral_id", "stage", "stage_label", "country_label", "year", "value_kt", "share_pct",
                  "scenario", "source_sheet", "source_cell", "value_kt_published", "note"]
TOTAL_COLUMNS = ["mineral_id", "stage", "stage_label", "year", "scenario", "total_label", "total_kt",
                 "top3_share_pct", "top3_share_pct_computed", "source_cell", "top3_source_cell"]


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


def _clean_sig(value: float) -> float:
    """Round away binary float noise keeping 12 significant digits (1095.2179999999998 -> 1095.218)
    without flattening small demand values (iridium 0.000198936 kt) as 6 decimals would."""
    return float(f"{float(value):.12g}")


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


BLOCK_KEYS = ["mineral_id", "stage", "stage_label", "year", "scenario"]


def block_shares(supply: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """``share_pct`` of each row: ``value_kt`` / the block's printed total x 100 (the IEA's own
    shares; the build calls it again after the value corrections)."""
    out = supply.drop(columns=["share_pct", "total_kt"], errors="ignore").merge(
        totals[BLOCK_KEYS + ["total_kt"]], on=BLOCK_KEYS, how="left")
    out["share_pct"] = out["value_kt"] / out["total_kt"] * 100
    return out


def read_iea_supply(path) -> tuple[pd.DataFrame, pd.DataFrame, list[dict]]:
    """Read sheet ``2 Total supply for key minerals`` of the IEA Critical Minerals Data Explorer.

    Returns ``(supply, totals, issues)``:

    * ``supply``: one row per block x country (incl. ``Rest of world``) x year with columns
      mineral_id, stage, stage_label, country_label, year, value_kt, share_pct (value / block total
      * 100), scenario (``observed`` for the first year, 2023; the sheet's own scenario — ``base_case``
      — for 2030/2035/2040), source_sheet, source_cell, value_kt_published (the cell as published)
      and note ('' unless a correction of rexlib/metadata/corrections.yml changes the value).
    * ``totals``: one row per block x year: mineral_id, stage, stage_label, year, scenario,
      total_label (IEA wording, e.g. ``Total clean technologies``), total_kt, top3_share_pct (the
      workbook's ``Top 3 share`` row, converted from a fraction to percent), top3_share_pct_computed
      (the three largest named countries / total * 100), source_cell (total cell), top3_source_cell.
    * ``issues``: quality-issue dicts (file, line, column, raw_value, action, reason) for every cell
      that was not read, was skipped or corrected, and for every block/year where the parts do not
      add up to the total or the workbook's top-3 share differs from the computed one.

    The cells are read as published (a value error is corrected by rexlib/metadata/corrections.yml,
    applied by the build; :func:`block_shares` then recomputes the shares).
    """
    wb = openpyxl.load_workbook(path, read_only=False, data_only=True)
    ws = wb[SUPPLY_SHEET]
    sheet = ws.title
    labels = load_labels()
    mineral_ids, stage_ids = labels["mineral"], labels["stage"]
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
                mineral_id = mineral_ids.get(_text(mineral_label).lower())
                stage = stage_ids.get(_text(stage_label).lower())
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

    # Parts vs total: a Rest of world that double-counts a country is reported here; the value is
    # corrected by rexlib/metadata/corrections.yml (one entry per cell, with its expect guard), not
    # in this reader, and the publisher check iea_block_sum fails on any block left unexplained.
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
        if is_row.sum() == 1 and last is not None and last["value_kt"] > 0 and abs(excess - last["value_kt"]) <= 0.05:
            idx = group.index[is_row][0]
            issues.append(_issue(path, sheet, supply.at[idx, "source_cell"], "value_kt", supply.at[idx, "value_kt"],
                                 "read as published (a value correction in rexlib/metadata/corrections.yml applies)",
                                 f"countries + Rest of world exceed {total['total_label']} "
                                 f"({total['total_kt']} kt, {total['source_cell']}) by exactly "
                                 f"{last['country_label']} ({last['value_kt']} kt, {last['source_cell']}): "
                                 f"Rest of world = total minus the first five countries"))
        else:
            issues.append(_issue(path, sheet, total["source_cell"], "total_kt", total["total_kt"],
                                 "kept as published",
                                 f"countries + Rest of world differ from the total by {excess} kt"))

    # Shares of the block total; computed top 3 over named countries (not "Rest of world").
    missing = ~supply.set_index(keys).index.isin(totals.set_index(keys).index)
    for _, row in supply[missing].iterrows():
        issues.append(_issue(path, sheet, row["source_cell"], "share_pct", row["value_kt"], "share left empty",
                             "block has no total row for this year"))
    supply = block_shares(supply, totals)
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




# --------------------------------------------------------------------------- demand sheets

PROJECTED = "projected"
# The workbook's demand tables; column lists are the schema's (rexlib.etl.schema), in this order.
DEMAND_TABLE_COLUMNS = {
    "iea_demand": ["mineral_id", "mineral_label", "end_use", "end_use_label", "is_total", "scenario", "year",
                   "year_type", "value_kt", "source_sheet", "source_cell"],
    "iea_cleantech_demand": ["mineral_id", "mineral_label", "end_use", "end_use_label", "is_total", "scenario",
                             "year", "year_type", "value_kt", "source_sheet", "source_cell"],
    "iea_tech_demand": ["technology", "case", "case_label", "mineral_id", "mineral_label", "scenario", "year",
                        "year_type", "value_kt", "source_sheet", "source_cell"],
    "iea_demand_totals": ["kind", "label", "mineral_id", "technology", "case", "scenario", "year", "year_type",
                          "value", "unit", "source_sheet", "source_cell"],
}
TOTAL_END_USES = ("total_clean_technologies", "total_demand")


def _lookup(labels: dict, kind: str, text: str, sheet: str, cell: str) -> str:
    """The id of a workbook label; an unmapped label stops the build, naming sheet, cell and file."""
    ident = labels.get(kind, {}).get(text.lower())
    if ident is None:
        raise UnmappedLabel(f"IEA workbook {sheet}!{cell}: {kind} label {text!r} has no row in "
                            f"rexlib/metadata/mappings/{LABELS_FILE.name} (add it there, with a note)")
    return ident


def _demand_columns(ws, labels: dict) -> dict[int, tuple[int, str]]:
    """{column: (year, scenario)} of a demand sheet.

    Row 5 holds the years; the row above names each scenario over the first column of its run
    (``D4`` Stated Policies over D–H, ``J4`` Announced Pledges over J–N, ``P4`` Net Zero over P–T).
    The first year column (``B``, 2023) has no scenario above it: the observed base year.
    """
    header_row, years = _year_header(ws)
    first = min(years.values())
    out, current = {}, None
    for col in sorted(years):
        cell = ws.cell(header_row - 1, col)
        text = _text(cell.value)
        if text:
            current = _lookup(labels, "scenario", text, ws.title, cell.coordinate)
        if years[col] == first and not text:
            out[col] = (years[col], OBSERVED)
        elif current is None:
            raise UnmappedLabel(f"IEA workbook {ws.title}!{get_column_letter(col)}{header_row}: projection "
                                f"year {years[col]} has no scenario name above it")
        else:
            out[col] = (years[col], current)
    return out


def _demand_rows(ws, labels: dict, issues: list[dict], path) -> tuple[list[dict], str]:
    """Every labelled numeric row of a demand sheet as ``{"block", "label", "row", "values"}``, and
    the sheet's notes text. A row with a label and no number opens a block (a mineral on sheets 1
    and 3.1, a case on sheets 4.x); ``values`` is ``[(year, scenario, value, cell)]`` for the
    numeric cells (blank cells: not published for that scenario, logged once per block)."""
    title = _text(ws["A2"].value)
    if not title.endswith("(kt)"):
        raise UnmappedLabel(f"IEA workbook {ws.title}!A2: title {title!r} does not state kt; the demand "
                            "tables assume kt throughout")
    columns = _demand_columns(ws, labels)
    header_row = _year_header(ws)[0]
    rows, notes, block, block_cell = [], "", None, "A1"
    blanks: dict[tuple, set] = {}
    for r in range(header_row + 1, ws.max_row + 1):
        label_cell = ws.cell(r, 1)
        label = _text(label_cell.value)
        cells = [(col, ws.cell(r, col)) for col in columns]
        numeric = [(col, cell) for col, cell in cells if _is_number(cell.value)]
        if not label:
            for _, cell in numeric:
                issues.append(_issue(path, ws.title, cell.coordinate, "label", cell.value, "skipped",
                                     "value without a row label"))
            continue
        if label.lower().startswith("notes"):
            notes = label
            continue
        if not numeric:
            block, block_cell = label, label_cell.coordinate
            continue
        for col, cell in cells:
            if not _is_number(cell.value) and _text(cell.value) != "":
                issues.append(_issue(path, ws.title, cell.coordinate, str(columns[col][0]), cell.value, "skipped",
                                     "value is not a number"))
            elif cell.value is None or _text(cell.value) == "":
                blanks.setdefault((block or "sheet", block_cell), set()).add(columns[col][1])
        rows.append({"block": block, "label": label, "row": r, "values": [
            (columns[col][0], columns[col][1], _clean_sig(cell.value), cell.coordinate) for col, cell in numeric]})
    for (block_label, cell), scenarios in blanks.items():
        issues.append(_issue(path, ws.title, cell, "scenario", "", "not loaded (blank in the workbook)",
                             f"{block_label}: no values for {', '.join(sorted(scenarios))}; the "
                             "workbook publishes this block for the other scenarios only"))
    return rows, notes


def _year_fields(year: int, scenario: str) -> dict:
    return {"scenario": scenario, "year": year, "year_type": OBSERVED if scenario == OBSERVED else PROJECTED}


def read_iea_demand(path, labels_path: Path | str | None = None) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    """Read the demand sheets of the IEA Critical Minerals Data Explorer into four tidy tables (kt).

    * ``iea_demand`` (sheet ``1 Total demand for key minerals``): the six key minerals x end use
      (each clean technology, ``other_uses``, and the rows ``total_clean_technologies`` and
      ``total_demand``, ``is_total``) x scenario x year;
    * ``iea_cleantech_demand`` (sheets ``3.1`` and ``3.2``): clean-technology demand, the 3.1 sector
      rows of 13 minerals plus every mineral's total of sheet 3.2 (``end_use =
      'total_clean_technologies'``, 37 minerals, rare earths one by one);
    * ``iea_tech_demand`` (sheets ``4.1``–``4.6``): per technology, minerals x the base case and the
      workbook's alternative cases (``case``);
    * ``iea_demand_totals``: the workbook's own check rows that are not observations: the
      ``Share of clean technologies in total demand`` rows of sheet 1 (fraction -> percent), the
      ``Total <mineral>`` rows of 3.1, ``Total rare earth elements`` and ``Total`` of 3.2 and the
      ``Total <technology>`` rows of 4.x (sums over different minerals). The build's checks
      (rexlib.etl.checks.iea_demand) compare the tables with them.

    ``scenario`` is ``STEPS``/``APS``/``NZE`` (the label mapping) for 2030–2050, ``observed`` for the
    2023 column, which has no scenario (``year_type`` observed/projected). Every label goes through
    ``rexlib/metadata/mappings/iea_demand_labels.csv``; an unmapped one raises :class:`UnmappedLabel`. Skipped on
    purpose: sheet 1's helper label columns W:X, notes rows (their definitions are in the tables'
    descriptions). Returns ``(tables, issues)``.
    """
    labels = load_labels(labels_path)
    wb = openpyxl.load_workbook(path, read_only=False, data_only=True)
    issues: list[dict] = []
    out = {name: [] for name in DEMAND_TABLE_COLUMNS}

    def total_row(kind, label, row_values, sheet, unit="kt", factor=1.0, **ids):
        for year, scenario, value, cell in row_values:
            out["iea_demand_totals"].append({
                "kind": kind, "label": label, "mineral_id": ids.get("mineral_id"),
                "technology": ids.get("technology"), "case": ids.get("case"), **_year_fields(year, scenario),
                "value": _clean_sig(value * factor), "unit": unit, "source_sheet": sheet, "source_cell": cell})

    def mineral_of(block_label, sheet, row):
        if block_label is None:
            raise UnmappedLabel(f"IEA workbook {sheet}!A{row}: a value row before any mineral block")
        return _lookup(labels, "mineral", block_label, sheet, f"A{row}")

    # Sheet 1: six key minerals, end uses and totals.
    ws = wb[DEMAND_SHEET]
    rows, _notes = _demand_rows(ws, labels, issues, path)
    issues.append(_issue(path, ws.title, "W8:X69", "helper labels", "", "not read",
                         "columns W:X repeat the row labels in the IEA's internal wording"))
    for rec in rows:
        mid = mineral_of(rec["block"], ws.title, rec["row"])
        if rec["label"].lower().startswith("share of clean technologies"):
            total_row("share_clean_technologies", rec["label"], rec["values"], ws.title, unit="%", factor=100.0,
                      mineral_id=mid)
            continue
        end_use = _lookup(labels, "end_use", rec["label"], ws.title, f"A{rec['row']}")
        for year, scenario, value, cell in rec["values"]:
            out["iea_demand"].append({
                "mineral_id": mid, "mineral_label": rec["block"], "end_use": end_use, "end_use_label": rec["label"],
                "is_total": end_use in TOTAL_END_USES, **_year_fields(year, scenario), "value_kt": value,
                "source_sheet": ws.title, "source_cell": cell})

    # Sheet 3.1: clean-technology demand by mineral and sector ("Total <mineral>" closes a block).
    ws = wb[CLEANTECH_TECH_SHEET]
    rows, _ = _demand_rows(ws, labels, issues, path)
    for rec in rows:
        mid = mineral_of(rec["block"], ws.title, rec["row"])
        if rec["label"].lower().startswith("total"):
            if rec["label"].lower() != f"total {rec['block']}".lower():
                raise UnmappedLabel(f"IEA workbook {ws.title}!A{rec['row']}: total row {rec['label']!r} does not "
                                    f"name its block {rec['block']!r}")
            total_row("total_clean_technologies", rec["label"], rec["values"], ws.title, mineral_id=mid)
            continue
        end_use = _lookup(labels, "end_use", rec["label"], ws.title, f"A{rec['row']}")
        for year, scenario, value, cell in rec["values"]:
            out["iea_cleantech_demand"].append({
                "mineral_id": mid, "mineral_label": rec["block"], "end_use": end_use, "end_use_label": rec["label"],
                "is_total": False, **_year_fields(year, scenario), "value_kt": value, "source_sheet": ws.title,
                "source_cell": cell})

    # Sheet 3.2: one row per mineral (no blocks), then the rare-earth and grand totals.
    ws = wb[CLEANTECH_MINERAL_SHEET]
    rows, _ = _demand_rows(ws, labels, issues, path)
    for rec in rows:
        if rec["block"] is not None:
            raise UnmappedLabel(f"IEA workbook {ws.title}!A{rec['row']}: unexpected block {rec['block']!r}")
        if rec["label"].lower().startswith("total"):
            kind = _lookup(labels, "total", rec["label"], ws.title, f"A{rec['row']}")
            total_row("total_rare_earths" if kind == "rare_earths" else "total_all_minerals", rec["label"],
                      rec["values"], ws.title, mineral_id=kind if kind == "rare_earths" else None)
            continue
        mid = _lookup(labels, "mineral", rec["label"], ws.title, f"A{rec['row']}")
        for year, scenario, value, cell in rec["values"]:
            out["iea_cleantech_demand"].append({
                "mineral_id": mid, "mineral_label": rec["label"], "end_use": "total_clean_technologies",
                "end_use_label": "Total clean technologies (sheet 3.2)", "is_total": True,
                **_year_fields(year, scenario), "value_kt": value, "source_sheet": ws.title, "source_cell": cell})

    # Sheets 4.1-4.6: one technology each; blocks are the base case and alternative cases.
    for name in TECH_SHEETS:
        ws = wb[name]
        technology = _lookup(labels, "technology", name, name, "A2")
        rows, _ = _demand_rows(ws, labels, issues, path)
        base_2023: dict[str, tuple[float, str]] = {}
        differs: dict[str, list[tuple[str, str]]] = {}
        for rec in rows:
            if rec["block"] is None:
                raise UnmappedLabel(f"IEA workbook {name}!A{rec['row']}: a value row before any case block")
            case = _lookup(labels, "case", rec["block"], name, f"A{rec['row']}")
            if rec["label"].lower().startswith("total"):
                total_row("total_technology", rec["label"], rec["values"], name, technology=technology, case=case)
                continue
            mid = _lookup(labels, "mineral", rec["label"], name, f"A{rec['row']}")
            for year, scenario, value, cell in rec["values"]:
                out["iea_tech_demand"].append({
                    "technology": technology, "case": case, "case_label": rec["block"], "mineral_id": mid,
                    "mineral_label": rec["label"], **_year_fields(year, scenario), "value_kt": value,
                    "source_sheet": name, "source_cell": cell})
                if scenario != OBSERVED:
                    continue
                if case == "base_case":
                    base_2023[mid] = (value, cell)
                elif mid in base_2023 and abs(value - base_2023[mid][0]) > 1e-6 * max(1.0, abs(value)):
                    differs.setdefault(rec["block"], []).append(
                        (cell, f"{rec['label']} {cell} {value:g} vs base {base_2023[mid][1]} {base_2023[mid][0]:g}"))
        for block_label, cells in differs.items():
            issues.append(_issue(path, name, cells[0][0], "2023", "", "kept as published",
                                 f"case {block_label!r}: its 2023 column differs from the base case for "
                                 f"{len(cells)} mineral(s) ({'; '.join(t for _, t in cells[:3])}"
                                 f"{' ...' if len(cells) > 3 else ''}); the case recomputes its base year"))

    tables = {}
    for name, columns in DEMAND_TABLE_COLUMNS.items():
        frame = pd.DataFrame(out[name], columns=columns)
        value = "value" if name == "iea_demand_totals" else "value_kt"
        tables[name] = frame.astype({"year": int, value: float}).reset_index(drop=True)
    return tables, issues
