"""One declaration per table: columns and types, primary key, allowed values, foreign keys.

The build validates every table against this before anything is written; a violation fails the
build with the table, column and offending values named.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from rexlib.core.ids import POLICY_STAGES, PRODUCTION_STAGES
from rexlib.metadata.fields import describe_columns
from rexlib.sources.values import FLAGS
from rexlib.core.validate import InvalidArgument

SCHEMA_VERSION = "3"
# rexlib.etl.series.BASES (kept here as data: the schema imports nothing above ids/metadata).
SHARE_BASES = ("world_published", "world_sum_of_listed", "us_only", "no_world")


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: dict[str, str]                      # column -> DuckDB type
    key: tuple[str, ...] = ()
    required: tuple[str, ...] = ()               # columns that may not be null/empty
    allowed: dict[str, tuple] = field(default_factory=dict)
    mineral_columns: tuple[str, ...] = ()        # must resolve to minerals.mineral_id (';' lists allowed)
    country_columns: tuple[str, ...] = ()        # must resolve to countries.iso3 (';' lists allowed)
    flag_columns: tuple[str, ...] = ()           # ';'-joined subsets of values.FLAGS


_PROV = {"vintage": "VARCHAR", "source_file": "VARCHAR", "source_line": "INTEGER"}
_VALUE = {"value": "DOUBLE", "value_low": "DOUBLE", "value_high": "DOUBLE", "value_text": "VARCHAR",
          "unit": "VARCHAR", "flag": "VARCHAR", "note": "VARCHAR"}
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


def _world(name: str, description: str) -> Table:
    return Table(
        name, description,
        {"mineral_id": "VARCHAR", "stage": "VARCHAR", "measure": "VARCHAR", "qualifier": "VARCHAR",
         "country": "VARCHAR", "year": "INTEGER", **_VALUE, "measure_raw": "VARCHAR",
         "country_label": "VARCHAR", **_PROV},
        key=("mineral_id", "stage", "measure", "qualifier", "country", "year", "vintage"),
        required=("mineral_id", "stage", "measure", "country", "year", "unit", "vintage", "source_file"),
        allowed={"stage": PRODUCTION_STAGES + ("production",)},
        mineral_columns=("mineral_id",), country_columns=("country",), flag_columns=("flag",))


def _latest(name: str, description: str) -> Table:
    base = _world(name, description)
    return Table(name, description,
                 {**base.columns, "series_measure": "VARCHAR", "series_qualifier": "VARCHAR",
                  "world_reported": "DOUBLE", "world_value": "DOUBLE", "share_pct": "DOUBLE",
                  "share_flag": "VARCHAR", "share_basis": "VARCHAR", "product": "VARCHAR",
                  "is_default_measure": "BOOLEAN"},
                 key=tuple(k for k in base.key if k != "vintage"), required=base.required + ("share_basis",),
                 allowed={**base.allowed, "share_basis": SHARE_BASES},
                 mineral_columns=base.mineral_columns, country_columns=base.country_columns,
                 flag_columns=base.flag_columns)


TABLES: dict[str, Table] = {t.name: t for t in [
    Table("minerals", "Canonical mineral ids with USGS chapter and critical-mineral list membership.",
          {"mineral_id": "VARCHAR", "name": "VARCHAR", "mcs_chapter": "VARCHAR", "critical_2022": "BOOLEAN",
           "critical_2025": "BOOLEAN", "group_2022": "VARCHAR", "has_production": "BOOLEAN"},
          key=("mineral_id",), required=("mineral_id", "name")),
    Table("countries", "ISO 3166 countries plus reserved aggregate codes (WLD, ROW, EU, joint labels).",
          {"iso3": "VARCHAR", "name": "VARCHAR", "iso2": "VARCHAR", "iso_numeric": "VARCHAR",
           "region": "VARCHAR", "sub_region": "VARCHAR", "kind": "VARCHAR"},
          key=("iso3",), required=("iso3", "name", "kind"),
          allowed={"kind": ("country", "territory", "aggregate", "joint", "union")}),
    Table("country_labels", "Every country label seen in a raw file and the code it maps to.",
          {"label": "VARCHAR", "iso3": "VARCHAR", "qualifier": "VARCHAR", "source_file": "VARCHAR"},
          key=("label", "source_file"), required=("label", "iso3"), country_columns=("iso3",)),
    _world("production", "World production by country (USGS MCS2023-MCS2026), one row per vintage."),
    _world("reserves", "World reserves by country (USGS MCS2023-MCS2026)."),
    _world("capacity", "World production capacity by country (USGS MCS2025-MCS2026)."),
    Table("import_reliance", "U.S. net import reliance, percent of apparent consumption.",
          {"mineral_id": "VARCHAR", "measure": "VARCHAR", "year": "INTEGER", "nir_pct": "DOUBLE",
           "nir_bound": "VARCHAR", "nir_text": "VARCHAR", "flag": "VARCHAR", "table_source": "VARCHAR",
           "headline": "BOOLEAN", **_PROV},
          key=("mineral_id", "measure", "year", "vintage", "table_source"),
          required=("mineral_id", "measure", "year", "nir_bound", "vintage"),
          allowed={"nir_bound": ("=", ">", "<", "E", "NA", "W"), "table_source": ("salient", "figure")},
          mineral_columns=("mineral_id",), flag_columns=("flag",)),
    Table("import_sources", "Major U.S. import sources, ranked; share_pct where USGS gives it.",
          {"mineral_id": "VARCHAR", "measure": "VARCHAR", "period": "VARCHAR", "rank": "INTEGER",
           "country": "VARCHAR", "share_pct": "DOUBLE", "flag": "VARCHAR", "table_source": "VARCHAR",
           "headline": "BOOLEAN", "country_label": "VARCHAR", **_PROV},
          key=("mineral_id", "measure", "period", "country", "vintage", "table_source"),
          required=("mineral_id", "period", "country", "vintage"),
          allowed={"table_source": ("salient", "figure")},
          mineral_columns=("mineral_id",), country_columns=("country",), flag_columns=("flag",)),
    Table("us_salient", "U.S. salient statistics (production, trade, consumption, stocks, employment).",
          {"mineral_id": "VARCHAR", "statistic": "VARCHAR", "measure": "VARCHAR", "year": "INTEGER",
           **_VALUE, **_PROV},
          key=("mineral_id", "statistic", "measure", "year", "vintage", "source_line"),
          required=("mineral_id", "statistic", "measure", "year", "vintage"),
          mineral_columns=("mineral_id",), flag_columns=("flag",)),
    Table("prices", "Price series from the U.S. salient statistics, units normalised and stated.",
          {"mineral_id": "VARCHAR", "measure": "VARCHAR", "year": "INTEGER", **_VALUE, **_PROV},
          key=("mineral_id", "measure", "year", "vintage", "source_line"),
          required=("mineral_id", "measure", "year", "vintage"),
          mineral_columns=("mineral_id",), flag_columns=("flag",)),
    Table("refining", "IEA Critical Minerals Data Explorer (May 2024): mining and refining by top countries, kt.",
          {"mineral_id": "VARCHAR", "stage": "VARCHAR", "stage_label": "VARCHAR", "country": "VARCHAR",
           "year": "INTEGER", "value_kt": "DOUBLE", "share_pct": "DOUBLE", "scenario": "VARCHAR",
           "source": "VARCHAR", "source_file": "VARCHAR", "source_cell": "VARCHAR", "country_label": "VARCHAR",
           "value_kt_published": "DOUBLE", "note": "VARCHAR"},
          key=("mineral_id", "stage", "country", "year", "scenario"),
          required=("mineral_id", "stage", "country", "year", "scenario"),
          allowed={"stage": ("mine", "refinery", "chemicals", "battery_grade")},
          mineral_columns=("mineral_id",), country_columns=("country",)),
    Table("refining_totals", "IEA block totals and the workbook's own top-3 share rows.",
          {"mineral_id": "VARCHAR", "stage": "VARCHAR", "year": "INTEGER", "total_kt": "DOUBLE",
           "top3_share_pct": "DOUBLE", "source_cell": "VARCHAR"},
          key=("mineral_id", "stage", "year"), mineral_columns=("mineral_id",)),
    Table("governance", "World Bank Worldwide Governance Indicators (2023 update), estimates.",
          {"iso3": "VARCHAR", "indicator": "VARCHAR", "indicator_name": "VARCHAR", "year": "INTEGER",
           "value": "DOUBLE"},
          key=("iso3", "indicator", "year")),
    Table("usgs_leading_source", "MCS2026 Table 7: USGS's leading producer and its share of world output.",
          {"mineral_id": "VARCHAR", "label": "VARCHAR", "year": "INTEGER", "leading_country": "VARCHAR",
           "leading_share_pct": "DOUBLE", "leading_share_flag": "VARCHAR", "leading_country_prod": "DOUBLE",
           "world_total_prod": "DOUBLE", "unit": "VARCHAR", "nir_text": "VARCHAR", "world_note": "VARCHAR",
           "source_file": "VARCHAR", "source_line": "INTEGER"},
          key=("mineral_id",), mineral_columns=("mineral_id",), country_columns=("leading_country",)),
    Table("concentration", "Derived: shares, HHI bounds, top producers and China's share of every production "
          "series (rexlib.metrics.concentration, computed once by the build).",
          {"source": "VARCHAR", "mineral_id": "VARCHAR", "stage": "VARCHAR", "year": "INTEGER",
           "measure": "VARCHAR", "qualifier": "VARCHAR", "is_default_measure": "BOOLEAN", "share_basis": "VARCHAR",
           "vintage": "VARCHAR", "unit": "VARCHAR", "world_total": "DOUBLE", "world_reported": "DOUBLE", "hhi": "DOUBLE", "hhi_low": "DOUBLE",
           "hhi_high": "DOUBLE", "top1_country": "VARCHAR", "top1_share": "DOUBLE", "top3_share": "DOUBLE",
           "china_share": "DOUBLE", "n_countries": "INTEGER", "has_listed_producer": "BOOLEAN",
           "remainder_share": "DOUBLE", "unallocated_share": "DOUBLE", "withheld_countries": "VARCHAR",
           "flags": "VARCHAR", "coverage_note": "VARCHAR", "source_label": "VARCHAR"},
          key=("source", "mineral_id", "stage", "year", "measure", "qualifier", "vintage"),
          required=("source", "mineral_id", "stage", "year", "measure", "vintage", "unit", "share_basis"),
          allowed={"source": ("usgs", "iea"), "share_basis": SHARE_BASES}, mineral_columns=("mineral_id",),
          country_columns=("top1_country", "withheld_countries")),
    Table("concentration_wgi", "Derived: governance-weighted HHI (EU 2017 method, WGI 2022, missing scores = "
          "median) of every default-measure series in concentration (rexlib.metrics.governance).",
          {"source": "VARCHAR", "mineral_id": "VARCHAR", "stage": "VARCHAR", "year": "INTEGER",
           "vintage": "VARCHAR", "hhi_wgi": "DOUBLE", "hhi_wgi_high": "DOUBLE", "hhi": "DOUBLE",
           "hhi_high": "DOUBLE", "wgi_weighted_mean": "DOUBLE", "share_without_wgi": "DOUBLE",
           "countries_without_wgi": "VARCHAR", "withheld": "VARCHAR", "missing_rule": "VARCHAR",
           "wgi_fill": "DOUBLE", "wgi_year": "INTEGER", "source_label": "VARCHAR"},
          key=("source", "mineral_id", "stage", "year"),
          required=("source", "mineral_id", "stage", "year", "hhi_wgi", "wgi_year"),
          allowed={"source": ("usgs", "iea")}, mineral_columns=("mineral_id",),
          country_columns=("countries_without_wgi", "withheld")),
    Table("supply_shares", "Derived: one supply-chain model across sources (rexlib.etl.series, stage_families in "
          "series.yml): every country's share of world mining and of processing per mineral, from the latest "
          "USGS series, the IEA observed block and the EU 2023 study's Appendix 7 averages, each with its "
          "period, unit and provenance; is_best marks the source the declared order picks.",
          {"mineral_id": "VARCHAR", "stage_family": "VARCHAR", "source": "VARCHAR", "source_stage": "VARCHAR",
           "source_mineral_id": "VARCHAR", "period": "VARCHAR", "period_kind": "VARCHAR", "year": "INTEGER",
           "is_best": "BOOLEAN", "country": "VARCHAR", "value": "DOUBLE", "unit": "VARCHAR", "share_pct": "DOUBLE",
           "share_published_pct": "DOUBLE", "share_flag": "VARCHAR", "share_basis": "VARCHAR", "world_value": "DOUBLE",
           "measure": "VARCHAR", "product": "VARCHAR", "vintage": "VARCHAR", "provenance": "VARCHAR", "source_label": "VARCHAR", "note": "VARCHAR",
           "source_file": "VARCHAR", "source_line": "INTEGER", "source_cell": "VARCHAR"},
          key=("mineral_id", "stage_family", "source", "source_stage", "period", "country", "measure"),
          required=("mineral_id", "stage_family", "source", "source_stage", "period", "period_kind", "country",
                    "unit", "provenance", "source_label"),
          allowed={"stage_family": ("mining", "processing"), "source": ("usgs", "iea", "eu_crm"),
                   "period_kind": ("year", "average"), "share_basis": SHARE_BASES},
          mineral_columns=("mineral_id", "source_mineral_id"), country_columns=("country",)),
    Table("supply_concentration", "Derived: HHI bounds, top-1, top-3 and China's share of every series in "
          "supply_shares (rexlib.core.formulas.concentration_summary on the stored shares).",
          {"mineral_id": "VARCHAR", "stage_family": "VARCHAR", "source": "VARCHAR", "source_stage": "VARCHAR",
           "source_mineral_id": "VARCHAR", "period": "VARCHAR", "period_kind": "VARCHAR", "year": "INTEGER",
           "is_best": "BOOLEAN", "share_basis": "VARCHAR", "hhi": "DOUBLE", "hhi_low": "DOUBLE", "hhi_high": "DOUBLE", "top1_country": "VARCHAR",
           "top1_share": "DOUBLE", "top3_share": "DOUBLE", "china_share": "DOUBLE", "n_countries": "INTEGER",
           "remainder_share": "DOUBLE", "unallocated_share": "DOUBLE", "withheld_countries": "VARCHAR",
           "flags": "VARCHAR", "unit": "VARCHAR", "provenance": "VARCHAR", "source_label": "VARCHAR", "note": "VARCHAR"},
          key=("mineral_id", "stage_family", "source", "source_stage", "period"),
          required=("mineral_id", "stage_family", "source", "source_stage", "period", "provenance", "source_label"),
          allowed={"stage_family": ("mining", "processing"), "source": ("usgs", "iea", "eu_crm"),
                   "period_kind": ("year", "average"), "share_basis": SHARE_BASES},
          mineral_columns=("mineral_id", "source_mineral_id"), country_columns=("top1_country", "withheld_countries")),
    _latest("production_latest", "Derived: the production series figures use (rexlib.etl.series): each mineral x "
            "stage x year whole from one edition, with the share rule applied (share_pct of world_value)."),
    _latest("reserves_latest", "Derived: reserves by country, each mineral x year from one edition, share rule applied."),
    _latest("capacity_latest", "Derived: capacity by country, each mineral x stage x year from one edition."),
    Table("import_sources_fig3", "USGS MCS2026 Fig3: major U.S. import sources (2021-24) with USGS's own percentages.",
          {"mineral_id": "VARCHAR", "commodity": "VARCHAR", "product": "VARCHAR", "period": "VARCHAR",
           "country": "VARCHAR", "country_label": "VARCHAR", "share_pct": "DOUBLE", "flag": "VARCHAR",
           "nir_text": "VARCHAR", **_PROV},
          key=("mineral_id", "commodity", "country", "vintage"), required=("mineral_id", "commodity", "country"),
          mineral_columns=("mineral_id",), country_columns=("country",), flag_columns=("flag",)),
    Table("quality_issues", "Every raw value the build could not parse or had to fix, what it did and why.",
          {"file": "VARCHAR", "line": "VARCHAR", "column": "VARCHAR", "raw_value": "VARCHAR",
           "action": "VARCHAR", "reason": "VARCHAR"}, required=("file", "action", "reason")),
    Table("publisher_checks", "Results of the checks against the publishers' own totals and shares.",
          {"check": "VARCHAR", "subject": "VARCHAR", "expected": "DOUBLE", "computed": "DOUBLE",
           "difference": "DOUBLE", "tolerance": "DOUBLE", "status": "VARCHAR", "reason": "VARCHAR"},
          required=("check", "subject", "status"),
          allowed={"status": ("pass", "allowed", "fail", "not_comparable")}),
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
]}

# Tables the build computes from the validated tables above (after they are written).
DERIVED_TABLES = ("production_latest", "reserves_latest", "capacity_latest", "concentration", "concentration_wgi",
                  "supply_shares", "supply_concentration")

CURATED_TABLES = ("deals", "agreements", "country_groups", "export_controls", "claims", "intensities")


def curated_spec(name: str) -> Table:
    """The declaration of a curated CSV as written by hand: the table without the columns the build
    adds when it reconciles a publisher's rows with it (issue 27: export_controls, agreements)."""
    added = {"export_controls": EXPORT_CONTROLS_ADDED, "agreements": AGREEMENTS_ADDED}.get(name, {})
    spec = TABLES[name]
    return Table(spec.name, spec.description, {k: t for k, t in spec.columns.items() if k not in added}, spec.key)


class SchemaError(ValueError):
    """A table does not satisfy its declaration."""


def _split(values: pd.Series) -> set[str]:
    out: set[str] = set()
    for v in values.dropna().astype(str):
        out.update(p.strip() for p in v.split(";") if p.strip())
    return out


def validate(name: str, frame: pd.DataFrame, *, mineral_ids: set[str] | None = None,
             country_codes: set[str] | None = None) -> list[str]:
    """Return a list of problems (empty when the table is valid)."""
    table = TABLES[name]
    problems: list[str] = []
    missing = [c for c in table.columns if c not in frame.columns]
    if missing:
        return [f"{name}: missing columns {missing}"]
    extra = [c for c in frame.columns if c not in table.columns]
    if extra:
        problems.append(f"{name}: undeclared columns {extra}")
    for col in table.required:
        empty = frame[col].isna() | (frame[col].astype(str).str.strip() == "")
        if empty.any():
            rows = frame.index[empty][:5].tolist()
            problems.append(f"{name}.{col}: {int(empty.sum())} empty value(s) in a required column (rows {rows})")
    if table.key:
        dup = frame.duplicated(list(table.key), keep=False)
        if dup.any():
            sample = frame.loc[dup, list(table.key)].head(4).to_dict("records")
            problems.append(f"{name}: {int(dup.sum())} rows share a key {table.key}: {sample}")
    for col, allowed in table.allowed.items():
        bad = set(frame[col].dropna().astype(str)) - {str(a) for a in allowed}
        if bad:
            problems.append(f"{name}.{col}: values {sorted(bad)[:10]} not in {list(allowed)}")
    for col in table.flag_columns:
        bad = _split(frame[col]) - set(FLAGS)
        if bad:
            problems.append(f"{name}.{col}: unknown flags {sorted(bad)}")
    if mineral_ids is not None:
        for col in table.mineral_columns:
            bad = _split(frame[col]) - mineral_ids
            if bad:
                problems.append(f"{name}.{col}: unknown mineral ids {sorted(bad)}")
    if country_codes is not None:
        for col in table.country_columns:
            bad = _split(frame[col]) - country_codes
            if bad:
                problems.append(f"{name}.{col}: unknown country codes {sorted(bad)}")
    return problems


# --- European Commission CRM 2023 study (issue 15): an unofficial transcription -------------------
# Four tables read by rexlib/sources/eu_crm.py; descriptions and units of their columns are in
# rexlib/metadata/fields.yml like every other table's.

_EU_COMMON = {
    "material": "VARCHAR",
    "mineral_id": "VARCHAR",
    "family_id": "VARCHAR",
}
_EU_TRAIL = {
    "vintage": "VARCHAR",
    "source_file": "VARCHAR",
    "source_line": "INTEGER",
    "provenance": "VARCHAR",
}
_EU_SHARES = {
    **_EU_COMMON,
    "stage_mineral_id": "VARCHAR",
    "material_group": "VARCHAR",
    "material_group_id": "VARCHAR",
    "stage": "VARCHAR",
    "stage_family": "VARCHAR",
    "country": "VARCHAR",
    "country_label": "VARCHAR",
    "share_pct": "DOUBLE",
    "share_flag": "VARCHAR",
    "share_text": "VARCHAR",
    "t": "DOUBLE",
    "period": "VARCHAR",
    **_EU_TRAIL,
}
_EU_CRITICALITY = {
    **_EU_COMMON,
    "assessment_year": "INTEGER",
    "sr": "DOUBLE",
    "sr_flag": "VARCHAR",
    "sr_text": "VARCHAR",
    "ei": "DOUBLE",
    "ei_flag": "VARCHAR",
    "ei_text": "VARCHAR",
    "eu_critical": "BOOLEAN",
    "eu_critical_rule": "VARCHAR",
    "period": "VARCHAR",
    **_EU_TRAIL,
}
_EU_END_USE = {
    **_EU_COMMON,
    "application": "VARCHAR",
    "share_pct": "DOUBLE",
    "share_flag": "VARCHAR",
    "share_text": "VARCHAR",
    "nace_code": "VARCHAR",
    "nace_sector": "VARCHAR",
    "va_meur": "DOUBLE",
    **_EU_TRAIL,
}

def _documented(name: str, description: str, fields: dict[str, str], **kw) -> Table:
    return Table(name, description, dict(fields), **kw)


_EU_SHARE_KW = dict(key=("material", "stage", "country"),
                    required=("material", "mineral_id", "family_id", "stage", "country", "share_pct", "t",
                              "period", "source_file", "source_line", "provenance"),
                    allowed={"stage": ("E", "P"), "stage_family": ("mining", "processing")},
                    mineral_columns=("mineral_id", "family_id", "stage_mineral_id", "material_group_id"),
                    country_columns=("country",), flag_columns=("share_flag",))

TABLES.update({t.name: t for t in [
    _documented("eu_crm_global_supply", "EC CRM 2023 study, Appendix 7 (unofficial transcription; PDF not verified): "
                "global supply share by country at the extraction (E) and processing (P) stage, multi-year "
                "averages (mostly 2016-2020), with the trade parameter t.", _EU_SHARES, **_EU_SHARE_KW),
    _documented("eu_crm_eu_sourcing", "EC CRM 2023 study, Appendix 7 (unofficial transcription; PDF not verified): "
                "EU sourcing shares (>= 1 %: domestic production and imports) by country and stage, with t.",
                _EU_SHARES, **_EU_SHARE_KW),
    _documented("eu_crm_criticality", "EC CRM studies, Annex 4 of the 2023 study (unofficial transcription; PDF not "
                "verified): supply risk and economic importance per material, assessments 2011-2023.",
                _EU_CRITICALITY, key=("material", "assessment_year"),
                required=("material", "mineral_id", "assessment_year", "eu_critical_rule", "period",
                          "source_file", "source_line", "provenance"),
                allowed={"assessment_year": (2011, 2014, 2017, 2020, 2023)},
                mineral_columns=("mineral_id", "family_id"), flag_columns=("sr_flag", "ei_flag")),
    _documented("eu_crm_end_use", "EC CRM 2023 study, Appendix 6 (unofficial transcription; PDF not verified): "
                "EU end-use shares per material with NACE division and its value added.", _EU_END_USE,
                key=("material", "application", "source_line"),
                required=("material", "mineral_id", "application", "share_pct", "source_file", "source_line",
                          "provenance"),
                mineral_columns=("mineral_id", "family_id"), flag_columns=("share_flag",)),
]})

# ------------------------------------------------------------------------------------------------
# Provenance inside the database, and the tables the build creates in SQL (helper `fields`, issue 14).
# Column descriptions and units of every table: rexlib/metadata/fields.yml.

TABLES.update({t.name: t for t in [
    Table("sources", "Every data release the raw files come from (data/raw/sources.yml): publisher, citation, "
          "DOI, URL, licence, publication date.",
          {"id": "VARCHAR", "publisher": "VARCHAR", "title": "VARCHAR", "citation": "VARCHAR", "doi": "VARCHAR",
           "url": "VARCHAR", "licence": "VARCHAR", "date_published": "VARCHAR", "vintage": "VARCHAR", "note": "VARCHAR"},
          key=("id",), required=("id", "publisher", "title", "citation", "url", "licence", "date_published")),
    Table("source_files", "Every raw file in data/raw/ with its release, size and sha256 (verified by every build).",
          {"path": "VARCHAR", "release": "VARCHAR", "bytes": "BIGINT", "sha256": "VARCHAR"},
          key=("path",), required=("path", "release", "bytes", "sha256")),
]})

# Stored beside the validated tables, created by rexlib/etl/build.py in SQL: the build record.
BUILD_TABLES: dict[str, Table] = {
    "build_info": Table("build_info", "Identity of the build: input fingerprint, rexlib and schema versions, "
                        "build time.", {"key": "VARCHAR", "value": "VARCHAR"}, key=("key",)),
}


def declared_tables() -> dict[str, Table]:
    """Every table of the database: the validated ones (TABLES) and those the build creates in SQL."""
    return {**TABLES, **BUILD_TABLES}


def describe_table(name: str) -> pd.DataFrame:
    """The data dictionary of one table: column, type, primary_key, description, unit (one row per
    column, in table order). Raises InvalidArgument listing the tables for an unknown name."""
    tables = declared_tables()
    if name not in tables:
        raise InvalidArgument("table", name, tables)
    spec = tables[name]
    return describe_columns(name, spec.columns, spec.key)


# ---------------------------------------------------------------------------------------------
# IEA demand outlook (issue 16): the workbook's demand sheets, read by rexlib.sources.iea.read_iea_demand.
# Projected supply is NOT repeated here: sheet 2's base case (2030/2035/2040) is in ``refining``
# (scenario 'base_case') and ``refining_totals``.

# Descriptions and units of these columns: rexlib/metadata/fields.yml, like every other table's.

_IEA_NOTES = ("Workbook notes (sheet 1, A71): 'Lithium demand is in lithium (Li) content, not carbonate "
              "equivalent (LCE). Demand for magnet rare earth elements covers praseodymium (Pr), neodymium (Nd), "
              "terbium (Tb) and dysprosium (Dy). Graphite demand includes all grades of mined and synthetic "
              "graphite.'")
_IEA_YEARS = ("2023 is the observed base year (scenario 'observed'); 2030-2050 are projections in the IEA's "
              "Stated Policies (STEPS), Announced Pledges (APS) and Net Zero Emissions by 2050 (NZE) scenarios.")
_DEMAND_TYPES = {"mineral_id": "VARCHAR", "mineral_label": "VARCHAR", "end_use": "VARCHAR",
                 "end_use_label": "VARCHAR", "is_total": "BOOLEAN", "scenario": "VARCHAR", "year": "INTEGER",
                 "year_type": "VARCHAR", "value_kt": "DOUBLE", "source_sheet": "VARCHAR", "source_cell": "VARCHAR"}
IEA_SCENARIOS = ("observed", "STEPS", "APS", "NZE")
IEA_END_USES = ("solar_pv", "wind", "other_low_emissions_power", "electric_vehicles", "grid_battery_storage",
                "electricity_networks", "hydrogen", "other_uses", "total_clean_technologies", "total_demand")
IEA_TECHNOLOGIES = ("solar_pv", "wind", "electric_vehicles", "grid_battery_storage", "electricity_networks",
                    "hydrogen")
_YEAR_RULES = {"scenario": IEA_SCENARIOS, "year_type": ("observed", "projected")}

TABLES.update({t.name: t for t in [
    Table("iea_demand", "IEA Critical Minerals Data Explorer (May 2024), sheet '1 Total demand for key minerals': "
          "demand for copper, cobalt, lithium, nickel, magnet rare earth elements and graphite by end use "
          "(each clean technology, other uses, and the total rows), in kt. " + _IEA_YEARS + " " + _IEA_NOTES,
          dict(_DEMAND_TYPES), key=("mineral_id", "end_use", "scenario", "year"),
          required=("mineral_id", "end_use", "scenario", "year", "year_type", "value_kt"),
          allowed={**_YEAR_RULES, "end_use": IEA_END_USES}, mineral_columns=("mineral_id",)),
    Table("iea_cleantech_demand", "IEA Critical Minerals Data Explorer (May 2024), sheets '3.1 Cleantech demand by "
          "tech' (13 minerals by clean technology) and '3.2 Cleantech demand by mineral' (every mineral's "
          "clean-technology total, end_use 'total_clean_technologies', 37 minerals with the rare earths one by one), "
          "in kt. Graphite here is battery-grade graphite only, narrower than sheet 1's all grades. " + _IEA_YEARS
          + " " + _IEA_NOTES,
          dict(_DEMAND_TYPES), key=("mineral_id", "end_use", "scenario", "year"),
          required=("mineral_id", "end_use", "scenario", "year", "year_type", "value_kt"),
          allowed={**_YEAR_RULES, "end_use": IEA_END_USES}, mineral_columns=("mineral_id",)),
    Table("iea_tech_demand", "IEA Critical Minerals Data Explorer (May 2024), sheets 4.1-4.6 (solar PV, wind, "
          "electric vehicles, grid battery storage, electricity networks, hydrogen): mineral demand of one technology "
          "in the base case and the workbook's alternative technology cases, in kt. The workbook gives no "
          "sub-technology split, only these cases; an alternative case's 2023 column is as printed and can differ "
          "from the base case (logged in quality_issues). " + _IEA_YEARS + " " + _IEA_NOTES,
          {"technology": "VARCHAR", "case": "VARCHAR", "case_label": "VARCHAR", "mineral_id": "VARCHAR",
           "mineral_label": "VARCHAR", "scenario": "VARCHAR", "year": "INTEGER", "year_type": "VARCHAR",
           "value_kt": "DOUBLE", "source_sheet": "VARCHAR", "source_cell": "VARCHAR"},
          key=("technology", "case", "mineral_id", "scenario", "year"),
          required=("technology", "case", "mineral_id", "scenario", "year", "year_type", "value_kt"),
          allowed={**_YEAR_RULES, "technology": IEA_TECHNOLOGIES}, mineral_columns=("mineral_id",)),
    Table("iea_demand_totals", "The IEA demand sheets' own total and share rows that are not observations: sheet 1's "
          "'Share of clean technologies in total demand' (percent), 3.1's 'Total <mineral>', 3.2's 'Total rare earth "
          "elements' and 'Total', and 4.x's 'Total <technology>' (sums over different minerals). The build's "
          "publisher checks compare the demand tables with them (rexlib.etl.checks.iea_demand).",
          {"kind": "VARCHAR", "label": "VARCHAR", "mineral_id": "VARCHAR", "technology": "VARCHAR", "case": "VARCHAR",
           "scenario": "VARCHAR", "year": "INTEGER", "year_type": "VARCHAR", "value": "DOUBLE", "unit": "VARCHAR",
           "source_sheet": "VARCHAR", "source_cell": "VARCHAR"},
          key=("source_sheet", "source_cell"),
          required=("kind", "scenario", "year", "value", "unit", "source_sheet", "source_cell"),
          allowed={**_YEAR_RULES, "unit": ("kt", "%"), "kind": (
              "share_clean_technologies", "total_clean_technologies", "total_rare_earths", "total_all_minerals",
              "total_technology")},
          mineral_columns=("mineral_id",)),
]})




# ---------------------------------------------------------------------------------------------
# IEA 2025 edition, observed year 2024 (issue 27 item 4): an UNOFFICIAL third-party JSON conversion
# (rexlib/sources/iea_conversion.py), the second IEA vintage 'IEA2025' beside the May 2024 workbook's tables.
_IEA2025 = ("IEA Critical Minerals Data Explorer, 2025 edition (observed year 2024), UNOFFICIAL third-party JSON "
            "conversion (data/raw/iea/iea_2025_edition_conversion/iea.json; the IEA workbook itself not obtained). ")
TABLES.update({t.name: t for t in [
    Table("iea_supply_2025", _IEA2025 + "Mining and refining by country for the six key minerals: 2024 observed, "
          "2030/2035/2040 base case, kt (as `refining` is for the 2024 edition).",
          {"mineral_id": "VARCHAR", "stage": "VARCHAR", "stage_label": "VARCHAR", "country": "VARCHAR",
           "country_label": "VARCHAR", "year": "INTEGER", "value_kt": "DOUBLE", "share_pct": "DOUBLE",
           "scenario": "VARCHAR", "vintage": "VARCHAR", "provenance": "VARCHAR", "source_file": "VARCHAR",
           "source_path": "VARCHAR"},
          key=("mineral_id", "stage", "country", "year", "scenario"),
          required=("mineral_id", "stage", "country", "year", "scenario", "value_kt", "vintage", "provenance"),
          allowed={"stage": ("mine", "refinery", "chemicals", "battery_grade"),
                   "scenario": ("observed", "base_case")},
          mineral_columns=("mineral_id",), country_columns=("country",)),
    Table("iea_supply_totals_2025", _IEA2025 + "Block totals and the conversion's top-3 share.",
          {"mineral_id": "VARCHAR", "stage": "VARCHAR", "year": "INTEGER", "scenario": "VARCHAR",
           "total_kt": "DOUBLE", "top3_share_pct": "DOUBLE", "vintage": "VARCHAR", "source_path": "VARCHAR"},
          key=("mineral_id", "stage", "year"), required=("mineral_id", "stage", "year", "total_kt"),
          mineral_columns=("mineral_id",)),
    Table("iea_demand_2025", _IEA2025 + "Demand for the six key minerals by end use (as `iea_demand`), kt: 2024 "
          "observed, 2030-2050 under STEPS, APS and NZE.",
          {**{k: t for k, t in _DEMAND_TYPES.items() if k not in ("source_sheet", "source_cell")},
           "vintage": "VARCHAR", "source_path": "VARCHAR"},
          key=("mineral_id", "end_use", "scenario", "year"),
          required=("mineral_id", "end_use", "scenario", "year", "year_type", "value_kt"),
          allowed={**_YEAR_RULES, "end_use": IEA_END_USES}, mineral_columns=("mineral_id",)),
]})


# ---------------------------------------------------------------------------------------------
# USGS MCS2026 industry-trends tables read for issue 27 (rexlib/sources/usgs_trends.py). T4 and T5
# are reconciled into export_controls and agreements above (rexlib/etl/reconcile.py).
TABLES.update({t.name: t for t in [
    Table("usgs_end_uses", "USGS MCS2026 Table 6: the primary applications of each mineral of the 2025 U.S. "
          "critical minerals list, as printed (what it is used for).",
          {"mineral_id": "VARCHAR", "label": "VARCHAR", "applications": "VARCHAR", "chapter_note": "VARCHAR", **_PROV},
          key=("label",), required=("label", "applications", "source_file", "source_line"),
          mineral_columns=("mineral_id",)),
    Table("usgs_scrap", "USGS MCS2026 Figure 13: the value of U.S. scrap by type (2025, estimated) and the percent "
          "of that value that was domestic, imported and exported.",
          {"mineral_id": "VARCHAR", "label": "VARCHAR", "year": "INTEGER", "flag": "VARCHAR",
           "scrap_value_musd": "DOUBLE", "pct_domestic": "DOUBLE", "pct_imported": "DOUBLE",
           "pct_exported": "DOUBLE", "critical_list": "BOOLEAN", **_PROV},
          key=("label", "year"), required=("mineral_id", "label", "year", "scrap_value_musd", "source_line"),
          mineral_columns=("mineral_id",), flag_columns=("flag",)),
    Table("usgs_price_growth", "USGS MCS2026 Figure 10: price growth of critical minerals, 2024-2025 change and "
          "2021-2025 compound annual growth rate, in percent, per price series.",
          {"mineral_id": "VARCHAR", "label": "VARCHAR", "price_series": "VARCHAR", "pct_change_2024_2025": "DOUBLE",
           "cagr_2021_2025_pct": "DOUBLE", "basis": "VARCHAR", "source_file": "VARCHAR", "source_line": "INTEGER"},
          key=("label",), required=("mineral_id", "label", "source_line"),
          allowed={"basis": ("price", "unit value of imports")}, mineral_columns=("mineral_id",)),
]})
