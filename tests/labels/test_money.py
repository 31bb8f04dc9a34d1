"""Issue 26 item 8: an undisclosed amount reads "not disclosed", never $0; the documents' deals."""
from __future__ import annotations

import pytest

from rexlib.charts.finance import amount_bars
from rexlib.metrics import deal_flows


def test_an_agency_without_a_stated_amount_reads_not_disclosed(db):
    from rexlib.app.ui import financing
    frame = financing.grouped("agency", "all")
    # deals.csv D029/D030 (USTDA): no amount printed in the documents
    ustda = frame.set_index("group").loc["USTDA"]
    assert ustda["n_deals"] == 2 and ustda["n_with_amount"] == 0 and ustda["usd"] != ustda["usd"]
    assert (frame["n_with_amount"] == 0).sum() == 11
    spec = amount_bars(frame, by="Agency", title="t", source=["s"])
    texts = {r["group"]: r["text"] for r in spec["data"]["values"]} if "data" in spec else \
        {r["group"]: r["text"] for r in spec["layer"][0]["data"]["values"]}
    assert texts["USTDA"] == "not disclosed · 2 deals"
    assert texts["DoD"] == "$550 m · 3 deals (1 not disclosed)"    # D021's price floor has no amount
    assert not any(t.startswith("$0.00 bn") for t in texts.values())


def test_the_documents_deals(db):
    """001_10a4e5c3a09a248e.txt: USA Rare Earth must 'Establish a $250 million revolving credit
    facility by Dec 31, 2026'; Argentina's '~US$14 billion in incoming mining investment' under RIGI,
    one figure over projects none of which has a row, is counted once."""
    flows = deal_flows().set_index("deal_id")
    assert flows.at["D036", "amount_usd"] == pytest.approx(250e6) and flows.at["D036", "mineral_id"] == "rare_earths"
    assert flows.at["D028", "amount_usd"] == pytest.approx(14e9) and flows.at["D028", "mineral_id"] == "copper"


def test_dollars_read_for_people_in_one_rule():
    """rexlib.core.fmt.fmt_usd, used by the deal bars, the Vault table and the country profile: the Vault's
    $12 billion (deals.csv D004) split over nine minerals read "$1,333,333,333" per mineral before."""
    from rexlib.core.fmt import fmt_usd
    assert [fmt_usd(v) for v in (12e9, 12e9 / 9, 10.5e9, 550e6, 71e6, 580.0)] == [
        "$12 bn", "$1.33 bn", "$10.5 bn", "$550 m", "$71 m", "$580"]
    assert fmt_usd(float("nan")) == "" and fmt_usd(None) == ""
