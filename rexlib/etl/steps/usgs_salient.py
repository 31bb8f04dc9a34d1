"""USGS U.S. statistics: MCS2026 salient statistics and prices, net import reliance (salient + Fig. 2
of MCS2025 and MCS2026), import sources (salient + Fig. 2, Fig. 3) and Table 7's leading producers."""
from __future__ import annotations

import pandas as pd

from rexlib.etl import series
from rexlib.etl.normalise import map_countries, nir_bound, normalise_price_units
from rexlib.sources import usgs_figures
from ..tablespec import PROV, VALUE, Table
from .context import Context, Step, StepResult
from .shared import mcs2026

FIG2 = "usgs/{lower}/industry_trends/{vintage}_Fig2_Net_Import_Reliance.csv"
FIG2_VINTAGES = ("MCS2025", "MCS2026")
FIG3 = "usgs/mcs2026/industry_trends/MCS2026_Fig3_Major_Import_Sources.csv"
T7 = "usgs/mcs2026/industry_trends/MCS2026_T7_Critical_Minerals_Salient.csv"

# The tables this step makes (rexlib/etl/schema.py gathers them; descriptions and units: metadata/fields.yml).
TABLES = (
    Table("import_reliance", "U.S. net import reliance, percent of apparent consumption.",
          {"mineral_id": "VARCHAR", "measure": "VARCHAR", "year": "INTEGER", "nir_pct": "DOUBLE",
           "nir_bound": "VARCHAR", "nir_text": "VARCHAR", "flag": "VARCHAR", "table_source": "VARCHAR",
           "headline": "BOOLEAN", **PROV},
          key=("mineral_id", "measure", "year", "vintage", "table_source"),
          required=("mineral_id", "measure", "year", "nir_bound", "vintage"),
          allowed={"nir_bound": ("=", ">", "<", "E", "NA", "W"), "table_source": ("salient", "figure")},
          mineral_columns=("mineral_id",), flag_columns=("flag",)),
    Table("import_sources", "Major U.S. import sources, ranked; share_pct where USGS gives it.",
          {"mineral_id": "VARCHAR", "measure": "VARCHAR", "period": "VARCHAR", "rank": "INTEGER",
           "country": "VARCHAR", "share_pct": "DOUBLE", "flag": "VARCHAR", "table_source": "VARCHAR",
           "headline": "BOOLEAN", "country_label": "VARCHAR", **PROV},
          key=("mineral_id", "measure", "period", "country", "vintage", "table_source"),
          required=("mineral_id", "period", "country", "vintage"),
          allowed={"table_source": ("salient", "figure")},
          mineral_columns=("mineral_id",), country_columns=("country",), flag_columns=("flag",)),
    Table("us_salient", "U.S. salient statistics (production, trade, consumption, stocks, employment).",
          {"mineral_id": "VARCHAR", "statistic": "VARCHAR", "measure": "VARCHAR", "year": "INTEGER",
           **VALUE, **PROV},
          key=("mineral_id", "statistic", "measure", "year", "vintage", "source_line"),
          required=("mineral_id", "statistic", "measure", "year", "vintage"),
          mineral_columns=("mineral_id",), flag_columns=("flag",)),
    Table("prices", "Price series from the U.S. salient statistics, units normalised and stated.",
          {"mineral_id": "VARCHAR", "measure": "VARCHAR", "year": "INTEGER", **VALUE, **PROV},
          key=("mineral_id", "measure", "year", "vintage", "source_line"),
          required=("mineral_id", "measure", "year", "vintage"),
          mineral_columns=("mineral_id",), flag_columns=("flag",)),
    Table("usgs_leading_source", "MCS2026 Table 7: USGS's leading producer and its share of world output.",
          {"mineral_id": "VARCHAR", "label": "VARCHAR", "year": "INTEGER", "leading_country": "VARCHAR",
           "leading_share_pct": "DOUBLE", "leading_share_flag": "VARCHAR", "leading_country_prod": "DOUBLE",
           "world_total_prod": "DOUBLE", "unit": "VARCHAR", "nir_text": "VARCHAR", "world_note": "VARCHAR",
           "source_file": "VARCHAR", "source_line": "INTEGER"},
          key=("mineral_id",), mineral_columns=("mineral_id",), country_columns=("leading_country",)),
    Table("import_sources_fig3", "USGS MCS2026 Fig3: major U.S. import sources (2021-24) with USGS's own percentages.",
          {"mineral_id": "VARCHAR", "commodity": "VARCHAR", "product": "VARCHAR", "period": "VARCHAR",
           "country": "VARCHAR", "country_label": "VARCHAR", "share_pct": "DOUBLE", "flag": "VARCHAR",
           "nir_text": "VARCHAR", **PROV},
          key=("mineral_id", "commodity", "country", "vintage"), required=("mineral_id", "commodity", "country"),
          mineral_columns=("mineral_id",), country_columns=("country",), flag_columns=("flag",)),
)
SPEC = {t.name: t for t in TABLES}


def collect_usgs_salient(ctx: Context) -> StepResult:
    issues: list[dict] = []
    labels: list[dict] = []
    tables: dict[str, pd.DataFrame] = {}
    mcs = mcs2026(ctx)
    raw_dir, iso_path = ctx.raw_dir, ctx.iso_path
    salient = mcs["salient"]
    nir = salient[salient["statistic"] == "Net import reliance"]
    reliance = pd.DataFrame(dict(
        mineral_id=nir["mineral_id"], measure=nir["measure"], year=nir["year"], nir_pct=nir["value"],
        nir_bound=[nir_bound(f, v) for f, v in zip(nir["flag"], nir["value"])], nir_text=nir["value_text"],
        flag=nir["flag"], table_source="salient", vintage=nir["vintage"], source_file=nir["source_file"],
        source_line=nir["source_line"]))
    figure_frames, figure_sources = [], []
    for vintage in FIG2_VINTAGES:
        rel = FIG2.format(lower=vintage.lower(), vintage=vintage)
        fig, srcs, fig_issues = usgs_figures.read_fig2(raw_dir / rel, vintage, rel)
        issues += fig_issues
        figure_frames.append(pd.DataFrame(dict(
            mineral_id=fig["mineral_id"], measure=fig["measure"], year=fig["year"], nir_pct=fig["nir_value"],
            nir_bound=[nir_bound(f, v) for f, v in zip(fig["nir_flags"], fig["nir_value"])],
            nir_text=fig["nir_text"], flag=fig["nir_flags"], table_source="figure", vintage=vintage,
            source_file=rel, source_line=fig["source_line"])))
        figure_sources.append(srcs.assign(table_source="figure", flag=""))
    reliance = pd.concat([reliance] + figure_frames, ignore_index=True)
    reliance["headline"] = series.mark_nir_headline(reliance)
    tables["import_reliance"] = reliance

    share_rows = mcs["import_sources"].copy()
    share_rows["table_source"] = "salient"
    share_rows = rank_import_sources(share_rows)
    sources_all = pd.concat([share_rows] + figure_sources, ignore_index=True)
    sources_all, more = map_countries(sources_all, iso_path)
    labels += more
    sources_all["headline"] = series.mark_import_sources_headline(sources_all)
    series.check_product_pairs(sources_all)
    tables["import_sources"] = sources_all[list(SPEC["import_sources"].columns)]
    fig3, fig3_issues = usgs_figures.read_fig3(raw_dir / FIG3, "MCS2026", FIG3)
    issues += fig3_issues
    fig3, more = map_countries(fig3, iso_path)
    labels += more
    tables["import_sources_fig3"] = fig3[list(SPEC["import_sources_fig3"].columns)]

    rest = salient[~salient["statistic"].isin(["Net import reliance", "Price"])]
    tables["us_salient"] = rest[list(SPEC["us_salient"].columns)].reset_index(drop=True)
    prices = normalise_price_units(salient[salient["statistic"] == "Price"])
    tables["prices"] = prices[list(SPEC["prices"].columns)].reset_index(drop=True)

    t7, t7_issues = usgs_figures.read_t7(raw_dir / T7, T7)
    issues += t7_issues
    t7 = t7.rename(columns={"leading_country_label": "country_label"})
    t7, more = map_countries(t7.assign(flag=""), iso_path)
    labels += more
    t7 = t7.rename(columns={"country": "leading_country"})
    tables["usgs_leading_source"] = t7[list(SPEC["usgs_leading_source"].columns)]
    return StepResult(tables, issues, labels)


def rank_import_sources(frame: pd.DataFrame) -> pd.DataFrame:
    """Rank MCS2026 import sources by share within mineral+measure (remainder rows get no rank)."""
    frame = frame.copy()
    frame["rank"] = pd.NA
    is_rest = frame["country_label"].str.lower().str.startswith("other")
    ranked = frame[~is_rest].copy()
    ranked["rank"] = ranked.groupby(["mineral_id", "measure"])["share_pct"].rank(method="first", ascending=False)
    frame.loc[ranked.index, "rank"] = ranked["rank"]
    return frame


STEP = Step("usgs_salient", collect_usgs_salient,
            ("import_reliance", "import_sources", "import_sources_fig3", "us_salient", "prices", "usgs_leading_source"))
