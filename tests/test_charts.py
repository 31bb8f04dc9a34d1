"""Every chart the apps draw in their default views: valid Vega-Lite (v6 JSON schema), and every
field a chart encodes is in the data it reads (the builders pass only the columns they use)."""
from __future__ import annotations

import pytest

from rexlib.charts.base import validate_spec


@pytest.fixture(scope="module")
def specs(db):
    from rexlib.charts import base
    from rexlib.app.ui import (cache, chokepoints, claims, common, explore, financing, import_reliance,
                               mineral_profile, outlook, scenario)
    drawn: list[tuple[str, dict]] = []
    current = {"app": ""}

    def capture(chart):
        drawn.append((current["app"], base.to_dict_full(chart)))
        return "<svg></svg>"
    original = common.to_svg
    common.to_svg = capture
    try:
        for module in (mineral_profile, import_reliance, chokepoints, financing, scenario, claims, explore, outlook):
            cache.clear_all()
            current["app"] = module.__name__.rsplit(".", 1)[-1]
            module.app().widget()
    finally:
        common.to_svg = original
        cache.clear_all()
    return drawn


def _units(spec: dict, inherited: dict | None = None):
    """(unit spec, the data it reads) for every spec with a mark, data inherited from its parents."""
    data = spec.get("data", inherited)
    if "mark" in spec:
        yield spec, data
    for key in ("layer", "vconcat", "hconcat", "concat"):
        for child in spec.get(key, []):
            yield from _units(child, data)
    if "spec" in spec:
        yield from _units(spec["spec"], data)


def _fields(encoding: dict):
    for channel in encoding.values():
        for item in channel if isinstance(channel, list) else [channel]:
            if isinstance(item, dict) and "field" in item:
                yield item["field"]


@pytest.mark.slow
def test_specs_are_valid_vega_lite(specs):
    assert len(specs) >= 15
    for app, spec in specs:
        validate_spec(spec)


@pytest.mark.slow
def test_every_encoded_field_is_in_the_data(specs):
    checked = 0
    for app, spec in specs:
        for unit, data in _units(spec):
            if not data or "values" not in data or not data["values"]:
                continue            # named external data (the world map) or an empty chart
            available = set(data["values"][0])
            for step in unit.get("transform", []):
                available |= set(step.get("from", {}).get("fields", []))
            missing = set(_fields(unit.get("encoding", {}))) - available
            assert not missing, f"{app}: {unit['mark']} encodes {missing} absent from its data {sorted(available)}"
            checked += 1
    assert checked >= 15
