"""Each name is declared once (issue 29, mappings as data): mineral display names, MCS chapters and
families in rexlib/metadata/mappings/minerals.csv, stage words in rexlib/metadata/mappings/stages.csv.
No module of rexlib may carry a second dictionary of them."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from rexlib.core import ids

REXLIB = Path(ids.__file__).resolve().parent
SNAKE = re.compile(r"[a-z0-9_]+")
MINERAL_IDS = set(ids.MINERALS)
STAGE_IDS = set(ids.STAGE_WORDS)
IDS = MINERAL_IDS | STAGE_IDS
WORDS = (set(ids.STAGE_WORDS.values()) | set(ids.STAGE_OUTPUTS.values())) - IDS


def _display(value: ast.expr) -> bool:
    """A string constant that reads as page text (a name or a stage word), not an id."""
    if isinstance(value, ast.Tuple) and value.elts:      # MINERALS' (name, chapter)
        value = value.elts[0]
    if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
        return False
    text = value.value
    return text not in IDS and (not SNAKE.fullmatch(text) or text in WORDS)


def _keys(node: ast.Dict) -> list[str]:
    return [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]


def declarations(source: str, name: str) -> list[str]:
    """Dict literals mapping >= 2 mineral ids (or >= 2 stage ids) to display text, and collection
    literals listing most (>= 3/4) of one declared family's members, in one module's source (a
    publisher's own subset, the IEA's six rare earths of sheet 3.2, is not the family)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            keys = _keys(node)
            for kind, known in (("mineral names", MINERAL_IDS), ("stage words", STAGE_IDS)):
                pairs = [(k, v) for k, v in zip(node.keys, node.values)
                         if isinstance(k, ast.Constant) and k.value in known]
                if len(pairs) >= 2 and any(_display(v) for _, v in pairs):
                    found.append(f"{name} line {node.lineno}: {kind} {sorted(k for k in keys if k in known)[:4]}")
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            items = {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
            for family, members in ids.FAMILIES.items():
                inside = items & set(members[1:])
                if len(inside) >= 3 and len(inside) >= 0.75 * (len(members) - 1):
                    found.append(f"{name} line {node.lineno}: the {family} family ({sorted(inside)[:4]} ...)")
    return found


def test_no_module_declares_mineral_names_stage_words_or_families_again():
    found = []
    for path in sorted(REXLIB.rglob("*.py")):
        found += declarations(path.read_text(encoding="utf-8"), str(path.relative_to(REXLIB.parent)))
    assert not found, ("declared in code; read rexlib.core.ids (minerals.csv, stages.csv) instead:\n"
                       + "\n".join(found))


def test_the_scanner_sees_the_kinds_of_declaration_main_had():
    # The forms rexlib carried before (ids.py MINERALS, ui/outlook.py NAMES and STAGE_NAMES,
    # ui/data.py RARE_EARTH_FAMILY): each must be caught, or the test above could not fail.
    src = '''
MINERALS = {"abrasives": ("Abrasives (manufactured)", "ABRASIVES (MANUFACTURED)"), "aluminum": ("Aluminum", "ALUMINUM")}
NAMES = {"graphite": "Graphite", "magnet_rare_earths": "Magnet rare earths (Nd, Pr, Dy, Tb)"}
STAGE_NAMES = {"mine": "mining", "refinery": "refining"}
RARE_EARTH_FAMILY = ("rare_earths", "rare_earths_heavy", "magnet_rare_earths", "cerium", "europium",
                     "gadolinium", "lanthanum", "neodymium", "praseodymium", "samarium", "dysprosium",
                     "erbium", "holmium", "lutetium", "terbium", "ytterbium", "thulium", "yttrium", "scandium")
IEA_SIX = ("neodymium", "dysprosium", "praseodymium", "terbium", "yttrium", "lanthanum")
IDS_ONLY = {"mining": "mine", "refining": "refinery", "chemicals": "chemicals"}
'''
    found = declarations(src, "main")
    assert [f.split(":")[0] for f in found] == ["main line 2", "main line 3", "main line 4", "main line 5"], found
    assert "the rare_earths family" in found[3]
    # not caught: a parse map of words onto ids (line 8), a publisher's own subset (line 9)
