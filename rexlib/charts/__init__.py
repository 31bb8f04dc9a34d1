"""Chart builders: a DataFrame in, a finished Vega-Lite spec (a dict) out, with a title and a source
line on every chart.
Render with ``rexlib.charts.to_svg`` for offline display."""
from .base import finish, source_line, to_svg, warm  # noqa: F401
from .reliance import import_sources_bars, nir_bars, us_statistics_lines  # noqa: F401
from .supply import (mining_vs_refining, production_trend, reserves_bars, share_tiles, top_producers,  # noqa: F401
                     world_share_map)
from . import controls  # noqa: F401  (export controls over time, issue 27)


def notebook_charts() -> None:
    """Altair charts in a notebook drawn offline by rex's renderer (``charts.base.notebook_bundle``):
    a PNG that JupyterLab shows even in an untrusted notebook (a report's executed copy, a notebook
    from someone else), the SVG where the notebook is trusted, the chart's title as text."""
    import altair as alt
    from .base import notebook_bundle
    if "rex" not in alt.renderers.names():
        alt.renderers.register("rex", notebook_bundle)
    alt.renderers.enable("rex")
