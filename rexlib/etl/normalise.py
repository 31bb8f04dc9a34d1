"""Raw source frames -> the tidy tables of the schema: country mapping, cross-vintage measure
alignment, unit normalisation, import reliance bounds. Pure functions over DataFrames."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from rexlib.sources.countries import UnknownCountryLabel, split_country_label

# Mass units and their size in metric tons; other units (carats, cubic meters) convert only within kind.
UNIT_FACTORS = {
    "kilograms": ("mass", 0.001), "metric tons": ("mass", 1.0), "thousand metric tons": ("mass", 1e3),
    "million metric tons": ("mass", 1e6), "thousand metric dry tons": ("dry_mass", 1e3),
    "metric dry tons": ("dry_mass", 1.0), "million metric dry tons": ("dry_mass", 1e6),
    "thousands of carats": ("carats", 1e3), "thousand carats": ("carats", 1e3), "million carats": ("carats", 1e6),
    "carats": ("carats", 1.0), "million cubic meters": ("volume", 1e6), "cubic meters": ("volume", 1.0),
    "million liters": ("volume_l", 1e6),
}
PRICE_UNITS = {"cents per pound": ("dollars per pound", 0.01),
               "dollars per 100 mililiters": ("dollars per 100 milliliters", 1.0)}


class CurationError(ValueError):
    """Raw data that a curation rule refuses (e.g. an unmapped country label)."""


def map_countries(frame: pd.DataFrame, iso_path, label_col: str = "country_label") -> tuple[pd.DataFrame, list[dict]]:
    """Add ``country`` (ISO3/WLD/ROW/joint) and ``qualifier``; flags from the label (``Chinae``) are merged.

    An unmapped label raises CurationError naming the label and the file(s) it appears in.
    """
    frame = frame.copy()
    labels = []
    cache: dict[str, tuple[str, str, frozenset]] = {}
    unknown: dict[str, set] = {}
    lines = frame["source_line"] if "source_line" in frame.columns else [""] * len(frame)
    for label, source, line in zip(frame[label_col].fillna(""), frame["source_file"], lines):
        if label not in cache or not cache[label][0]:
            try:
                cache[label] = split_country_label(label, iso_path)
            except UnknownCountryLabel:
                where = f"{source} line {line}" if line != "" and pd.notna(line) else source
                unknown.setdefault(label, set()).add(where)
                cache[label] = ("", "", frozenset())
        code, qualifier, _ = cache[label]
        if code:
            labels.append(dict(label=label, iso3=code, qualifier=qualifier, source_file=source))
    if unknown:
        detail = "; ".join(f"{lab!r} in {sorted(files)[:3]}" for lab, files in sorted(unknown.items())[:10])
        raise CurationError(f"{len(unknown)} unmapped country label(s): {detail}. Map each in "
                            "rexlib/metadata/mappings/country_labels.csv (a label is never guessed).")
    frame["country"] = [cache[l][0] for l in frame[label_col].fillna("")]
    frame["qualifier"] = [cache[l][1] for l in frame[label_col].fillna("")]
    label_flags = [cache[l][2] for l in frame[label_col].fillna("")]
    if "flag" in frame.columns:
        frame["flag"] = [
            ";".join(sorted(set(filter(None, str(f or "").split(";"))) | set(lf)))
            for f, lf in zip(frame["flag"], label_flags)]
    return frame, labels


def align_measures(frame: pd.DataFrame, issues: list[dict], newest: str = "MCS2026") -> pd.DataFrame:
    """Give one measure name per mineral/record/stage across vintages, so vintages can be compared.

    Rule: if the newest vintage has exactly one measure for (mineral, record_type, stage), older
    vintages' measures for that triple take its name. If it has several (e.g. clays: bentonite,
    kaolin), an older measure takes the name of the newest measure whose distinguishing word(s)
    appear in it. Otherwise the older measure keeps its own name and the case is logged.
    """
    frame = frame.copy()
    frame["measure_raw"] = frame["measure_raw"].fillna(frame["measure"])
    # Rule: measures differing only in letter case are one measure ("Mine production: Ilmenite" for
    # countries, "Mine production: ilmenite, rounded" for the world total); the most frequent
    # spelling wins.
    lower = frame["measure"].str.lower()
    spelling = frame.groupby(lower)["measure"].agg(lambda s: s.value_counts().index[0])
    frame["measure"] = lower.map(spelling)
    new = frame[frame["vintage"] == newest]
    canon = new.groupby(["mineral_id", "record_type", "stage"])["measure"].agg(lambda s: sorted(set(s)))
    out = []
    logged = set()
    for (mineral, record, stage, measure, vintage), idx in frame.groupby(
            ["mineral_id", "record_type", "stage", "measure", "vintage"]).groups.items():
        target = measure
        if vintage != newest:
            options = canon.get((mineral, record, stage))
            if options and len(options) == 1:
                target = options[0]
            elif options:
                hits = [o for o in options if _distinct_words(o) and
                        all(w in measure.lower() for w in _distinct_words(o))]
                if len(hits) == 1:
                    target = hits[0]
                elif (mineral, record, stage, measure) not in logged:
                    logged.add((mineral, record, stage, measure))
                    issues.append(dict(file=vintage, line="", column="measure", raw_value=measure,
                                       action="measure kept as published (not aligned to MCS2026)",
                                       reason=f"{mineral}/{record}/{stage}: MCS2026 has {len(options)} measures "
                                              f"{options} and none matches uniquely"))
        out.append(pd.Series(target, index=idx))
    if not out:
        return frame
    aligned = pd.concat(out).sort_index()
    # Rule: two different published measures of one vintage never merge into one name when that
    # would put two values on one country-year (copper MCS2023 lists mine and refinery reserves
    # separately); such rows keep their own names. Different countries under differently worded
    # measures of one series (cobalt MCS2025: "Mine production" for the US, "..., cobalt content"
    # for the others) do merge.
    keys = ["mineral_id", "record_type", "stage", "vintage", "country_label", "year"]
    probe = frame[keys].assign(target=aligned, source=frame["measure"])
    fanin = probe.groupby(keys + ["target"], dropna=False)["source"].transform("nunique")
    collide = (fanin > 1) & (probe["target"] != probe["source"])
    for (mineral, record, stage, vintage, measure) in probe.loc[collide, ["mineral_id", "record_type", "stage", "vintage", "source"]].drop_duplicates().itertuples(index=False):
        issues.append(dict(file=vintage, line="", column="measure", raw_value=measure,
                           action="measure kept as published (not aligned to MCS2026)",
                           reason=f"{mineral}/{record}/{stage}: several published measures would share one name"))
    frame["measure"] = aligned.where(~collide, frame["measure"])
    return frame


_GENERIC = {"mine", "production", "refinery", "smelter", "plant", "reserves", "capacity", "primary", "and", "the"}


def _distinct_words(measure: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", measure.lower()) if w not in _GENERIC and len(w) > 2]


def normalise_units(frame: pd.DataFrame, issues: list[dict], newest: str = "MCS2026") -> pd.DataFrame:
    """Rule: one unit per mineral + record type + stage + measure: the newest vintage's unit.

    Older vintages in another unit of the same kind (kilograms vs metric tons) are converted; values,
    bounds and ranges are scaled together. A unit of another kind is left alone and logged.
    """
    frame = frame.copy()
    keys = ["mineral_id", "record_type", "stage", "measure"]
    target = (frame.sort_values("vintage", ascending=False)
              .groupby(keys)["unit"].first().rename("target_unit"))
    frame = frame.join(target, on=keys)
    need = frame["unit"] != frame["target_unit"]
    for idx in frame.index[need]:
        src, dst = frame.at[idx, "unit"], frame.at[idx, "target_unit"]
        if src in UNIT_FACTORS and dst in UNIT_FACTORS and UNIT_FACTORS[src][0] == UNIT_FACTORS[dst][0]:
            factor = UNIT_FACTORS[src][1] / UNIT_FACTORS[dst][1]
            for col in ("value", "value_low", "value_high"):
                if pd.notna(frame.at[idx, col]):
                    frame.at[idx, col] = frame.at[idx, col] * factor
            frame.at[idx, "unit"] = dst
        else:
            issues.append(dict(file=frame.at[idx, "source_file"], line=str(frame.at[idx, "source_line"]),
                               column="unit", raw_value=src, action="unit kept",
                               reason=f"cannot convert {src!r} to {dst!r}"))
    return frame.drop(columns=["target_unit"])


def nir_bound(flags: str, value: float | None) -> str:
    """USGS net-import-reliance qualifier -> one of ``=``, ``>``, ``<``, ``E``, ``NA``, ``W``."""
    flagset = set(filter(None, (flags or "").split(";")))
    if "net_exporter" in flagset:
        return "E"
    if "withheld" in flagset:
        return "W"
    if "lower_bound" in flagset:
        return ">"
    if "upper_bound" in flagset:
        return "<"
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "NA"
    return "="


def normalise_price_units(frame: pd.DataFrame) -> pd.DataFrame:
    """Rule: prices in cents per pound are stated in dollars per pound; unit typos fixed. The unit
    named inside the measure ("Price, cents per pound: ...") is rewritten with it, so the measure
    never contradicts the value (the raw wording stays in ``value_text``'s row, file and line)."""
    frame = frame.copy()
    for src, (dst, factor) in PRICE_UNITS.items():
        hit = frame["unit"] == src
        for col in ("value", "value_low", "value_high"):
            frame.loc[hit, col] = frame.loc[hit, col] * factor
        frame.loc[hit, "unit"] = dst
        pattern = re.compile(re.escape(src), re.I)
        frame.loc[hit, "measure"] = frame.loc[hit, "measure"].map(lambda m: pattern.sub(dst, str(m)))
    return frame
