"""The landing page: one line per app, with an example link that sets parameters in the URL."""
from __future__ import annotations

from IPython.display import HTML

from rexlib.charts.base import esc
from .common import CSS, ignored_url_note, tab_title

APPS = [
    ("mineral_profile", "Mineral profile",
     "Where one mineral is produced (world map, top producers, 2021–2025 trend), how concentrated it is, "
     "reserves, IEA refining beside mining, U.S. import sources, and the deals, agreements, export controls "
     "and claims that touch it.", "mineral=gallium&year=2024"),
    ("import_reliance", "Import reliance",
     "Every mineral sorted by U.S. net import reliance, with '>95', '<50' and net exporters shown as such; "
     "2022/2025 critical lists; counts of fully import-dependent minerals.", "year=2022&critical=2022"),
    ("chokepoints", "Chokepoints",
     "HHI and China's share per stage across minerals, governance-weighted HHI, and the biggest gaps between "
     "mining and refining concentration.", "stage=mine&year=2024"),
    ("financing", "Financing",
     "Deals timeline; amounts by agency, mineral, stage and country (aggregates shown apart); financing "
     "beside vulnerability.", "by=mineral&agency=DFC"),
    ("scenario", "Scenario",
     "Disruption and coalition simulator: cut a supplier's output, ramp up others, see the shortfall; presets "
     "from the export controls in the documents.", "mineral=gallium&cut_pct=50&ramp_up_pct=20"),
    ("claims", "Claims",
     "Each quantitative claim in the documents, what the data say, a verdict and the source.", "verdict=differs"),
    ("outlook", "Demand outlook",
     "IEA demand to 2050 by scenario (STEPS, APS, NZE) and technology, growth on 2023, the base-case supply "
     "to 2040 against it, how concentrated that supply stays, what a supplier's cut means for 2030 demand, "
     "and a mineral-to-technology flow.", "mineral=lithium&scenario=APS&year=2035"),
    # Country and coalition profiles (issue 17)
    ("country_profile", "Country profile",
     "What one country brings: its shares of world mining and processing per mineral, where it ranks top 3, "
     "reserves, U.S. imports from it, deals and agreements naming it, groups and governance; a coalition builder "
     "with the partners that would add most where the set is weakest.", "country=CHL&group=forge_members&add=ARG,AUS"),
    ("explore", "Explore",
     "For researchers: every table, its schema, read-only SQL on the DuckDB file and rexlib examples.",
     "table=deals"),
]


def _headlines() -> dict[str, tuple[str, str]]:
    """app -> (figure, what it is), each read where its app reads it (the stored concentration, the
    import-reliance tiles, the claims' verdicts, the deals); an app whose figure cannot be had shows
    none. Views of the landing page only: the apps decide the figures."""
    from rexlib.query import api
    out: dict[str, tuple[str, str]] = {}
    try:
        row = api.stored_concentration("gallium").iloc[-1]
        out["mineral_profile"] = (f"{row['china_share']:.1f}%", f"of the world's gallium refined in China, "
                                                                 f"{int(row['year'])} (USGS)")
    except Exception:   # noqa: BLE001 - the landing page never fails for a figure
        pass
    try:
        from . import data as d
        counts = d.nir_counts(d.nir_table(2025, "2025"))
        out["import_reliance"] = (str(counts["fully"]), f"of the {counts['total']} minerals on the 2025 U.S. "
                                                         "critical list met entirely by net imports, 2025 (USGS)")
    except Exception:   # noqa: BLE001
        pass
    try:
        from .claims import _table
        verdicts = _table()["verdict"].value_counts()
        out["claims"] = (f"{int(verdicts.get('differs', 0))} of {int(verdicts.sum())}",
                         "claims in the news and policy documents differ from the data")
    except Exception:   # noqa: BLE001
        pass
    try:
        out["financing"] = (str(len(api.deals())), "U.S. financing deals and commitments, each cited")
    except Exception:   # noqa: BLE001
        pass
    return out


TOPICS_CSS = """<style>
.rex-topics{display:grid;grid-template-columns:repeat(auto-fill,minmax(290px,1fr));gap:14px;margin:14px 0;max-width:1400px}
.rex-topic{border:1px solid var(--jp-border-color2,#dfe3e8);border-radius:8px;padding:12px 14px;
  background:var(--jp-layout-color1,#fafbfc)}
.rex-topic h2{font-size:17px;margin:0 0 4px 0}
.rex-topic h2 a{text-decoration:none}
.rex-topic .rex-figure{font-size:26px;font-weight:bold;margin:6px 0 0 0;color:var(--jp-content-font-color0,#1d2731)}
.rex-topic .rex-figure-note{font-size:12.5px;color:var(--jp-content-font-color2,#5f6b76);margin-bottom:6px}
.rex-topic p{font-size:13.5px;margin:4px 0}
</style>"""

# The example views in words (the link keeps the query string users share).
EXAMPLE_WORDS = {"mineral_profile": "gallium in 2024", "import_reliance": "2022, the 2022 critical list",
                 "chokepoints": "mining in 2024", "financing": "by mineral, DFC's deals",
                 "scenario": "gallium, a 50% cut, 20% ramp-up elsewhere", "claims": "the claims the data contradict",
                 "outlook": "lithium in 2035, announced pledges (APS)",
                 "country_profile": "Chile; the FORGE members with Argentina and Australia added",
                 "explore": "the deals table"}


# The landing page's name for a browser tab (common.tab_title): its published page's and its live page's.
LANDING_TITLE = "Critical minerals: where they are mined, processed and imported from"


def page(title: str = "rex: critical-minerals workbook") -> HTML:
    """The landing page; ``title`` is the page heading (the notebook's parameter): a card per app with
    its question, a headline figure where it has one, and an example view."""
    figures = _headlines()
    cards = []
    for slug, name, line, example in APPS:
        said = EXAMPLE_WORDS.get(slug) or example.replace("&", ", ").replace("=", " ")
        figure = figures.get(slug)
        shown = (f'<div class="rex-figure">{esc(figure[0])}</div><div class="rex-figure-note">{esc(figure[1])}</div>'
                 if figure else "")
        cards.append(f'<div class="rex-topic"><h2><a href="{slug}.ipynb">{esc(name)}</a></h2>{shown}'
                     f'<p>{esc(line)}</p><p class="rex-note">For example: <a href="{slug}.ipynb?{esc(example)}">'
                     f'{esc(said)}</a></p></div>')
    # In Voila a link such as index.ipynb?mineral=cobalt gives parameters this page does not take: say so.
    return HTML(CSS + TOPICS_CSS + f'<div class="rex-app" data-rex-title="{esc(tab_title(LANDING_TITLE))}">'
                f'<h1>{esc(title)}</h1>{ignored_url_note("This landing page")}'
                '<p class="rex-lede">Where critical minerals are mined and processed, how concentrated that is, how '
                'much the United States depends on imports and from whom, which deals and agreements target the '
                'chokepoints, and whether the claims in the news match the data. From the USGS Mineral Commodity '
                'Summaries (2023–2026), the IEA Critical Minerals Data Explorer, World Bank governance indicators, '
                'the European Commission\'s 2023 criticality study and a cited dataset of 2026 deals, agreements, '
                'export controls and claims.</p>'
                f'<div class="rex-topics">{"".join(cards)}</div>'
                '<p class="rex-note">Every chart carries its source line (dataset, publisher, vintage, '
                'parameters); every table has a CSV download.</p></div>')
