"""Country profile: what one country brings (its shares of world mining and processing, where it
ranks top 3, reserves, U.S. imports from it, deals, agreements, groups, governance, EU sourcing), and
a coalition builder (a group, countries added or removed, coverage per mineral, the candidates that
would add most). URL: ``?country=ARG&group=forge_members&add=ARG,CHL&remove=KOR&stage=mine``."""
from __future__ import annotations

import pandas as pd

from rexlib import charts
from rexlib.charts.base import CURATED_PUBLISHER, esc, source_line
from rexlib.charts.country import country_shares
from rexlib.charts.scenario import coverage_bars
from rexlib.metrics import _common as mc
from rexlib.metrics import country as k
from rexlib.core.fmt import cite_document, fmt_usd, words
from rexlib.core.ids import stage_output, stage_word
from rexlib.core.validate import InvalidArgument, choice
from . import common as c
from . import metrics_bridge as mb
from .cache import memo, sections

DEFAULTS = {"country": "ARG", "group": "forge_members", "add": "", "remove": "", "stage": "mine", "view": "both"}
# What the page shows: both parts (the app), or one (the reports: a country, or a coalition summary).
VIEWS = ("both", "country", "coalition")
NO_GROUP = "none"       # the group value (and URL value) of a coalition of added countries only
# Stage words: rexlib/metadata/mappings/stages.csv (U.S. imports are not a stage).
STAGES = {"mine": stage_output("mine"), "processing": stage_output("processing"), "import": "U.S. imports"}
STAGE_LABEL = {stage: stage_word(stage) for stage in ("mine", "processing")}
MAX_BARS = 30
RELEASES = ["iea_cm_explorer_2024"]


# ---------------------------------------------------------------- data (cached per kernel)

@memo(1)
def country_options() -> list[tuple[str, str]]:
    """Every country and territory, by name: 'Argentina (ARG)'."""
    table = k._country_table().sort_values("name")
    return [(f"{n} ({i})", i) for n, i in zip(table["name"], table["iso3"])]


@memo(1)
def group_options() -> list[tuple[str, str]]:
    frame = mc._groups().drop_duplicates("group_id")
    return [("(none: only the countries added)", NO_GROUP)] + [
        (f"{n} [{g}]" if len(n) < 70 else f"{n[:67]}... [{g}]", g) for g, n in zip(frame["group_id"], frame["group_name"])]


@memo(64)
def _profile(iso3: str) -> k.CountryProfile:
    return k.country_profile(iso3)


@memo(32)
def _coalition(group: str, add: tuple, remove: tuple) -> pd.DataFrame:
    return k.coalition(_group(group), list(add), list(remove))


@memo(96)
def _marginal(group: str, add: tuple, remove: tuple, stage: str) -> pd.DataFrame:
    return k.marginal_coverage(_group(group), list(add) or None, stage=stage, remove=list(remove))


def _names(codes) -> str:
    """Countries as page text, by name, sorted (``EU`` is the European Union)."""
    names = {"EU": "European Union"}
    return ", ".join(sorted(names.get(code) or k.country_name(code) for code in codes if code))


def _coalition_title(group: str, add: tuple, remove: tuple) -> str:
    """The coalition by name: the group's name, then the countries added and removed by name (its id
    and codes stay for the CSV's file name, ``members.label``)."""
    named = dict((g, n) for n, g in group_options())
    title = c.human_label(named.get(group, group)) if group != NO_GROUP else "countries added"
    if add:
        title += " + " + _names(add)
    if remove:
        title += " − " + _names(remove)
    return title


def _group(group: str) -> str | None:
    return None if group == NO_GROUP else group


def _codes(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in str(text or "").replace(";", ",").split(",") if p.strip())


def _country(name: str, value: str) -> str:
    """An ISO3 code; a friendly InvalidArgument listing the close matches otherwise."""
    try:
        return k.resolve_country(value)
    except k.UnknownCountry as error:
        # Named after the parameter (add, remove, country) so the page says which value was wrong.
        if error.close:
            raise InvalidArgument(name, value, [f"{n} ({i})" for i, n in error.close],
                                  " (close matches by name or code; the picker lists every country)") from None
        raise InvalidArgument(name, value, error.valid, " (ISO3 codes such as CHL, or country names such as "
                              "Chile; several separated by commas)") from None


# ---------------------------------------------------------------- parameters

def _validate(values: dict, explicit: set) -> dict:
    country = _country("country", str(values["country"]))
    group = str(values["group"] or NO_GROUP)
    if group != NO_GROUP:
        group = choice("group", group, mc.group_ids(), normalise=False)
    add = tuple(sorted({a.upper() if a.upper() == "EU" else _country("add", a) for a in _codes(values["add"])}))
    remove = tuple(sorted({_country("remove", r) for r in _codes(values["remove"])}))
    if group == NO_GROUP and not add:
        raise InvalidArgument("group", group, mc.group_ids(), " (with no group to start from, add at least one "
                                                           "country: add=ARG,CHL)")
    k.coalition_members(_group(group), list(add), list(remove))     # raises when nothing is left
    stage = choice("stage", str(values["stage"]), list(STAGES))
    view = choice("view", str(values["view"]), VIEWS)
    return {"country": country, "group": group, "add": ",".join(add), "remove": ",".join(remove), "stage": stage,
            "view": view}


validate_params = _validate


def _pct(x) -> str:
    return "n/a" if x is None or pd.isna(x) else f"{x:.1f}%"


def _usd(x: float) -> str:
    return fmt_usd(x)         # the one rule for dollars on a page (rexlib/core/fmt.py)


def link_table(frame: pd.DataFrame, columns: dict[str, str], link_col: str, name: str) -> str:
    """A table whose ``link_col`` cells open that country's profile, plus the CSV link."""
    head = "".join(f"<th>{esc(h)}</th>" for h in columns.values())
    body = []
    for rec in frame.to_dict("records"):
        cells = []
        for col in columns:
            value = rec[col]
            if col == link_col:
                cells.append(f'<td><a href="country_profile.ipynb?country={esc(rec["country"])}" target="_blank">'
                             f'{esc(value)}</a></td>')
            elif isinstance(value, float):
                cells.append(f'<td class="num">{value:,.1f}</td>')
            elif isinstance(value, int):
                cells.append(f'<td class="num">{value}</td>')
            else:
                cells.append(f"<td>{esc(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="rex-table-wrap"><table class="rex-table"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>' + c.csv_link(frame, name))


def _cards(frame: pd.DataFrame, title_col: str, detail) -> str:
    """Cited rows as cards: what, the quote, the source (headline, publisher, date: fmt.cite_document; link)."""
    out = []
    for rec in frame.to_dict("records"):
        url = rec.get("source_url")
        link = (f' <a href="{esc(url)}" target="_blank">link</a>' if isinstance(url, str) and url else "")
        quote = rec.get("source_quote")
        out.append('<div class="rex-card">'
                   f'<b>{esc(rec[title_col])}</b> <span class="rex-note">{esc(detail(rec))}</span>'
                   + (f'<div style="margin:4px 0;font-style:italic">“{esc(quote)}”</div>' if isinstance(quote, str) else "")
                   + f'<div class="rex-note">Source: {esc(cite_document(rec.get("source_doc"), rec.get("source_title")))}'
                     f'{link}</div></div>')
    return '<div class="rex-cards">' + "".join(out) + "</div>"


# ---------------------------------------------------------------- the app

class CountryProfile(c.App):
    publish_axes = (("country",), ("group", "stage"))   # rex publish: parameters crossed (common.App.publish_axes)
    title = "Country profile"
    lede = ("What one country brings: its share of world mining and processing per mineral (USGS, IEA), where it "
            "ranks top 3, reserves, U.S. imports from it, the deals and agreements that name it, its groups and "
            "governance. Below, a coalition builder: start from a group, add or remove countries, see what the set "
            "covers and which partner would add most where it is weakest.")

    url_controls = {"country": "country_pick", "group": "coalition_group", "add": "coalition_add",
                    "remove": "coalition_remove", "stage": "coalition_stage", "view": "view_mode"}

    def __init__(self, country=DEFAULTS["country"], group=DEFAULTS["group"], add=DEFAULTS["add"],
                 remove=DEFAULTS["remove"], stage=DEFAULTS["stage"], view=DEFAULTS["view"]):
        resolved = c.resolve([c.Param("country", country, DEFAULTS["country"]),
                              c.Param("group", group, DEFAULTS["group"]),
                              c.Param("add", add, DEFAULTS["add"]),
                              c.Param("remove", remove, DEFAULTS["remove"]),
                              c.Param("stage", stage, DEFAULTS["stage"]),
                              c.Param("view", view, DEFAULTS["view"])], _validate,
                             warmup=lambda: _profile(DEFAULTS["country"]))
        super().__init__(resolved)
        v = resolved.values
        self.view_mode = v["view"]      # not a control: the reports set it
        self.country_pick = c.dropdown("Country", country_options(), v["country"], "360px")
        self.coalition_group = c.dropdown("Coalition: start from", group_options(), v["group"], "460px")
        self.coalition_add = c.w.Text(value=v["add"], description="add (ISO3)", placeholder="ARG,CHL",
                                      continuous_update=False, style={"description_width": "initial"},
                                      layout=c.w.Layout(width="230px"))
        self.coalition_remove = c.w.Text(value=v["remove"], description="remove", placeholder="KOR",
                                         continuous_update=False, style={"description_width": "initial"},
                                         layout=c.w.Layout(width="200px"))
        self.coalition_stage = c.dropdown("weakest at", [(label, key) for key, label in STAGES.items()], v["stage"],
                                          "230px")
        self.watch(self.country_pick, self.coalition_group, self.coalition_add, self.coalition_remove,
                   self.coalition_stage)

    def controls(self):
        country = [self.country_pick] if self.view_mode != "coalition" else []
        coalition = ([self.coalition_group, self.coalition_add, self.coalition_remove, self.coalition_stage]
                     if self.view_mode != "country" else [])
        return country + coalition

    @classmethod
    def warm(cls) -> None:
        _profile(DEFAULTS["country"])
        _marginal(DEFAULTS["group"], (), (), DEFAULTS["stage"])

    def render(self) -> list[str]:
        cache = sections("country_profile")
        iso3 = self.country_pick.value
        parts = cache.get(("profile", iso3), lambda: self._country(iso3)) if self.view_mode != "coalition" else []
        if self.view_mode == "country":
            return parts
        try:
            state = _validate({"country": iso3, "group": self.coalition_group.value, "add": self.coalition_add.value,
                               "remove": self.coalition_remove.value, "stage": self.coalition_stage.value,
                               "view": self.view_mode}, set())
        except InvalidArgument as error:
            return parts + [c.heading("Coalition builder"), c.friendly(error)]
        key = (state["group"], _codes(state["add"]), _codes(state["remove"]), state["stage"])
        return parts + cache.get(("coalition",) + key, lambda: self._coalition(*key))

    # the country ----------------------------------------------------------------------------
    def _country(self, iso3: str) -> list[str]:
        p = _profile(iso3)
        out = [self._tiles(p)]
        if p.shares.empty or (p.shares["share_pct"].fillna(0) == 0).all():
            out.append(c.message(f"Little is known about {p.name} in these data. Known: "
                                 + ("; ".join(p.known) if p.known else "nothing") + ". Not known: "
                                 + "; ".join(p.unknown) + ".", "warn"))
        elif p.unknown:
            out.append(f'<div class="rex-note">{esc("Not in these data: " + "; ".join(p.unknown) + ".")}</div>')
        out += self._shares(p) + self._reserves(p) + self._imports(p) + self._controls(p) + self._policy(p) + self._groups(p)
        return out

    @staticmethod
    def _controls(p: k.CountryProfile) -> list[str]:
        """The export controls the country imposes (USGS MCS2026 Table 4 and the documents' rows), with
        the year each took effect and its share of each mineral's world mining and processing in 2025
        (rexlib.metrics.export_controls; issue 27)."""
        from rexlib.charts.controls import control_timeline
        out = [c.heading(f"Export controls {p.name} imposes")]
        timeline = mb.control_timeline(None, p.iso3)
        if timeline.empty:
            return out + [c.message(f"USGS MCS2026 Table 4 lists no export control by {p.name} in force as of "
                                    "January 2026, and the documents name none.", "info")]
        every = mb.control_exposure_table(2025, "any")      # shared with the chokepoints (one pass)
        every = every[every["mineral_id"].isin(set(timeline.loc[timeline["counts_for_supply"], "mineral_id"]))]
        table = timeline.merge(every[["mineral_id", "country_names", "mining_pct", "processing_pct", "import_pct"]]
                               .rename(columns={"country_names": "countries_2025"}), on="mineral_id", how="left")
        src = source_line("USGS MCS2026 Table 4 (export controls in force as of January 2026) and the documents' "
                          "controls (curated, cited)", ["MCS2026"], {"country": p.iso3})
        out.append(c.chart_html(control_timeline(table, title=f"{p.name}: what it put under export control when",
                                                 source=src, by="mineral_name")))
        out.append(c.table_html(table, f"{p.iso3}_export_controls", columns={
            "mineral_name": "Mineral", "kind": "Kind", "effective_year": "In force from", "products": "What",
            "countries_2025": "All countries with a control, 2025", "mining_pct": "Their share of world mining 2025 %",
            "processing_pct": "… of world processing %", "import_pct": "… of U.S. imports %", "origin": "Origin"},
            max_rows=30))
        return out

    @staticmethod
    def _tiles(p: k.CountryProfile) -> str:
        top = p.top
        known = p.shares[p.shares["known"] & (p.shares["share_pct"] > 0)]
        best = known.sort_values("share_pct", ascending=False).head(1)
        money = p.deal_dollars
        g = p.governance
        tiles = [{"label": f"{p.name}: minerals where it ranks top 3", "value": str(top["mineral_id"].nunique()),
                  "note": "; ".join(f"{r.mineral}: {STAGE_LABEL[r.stage]} #{r.rank}" for r in top.head(6).itertuples())
                  + (" …" if len(top) > 6 else "") or "none"},
                 {"label": "Largest share of world output",
                  "value": _pct(best["share_pct"].iloc[0]) if len(best) else "n/a",
                  "note": (f"{best['mineral'].iloc[0]}, {STAGE_LABEL[best['stage'].iloc[0]]} {best['year'].iloc[0]}"
                           if len(best) else "no series gives it a share above zero")},
                 {"label": "Agreements / deals naming it", "value": f"{len(p.agreements)} / {money['n_deals']}",
                  "note": (f"deal dollars counted: {_usd(money['counted'])}" if money["counted"] else "no counted deal amount")
                  + (f"; totals reported for several deals: {_usd(money['aggregate'])}" if money["aggregate"] else "")},
                 {"label": f"Governance (WGI {g['wgi_year']}, EU 0–10 scale, 10 = worst)",
                  "value": "n/a" if pd.isna(g["wgi_scaled"]) else f"{g['wgi_scaled']:.1f}",
                  "note": "no WGI score" if pd.isna(g["wgi_scaled"]) else
                  f"mean of 6 estimates {g['wgi_mean']:+.2f}; {g['rank']} of {g['n_scored']} (1 = best); the score of HHI_WGI"}]
        return charts.share_tiles(tiles)

    @staticmethod
    def _shares(p: k.CountryProfile) -> list[str]:
        out = [c.heading(f"{p.name}: share of world mining and processing")]
        rows = p.shares.assign(stage_label=p.shares["stage"].map(STAGE_LABEL))
        if rows.empty:
            return out + [c.message(f"No USGS or IEA production series lists {p.name} separately.", "info")]
        shown = rows[rows["share_pct"].fillna(0) > 0]
        keep = shown.groupby("mineral")["share_pct"].max().sort_values(ascending=False).head(MAX_BARS).index
        labels = sorted(set(rows["source_label"]))
        src = source_line("USGS world production tables and IEA refining blocks, shares as stored by the series layer "
                          "(computed by rex)", [], {"country": p.iso3}, releases=RELEASES)
        if len(shown):
            out.append(c.chart_html(country_shares(
                shown[shown["mineral"].isin(keep)], title=f"{p.name}: share of world output by mineral", source=src,
                subtitle=f"% of the world total, latest year of each series (top {min(MAX_BARS, len(keep))} minerals); "
                         "click a bar for the mineral's profile")))
        out.append(f'<div class="rex-note">{esc("Series: " + "; ".join(labels))}</div>')
        out.append(c.table_html(rows, f"{p.iso3}_shares", columns={
            "mineral": "Mineral", "stage_label": "Stage", "series_stage": "Series stage", "year": "Year",
            "value": "Value", "unit": "Unit", "flag": "Flag", "share_pct": "Share of world %", "rank": "Rank",
            "n_ranked": "Producers ranked", "top1_country": "Leader", "joint_label": "Listed jointly as",
            "source_label": "Source"}, max_rows=25))
        return out

    @staticmethod
    def _reserves(p: k.CountryProfile) -> list[str]:
        out = [c.heading(f"Reserves ({p.name})")]
        if p.reserves.empty:
            return out + [c.message(f"No USGS reserves table lists {p.name} separately.", "info")]
        return out + [c.table_html(p.reserves, f"{p.iso3}_reserves", columns={
            "mineral": "Mineral", "year": "Year", "value": "Reserves", "unit": "Unit", "flag": "Flag",
            "share_pct": "Share of world %", "share_flag": "Share note", "vintage": "Vintage",
            "source_file": "File", "source_line": "Line"}, max_rows=15)]

    @staticmethod
    def _imports(p: k.CountryProfile) -> list[str]:
        out = [c.heading(f"U.S. imports from {p.name}")]
        if p.imports.empty:
            return out + [c.message(f"{p.name} is not among the major U.S. import sources USGS lists.", "info")]
        return out + [c.table_html(p.imports, f"{p.iso3}_us_imports", columns={
            "mineral": "Mineral", "rank": "Rank", "share_pct": "Share of U.S. imports %", "period": "Period",
            "measure": "Measure", "nir_pct": "U.S. net import reliance %", "nir_bound": "NIR bound",
            "vintage": "Vintage", "source_line": "Line"}, max_rows=20)]

    @staticmethod
    def _policy(p: k.CountryProfile) -> list[str]:
        out = [c.heading(f"Deals and agreements naming {p.name}")]
        if p.deals.empty and p.agreements.empty:
            return out + [c.message(f"No deal or agreement in the curated dataset names {p.name}.", "info")]
        if len(p.agreements):
            out.append(_cards(p.agreements, "name", lambda r: " · ".join(x for x in (
                str(r["date"])[:10] if pd.notna(r["date"]) else "undated", words(r["kind"]),
                "parties " + _names(str(r["parties"]).split(";")),
                "through the EU" if r.get("via") == "EU" else "",
                {"usgs_t5": "USGS MCS2026 Table 5", "both": "the documents and USGS Table 5"}.get(r.get("origin"), ""))
                if x)))
        if len(p.deals):
            out.append(_cards(p.deals, "project", lambda r: " · ".join(x for x in (
                r["agency"] or "", words(r["instrument"]) if r["instrument"] else "", _usd(r["amount_usd"]) if pd.notna(r["amount_usd"]) else "amount not stated",
                "a total of several deals" if r["is_aggregate"] else "",
                f"also {r['shared_with']}" if r["shared_with"] else "", r["status"] or "") if x)))
        return out

    @staticmethod
    def _groups(p: k.CountryProfile) -> list[str]:
        out = [c.heading(f"Groups {p.name} belongs to")]
        if p.groups.empty:
            out.append(c.message(f"{p.name} is in none of the curated country groups.", "info"))
        else:
            cited = [cite_document(d, t) for d, t in zip(p.groups["source_doc"], p.groups["source_title"])]
            out.append(c.table_html(p.groups.assign(document=cited), f"{p.iso3}_groups", download=p.groups, columns={
                "group_name": "Group", "via": "Through", "notes": "Notes", "document": "Document"}))
        if len(p.eu_sourcing):
            out.append(c.heading("EU sourcing shares naming it (EC 2023)"))
            out.append(f'<div class="rex-note">{esc(p.eu_sourcing["provenance"].iloc[0])}</div>')
            out.append(c.table_html(p.eu_sourcing, f"{p.iso3}_eu_sourcing", columns={
                "material": "Material", "stage": "Stage (E/P)", "share_pct": "Share of EU sourcing %",
                "share_flag": "Flag", "period": "Period", "provenance": "Provenance"}, max_rows=15))
        return out

    # the coalition ----------------------------------------------------------------------------
    @staticmethod
    def _coalition(group: str, add: tuple, remove: tuple, stage: str) -> list[str]:
        members = k.coalition_members(_group(group), list(add), list(remove))
        cov = _coalition(group, add, remove)
        names = mc.mineral_names()
        out = [c.heading(f"Coalition builder: {_coalition_title(group, add, remove)}")]
        listed = _names(members.codes)
        named = (f"Members its sources name ({len(members.codes)}): {listed}" if not add and not remove
                 else f"Members ({len(members.codes)}: the group's as its sources name them, with your changes): {listed}")
        out.append(f'<div class="rex-note">{esc(named)}'
                   + (f" · {esc(members.note)}" if members.note else "") + "</div>")
        if cov.empty:
            return out + [c.message("No coverage figures for this set.", "info")]
        long = cov.melt(id_vars=["mineral_id"], value_vars=["mine_covered_pct", "refining_covered_pct",
                                                             "import_covered_pct"],
                        var_name="measure", value_name="covered_pct")
        long["measure"] = long["measure"].map({"mine_covered_pct": "mine production", "refining_covered_pct":
                                               "processing", "import_covered_pct": "U.S. imports"})
        long["name"] = long["mineral_id"].map(lambda m: names.get(m, m))
        crit = mc.critical_set("2022")
        top = long[long["mineral_id"].isin(crit)].groupby("name")["covered_pct"].max().sort_values(
            ascending=False).head(20).index
        src = source_line("country_groups (curated) × USGS production/import sources × IEA refining, via "
                          "coalition coverage computed by rex", ["MCS2026"], {"group": group, "add": ",".join(add),
                                                                             "remove": ",".join(remove)},
                          releases=RELEASES, publisher=CURATED_PUBLISHER)
        out.append(c.chart_html(coverage_bars(long[long["name"].isin(top)], title="What the set covers (2022 critical "
                                              "minerals, top 20)", source=src,
                                              subtitle="Lower bounds: members hidden in 'other countries' are not counted")))
        out.append(c.table_html(cov.assign(name=cov["mineral_id"].map(lambda m: names.get(m, m))),
                                f"coalition_{members.label}", columns={
                                    "name": "Mineral", "mine_covered_pct": "Mine %", "refining_covered_pct": "Processing %",
                                    "import_covered_pct": "U.S. imports %", "import_basis": "Import basis",
                                    "mine_source": "Mine series", "refining_source": "Processing series"}, max_rows=15))
        marg = _marginal(group, add, remove, stage)
        weak = marg.attrs.get("weakest", pd.DataFrame())
        out.append(c.heading(f"Who would add most where the set is weakest ({STAGES[stage]})"))
        if len(weak):
            text = ", ".join(f"{names.get(m, m)} {x:.1f}%" for m, x in zip(weak["mineral_id"], weak["covered_pct"]))
            out.append(f'<div class="rex-note">{esc(f"The {len(weak)} 2022 critical minerals it covers least ({STAGES[stage]}): {text}. Added coverage = percentage points of the world total (of U.S. imports) the candidate would bring, summed over these minerals.")}</div>')
        out.append(f'<div class="rex-note">{esc("Candidates: " + marg.attrs.get("pool", ""))}.</div>')
        if marg.empty:
            return out + [c.message("No candidate adds coverage on these minerals.", "info")]
        out.append(link_table(marg.head(25).assign(best_mineral=lambda f: f["best_mineral"].map(
            lambda m: names.get(m, m))), {"rank": "Rank", "name": "Country", "country": "ISO3",
                                         "added_pp": "Added (pp, sum)", "minerals_added": "Minerals",
                                         "best_mineral": "Adds most to", "best_added_pp": "pp",
                                         "detail": "Per mineral (pp)"}, "name", f"marginal_{stage}_{members.label}"))
        return out


def app(country=DEFAULTS["country"], group=DEFAULTS["group"], add=DEFAULTS["add"], remove=DEFAULTS["remove"],
        stage=DEFAULTS["stage"], view=DEFAULTS["view"]) -> CountryProfile:
    return CountryProfile(country, group, add, remove, stage, view)
