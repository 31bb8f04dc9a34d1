"""Every chart the apps publish draws with the one declared palette (charts.base: Okabe-Ito for
categories, lightness-ordered schemes for quantities, neutral greys for ink and "no value"), and the
verdict chart tells verdicts apart by shape as well as colour (issue 25: colour-blind-safe palettes)."""
from __future__ import annotations

import json
import re

import pytest

from rexlib.charts import base

SPEC = re.compile(r'<script type="application/json" class="rex-spec">(.*?)</script>', re.S)
COLOUR_KEY = re.compile(r"^(?:color|fill|stroke)$|Color$")


def _norm(colour: str) -> str:
    colour = colour.strip().lower()
    if re.fullmatch(r"#[0-9a-f]{3}", colour):
        colour = "#" + "".join(ch * 2 for ch in colour[1:])
    return colour


ALLOWED = {_norm(c) for c in [*base.CATEGORY, *base.NEUTRALS]}


def colours_used(node, path="") -> list[tuple[str, str]]:
    """(where, what) for every colour literal and colour scheme in a Vega-Lite spec."""
    found = []
    if isinstance(node, list):
        for i, child in enumerate(node):
            found += colours_used(child, f"{path}[{i}]")
    elif isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}"
            if key in ("data", "datasets", "usermeta"):
                continue
            if COLOUR_KEY.search(key):
                if isinstance(value, str):
                    found.append((here, value))
                elif isinstance(value, dict):
                    scale = value.get("scale") or {}
                    if isinstance(scale.get("range"), list):
                        found += [(here + ".scale.range", v) for v in scale["range"] if isinstance(v, str)]
                    if "scheme" in scale:
                        found.append((here + ".scale.scheme", "scheme:" + str(scale["scheme"])))
                    if isinstance(value.get("value"), str):
                        found.append((here + ".value", value["value"]))
                    cond = value.get("condition")
                    for c in (cond if isinstance(cond, list) else [cond] if isinstance(cond, dict) else []):
                        if isinstance(c.get("value"), str):
                            found.append((here + ".condition", c["value"]))
                    found += colours_used({k: v for k, v in value.items() if k not in ("scale", "value", "condition")},
                                          here)
            elif key == "range" and path.endswith("config"):
                found += [(here + ".category", v) for v in value.get("category", [])]
            else:
                found += colours_used(value, here)
    return found


def off_palette(spec: dict) -> list[tuple[str, str]]:
    bad = []
    for where, what in colours_used(spec):
        if what.startswith("scheme:"):
            if what[len("scheme:"):] not in base.SEQUENTIAL:
                bad.append((where, what))
        elif _norm(what) not in ALLOWED:
            bad.append((where, what))
    return bad


def specs_of(page: str) -> list[dict]:
    return [json.loads(text) for text in SPEC.findall(page)]


def _encodings(node):
    if isinstance(node, dict):
        if isinstance(node.get("encoding"), dict):
            yield node["encoding"]
        for value in node.values():
            yield from _encodings(value)
    elif isinstance(node, list):
        for child in node:
            yield from _encodings(child)


def test_the_palette_is_one_declaration_safe_for_colour_blindness():
    # Okabe & Ito's eight, and Vega's default category scheme set to them (a chart that names no
    # colours still draws with them)
    assert base.CATEGORY == ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]
    assert base.CONFIG["range"]["category"] == base.CATEGORY
    assert not off_palette({"config": base.CONFIG})
    # the checker itself: a colour outside the palette is caught, wherever it is written
    assert off_palette({"mark": {"type": "bar", "color": "#c0392b"}}) == [(".mark.color", "#c0392b")]
    assert off_palette({"encoding": {"color": {"field": "x", "scale": {"scheme": "tableau20"}}}})


@pytest.mark.slow      # the published subset (conftest.published, about 2 minutes of CPU)
def test_every_published_chart_uses_the_palette(published):
    out, _ = published
    seen, bad = 0, []
    for path in sorted(out.rglob("*.html")):
        for spec in specs_of(path.read_text(encoding="utf-8")):
            seen += 1
            bad += [(path.relative_to(out).as_posix(), *b) for b in off_palette(spec)]
    assert seen > 150, seen          # every app's charts, not a few (179 in December 2026)
    assert not bad, bad[:20]


@pytest.mark.slow      # the published subset (conftest.published, about 2 minutes of CPU)
def test_the_verdict_chart_encodes_verdict_by_shape_and_colour(published):
    out, _ = published
    specs = specs_of((out / "claims" / "index.html").read_text(encoding="utf-8"))
    verdict = [e for s in specs for e in _encodings(s) if (e.get("color") or {}).get("field") == "verdict"]
    assert verdict, "the claims page has no chart coloured by verdict"
    for encoding in verdict:
        shape = encoding.get("shape") or {}
        assert shape.get("field") == "verdict"
        shapes = shape["scale"]["range"]
        assert len(set(shapes)) == len(shapes) == len(shape["scale"]["domain"])     # one shape per verdict
