"""European Commission CRM 2023 study (issue 15): supply shares by stage, criticality, end use."""
from __future__ import annotations

from rexlib.sources import eu_crm
from ..tablespec import Table
from .context import Context, Step, StepError, StepResult, Supply

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

TABLES = (
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
)
SPEC = {t.name: t for t in TABLES}


def collect_eu_crm(ctx: Context) -> StepResult:
    try:
        tables, issues, labels = eu_crm.read_eu_crm(ctx.raw_dir)
    except eu_crm.EuCrmError as exc:
        raise StepError(str(exc)) from exc
    return StepResult(tables, issues, labels)


STEP = Step("eu_crm", collect_eu_crm,
            ("eu_crm_global_supply", "eu_crm_eu_sourcing", "eu_crm_criticality", "eu_crm_end_use"),
            supplies=(Supply("eu_crm", "eu_shares", lambda read, derived: read("eu_crm_global_supply")),))
