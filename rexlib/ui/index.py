"""The landing page: one line per app, with an example link that sets parameters in the URL."""
from __future__ import annotations

from IPython.display import HTML

from ..charts.base import esc
from .common import CSS, ignored_url_note

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


def page(title: str = "rex: critical-minerals workbook") -> HTML:
    """The landing page; ``title`` is the page heading (the notebook's parameter)."""
    items = "".join(
        f'<li style="margin:8px 0"><a href="{slug}.ipynb" style="font-size:16px;font-weight:bold">{esc(title)}</a>'
        f' — {esc(line)} <span class="rex-note">Example: <a href="{slug}.ipynb?{esc(example)}">'
        f'{slug}?{esc(example)}</a></span></li>' for slug, title, line, example in APPS)
    # In Voila a link such as index.ipynb?mineral=cobalt gives parameters this page does not take: say so.
    return HTML(CSS + f'<div class="rex-app"><h1>{esc(title)}</h1>{ignored_url_note("This landing page")}'
                '<p class="rex-lede">Interactive views of USGS Mineral Commodity Summaries (2023–2026), the IEA '
                'Critical Minerals Data Explorer, World Bank governance indicators and a cited dataset of 2026 '
                'deals, agreements, export controls and claims. URL parameters set each app\'s starting point.</p>'
                f'<ul style="padding-left:18px">{items}</ul>'
                '<p class="rex-note">Every chart carries its source line (dataset, publisher, vintage, '
                'parameters); every table has a CSV download.</p></div>')
