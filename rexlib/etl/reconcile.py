"""Curated rows and a publisher's rows of the same table, reconciled (issue 27).

``export_controls``: the curated rows (controls named in the documents) and the rows of USGS MCS2026
Table 4 (one per item a country controls, with the year it took effect). A T4 item declared the
same control as a curated row (``curated_control_id`` in ``metadata/mappings/usgs_t4_items.csv``)
is merged into that row (``origin = both``: the row keeps the document's citation and gains USGS's
kind, year and line); it is never a second row. ``agreements``: the curated rows and the rows of
Table 5 the same way (``metadata/mappings/usgs_t5_agreements.csv``).
"""
from __future__ import annotations

import pandas as pd

from rexlib.sources.usgs_trends import T4_TITLE, T5_TITLE


class ReconcileError(ValueError):
    """A declared match that cannot hold (an unknown curated id, items of one row with two years)."""


def _cite(rows: pd.DataFrame, title: str) -> dict:
    return dict(source_doc=rows["source_file"], source_title=title, source_url=rows["source_url"],
                source_quote=rows["raw_line"], also_in=None)


def export_controls(curated: pd.DataFrame, t4: pd.DataFrame) -> pd.DataFrame:
    """``curated`` (data/curated/export_controls.csv as read) + ``t4`` (:func:`rexlib.sources.
    usgs_trends.read_t4` with ``country`` mapped) -> the ``export_controls`` table."""
    cur = curated.copy()
    cur["kind"] = ["reprieve" if a == "reprieve" else "unspecified" for a in cur["action"]]
    cur["effective_year"] = pd.array([d.year if pd.notna(d) else (a.year if pd.notna(a) else None)
                                      for d, a in zip(cur["effective_date"], cur["announced_date"])], dtype="Int64")
    cur["origin"] = "curated"
    for col in ("usgs_control_type", "usgs_item", "form", "source_file"):
        cur[col] = None
    cur["counts_for_supply"] = cur["kind"] != "reprieve"
    cur["source_line"] = pd.array([None] * len(cur), dtype="Int64")
    ids = set(cur["control_id"])
    matched = t4[t4["curated_control_id"] != ""]
    for cid, items in matched.groupby("curated_control_id", sort=True):
        if cid not in ids:
            raise ReconcileError(f"usgs_t4_items.csv: curated_control_id {cid!r} is not in export_controls.csv "
                                 f"(ids: {sorted(ids)})")
        years, lines, kinds = set(items["effective_year"]), set(items["source_line"]), set(items["kind"])
        if len(years) > 1 or len(lines) > 1 or len(kinds) > 1:
            raise ReconcileError(f"T4 items merged into {cid} differ in year/line/kind: {sorted(years)} "
                                 f"{sorted(lines)} {sorted(kinds)}")
        i = cur.index[cur["control_id"] == cid][0]
        mids = sorted({m for ms in items["minerals"] for m in ms.split(";") if m})
        have = sorted(m for m in str(cur.at[i, "minerals"] or "").split(";") if m)
        if have != mids:
            raise ReconcileError(f"{cid}: curated minerals {have} differ from the T4 items merged into it {mids}")
        first = items.iloc[0]
        cur.loc[i, ["kind", "origin", "usgs_control_type", "usgs_item", "form", "source_file", "status"]] = [
            first["kind"], "both", first["control_type"], "; ".join(items["item"]), first["form"],
            first["source_file"], "in_force"]
        cur.loc[i, "effective_year"] = int(first["effective_year"])
        cur.loc[i, "source_line"] = int(first["source_line"])
        cur.loc[i, "counts_for_supply"] = bool(items["counts_for_supply"].all())
        cur.loc[i, "notes"] = (f"{cur.at[i, 'notes'] or ''} Kind, year and status from USGS MCS2026 Table 4 "
                               f"line {int(first['source_line'])} (origin both).").strip()
    own = t4[t4["curated_control_id"] == ""]
    pub = pd.DataFrame(dict(
        control_id=[f"T4-{int(l):02d}-{int(k):02d}" for l, k in zip(own["source_line"], own["item_no"])],
        country=own["country"], minerals=own["minerals"].replace("", None), products=own["item"],
        action="restriction", announced_date=None, date_note="year only, as USGS prints it ('Commodity (year)')",
        effective_date=None, status="in_force", target_country=None, notes=own["note"].replace("", None),
        **_cite(own, T4_TITLE), kind=own["kind"], effective_year=own["effective_year"].astype("Int64"),
        origin="usgs_t4", usgs_control_type=own["control_type"], usgs_item=own["item"], form=own["form"],
        counts_for_supply=own["counts_for_supply"], source_file=own["source_file"],
        source_line=own["source_line"].astype("Int64")))
    return pd.concat([cur, pub[cur.columns]], ignore_index=True)


def agreements(curated: pd.DataFrame, t5: pd.DataFrame, matches: pd.DataFrame) -> pd.DataFrame:
    """``curated`` (agreements.csv) + ``t5`` (:func:`rexlib.sources.usgs_trends.read_t5`) with the
    declared ``matches`` (usgs_t5_agreements.csv, one row per T5 line) -> the ``agreements`` table.
    A matched curated row keeps its id and citation and gains USGS's name, date and line
    (``origin = both``; its ``date`` is USGS's where the documents give none or only a month)."""
    cur = curated.copy()
    cur["origin"] = "curated"
    for col in ("usgs_name", "usgs_date", "usgs_focus", "source_file"):
        cur[col] = None
    cur["source_line"] = pd.array([None] * len(cur), dtype="Int64")
    decl = matches.set_index(matches["source_line"].astype(int))
    lines = set(t5["source_line"])
    if set(decl.index) != lines:
        raise ReconcileError(f"usgs_t5_agreements.csv declares lines {sorted(decl.index)}, T5 has {sorted(lines)}")
    new = []
    for r in t5.itertuples():
        d = decl.loc[r.source_line]
        cid = d["curated_agreement_id"]
        usgs = dict(usgs_name=r.name, usgs_date=r.signing_date, usgs_focus=r.focus, source_file=r.source_file)
        if cid:
            hit = cur.index[cur["agreement_id"] == cid]
            if not len(hit):
                raise ReconcileError(f"usgs_t5_agreements.csv line for T5 {r.source_line}: {cid!r} not in agreements.csv")
            i = hit[0]
            for k, v in usgs.items():
                cur.at[i, k] = v
            cur.at[i, "origin"] = "both"
            cur.at[i, "source_line"] = int(r.source_line)
            vague = pd.isna(cur.at[i, "date"]) or "month" in str(cur.at[i, "date_note"] or "") \
                or "'in October'" in str(cur.at[i, "date_note"] or "")
            if vague and r.date_precision == "day":
                cur.at[i, "date"] = pd.Timestamp(r.signing_date).date()
                cur.at[i, "date_note"] = (f"{cur.at[i, 'date_note'] or 'no date in the documents'}; "
                                          f"date from USGS MCS2026 Table 5 line {r.source_line}")
            cur.at[i, "notes"] = f"{cur.at[i, 'notes'] or ''} {d['note']}.".strip()
            continue
        new.append(dict(agreement_id=f"T5-{int(r.source_line):02d}",
                        date=pd.Timestamp(r.signing_date).date() if r.date_precision == "day" else None,
                        date_note=("as USGS prints it" if r.date_precision == "day"
                                   else f"month only ({r.signing_date}), as USGS prints it"),
                        name=r.name, kind=d["kind"], parties=d["parties"], minerals=None,
                        notes=f"Focus (USGS): {r.focus} {d['note']}.", source_doc=r.source_file,
                        source_title=T5_TITLE, source_url=r.source_url, source_quote=r.raw_line, also_in=None,
                        origin="usgs_t5", **usgs, source_line=int(r.source_line)))
    out = pd.concat([cur, pd.DataFrame(new)[cur.columns]], ignore_index=True)
    out["source_line"] = out["source_line"].astype("Int64")
    return out
