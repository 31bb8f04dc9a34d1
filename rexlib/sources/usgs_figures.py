"""USGS MCS report figures and tables: Fig2 (net import reliance), T7 (critical minerals salient).

Quirks: UTF-8 with BOM; commodity labels carry a product after a comma (``"COBALT, metal, oxides, and
salts"``), trailing spaces (``"Arsenic "``), and glued footnote digits (``"Rare earths (compounds and
metals)9"``, ``"China3"``); the T7 header misspells ``Leading_source_precent_world``; T7's year is
``2025_estimated``.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .values import clean_text, parse_value

# Labels whose first word(s) do not name their MCS chapter.
_LABEL_IDS = {
    "platinum": "pgm_platinum", "palladium": "pgm_palladium", "alumina": "alumina", "bauxite": "bauxite",
    "aluminum (bauxite)": "bauxite", "nepheline syenite": "feldspar", "feldspar": "feldspar",
    "titanium": "titanium", "titanium (metal)": "titanium", "titanium mineral concentrates": "titanium_concentrates",
    "zirconium": "zirconium", "zirconium (ores and concentrates)": "zirconium", "magnesium": "magnesium",
    "magnesium metal": "magnesium", "magnesium compounds": "magnesium_compounds",
    "rare earths": "rare_earths", "rare earths (compounds and metals)": "rare_earths",
    "graphite (natural)": "graphite", "graphite": "graphite", "diamond (industrial)": "diamond_industrial",
    "garnet (industrial)": "garnet", "mica (natural)": "mica", "niobium (columbium)": "niobium",
    "niobium": "niobium", "iron oxide pigments": "iron_oxide_pigments", "stone (dimension)": "stone_dimension",
    "abrasives": "abrasives", "iron and steel": "iron_steel", "nitrogen (fixed)—ammonia": "nitrogen",
    "xenon": "helium", "krypton": "helium", "neon": "helium", "argon": "helium",  # HELIUM AND RARE GASES chapter
    "nitrogen": "nitrogen", "sand and gravel (industrial)": "sand_gravel_industrial",
    # Fig3 (MCS2026) spells the product after a comma: "Titanium, mineral concentrates", "Phosphate, rock"
    "titanium, mineral concentrates": "titanium_concentrates", "phosphate, rock": "phosphate_rock",
    "magnesium, compounds": "magnesium_compounds", "magnesium, metal": "magnesium",
    "graphite, natural": "graphite",
    # MCS2026 T6 / Fig. 10 / Fig. 13 (issue 27): the platinum-group metals by name
    "iridium": "pgm_iridium", "rhodium": "pgm_rhodium", "ruthenium": "pgm_ruthenium",
    "platinum-group metals": "pgm", "magnesium metal (scrap)": "magnesium",
}
# Fig3 commodities that are not minerals of the workbook (rule: skipped and logged, never guessed).
FIG3_NOT_MINERALS = ("metallurgical coal",)
_FOOTNOTE = re.compile(r"(?<=[A-Za-z\)])\d+$")


def strip_footnote(label: object) -> str:
    """``'Rare earths (compounds and metals)9'`` -> ``'Rare earths (compounds and metals)'``."""
    return _FOOTNOTE.sub("", clean_text(label)).strip()


def mineral_for_label(label: str) -> tuple[str, str]:
    """``'COBALT, metal, oxides, and salts'`` -> ``('cobalt', 'metal, oxides, and salts')``."""
    from rexlib.core.ids import MINERALS
    text = strip_footnote(label)
    head, _, product = text.partition(",")
    for candidate in (text.lower(), head.strip().lower()):
        if candidate in _LABEL_IDS:
            return _LABEL_IDS[candidate], product.strip()
        snake = re.sub(r"[^a-z]+", "_", candidate).strip("_")
        if snake in MINERALS:
            return snake, product.strip()
    raise KeyError(f"cannot map USGS commodity label {label!r} to a mineral id")


def read_fig2(path: Path, vintage: str, source: str) -> tuple[pd.DataFrame, list[dict]]:
    """Fig2 net import reliance: one row per commodity label, with ranked major import sources."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    nir_col = next(c for c in raw.columns if c.startswith("Net_Import_Reliance_pct_"))
    src_col = next(c for c in raw.columns if c.startswith("Major_Import_Sources_"))
    year = int(nir_col.rsplit("_", 1)[1])
    period = "-".join(re.findall(r"\d{4}|\d{2}$", src_col.split("Sources_", 1)[1]))
    years = re.findall(r"\d+", src_col.split("Sources_", 1)[1])
    if len(years) == 2 and len(years[1]) == 2:
        years[1] = years[0][:2] + years[1]
    period = "-".join(years)
    issues, rows, sources = [], [], []
    for i, rec in raw.iterrows():
        line = i + 2
        mineral, product = mineral_for_label(rec["Commodity"])
        parsed = parse_value(rec[nir_col])
        if parsed.problem:
            issues.append(dict(file=source, line=line, column=nir_col, raw_value=rec[nir_col],
                               action="nir left empty", reason=parsed.problem))
        rows.append(dict(mineral_id=mineral, measure=clean_text(rec["Commodity"]), product=product,
                         year=year, nir_text=parsed.text, nir_value=parsed.value,
                         nir_flags=parsed.flag, vintage=vintage, source_file=source, source_line=line))
        names = [n for n in (strip_footnote(x) for x in rec[src_col].split(",")) if n]
        if names in (["NA"], ["W"]):
            # Rule: an import-source cell of NA/W means no sources are published for this commodity.
            issues.append(dict(file=source, line=line, column=src_col, raw_value=rec[src_col],
                               action="no import-source rows", reason=f"import sources given as {names[0]}"))
            names = []
        for rank, name in enumerate(names, 1):
            sources.append(dict(mineral_id=mineral, measure=clean_text(rec["Commodity"]), period=period,
                                rank=rank, country_label=name, share_pct=None, vintage=vintage,
                                source_file=source, source_line=line))
    return pd.DataFrame(rows), pd.DataFrame(sources), issues


def read_fig3(path: Path, vintage: str, source: str) -> tuple[pd.DataFrame, list[dict]]:
    """Fig3 major import sources with USGS's own percentages (MCS2026: ``Source, Commodity,
    Import_Source_2021_24, Percent, NIR, Critical_Mineral``), one row per commodity line and country.

    Rules: a country cell ``NA`` (with ``Percent`` 100) means USGS publishes no sources for the
    commodity: no rows, logged. ``Other`` is the remainder (``country_label`` kept; mapped to ROW).
    MCS2025's Fig3 is a different figure (a count of commodities per country, ``Commodity_Count``):
    returned as rows with ``commodity_count`` and no commodity.
    """
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    issues: list[dict] = []
    rows: list[dict] = []
    if "Commodity_Count" in raw.columns:
        for i, rec in raw.iterrows():
            rows.append(dict(vintage=vintage, country_label=clean_text(rec["Country"]),
                             commodity_count=int(rec["Commodity_Count"]), source_file=source, source_line=i + 2))
        return pd.DataFrame(rows), issues
    src_col = next(c for c in raw.columns if c.startswith("Import_Source_"))
    years = re.findall(r"\d+", src_col.split("Source_", 1)[1])
    if len(years) == 2 and len(years[1]) == 2:
        years[1] = years[0][:2] + years[1]
    period = "-".join(years)
    for i, rec in raw.iterrows():
        line = i + 2
        label = clean_text(rec["Commodity"])
        if label.lower() in FIG3_NOT_MINERALS:
            issues.append(dict(file=source, line=line, column="Commodity", raw_value=label,
                               action="row not loaded", reason="not a mineral of the workbook"))
            continue
        country = clean_text(rec[src_col])
        if country in ("NA", "W"):
            issues.append(dict(file=source, line=line, column=src_col, raw_value=country,
                               action="no import-source rows", reason=f"import sources given as {country}"))
            continue
        mineral, product = mineral_for_label(label)
        share = parse_value(rec["Percent"])
        rows.append(dict(mineral_id=mineral, commodity=label, product=product, period=period,
                         country_label=country, share_pct=share.value, flag=share.flag,
                         nir_text=clean_text(rec["NIR"]), vintage=vintage, source_file=source,
                         source_line=line))
    return pd.DataFrame(rows), issues


def read_t7(path: Path, source: str) -> tuple[pd.DataFrame, list[dict]]:
    """T7 critical minerals salient statistics: USGS's own leading country and its share of world output."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    share_col = "Leading_source_precent_world"  # sic: USGS header typo
    rows, issues = [], []
    for i, rec in raw.iterrows():
        line = i + 2
        mineral, _ = mineral_for_label(rec["Critical_mineral"])
        share = parse_value(rec[share_col])
        lead = parse_value(rec["Leading_country_prod"])
        world = parse_value(rec["World_total_prod"])
        rows.append(dict(mineral_id=mineral, label=strip_footnote(rec["Critical_mineral"]),
                         year=int(re.match(r"\d{4}", rec["Year"]).group()),
                         leading_country_label=clean_text(rec["Leading_source_country"]),
                         leading_share_pct=share.value, leading_share_flag=share.flag,
                         leading_country_prod=lead.value, world_total_prod=world.value,
                         unit=clean_text(rec["Units"]), nir_text=clean_text(rec["Net_Import_Reliance"]),
                         world_note=clean_text(rec["World_prod_notes"]),
                         source_file=source, source_line=line))
    return pd.DataFrame(rows), issues
