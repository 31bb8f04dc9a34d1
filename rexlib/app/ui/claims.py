"""Claims: each quantitative claim in the documents, what the data say, the verdict and the source."""
from __future__ import annotations

import pandas as pd

from rexlib.query import api
from rexlib.charts.base import CURATED_PUBLISHER, esc, fmt_num, source_line
from rexlib.core.fmt import cite_document, words
from rexlib.charts.claims import claimed_vs_computed
from rexlib.core.validate import choice
from . import common as c
from . import metrics_bridge as mb
from .cache import memo, sections

DEFAULTS = {"verdict": "all", "topic": "all"}
VERDICT_COLORS = {"consistent": "#d8f0e3", "differs": "#fbe0dd", "not_comparable": "#fff0c9"}


@memo(2)
def _table() -> pd.DataFrame:
    frame = mb.check_claims().copy()
    extra = api.claims()[["claim_id", "topic", "source_doc", "source_title", "source_quote", "source_url"]]
    frame = frame.drop(columns=[col for col in ("topic", "source_doc", "source_title", "source_quote", "source_url")
                                if col in frame.columns]).merge(extra, on="claim_id", how="left")
    frame["verdict"] = frame["verdict"].fillna("not_checkable")
    return frame


def _topics() -> list[str]:
    return ["all", *sorted(_table()["topic"].dropna().unique())]


def _verdicts() -> list[str]:
    return ["all", *sorted(_table()["verdict"].unique())]


def _mineral(mineral) -> str:
    """A claim's mineral by its name (``rare_earths`` -> "Rare earths"); "" when the claim names none."""
    if not isinstance(mineral, str) or not mineral:
        return ""
    return mb.mineral_names().get(mineral) or words(mineral).capitalize()


def _sentences(*parts) -> str:
    """A card's note from its parts (data source, tolerance, note, convention): the empty ones left out,
    each ending in one full stop ("… : 16 Judged by" read as one sentence before)."""
    kept = [p.strip() for p in parts if isinstance(p, str) and p.strip()]
    return " ".join(p if p.endswith((".", "!", "?")) else p + "." for p in kept)


def _validate(values: dict, explicit: set) -> dict:
    return {"verdict": choice("verdict", values["verdict"], _verdicts()),
            "topic": choice("topic", values["topic"], _topics(), normalise=False)}


class Claims(c.App):
    publish_axes = (("verdict", "topic"),)   # rex publish: parameters crossed (common.App.publish_axes)
    title = "Claims check"
    lede = ("Every number the 2026 documents state about supply, shares or import reliance, set against what "
            "USGS and IEA data say, with a verdict and the quote it came from.")

    def __init__(self, verdict="all", topic="all"):
        resolved = c.resolve([c.Param("verdict", verdict, DEFAULTS["verdict"]),
                              c.Param("topic", topic, DEFAULTS["topic"])], _validate, warmup=_table)
        super().__init__(resolved)
        v = resolved.values
        self.verdict = c.dropdown("Verdict", [(words(x), x) for x in _verdicts()], v["verdict"], "260px")
        self.topic = c.dropdown("Topic", _topics(), v["topic"], "380px")
        self.watch(self.verdict, self.topic)

    def controls(self):
        return [self.verdict, self.topic]

    def render(self) -> list[str]:
        return sections("claims").get((self.verdict.value, self.topic.value), self._render)

    def _render(self) -> list[str]:
        frame = _table()
        counts = frame["verdict"].value_counts()
        if self.verdict.value != "all":
            frame = frame[frame["verdict"] == self.verdict.value]
        if self.topic.value != "all":
            frame = frame[frame["topic"] == self.topic.value]
        params = {"verdict": self.verdict.value, "topic": self.topic.value}
        parts = [c.message("Across all claims: " + ", ".join(f"{words(k)}: {n}" for k, n in counts.items())
                           + ". 'consistent' means within ±5 percentage points (percent claims) or ±10 % (quantities).",
                           "info")]
        pct = frame[frame["unit"] == "percent"].copy()
        named = pct["mineral"].map(_mineral)
        pct["label"] = (pct["claim_id"] + " " + pct["metric"].map(words)
                        + named.where(named == "", " · " + named))     # no dangling " · " when no mineral
        src = source_line("claims (curated) checked by rex against USGS/IEA", ["MCS2026"],
                          params, releases=["iea_cm_explorer_2024"], publisher=CURATED_PUBLISHER)
        parts.append(c.chart_html(claimed_vs_computed(pct, title="Percentage claims: claimed vs data", source=src)))
        parts.append(c.heading(f"Claims ({len(frame)})"))
        cards = []
        for r in frame.head(60).itertuples():
            bg = VERDICT_COLORS.get(r.verdict, "#eceff1")
            computed = fmt_num(r.computed)
            judged = f"Judged by: {words(r.convention)}" if isinstance(r.convention, str) and r.convention else None
            cards.append(
                f'<div class="rex-card"><span class="rex-verdict" style="background:{bg}">{esc(words(r.verdict))}</span> '
                f'<b>{esc(r.claim_id)}</b> {esc(words(r.metric))} {esc(_mineral(r.mineral))} — '
                f'claimed <b>{esc(r.claimed)}</b> {esc(words(r.unit))}; data: <b>{esc(computed or "—")}</b> '
                f'<div class="rex-note">{esc(_sentences(r.data_source, r.tolerance_or_reason, r.note, judged))}</div>'
                f'<div class="rex-note">“{esc(r.source_quote)}” — {esc(r.claimant)}; source: '
                f'{esc(cite_document(r.source_doc, r.source_title))}</div></div>')
        parts.append('<div class="rex-cards">' + "".join(cards) + "</div>")
        parts.append(c.table_html(frame, "claims_check", columns={
            "claim_id": "Claim", "metric": "Metric", "mineral": "Mineral", "claimed": "Claimed", "computed": "Data",
            "unit": "Unit", "verdict": "Verdict", "convention": "Judged by", "claimant": "Claimant"}, max_rows=5))
        return parts


def app(verdict="all", topic="all") -> Claims:
    return Claims(verdict, topic)
