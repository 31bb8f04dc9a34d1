"""Every app's displayed tree is the shell's: header, messages, controls, link box, status and the
block box holding the sections, each once. A subclass attribute that shadows one of the shell's
(the outlook app's ``view`` dropdown once replaced the shell's section box, so the page showed a
second dropdown and no chart) fails here, in process, before any browser test."""
from __future__ import annotations

import importlib

import ipywidgets as w
import pytest

from rexlib.app.ui import index


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


@pytest.mark.parametrize("slug", [slug for slug, *_ in index.APPS])
def test_the_displayed_tree_holds_every_section_and_each_control_once(slug, db):
    app = importlib.import_module(f"rexlib.app.ui.{slug}").app()
    tree = list(_walk(app.widget()))
    ids = [id(x) for x in tree]
    assert len(ids) == len(set(ids)), f"{slug}: a widget is shown twice"
    assert isinstance(app.blocks_box, w.Box) and "rex-body" in app.blocks_box._dom_classes
    assert id(app.blocks_box) in ids
    shown = {id(x) for x in tree}
    sections = [s for s in app.sections if s.value]
    assert sections, f"{slug}: no section rendered"
    assert all(id(s) in shown for s in sections), f"{slug}: a rendered section is not in the displayed tree"
    for control in app.controls():
        assert ids.count(id(control)) == 1, f"{slug}: control {getattr(control, 'description', control)!r}"
