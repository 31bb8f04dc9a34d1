"""Issue 26 item 9: a producer of 0 is not coloured like a small producer."""
from __future__ import annotations


def test_a_zero_producer_is_not_on_the_colour_scale(db):
    """MCS2026 gallium: United States refinery production 0 (flag 'zero'), Japan 3,000 (e)."""
    from rexlib import charts
    from rexlib.app.ui import data as d
    rows, _ = d.production_frame("gallium", "refinery", 2025, None)
    assert rows.set_index("country").at["USA", "value"] == 0
    spec = charts.world_share_map(rows, title="t", source=["s"])
    layers = spec["vconcat"][0]["layer"]
    looked = {r["country"]: r for r in layers[1]["transform"][0]["from"]["data"]["values"]}
    assert looked["USA"]["status"] == "zero" and looked["JPN"]["status"] == "value"
    coloured = [la for la in layers if "color" in la.get("encoding", {})]
    assert len(coloured) == 1 and "datum.status === 'value'" in str(coloured[0]["transform"])
    zero_layers = [la for la in layers if "datum.status === 'zero'" in str(la.get("transform"))]
    assert len(zero_layers) == 1 and "color" not in zero_layers[0]["encoding"]
