"""The documents' demand-growth claims (C009 'more than tripled since 2017', C010 lithium 'over
sixfold') through rexlib.metrics.claims_check: the May 2024 workbook's demand starts in 2023, so the
verdict is not_checkable with that reason and the 2023 figures (sheet 3.2 B45 and B19)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from rexlib.metrics import check_claims
from rexlib.metrics.claims_check import _demand_growth


def test_demand_growth_claims_say_why_not(db):
    t = check_claims().set_index("claim_id")
    for claim, figure in (("C009", "10,111.5 kt"), ("C010", "92.1 kt")):   # 3.2 B45 10111.5, B19 92.0723
        row = t.loc[claim]
        assert row["verdict"] == "not_checkable" and row["metric"] == "demand_growth"
        reason = row["tolerance_or_reason"]
        assert "starts in 2023" in reason and "no 2017 value" in reason and figure in reason
        assert "Critical Minerals Data Explorer" in row["data_source"]


def test_the_rule_computes_a_multiple_when_the_base_year_exists(db):
    # against the workbook's own base year the multiple is 1 (lithium 2023 / 2023), and the tolerance applies
    claim = SimpleNamespace(unit="multiple_of_2023_level", mineral="lithium", value=1.0, low=float("nan"),
                            high=float("nan"))
    value, source, verdict, tolerance, _note = _demand_growth(claim)
    assert value == pytest.approx(1.0) and verdict == "consistent" and "2023 / 2023" in source
    assert "10%" in tolerance
    claim.value = 6.0
    assert _demand_growth(claim)[2] == "differs"
