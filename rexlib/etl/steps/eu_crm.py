"""European Commission CRM 2023 study (issue 15): supply shares by stage, criticality, end use."""
from __future__ import annotations

from rexlib.sources import eu_crm
from .context import Context, StepError, StepResult


def collect_eu_crm(ctx: Context) -> StepResult:
    try:
        tables, issues, labels = eu_crm.read_eu_crm(ctx.raw_dir)
    except eu_crm.EuCrmError as exc:
        raise StepError(str(exc)) from exc
    return StepResult(tables, issues, labels)
