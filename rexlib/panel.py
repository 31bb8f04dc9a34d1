"""Former name of :mod:`rexlib.scale` ("panel" means a widget panel in rexlib.ui); kept so that
``from rexlib import panel; panel.concentration(con, ...)`` keeps working. New code imports
``rexlib.scale``."""
from __future__ import annotations

from .scale import COVERAGE_SQL, CONCENTRATION_SQL, concentration, coverage, preaggregate  # noqa: F401

__all__ = ["concentration", "coverage", "preaggregate", "CONCENTRATION_SQL", "COVERAGE_SQL"]
