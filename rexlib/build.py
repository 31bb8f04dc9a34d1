"""raw + curated -> validated Parquet files + one DuckDB database (derived, git-ignored).

The database is built into a temporary folder, validated, then moved into place with an atomic
rename, so readers never see a half-built file and a failed build leaves the last good one in place.

Each build writes a database file of its own name (``rex-<build id>.duckdb``) and points the link
``rex.duckdb`` at it (an atomic replace of the link). DuckDB keeps one instance per file in a
process and resolves links: while a connection to the old file is open (``con = rexlib.connect()``),
opening ``rex.duckdb`` again would hand back the old instance if the new data had the same file
name; with a new name per build it opens the new file. The previous build's file is kept (a process
that resolved the link a moment before the swap still opens it); older ones are removed (held
connections keep reading them: an unlinked file lives until its last reader closes it).

A build that fails records why in ``build_failed.json`` beside the database (with the fingerprint of
the inputs it was given), so readers that would rebuild automatically fall back to the last good
database at once and say so, instead of each trying (and failing) again.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import types
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from . import series
from .checks import run_publisher_checks
from .checks_eu_crm import run_eu_crm_checks
from . import corrections
from .corrections import CorrectionError, StaleCorrection
from .checks_iea_demand import run_iea_demand_checks
from .checks_iea_conversion import run_iea_conversion_checks
from .checks_usgs_trends import run_usgs_trends_checks  # issue 27
from .curate import CurationError, align_measures, map_countries, nir_bound, normalise_price_units, normalise_units
from .ids import MINERALS
from .metadata.fields import comment
from .paths import CURATED, RAW, db_path, derived_dir
from .provenance import ChecksumMismatch, load_sources, source_tables, verify_checksums
from .schema import BUILD_TABLES, CURATED_TABLES, SCHEMA_VERSION, TABLES, SchemaError, Table, curated_spec, validate
from .sources import curated as curated_source
from .sources import eu_crm, iea, iea_conversion, usgs_figures, usgs_mcs2026, usgs_world_legacy, wgi
from .sources import usgs_trends  # issue 27
from . import reconcile  # issue 27
from .unparsed_check import unparsed_regressions
from .row_counts import row_count_problems
from .sources.countries import iso_reference
from .version import __version__
from .processes import pid_alive

ISO_FILE = "reference/lukes_iso3166_all.csv"


class BuildError(RuntimeError):
    """The build refused to produce a database; the message names the file/table and the problem."""


FAILED = "build_failed.json"         # why the last build from the current inputs failed (see the module)
LINK = "rex.duckdb"


@dataclass
class BuildReport:
    path: Path
    seconds: float
    row_counts: dict[str, int]
    fingerprint: str


def fingerprint(raw_dir: Path = RAW, curated_dir: Path = CURATED) -> str:
    """Identity of the inputs and the code that shapes them; a change triggers a rebuild."""
    digest = hashlib.sha256()
    digest.update(f"{__version__}|{SCHEMA_VERSION}".encode())
    digest.update((raw_dir / "sources.yml").read_bytes())
    for path in sorted((raw_dir.parent / "mappings").glob("*.csv")):   # label mappings (data/mappings)
        digest.update(path.name.encode() + path.read_bytes())
    for path in sorted(curated_dir.glob("*.csv")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    code_dir = Path(__file__).parent
    shaping = [code_dir / name for name in ("build.py", "curate.py", "schema.py", "checks.py", "ids.py",
                                            "provenance.py", "series.py", "formulas.py", "corrections.py",
                                            "checks_eu_crm.py", "checks_iea_demand.py",
                                            "checks_iea_conversion.py", "reconcile.py", "checks_usgs_trends.py")]
    metadata = sorted(p for p in (code_dir / "metadata").rglob("*") if p.is_file() and p.suffix in (".yml", ".csv"))
    for path in shaping + sorted((code_dir / "sources").glob("*.py")) + metadata:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _issues_frame(issues: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(issues, columns=["file", "line", "column", "raw_value", "action", "reason"])
    return frame.astype(str)


def _minerals(critical_2026: pd.DataFrame, raw_dir: Path, produced: set[str]) -> pd.DataFrame:
    ref = pd.read_csv(raw_dir / "reference/usgs_critical_minerals_2022.csv", dtype=str, keep_default_na=False)
    list_2022 = {}
    by_name = {name.lower(): mid for mid, (name, _) in MINERALS.items()}
    for name, group in zip(ref["mineral"], ref["group"]):
        key = name.strip().lower()
        # an id (gallium), else a declared name (Platinum -> pgm_platinum: metadata/mappings/minerals.csv)
        mid = key if key in MINERALS else by_name.get(key, key)
        if mid not in MINERALS:
            raise BuildError(f"reference/usgs_critical_minerals_2022.csv: mineral {name!r} has no id in rexlib/metadata/mappings/minerals.csv")
        list_2022[mid] = group
    crit = dict(zip(critical_2026["mineral_id"], critical_2026["critical_2025"]))
    rows = []
    for mid, (name, chapter) in MINERALS.items():
        rows.append(dict(mineral_id=mid, name=name, mcs_chapter=chapter, critical_2022=mid in list_2022,
                         critical_2025=bool(crit.get(mid, False)), group_2022=list_2022.get(mid, "") or None,
                         has_production=mid in produced))
    return pd.DataFrame(rows)


def _countries(raw_dir: Path, extra_codes: set[str]) -> pd.DataFrame:
    ref = iso_reference(str(raw_dir / ISO_FILE))
    rows = [dict(iso3=r.iso3, name=r.name, iso2=r.iso2, iso_numeric=r.iso_numeric, region=r.region or None,
                 sub_region=r.sub_region or None, kind="country") for r in ref.itertuples()]
    known = {r["iso3"] for r in rows}
    special = {"WLD": ("World", "aggregate"), "ROW": ("Rest of world / other countries", "aggregate"),
               "EU": ("European Union", "union"), "XKX": ("Kosovo", "territory"),
               "ANT": ("Netherlands Antilles", "territory")}
    for code, (name, kind) in special.items():
        rows.append(dict(iso3=code, name=name, iso2=None, iso_numeric=None, region=None, sub_region=None, kind=kind))
    names = {r["iso3"]: r["name"] for r in rows}
    for code in sorted(extra_codes - known - set(special)):
        if "+" in code:
            rows.append(dict(iso3=code, name=" and ".join(names.get(c, c) for c in code.split("+")),
                             iso2=None, iso_numeric=None, region=None, sub_region=None, kind="joint"))
    return pd.DataFrame(rows)


def collect(raw_dir: Path = RAW, curated_dir: Path = CURATED) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    """Read every source and shape the schema's tables (no writing)."""
    issues: list[dict] = []
    iso_path = raw_dir / ISO_FILE
    mcs = usgs_mcs2026.read_mcs2026(raw_dir / "usgs/mcs2026/MCS2026_Commodities_Data.csv")
    issues += mcs["issues"]
    legacy, legacy_issues = usgs_world_legacy.read_legacy_world(raw_dir / "usgs")
    issues += legacy_issues
    legacy = legacy.copy()
    legacy["source_file"] = "usgs/" + legacy["source_file"].astype(str)

    world = pd.concat([mcs["world"], legacy], ignore_index=True)
    # Publisher errors (rexlib/metadata/corrections.yml), on the rows as read, before any rule.
    for record in ("production", "reserves", "capacity"):
        world, corrected = corrections.apply_value_corrections(record, world, scope={"record_type": record})
        issues += corrected
    unlabelled = world["measure"].isna() | (world["measure"].astype(str).str.strip() == "")
    for row in world[unlabelled].itertuples():
        issues.append(dict(file=row.source_file, line=str(row.source_line), column="Type", raw_value="",
                           action="measure set to 'Production (unlabelled)'",
                           reason="the file gives no measure label for this row"))
    world.loc[unlabelled, "measure"] = "Production (unlabelled)"
    world = world[world["mineral_id"].isin(MINERALS)]
    world, labels = map_countries(world, iso_path)
    world = series.apply_stage_aliases(world)
    world = align_measures(world, issues)
    world = normalise_units(world, issues)
    world["qualifier"] = world["qualifier"].fillna("")
    world["value_text"] = world["value_text"].fillna("") if "value_text" in world else ""
    cols = list(TABLES["production"].columns)
    tables: dict[str, pd.DataFrame] = {}
    for record in ("production", "reserves", "capacity"):
        part = world[world["record_type"] == record]
        tables[record] = _dedupe_world(part[cols].reset_index(drop=True), issues, record)
    series.check_primary_stages(tables["production"])

    # US salient statistics, prices, net import reliance (MCS2026 salient + Fig2 of 2025 and 2026).
    salient = mcs["salient"]
    nir = salient[salient["statistic"] == "Net import reliance"]
    reliance = pd.DataFrame(dict(
        mineral_id=nir["mineral_id"], measure=nir["measure"], year=nir["year"], nir_pct=nir["value"],
        nir_bound=[nir_bound(f, v) for f, v in zip(nir["flag"], nir["value"])], nir_text=nir["value_text"],
        flag=nir["flag"], table_source="salient", vintage=nir["vintage"], source_file=nir["source_file"],
        source_line=nir["source_line"]))
    figure_frames, figure_sources = [], []
    for vintage in ("MCS2025", "MCS2026"):
        rel = f"usgs/{vintage.lower()}/industry_trends/{vintage}_Fig2_Net_Import_Reliance.csv"
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
    share_rows = _rank_import_sources(share_rows)
    sources_all = pd.concat([share_rows] + figure_sources, ignore_index=True)
    sources_all, more = map_countries(sources_all, iso_path)
    labels += more
    sources_all["headline"] = series.mark_import_sources_headline(sources_all)
    series.check_product_pairs(sources_all)
    tables["import_sources"] = sources_all[list(TABLES["import_sources"].columns)]
    fig3_rel = "usgs/mcs2026/industry_trends/MCS2026_Fig3_Major_Import_Sources.csv"
    fig3, fig3_issues = usgs_figures.read_fig3(raw_dir / fig3_rel, "MCS2026", fig3_rel)
    issues += fig3_issues
    fig3, more = map_countries(fig3, iso_path)
    labels += more
    tables["import_sources_fig3"] = fig3[list(TABLES["import_sources_fig3"].columns)]

    rest = salient[~salient["statistic"].isin(["Net import reliance", "Price"])]
    tables["us_salient"] = rest[list(TABLES["us_salient"].columns)].reset_index(drop=True)
    prices = normalise_price_units(salient[salient["statistic"] == "Price"])
    tables["prices"] = prices[list(TABLES["prices"].columns)].reset_index(drop=True)

    # IEA
    iea_path = raw_dir / "iea/IEA_CM_Data_Explorer_May2024.xlsx"
    supply, totals, iea_issues = iea.read_iea_supply(iea_path)
    issues += iea_issues
    supply = supply.assign(source_file="iea/IEA_CM_Data_Explorer_May2024.xlsx")
    supply, corrected = corrections.apply_value_corrections("refining", supply)
    issues += corrected
    supply = iea.block_shares(supply, totals)
    supply, more = map_countries(supply, iso_path)
    labels += more
    supply["source"] = "IEA (2024), Critical Minerals Data Explorer, sheet " + supply["source_sheet"].astype(str)
    tables["refining"] = supply[list(TABLES["refining"].columns)].reset_index(drop=True)
    tables["refining_totals"] = totals[list(TABLES["refining_totals"].columns)].reset_index(drop=True)
    demand_tables, demand_issues = iea.read_iea_demand(iea_path)      # sheets 1, 3.1, 3.2, 4.x (issue 16)
    tables.update(demand_tables)
    issues += demand_issues
    # IEA 2025 edition, observed 2024: UNOFFICIAL third-party JSON conversion, vintage IEA2025 (issue 27)
    conv, conv_issues = iea_conversion.read_iea_conversion(raw_dir / iea_conversion.REL_PATH)
    issues += conv_issues
    grade = load_sources(raw_dir)["releases"]["iea_cm_explorer_2025_conversion"]["provenance_grade"]
    common = dict(vintage=iea_conversion.VINTAGE, source_file=iea_conversion.REL_PATH)
    conv_supply, corrected = corrections.apply_value_corrections("iea_supply_2025", conv["supply"].assign(**common))
    issues += corrected
    conv_supply, more = map_countries(iea.block_shares(conv_supply, conv["totals"]), iso_path)
    labels += more
    tables["iea_supply_2025"] = conv_supply.assign(provenance=grade)[list(TABLES["iea_supply_2025"].columns)]
    tables["iea_supply_totals_2025"] = conv["totals"].assign(**common)[list(TABLES["iea_supply_totals_2025"].columns)]
    tables["iea_demand_2025"] = conv["demand"].assign(**common)[list(TABLES["iea_demand_2025"].columns)]

    gov, gov_issues = wgi.read_wgi(raw_dir / "wgi/WGIData.csv")
    issues += gov_issues
    tables["governance"] = gov[list(TABLES["governance"].columns)].reset_index(drop=True)

    t7_rel = "usgs/mcs2026/industry_trends/MCS2026_T7_Critical_Minerals_Salient.csv"
    t7, t7_issues = usgs_figures.read_t7(raw_dir / t7_rel, t7_rel)
    issues += t7_issues
    t7 = t7.rename(columns={"leading_country_label": "country_label"})
    t7, more = map_countries(t7.assign(flag=""), iso_path)
    labels += more
    t7 = t7.rename(columns={"country": "leading_country"})
    tables["usgs_leading_source"] = t7[list(TABLES["usgs_leading_source"].columns)]

    # European Commission CRM 2023 study (issue 15): supply shares by stage, criticality, end use.
    try:
        eu_tables, eu_issues, eu_labels = eu_crm.read_eu_crm(raw_dir)
    except eu_crm.EuCrmError as exc:
        raise BuildError(str(exc)) from exc
    tables.update(eu_tables)
    issues += eu_issues
    labels += eu_labels

    produced = set(tables["production"]["mineral_id"])
    tables["minerals"] = _minerals(mcs["critical"], raw_dir, produced)
    codes = set()
    for name in ("production", "reserves", "capacity", "import_sources", "refining"):
        codes |= set(tables[name]["country"])
    tables["countries"] = _countries(raw_dir, codes)
    label_frame = pd.DataFrame(labels).drop_duplicates(["label", "source_file"])
    tables["country_labels"] = label_frame.reset_index(drop=True)

    for name in CURATED_TABLES:
        path = curated_dir / f"{name}.csv"
        if path.exists():
            tables[name] = curated_source.read_curated(path, curated_spec(name))
        else:
            tables[name] = pd.DataFrame({c: pd.Series(dtype="object") for c in curated_spec(name).columns})
    _usgs_trends(tables, issues, raw_dir, iso_path)
    tables.update(source_tables(load_sources(raw_dir)))
    return tables, issues


def _usgs_trends(tables: dict[str, pd.DataFrame], issues: list[dict], raw_dir: Path, iso_path: Path) -> None:
    """Issue 27: MCS2026 T4 and T5 reconciled with the curated export_controls and agreements;
    T6 (end uses), Fig. 13 (scrap) and Fig. 10 (price growth) as published; T4's country labels
    joined to country_labels."""
    try:
        t4, more = usgs_trends.read_t4(raw_dir / usgs_trends.T4_FILE)
        issues += more
        t4, labels = map_countries(t4, iso_path)
        t5, more = usgs_trends.read_t5(raw_dir / usgs_trends.T5_FILE)
        issues += more
        matches = pd.read_csv(usgs_trends.T5_MATCHES, dtype=str, keep_default_na=False)
        tables["export_controls"] = reconcile.export_controls(tables["export_controls"], t4)
        tables["agreements"] = reconcile.agreements(tables["agreements"], t5, matches)
    except (usgs_trends.TrendsError, reconcile.ReconcileError) as exc:
        raise BuildError(str(exc)) from exc
    for name, reader, rel in (("usgs_end_uses", usgs_trends.read_t6, usgs_trends.T6_FILE),
                              ("usgs_scrap", usgs_trends.read_fig13, usgs_trends.FIG13_FILE),
                              ("usgs_price_growth", usgs_trends.read_fig10, usgs_trends.FIG10_FILE)):
        frame, more = reader(raw_dir / rel)
        issues += more
        tables[name] = frame[list(TABLES[name].columns)]
    tables["country_labels"] = pd.concat([tables["country_labels"], pd.DataFrame(labels)], ignore_index=True
                                         ).drop_duplicates(["label", "source_file"]).reset_index(drop=True)


def _dedupe_world(frame: pd.DataFrame, issues: list[dict], record: str) -> pd.DataFrame:
    """Rule: a key seen twice in one vintage (a country listed under two qualifiers that normalise
    alike) keeps the first published row; the others are logged, never silently merged."""
    key = list(TABLES[record].key)
    dup = frame.duplicated(key, keep="first")
    for row in frame[dup].itertuples():
        issues.append(dict(file=row.source_file, line=str(row.source_line), column="(key)",
                           raw_value=f"{row.mineral_id}/{row.stage}/{row.measure}/{row.country}/{row.year}",
                           action="row not loaded (duplicate key; first row kept)",
                           reason=f"duplicate {record} key in vintage {row.vintage}"))
    return frame[~dup].reset_index(drop=True)


def _rank_import_sources(frame: pd.DataFrame) -> pd.DataFrame:
    """Rank MCS2026 import sources by share within mineral+measure (remainder rows get no rank)."""
    frame = frame.copy()
    frame["rank"] = pd.NA
    is_rest = frame["country_label"].str.lower().str.startswith("other")
    ranked = frame[~is_rest].copy()
    ranked["rank"] = ranked.groupby(["mineral_id", "measure"])["share_pct"].rank(method="first", ascending=False)
    frame.loc[ranked.index, "rank"] = ranked["rank"]
    return frame


def validate_tables(tables: dict[str, pd.DataFrame]) -> list[str]:
    minerals = set(tables["minerals"]["mineral_id"])
    countries = set(tables["countries"]["iso3"])
    problems = []
    for name, frame in tables.items():
        if name in TABLES:
            problems += validate(name, frame, mineral_ids=minerals, country_codes=countries)
    return problems


def derive_tables(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """The derived tables (schema.DERIVED_TABLES), computed from the written tables by the series
    rules (:mod:`rexlib.series`): the series every figure uses, and their concentration."""
    from .sources.wgi import ESTIMATES, governance_scores
    out = {}
    for record in ("production", "reserves", "capacity"):
        frame = con.execute(f"SELECT * FROM {record} ORDER BY rowid").df()
        out[f"{record}_latest"] = series.production_latest(frame, strict=record == "production")
    refining = con.execute("SELECT * FROM refining ORDER BY rowid").df()
    iea_blocks = series.iea_with_shares(refining, con.execute("SELECT * FROM iea_supply_2025 ORDER BY rowid").df())
    scores = governance_scores(con.execute(WGI_SQL, [WGI_YEAR, *ESTIMATES]).df(), WGI_YEAR)
    out["concentration"], out["concentration_wgi"] = series.concentration_tables(
        out["production_latest"], iea_blocks, scores, WGI_YEAR)
    eu_supply = con.execute("SELECT * FROM eu_crm_global_supply ORDER BY rowid").df()
    out["supply_shares"] = series.supply_shares_table(out["production_latest"], iea_blocks, eu_supply)
    out["supply_concentration"] = series.supply_concentration_table(out["supply_shares"])
    return out


# Governance scores of the stored HHI_WGI: WGI 2022 (the latest year of the 2023 update), the mean
# of the six estimates in a fixed order (rexlib.sources.wgi.governance_scores).
WGI_YEAR = 2022
WGI_SQL = ("SELECT iso3, indicator, year, value FROM governance WHERE year = ? AND indicator IN (?, ?, ?, ?, ?, ?) "
           "ORDER BY iso3, indicator")


def _write_table(con: duckdb.DuckDBPyConnection, parquet_dir: Path, name: str, frame: pd.DataFrame) -> None:
    spec = TABLES[name]
    path = parquet_dir / f"{name}.parquet"
    con.register("frame_view", frame)
    select = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in spec.columns.items())
    con.execute(f"COPY (SELECT {select} FROM frame_view) TO '{path}' (FORMAT PARQUET)")
    con.unregister("frame_view")
    con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM read_parquet(\'{path}\')')
    _declare(con, name, spec)


def _sql_text(value: str) -> str:
    """A SQL string literal (COMMENT ON takes no bound parameters)."""
    return "'" + value.replace("'", "''") + "'"


def _declare(con: duckdb.DuckDBPyConnection, name: str, spec: Table) -> None:
    """Write the declaration into the database: the table's description, each column's description
    and unit (rexlib/metadata/fields.yml) as COMMENT ON COLUMN, and the primary key (Table.key)."""
    # One transaction per table: ~370 catalog changes cost 2.4 s one by one, 0.5 s batched.
    con.begin()
    con.execute(f'COMMENT ON TABLE "{name}" IS {_sql_text(spec.description)}')
    for column in spec.columns:
        con.execute(f'COMMENT ON COLUMN "{name}"."{column}" IS {_sql_text(comment(name, column))}')
    con.commit()
    if not spec.key:
        return
    # A NULL in a key column would make DuckDB refuse the key with an unhelpful message: name it.
    counts = con.execute("SELECT " + ", ".join(f'count(*) FILTER (WHERE "{c}" IS NULL)' for c in spec.key)
                         + f' FROM "{name}"').fetchone()
    nulls = {c: n for c, n in zip(spec.key, counts) if n}
    if nulls:
        raise BuildError(f"{name}: NULL in primary-key column(s) {nulls} (key {spec.key}, rexlib/schema.py)")
    key = ", ".join(f'"{c}"' for c in spec.key)
    try:
        con.execute(f'ALTER TABLE "{name}" ADD PRIMARY KEY ({key})')
    except duckdb.ConstraintException as exc:
        raise BuildError(f"{name}: rows share a primary key {spec.key}: {exc}") from exc


def _write_database(tables: dict[str, pd.DataFrame], out: Path, meta: dict) -> dict[str, pd.DataFrame]:
    """Write the tables, then the derived tables computed from them; returns the derived tables."""
    parquet_dir = out / "parquet"
    parquet_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(out / "rex.duckdb"))
    # A derived table slower than 2 s made DuckDB draw its progress bar on stdout, into the output
    # of whatever called the build (`python -c "import rexlib; print(...)"` on a fresh clone, CI
    # 2026-12-01); the build reports its stages itself.
    con.execute("SET enable_progress_bar = false")
    try:
        for name, frame in tables.items():
            _write_table(con, parquet_dir, name, frame)
        derived = derive_tables(con)
        problems = [p for name, frame in derived.items()
                    for p in validate(name, frame, mineral_ids=set(tables["minerals"]["mineral_id"]),
                                      country_codes=set(tables["countries"]["iso3"]))]
        if problems:
            raise BuildError("derived tables failed validation:\n  " + "\n  ".join(problems[:30]))
        for name, frame in derived.items():
            _write_table(con, parquet_dir, name, frame)
        # The apps look rows up by these columns (one mineral, or one stage and year).
        con.execute("CREATE INDEX concentration_series ON concentration (source, mineral_id, stage, year)")
        con.execute("CREATE TABLE build_info (key VARCHAR, value VARCHAR)")
        con.executemany("INSERT INTO build_info VALUES (?, ?)", [(k, str(v)) for k, v in meta.items()])
        _declare(con, "build_info", BUILD_TABLES["build_info"])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return derived


def build(raw_dir: Path = RAW, curated_dir: Path = CURATED, out_dir: Path | None = None, *,
          progress=None) -> BuildReport:
    """Build the database. Raises BuildError (or ChecksumMismatch) naming what is wrong.
    ``progress(step)`` is called with a short description before each stage."""
    out_dir = Path(out_dir or derived_dir())
    try:
        report = _build(raw_dir, curated_dir, out_dir, progress)
    except (BuildError, ChecksumMismatch) as exc:
        try:
            _record_failure(out_dir, fingerprint(raw_dir, curated_dir), exc)
        except OSError:
            pass
        raise
    try:
        (out_dir / FAILED).unlink()
    except FileNotFoundError:
        pass
    return report


def _record_failure(out_dir: Path, fp: str, exc: Exception) -> None:
    try:
        if out_dir.is_dir():
            (out_dir / FAILED).write_text(json.dumps(dict(fingerprint=fp, error=str(exc),
                                                          at=time.strftime("%Y-%m-%dT%H:%M:%S%z")), indent=1))
    except OSError:
        pass                         # a read-only folder: readers then try the build themselves


def last_failure(out_dir: Path, fp: str) -> str | None:
    """Why the last build from inputs with fingerprint ``fp`` failed, or None."""
    try:
        record = json.loads((Path(out_dir) / FAILED).read_text())
    except (OSError, ValueError):
        return None
    return str(record.get("error")) if record.get("fingerprint") == fp else None


def remove_stale(out_dir: Path) -> list[str]:
    """Remove what builds killed mid-way left (``.build-<pid>-*`` staging folders and
    ``.old-parquet-<pid>`` folders of processes that no longer run; unnamed ``.build-*`` folders of
    older versions once an hour old). Returns the names removed."""
    removed = []
    try:
        entries = list(os.scandir(out_dir))
    except OSError:
        return removed
    for entry in entries:
        if not (entry.name.startswith(".build-") or entry.name.startswith(".old-parquet-")):
            continue
        parts = entry.name.split("-")
        pid = parts[2] if entry.name.startswith(".old-") else parts[1]
        try:
            stale = not pid_alive(int(pid))
        except ValueError:
            try:
                stale = time.time() - entry.stat(follow_symlinks=False).st_mtime > 3600
            except OSError:
                continue
        if stale and entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.name)
    return removed


def _build(raw_dir: Path, curated_dir: Path, out_dir: Path, progress) -> BuildReport:
    start = time.perf_counter()
    say = progress or (lambda step: None)
    # A folder that cannot be written (read-only tree, a file in the way) is found now, not after
    # the sources were read; OSError names it.
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, probe = tempfile.mkstemp(prefix=f".build-{os.getpid()}-probe-", dir=out_dir)
    os.close(fd)
    os.unlink(probe)
    say("[1/4] verifying raw-file checksums")
    verify_checksums(raw_dir)
    say("[2/4] reading and curating the sources")
    try:
        tables, issues = collect(raw_dir, curated_dir)
    except (CurationError, SchemaError, series.SeriesRuleError, iea.UnmappedLabel, KeyError, usgs_mcs2026.RawFileError,
            curated_source.CuratedTableError, StaleCorrection, CorrectionError) as exc:
        raise BuildError(str(exc)) from exc
    problems = validate_tables(tables)
    problems += unparsed_regressions(tables, out_dir)   # numeric in the previous build, unparsed now
    problems += row_count_problems(tables)              # rows per table and vintage as declared (issue 29)
    if problems:
        raise BuildError("validation failed:\n  " + "\n  ".join(problems[:30]))
    say("[3/4] checking against the publishers' own figures")
    try:
        checks, allowed = run_publisher_checks(tables, extra=pd.concat(
            [run_eu_crm_checks(tables, raw_dir), run_iea_demand_checks(tables),
             run_iea_conversion_checks(tables),       # IEA2025 conversion (issue 27)
             run_usgs_trends_checks(tables)], ignore_index=True))
    except StaleCorrection as exc:
        raise BuildError(str(exc)) from exc
    issues += allowed
    tables["publisher_checks"] = checks
    failed = checks[checks["status"] == "fail"]
    if len(failed):
        raise BuildError("publisher checks failed (fix the curation, or allow-list with a reason in "
                         "rexlib/metadata/corrections.yml):\n  " + "\n  ".join(
                             f"{r.check} {r.subject}: expected {r.expected}, computed {r.computed}"
                             + (f" ({r.reason})" if r.reason else "") for r in failed.itertuples()))
    tables["quality_issues"] = _issues_frame(issues)
    fp = fingerprint(raw_dir, curated_dir)
    build_id = uuid.uuid4().hex[:16]
    meta = dict(fingerprint=fp, rexlib_version=__version__, schema_version=SCHEMA_VERSION,
                built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), build_id=build_id)
    say("[4/4] writing Parquet and DuckDB, deriving the series tables")
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale(out_dir)
    staging = Path(tempfile.mkdtemp(prefix=f".build-{os.getpid()}-", dir=out_dir))
    try:
        try:
            tables.update(_write_database(tables, staging, meta))
        except duckdb.IOException as exc:        # a full disk while writing: the last good one stays
            raise OSError(f"could not write the database ({exc})") from exc
        (staging / "build_info.json").write_text(json.dumps(meta, indent=1))
        # Parquet folder first, then the DB file: each os.replace is atomic on one filesystem.
        final_parquet = out_dir / "parquet"
        old = out_dir / f".old-parquet-{os.getpid()}"
        if final_parquet.exists():
            os.replace(final_parquet, old)
        os.replace(staging / "parquet", final_parquet)
        _install_database(staging / "rex.duckdb", out_dir, f"rex-{build_id}.duckdb")
        os.replace(staging / "build_info.json", out_dir / "build_info.json")
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    counts = {name: len(frame) for name, frame in tables.items()}
    return BuildReport(out_dir / LINK, time.perf_counter() - start, counts, fp)


def _install_database(built: Path, out_dir: Path, name: str) -> None:
    """Move the built file to ``out_dir/name`` and point the link ``rex.duckdb`` at it (see the
    module); where links cannot be made, the file replaces ``rex.duckdb`` itself."""
    link = out_dir / LINK
    previous = os.path.basename(os.readlink(link)) if link.is_symlink() else None
    os.replace(built, out_dir / name)
    tmp = out_dir / f".{LINK}-{os.getpid()}"
    try:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(name, tmp)
    except OSError:
        os.replace(out_dir / name, link)
        return
    os.replace(tmp, link)
    for other in out_dir.glob("rex-*.duckdb"):
        if other.name not in (name, previous):
            try:
                other.unlink()
            except OSError:
                pass


def is_fresh(path: Path | None = None) -> bool:
    """True when the database exists and was built from the current inputs and code."""
    path = Path(path or db_path())
    info = path.parent / "build_info.json"
    if not path.exists() or not info.exists():
        return False
    try:
        return json.loads(info.read_text()).get("fingerprint") == fingerprint()
    except (OSError, ValueError):
        return False


class _CallableModule(types.ModuleType):
    """``rexlib.build(...)`` builds (the function :func:`build`), while ``rexlib.build`` stays this
    module for ``rexlib.build.collect`` and friends. Readers see the new database on their next
    query (rexlib.warehouse compares the file's identity), so nothing needs resetting."""

    def __call__(self, *args, **kwargs) -> BuildReport:
        return build(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
