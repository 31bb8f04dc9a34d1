"""Every financing figure the documents print (issue 27, item 5), checked against the deals table:
tests/controls/financing_figures.csv lists each dollar figure of the seed documents with its quote
and the row that holds it (a deal; a deal's note where it is a target, a condition or an implied
value; a claim where it is not financing). Found by a search of the five documents for '$', 'billion'
and 'million' (sentences with a dollar figure); every one is here."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from rexlib.core.paths import CURATED, PROJECT

FIGURES = Path(__file__).with_name("financing_figures.csv")
SEEDS = PROJECT.parent / "shared" / "seeds"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def figures():
    return pd.read_csv(FIGURES, dtype=str, keep_default_na=False)


def test_every_figure_is_a_row_with_that_amount(figures):
    deals = pd.read_csv(CURATED / "deals.csv", dtype=str, keep_default_na=False).set_index("deal_id")
    claims = pd.read_csv(CURATED / "claims.csv", dtype=str, keep_default_na=False).set_index("claim_id")
    for f in figures.itertuples():
        amount = float(f.amount_usd)
        if f.status == "deal":
            assert float(deals.loc[f.row, "amount_usd"]) == amount, f.quote
            assert deals.loc[f.row, "source_doc"] == f.source_doc or f.source_doc in deals.loc[f.row, "also_in"], f.row
        elif f.status == "deal_note":
            words = f"{amount / 1e9:g} billion" if amount >= 1e9 else f"{amount / 1e6:g} million"
            assert words in deals.loc[f.row, "amount_note"] + " " + deals.loc[f.row, "notes"], (f.row, words)
        else:
            assert f.status == "claim" and float(claims.loc[f.row, "value"]) == amount, f.row
    # the revolving credit facility the issue names (001: '$250M revolving credit by year-end 2026')
    assert "D036" in set(figures["row"]) and float(deals.loc["D036", "amount_usd"]) == 250e6


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents are not on this machine")
def test_every_quote_is_in_its_document_and_no_figure_is_left_out(figures):
    found = set()
    for doc in sorted(set(figures["source_doc"])):
        text = _norm((SEEDS / doc).read_text(encoding="utf-8"))
        for q in figures.loc[figures["source_doc"] == doc, "quote"]:
            assert _norm(q) in text, (doc, q)
        for m in re.finditer(r"\$\s?\d[\d,.]*\s*(billion|million|B|M)\b", text):
            found.add((doc, m.group(0)))
    quoted = " ".join(figures["quote"])
    missing = {f for f in found if f[1].replace(" ", "") not in quoted.replace(" ", "")}
    # the 'Highlights' bullets of 001 abbreviate figures quoted above in full ($565M = D009, $10B = D001,
    # $14.5B/$8.6B = C070/C071, $1.6B = D013, $1.5B = D017, $3.1B = D018, $250M = D036)
    allowed = {"$565M", "$10B", "$14.5B", "$8.6B", "$1.6B", "$1.5B", "$3.1B", "$250M"}
    assert {m for _, m in missing} <= allowed, sorted(missing)
