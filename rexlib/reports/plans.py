"""Plans: which reports to render. ``daily`` is built in; any JSON file of the same shape works too.

A plan is a list of entries, each one notebook with parameters::

    {"notebook": "mineral_profile", "all": true}                       # one report per mineral
    {"notebook": "mineral_profile", "each": {"mineral": ["cobalt", "lithium"]}, "params": {"year": 2024}}
    {"notebook": "import_reliance", "params": {"year": 2024}}
    {"notebook": "tests/reports/fixtures/probe.ipynb"}                 # a path works as well

A JSON plan file is ``{"jobs": [entry, ...]}`` (or just the list).
"""
from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

from .params import NOTEBOOKS, Job, ParameterError, make_job, notebook_parameters, notebook_path

OVERVIEW_NOTEBOOKS = ("import_reliance", "chokepoints", "financing", "scenario", "claims")
# The demand outlook: one report per key mineral of the IEA workbook's sheet 1, and the overview.
OUTLOOK_MINERALS = ("copper", "cobalt", "lithium", "nickel", "graphite", "magnet_rare_earths")

PLANS: dict[str, list[dict]] = {
    "daily": [{"notebook": "mineral_profile", "all": True}]
             + [{"notebook": name} for name in OVERVIEW_NOTEBOOKS]
             + [{"notebook": "outlook", "each": {"mineral": list(OUTLOOK_MINERALS)}},
                {"notebook": "outlook", "params": {"view": "overview"}}],
}


# ---- country and coalition profiles (issue 17) --------------------------------------------------
# ``partners``: one country profile per country named in the agreements table (the EU is a party
# but not a country: its members have their own reports), then the coalition summaries.
PARTNER_GROUPS = ("forge_members", "ministerial_2026_attendees")


def partner_countries() -> list[str]:
    """ISO3 codes of every country party to an agreement of the ``agreements`` table (curated and USGS
    MCS2026 Table 5: Indonesia joins through its 2025 reciprocal-trade framework)."""
    from rexlib.query import api
    from ..metrics._common import all_countries, split_ids
    named = {code for parties in api.agreements()["parties"] for code in split_ids(parties)}
    return sorted(named & all_countries())


def partners_plan() -> list[dict]:
    """The ``partners`` plan (``rex report --plan partners``; ``rex report country_profile
    --all-partners`` renders the same)."""
    return ([{"notebook": "country_profile", "each": {"country": partner_countries()}, "params": {"view": "country"}}]
            + [{"notebook": "country_profile", "params": {"view": "coalition", "group": g}} for g in PARTNER_GROUPS])


# ---- Project Vault (issue 27) ----------------------------------------------------------------------
# ``vault``: the financing report once per declared budget preset (rexlib/metadata/stockpile.yml, priced
# from the deals table) x basis (months of net imports / of consumption).
def vault_plan() -> list[dict]:
    """The ``vault`` plan (``rex report --plan vault``)."""
    from ..metrics.stockpile import BASES, stockpile_presets
    return [{"notebook": "financing", "each": {"vault": stockpile_presets()["preset"].tolist(), "basis": list(BASES)}}]


PLAN_BUILDERS = {"partners": partners_plan, "vault": vault_plan}     # plans read from the data when they are used
# Entries read from the data and appended to a built-in plan: the daily plan renders the partners
# too (23 reports: 2 min 47 s with --workers 2 on the shared 2-core machine, December 2026).
PLAN_EXTENSIONS = {"daily": (partners_plan,)}


def all_minerals() -> list[str]:
    """Every mineral with world production data, plus every mineral on either U.S. critical list."""
    from rexlib.query import api
    frame = api.minerals()
    keep = (frame["has_production"].fillna(False).astype(bool)
            | frame["critical_2022"].fillna(False).astype(bool)
            | frame["critical_2025"].fillna(False).astype(bool))
    return sorted(frame.loc[keep, "mineral_id"])


def load_plan(name_or_path: str) -> list[dict]:
    if name_or_path in PLANS:
        return [dict(e) for e in PLANS[name_or_path]] + [dict(e) for extend in PLAN_EXTENSIONS.get(name_or_path, ())
                                                         for e in extend()]
    if name_or_path in PLAN_BUILDERS:
        return PLAN_BUILDERS[name_or_path]()
    path = Path(name_or_path)
    if not path.is_file():
        raise ParameterError(f"unknown plan {name_or_path!r}. Valid plans: {', '.join(sorted({*PLANS, *PLAN_BUILDERS}))}, "
                             "or the path of a JSON plan file.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ParameterError(f"cannot read plan file {path}: {exc}") from None
    entries = data.get("jobs") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "notebook" in e for e in entries):
        raise ParameterError(f"plan file {path}: expected {{\"jobs\": [{{\"notebook\": ..., \"params\": {{...}}}}]}}")
    return entries


def expand(entries: list[dict], folder: Path = NOTEBOOKS) -> list[Job]:
    """Validate every entry and return the jobs (duplicates dropped). Raises ParameterError with
    every problem found, before anything is rendered."""
    jobs: dict[tuple, Job] = {}
    problems: list[str] = []
    for entry in entries:
        try:
            for job in expand_entry(entry, folder):
                jobs.setdefault(job.key, job)
        except ParameterError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ParameterError(problems)
    return list(jobs.values())


def check_notebook(path: Path) -> None:
    """ParameterError unless ``path`` is a Jupyter notebook: a ``.ipynb`` file holding nbformat JSON.
    The message never quotes the file (a plan naming /etc/passwd must not print it)."""
    if path.suffix != ".ipynb":
        raise ParameterError(f"{path} is not a notebook: only .ipynb files can be rendered")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ParameterError(f"{path} is not a Jupyter notebook (not UTF-8 text)") from None
    except ValueError as exc:
        raise ParameterError(f"{path} is not a Jupyter notebook (not JSON: {str(exc).split(':')[0]})") from None
    except OSError as exc:
        raise ParameterError(f"cannot read notebook {path}: {exc.strerror or exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list) or "nbformat" not in data:
        raise ParameterError(f"{path} is not a Jupyter notebook (JSON without nbformat cells)")


def _check_entry(entry: dict) -> None:
    """The shape of one plan entry: types of notebook, params, each and all."""
    notebook = entry["notebook"]
    if not isinstance(notebook, str) or not notebook.strip():
        raise ParameterError(f"plan entry {entry!r}: 'notebook' must be a notebook name or a .ipynb path")
    unknown = sorted(set(entry) - {"notebook", "params", "each", "all"})
    if unknown:
        raise ParameterError(f"plan entry for {notebook}: unknown key(s) {', '.join(unknown)} "
                             "(valid: notebook, params, each, all)")
    if not isinstance(entry.get("params") or {}, dict):
        raise ParameterError(f"plan entry for {notebook}: 'params' must be an object of name: value")
    each = entry.get("each") or {}
    if not isinstance(each, dict) or not all(isinstance(v, list) and v for v in each.values()):
        raise ParameterError(f"plan entry for {notebook}: 'each' must be an object of name: [values, ...] "
                             "with at least one value per name")
    if not isinstance(entry.get("all", False), bool):
        raise ParameterError(f"plan entry for {notebook}: 'all' must be true or false")


def expand_entry(entry: dict, folder: Path = NOTEBOOKS) -> list[Job]:
    _check_entry(entry)
    notebook = entry["notebook"]
    check_notebook(notebook_path(notebook, folder))
    base = dict(entry.get("params") or {})
    each = dict(entry.get("each") or {})
    if entry.get("all"):
        path = notebook_path(notebook, folder)
        if "mineral" not in notebook_parameters(path):
            raise ParameterError(f"--all renders one report per mineral, but notebook {path.stem} has no "
                                 f"'mineral' parameter (it has: {', '.join(notebook_parameters(path)) or 'none'})")
        make_job(notebook, base, folder)        # the shared parameters must be valid on their own
        each["mineral"] = all_minerals()
    if not each:
        return [make_job(notebook, base, folder)]
    names = list(each)
    out: list[Job] = []
    problems: list[str] = []
    for combo in itertools.product(*(each[n] for n in names)):
        given = {**base, **dict(zip(names, combo))}
        try:
            out.append(make_job(notebook, given, folder))
        except ParameterError as exc:
            if entry.get("all") and list(dict(zip(names, combo))) == ["mineral"]:
                # A mineral the notebook cannot take (e.g. no world production table): listed in the
                # index as not rendered, with the reason, instead of failing the whole plan.
                path = notebook_path(notebook, folder)
                from .params import slug
                params = {**{k: v for k, v in given.items() if k != "mineral"}, "mineral": combo[0]}
                ordered = {k: params[k] for k in notebook_parameters(path) if k in params}
                out.append(Job(notebook=path.stem, path=path, params=ordered, resolved=dict(ordered),
                               slug=slug(ordered), unsupported=_short_reason(path.stem, exc.problems)))
            else:
                problems.extend(exc.problems)
    if problems:
        raise ParameterError(problems)
    return out


def _short_reason(notebook: str, problems: list[str]) -> str:
    """``"mineral_profile does not take it: this mineral has no world production table"`` from a
    validator message (which also lists every valid value: too long for an index row)."""
    text = problems[0] if problems else "rejected by the notebook's validator"
    hint = re.search(r"\(([^()]*)\)\s*$", text)
    if hint:
        return f"{notebook} does not take it: {hint.group(1)}"
    first = re.split(r"(?<=\.)\s+(?:Did you mean|Valid)", text)[0]
    return f"{notebook} does not take it: {first.removeprefix(notebook + ': ')}"
