"""Supply-disruption scenarios: what a cut by one or more suppliers removes from world supply and how
much of U.S. consumption is exposed through imports.

Sources: USGS MCS production (MCS2023–MCS2026), USGS MCS2026 net import reliance and import sources,
curated ``export_controls`` and ``country_groups`` tables.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from rexlib.core import validate as v
from rexlib.query.warehouse import query
from rexlib.core.ids import REST_OF_WORLD
from rexlib.etl import series as rules
from . import _common as c

__all__ = ["disruption", "disruption_inputs", "disruption_of", "most_exposed_minerals", "export_control_presets"]


def _supplier_members(suppliers: Iterable[str] | str) -> c.Members:
    if isinstance(suppliers, str):
        return c.resolve_members(countries=suppliers)
    items = list(suppliers)
    groups = [s for s in items if isinstance(s, str) and s in set(c.group_ids())]
    codes = [s for s in items if s not in groups]
    members = [c.resolve_members(countries=g) for g in groups]
    if codes:
        members.append(c.resolve_members(countries=codes))
    if not members:
        raise v.InvalidArgument("suppliers", items, c.all_countries(), " (no supplier given)")
    allc = frozenset().union(*(m.codes for m in members))
    return c.Members(allc, " + ".join(m.label for m in members), "; ".join(filter(None, (m.note for m in members))))


def _import_exposure(mid: str, members: c.Members, nir: c.Nir) -> dict:
    frame, basis, measure = c.import_source_shares(mid)
    member = [x for x in frame["country"] if members.covers(x)] if len(frame) else []
    product = rules.nir_product(mid)
    note = ""
    if basis == "share_pct":
        share = float(frame.loc[[members.covers(x) for x in frame["country"]], "share_pct"].sum())
        known = "shares"
    else:
        share = np.nan
        known = "ranks_only" if basis == "rank" else "no_import_sources"
    exposed = np.nan if nir.pct is None or np.isnan(share) else nir.pct * share / 100.0
    if basis != "none" and not rules.same_product(mid, measure):
        # series.yml product_rule: the headline NIR and the headline import sources are of
        # different products (feldspar: nepheline syenite vs feldspar): never multiplied.
        known, exposed = "different_products", np.nan
        note = (f"USGS gives the headline import reliance for {product} ({nir.bound if nir.bound != '=' else ''}"
                f"{'' if nir.pct is None else f'{nir.pct:g}'} %) and the headline import sources for "
                f"{measure!r}: different products, so they are not multiplied")
    ranks = ";".join(f"{r.country}:{'' if pd.isna(r.rank) else int(r.rank)}" for r in frame.itertuples()
                     if members.covers(r.country))
    return dict(nir_pct=nir.pct, nir_bound=nir.bound, nir_year=nir.year, nir_product=product,
                supplier_import_share_pct=share, import_share_basis=known, supplier_import_ranks=ranks,
                n_supplier_import_sources=len(member), us_consumption_exposed_pct=exposed,
                import_measure=measure, exposure_note=note)


PROCESSING = "processing"   # the processing stage family of rexlib.etl.series (any source)


def disruption(mineral: str, suppliers: Iterable[str] | str, stage: str | None = None, cut_pct: float = 100,
               ramp_up_pct: float = 0, year: int | None = None, *, source: str = "usgs") -> pd.DataFrame:
    """A supply cut by ``suppliers`` (ISO3 codes and/or ``country_groups`` group ids): one row.

    With ``V_s`` the suppliers' production, ``W`` the world total (USGS, table unit ``unit``), ``O``
    the known production of everyone else (other countries + ``ROW``):

    * ``supply_lost = V_s × cut_pct/100`` (``unit``) and ``supply_lost_pct = supply_lost / W × 100``;
    * ``ramp_up = min(O × ramp_up_pct/100, supply_lost)``: other producers raise output by
      ``ramp_up_pct`` % (capped at the loss);
    * ``remaining_supply = W − supply_lost + ramp_up`` and ``net_loss_pct`` of ``W``;
    * ``us_consumption_exposed_pct = NIR × supplier_import_share_pct / 100``: the share of U.S.
      apparent consumption imported from the suppliers (MCS2026 NIR of the production year or the
      newest; import shares 2021–24). ``import_share_basis`` says ``shares`` (USGS gives
      percentages), ``ranks_only`` (Fig. 2 ranks: exposure NaN, ranks in
      ``supplier_import_ranks``) or ``different_products`` (the headline NIR and the headline
      import sources are of different products, series.yml ``product_rule``: exposure NaN,
      ``exposure_note`` names both; ``nir_product`` / ``import_measure`` say what each measures);
      ``us_consumption_at_risk_pct`` multiplies by ``cut_pct/100``.

    Suppliers with withheld production make ``supply_lost`` a lower bound (flag
    ``withheld_supplier``). Suppliers that are not listed producers may hide in ``ROW``: flag
    ``suppliers_may_be_in_row``.

    ``source='iea'`` sizes the cut on the IEA block instead (kt; stages mine, refinery, chemicals,
    battery_grade; ``year`` 2023 observed or the 2030/2035/2040 base case), e.g. a cut of projected
    2030 refining; the U.S. import exposure stays USGS's.

    ``stage='processing'`` cuts the mineral's processing series of the supply-chain model
    (:func:`rexlib.supply_shares`: IEA 2023, else USGS refinery/smelter/metal, else the EU 2023
    study). Where only EU shares exist the "production" figures are shares of world processing
    (percent, 2016-2020 averages, no tonnage; flag ``shares_only_average``; ``year`` is the period).
    """
    mid = c.mineral(mineral)
    cut = c.number("cut_pct", cut_pct, 0, 100)
    ramp = c.number("ramp_up_pct", ramp_up_pct, 0, 1000)
    return disruption_of(disruption_inputs(mid, suppliers, stage, year, source=source), cut, ramp)


def disruption_inputs(mineral: str, suppliers: Iterable[str] | str, stage: str | None = None,
                      year: int | None = None, *, source: str = "usgs") -> dict:
    """Everything :func:`disruption` needs that does not depend on the cut or the ramp-up: the
    USGS series (or the IEA block, ``source='iea'``; world total ``W``), the suppliers' known
    production ``V_s``, everyone else's ``O``, the flags, and the U.S. import exposure. A dict;
    :func:`disruption_of` applies a cut."""
    mid = c.mineral(mineral)
    members = _supplier_members(suppliers)
    src = c.choice("source", source, ["usgs", "iea"])
    if stage == PROCESSING:
        # The processing series of the supply-chain model (IEA, USGS, else EU shares: then the
        # "production" is each country's share of world processing and the world total 100 %).
        series = c.processing_series(mid, year)
        if series is None:
            raise v.InvalidArgument("stage", stage, c.usgs_stages(mid), f" (no source has processing shares for {mid})")
    else:
        series = c.iea_series(mid, stage, year) if src == "iea" else c.usgs_series(mid, stage, year)
    parts = series.parts
    is_sup = np.array([members.covers(x) for x in parts["country"]], dtype=bool)
    known = parts["known"].to_numpy(dtype=bool)
    flags = []
    if (is_sup & ~known).any():
        flags.append("withheld_supplier")
    listed = {p for x in parts["country"] if x != REST_OF_WORLD for p in c.joint_parts(x)}
    if (members.codes - listed) and (parts["country"] == REST_OF_WORLD).any():
        flags.append("suppliers_may_be_in_row")
    # The U.S. exposure is about U.S. imports now: the newest headline NIR, the year of the import
    # sources' edition, whatever year or stage the supply series has (rare earths: 67 % of 2025 at the
    # mine and at the processing stage, not 2023's ">90" for IEA's 2023 processing block).
    n = c.nir(mid)
    if n.year is not None and series.year is not None and n.year != series.year:
        flags.append("nir_year_differs_from_supply_year")
    if series.period_text:
        flags.append("shares_only_average")
    # a year series keeps its int year; an EU average its period ("2016-2020"), never one year
    return dict(mineral_id=mid, stage=PROCESSING if stage == PROCESSING else series.stage,
                year=series.year if series.year is not None else series.period,
                vintage=series.vintage, unit=series.unit,
                suppliers=members.label, world_total=series.world_total, share_basis=series.share_basis,
                supplier_production=float(parts.loc[is_sup & known, "value"].sum()),
                others_production=float(parts.loc[~is_sup & known, "value"].sum()),
                flags=";".join(flags), exposure=_import_exposure(mid, members, n),
                source_label=f"{series.label}; {n.source}", members_note=members.note)


def disruption_of(inputs: dict, cut_pct: float = 100, ramp_up_pct: float = 0) -> pd.DataFrame:
    """:func:`disruption` from its :func:`disruption_inputs` (same row, same formulas)."""
    cut = c.number("cut_pct", cut_pct, 0, 100)
    ramp = c.number("ramp_up_pct", ramp_up_pct, 0, 1000)
    world, v_s, exp = inputs["world_total"], inputs["supplier_production"], inputs["exposure"]
    lost = v_s * cut / 100.0
    ramp_up = min(inputs["others_production"] * ramp / 100.0, lost)
    remaining = (world - lost + ramp_up) if world else np.nan
    row = dict(
        mineral_id=inputs["mineral_id"], stage=inputs["stage"], year=inputs["year"], vintage=inputs["vintage"],
        unit=inputs["unit"], suppliers=inputs["suppliers"], cut_pct=cut, ramp_up_pct=ramp, world_total=world,
        share_basis=inputs.get("share_basis", "world_published"),
        supplier_production=v_s, supplier_share_pct=v_s / world * 100 if world else np.nan,
        supply_lost=lost, supply_lost_pct=lost / world * 100 if world else np.nan,
        ramp_up=ramp_up, remaining_supply=remaining,
        net_loss_pct=(lost - ramp_up) / world * 100 if world else np.nan, **exp,
        us_consumption_at_risk_pct=exp["us_consumption_exposed_pct"] * cut / 100.0,
        flags=inputs["flags"], source_label=inputs["source_label"], members_note=inputs["members_note"])
    return pd.DataFrame([row])


def most_exposed_minerals(supplier: Iterable[str] | str, stage: str = "mine", year: int | None = None, *,
                          n: int | None = None, critical: str | None = None) -> pd.DataFrame:
    """:func:`disruption` (full cut, no ramp-up) of ``supplier`` for every mineral with ``stage``,
    sorted by U.S. consumption exposed (share-based first), then by the supplier's world share.
    Minerals where the supplier produces nothing and supplies no U.S. imports are left out."""
    frame = c._production_all()
    stg = c.choice("stage", stage, sorted(frame["stage"].unique()))
    keep = c.critical_set(critical)
    mids = sorted(m for m in frame.loc[frame["stage"] == stg, "mineral_id"].unique() if keep is None or m in keep)
    rows = []
    for mid in mids:
        years = c.usgs_years(mid, stg)
        try:
            out = disruption(mid, supplier, stg, 100, 0, year if year in years else None)
        except v.InvalidArgument as err:
            if err.name in ("suppliers", "country", "group", "countries"):
                raise
            continue
        r = out.iloc[0]
        if (r["supplier_share_pct"] or 0) > 0 or (r["supplier_import_share_pct"] or 0) > 0 or r["n_supplier_import_sources"]:
            rows.append(out)
    if not rows:
        return pd.DataFrame()
    table = pd.concat(rows, ignore_index=True).sort_values(
        ["us_consumption_exposed_pct", "supplier_share_pct"], ascending=False, na_position="last")
    if n is not None:
        table = table.head(int(c.number("n", n, 1, 1000)))
    return table.reset_index(drop=True)


def export_control_presets() -> pd.DataFrame:
    """Disruption arguments built from the documents' rows of ``export_controls`` (origin curated or both).

    One row per (restriction, mineral): ``control_id``, ``country`` (the restricting country = the
    supplier), ``mineral_id``, ``stage`` (the mineral's primary stage, :func:`rexlib.etl.series.primary_stage`;
    None when USGS has no production series), ``cut_pct`` 100, ``ramp_up_pct`` 0,
    ``args`` (a dict for :func:`disruption`, None when not runnable), ``runnable`` and ``note``.
    Reprieves (``action='reprieve'``) and rows without minerals are listed with ``runnable=False``.
    """
    # The documents' controls (origin curated or both); USGS Table 4's own rows are in the export-control
    # views (rexlib.metrics.export_controls), not presets (issue 27).
    ec = query("SELECT * FROM export_controls WHERE origin IN ('curated', 'both') ORDER BY control_id")
    rows = []
    for r in ec.itertuples():
        mids = c.split_ids(r.minerals)
        base = dict(control_id=r.control_id, country=r.country, action=r.action, status=r.status,
                    products=r.products, target_country=r.target_country if pd.notna(r.target_country) else None,
                    source_doc=r.source_doc)
        if not mids:
            rows.append(dict(base, mineral_id=None, stage=None, cut_pct=None, ramp_up_pct=None, args=None,
                             runnable=False, note="no mineral named in the document"))
            continue
        for mid in mids:
            stage = rules.primary_stage(mid) if c.usgs_stages(mid) else None
            runnable = r.action == "restriction" and stage is not None
            note = ""
            if r.action != "restriction":
                note = f"action is {r.action!r}, not a restriction"
            elif stage is None:
                note = "USGS publishes no world production series for this mineral"
            args = dict(mineral=mid, suppliers=[r.country], stage=stage, cut_pct=100, ramp_up_pct=0) if runnable else None
            rows.append(dict(base, mineral_id=mid, stage=stage, cut_pct=100 if runnable else None,
                             ramp_up_pct=0 if runnable else None, args=args, runnable=runnable, note=note))
    return pd.DataFrame(rows)
