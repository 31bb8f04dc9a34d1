"""The hand-curated tables of data/curated/ (deals, agreements, groups, export controls, claims,
intensities): each row cited; a missing file gives an empty table of the declared columns."""
from __future__ import annotations

import pandas as pd

from rexlib.core.ids import POLICY_STAGES
from rexlib.sources import curated as curated_source
from ..tablespec import Table
from .context import Context, Step, StepResult

_CITE = {"source_doc": "VARCHAR", "source_title": "VARCHAR", "source_url": "VARCHAR",
         "source_quote": "VARCHAR", "also_in": "VARCHAR"}
_CITE_REQ = ("source_doc", "source_title", "source_quote")

# Issue 27: columns the build adds to two curated tables when it reconciles USGS MCS2026 T4/T5 with them
# (rexlib/etl/reconcile.py); the CSVs keep their hand-written columns (curated_spec).
EXPORT_CONTROLS_ADDED = {"kind": "VARCHAR", "effective_year": "INTEGER", "origin": "VARCHAR",
                         "usgs_control_type": "VARCHAR", "usgs_item": "VARCHAR", "form": "VARCHAR",
                         "counts_for_supply": "BOOLEAN", "source_file": "VARCHAR", "source_line": "INTEGER"}
AGREEMENTS_ADDED = {"origin": "VARCHAR", "usgs_name": "VARCHAR", "usgs_date": "VARCHAR", "usgs_focus": "VARCHAR",
                    "source_file": "VARCHAR", "source_line": "INTEGER"}
CONTROL_KINDS = ("licensing", "quota", "ban", "reprieve", "unspecified")
ORIGINS_T4 = ("curated", "usgs_t4", "both")
ORIGINS_T5 = ("curated", "usgs_t5", "both")

TABLES = (
    Table("deals", "Financing deals, loans, equity, offtakes, price floors, letters of interest (curated, cited).",
          {"deal_id": "VARCHAR", "announced_date": "DATE", "date_note": "VARCHAR", "agency": "VARCHAR",
           "investor_type": "VARCHAR", "counterparty": "VARCHAR", "project": "VARCHAR",
           "asset_country": "VARCHAR", "minerals": "VARCHAR", "stage": "VARCHAR", "instrument": "VARCHAR",
           "amount_usd": "DOUBLE", "amount_note": "VARCHAR", "status": "VARCHAR", "is_aggregate": "BOOLEAN",
           "aggregate_of": "VARCHAR", "conflict_group": "VARCHAR", "notes": "VARCHAR", **_CITE},
          key=("deal_id",), required=("deal_id", "agency", "instrument") + _CITE_REQ,
          allowed={"stage": POLICY_STAGES + ("",), "investor_type": (
              "us_government", "foreign_government", "multilateral", "private", "mixed", ""),
              "instrument": ("loan", "equity", "grant", "offtake", "price_floor", "letter_of_interest",
                             "investment_commitment", "guarantee", "stockpile_purchase", "other")},
          mineral_columns=("minerals",), country_columns=("asset_country",)),
    Table("agreements", "Bilateral and multilateral frameworks, MOUs, action plans, forums: the curated, cited "
          "rows and USGS MCS2026 Table 5 (U.S. agreements of 2025), reconciled (origin curated | usgs_t5 | both).",
          {"agreement_id": "VARCHAR", "date": "DATE", "date_note": "VARCHAR", "name": "VARCHAR",
           "kind": "VARCHAR", "parties": "VARCHAR", "minerals": "VARCHAR", "notes": "VARCHAR", **_CITE,
           **AGREEMENTS_ADDED},
          key=("agreement_id",), required=("agreement_id", "name", "kind", "origin") + _CITE_REQ,
          allowed={"origin": ORIGINS_T5},
          mineral_columns=("minerals",), country_columns=("parties",)),
    Table("country_groups", "Named country groups (agreement partners, FORGE, MSP, FEOC ...), cited.",
          {"group_id": "VARCHAR", "group_name": "VARCHAR", "member": "VARCHAR", "notes": "VARCHAR", **_CITE},
          key=("group_id", "member"), required=("group_id", "group_name", "member") + _CITE_REQ,
          country_columns=("member",)),
    Table("export_controls", "Export restrictions and reprieves: those named in the documents (curated, cited) "
          "and every item of USGS MCS2026 Table 4 (country export controls in force, with the year each took "
          "effect), reconciled (origin curated | usgs_t4 | both).",
          {"control_id": "VARCHAR", "country": "VARCHAR", "minerals": "VARCHAR", "products": "VARCHAR",
           "action": "VARCHAR", "announced_date": "DATE", "date_note": "VARCHAR", "effective_date": "DATE",
           "status": "VARCHAR", "target_country": "VARCHAR", "notes": "VARCHAR", **_CITE, **EXPORT_CONTROLS_ADDED},
          key=("control_id",), required=("control_id", "country", "action", "kind", "origin") + _CITE_REQ,
          allowed={"kind": CONTROL_KINDS, "origin": ORIGINS_T4},
          mineral_columns=("minerals",), country_columns=("country", "target_country")),
    Table("claims", "Quantitative claims in the documents, with whether the workbook can check them.",
          {"claim_id": "VARCHAR", "topic": "VARCHAR", "mineral": "VARCHAR", "country": "VARCHAR",
           "metric": "VARCHAR", "stage": "VARCHAR", "value": "DOUBLE", "low": "DOUBLE", "high": "DOUBLE",
           "unit": "VARCHAR", "year": "INTEGER", "claimant": "VARCHAR", "checkable": "BOOLEAN",
           "check_note": "VARCHAR", "convention": "VARCHAR", **_CITE},
          key=("claim_id",), required=("claim_id", "metric") + _CITE_REQ,
          allowed={"convention": ("usgs_list_members", "rex_minerals", "share_of_world_total", "headline_nir",
                                  "publisher_value", "iea_observed_multiple", "iea_top3_unweighted_mean",
                                  "usgs_t4_in_force", "usgs_t5_agreement", "usgs_fig13_scrap")},
          mineral_columns=("mineral",), country_columns=("country",)),
    Table("intensities", "Material content per product stated in the documents, cited.",
          {"intensity_id": "VARCHAR", "product": "VARCHAR", "mineral": "VARCHAR", "amount": "DOUBLE",
           "amount_low": "DOUBLE", "amount_high": "DOUBLE", "unit": "VARCHAR", "per": "VARCHAR",
           "notes": "VARCHAR", **_CITE},
          key=("intensity_id",), required=("intensity_id", "product", "unit") + _CITE_REQ,
          mineral_columns=("mineral",)),
)
SPEC = {t.name: t for t in TABLES}
CURATED_TABLES = tuple(SPEC)


def curated_spec(name: str) -> Table:
    """The declaration of a curated CSV as written by hand: the table without the columns the build
    adds when it reconciles a publisher's rows with it (issue 27: export_controls, agreements)."""
    added = {"export_controls": EXPORT_CONTROLS_ADDED, "agreements": AGREEMENTS_ADDED}.get(name, {})
    spec = SPEC[name]
    return Table(spec.name, spec.description, {k: t for k, t in spec.columns.items() if k not in added}, spec.key)


def collect_curated(ctx: Context) -> StepResult:
    tables = {}
    for name in CURATED_TABLES:
        path = ctx.curated_dir / f"{name}.csv"
        if path.exists():
            tables[name] = curated_source.read_curated(path, curated_spec(name))
        else:
            tables[name] = pd.DataFrame({c: pd.Series(dtype="object") for c in curated_spec(name).columns})
    return StepResult(tables)


STEP = Step("curated", collect_curated, CURATED_TABLES)
