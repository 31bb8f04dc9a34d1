"""Chart builders: a DataFrame in, a finished Vega-Lite spec (a dict) out, with a title and a source
line on every chart.
Render with ``rexlib.charts.to_svg`` for offline display."""
from .base import finish, source_line, to_svg, warm  # noqa: F401
from .reliance import import_sources_bars, nir_bars, us_statistics_lines  # noqa: F401
from .supply import (mining_vs_refining, production_trend, reserves_bars, share_tiles, top_producers,  # noqa: F401
                     world_share_map)
from . import controls  # noqa: F401  (export controls over time, issue 27)
