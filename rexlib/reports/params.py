"""Notebook parameters: find a notebook, read its ``parameters`` cell (papermill's inspector), turn
``key=value`` strings into values of the default's type, and validate them before any kernel starts.

Validation, in order (every problem is collected, so one run reports all of them):

1. the name must be one of the notebook's parameters (else: the valid names);
2. the value must have the default's type (an ``int`` default takes ``2024``, not ``20x4``);
3. values with a known meaning are checked against the data with rexlib's validators
   (``mineral`` -> ``rexlib.query.api.mineral_id``, ``country`` -> ``rexlib.query.api.country_code``; for
   production-style notebooks without their own validator ``stage``/``year`` -> the stages and
   years USGS publishes for that mineral);
4. when the notebook is a thin view over a ``rexlib.app.ui`` app, the app's own validator
   (``validate_params`` or ``_validate``) is called with every given parameter marked explicit, so a
   value the app would silently replace by a fallback fails here instead.

Failures raise :class:`ParameterError`, whose message lists the valid choices.
"""
from __future__ import annotations

import ast
import difflib
import hashlib
import importlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from rexlib.core.paths import PROJECT

NOTEBOOKS = PROJECT / "notebooks"


class ParameterError(ValueError):
    """Bad notebook name or parameters. ``problems`` holds one sentence per problem."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Parameter:
    name: str
    source: str            # the default as written in the cell, e.g. '"cobalt"'
    default: Any           # the literal value (None when the default is not a literal)
    kind: type | None      # type(default) for bool/int/float/str, else None (anything goes)


@dataclass
class Job:
    """One report to render: a notebook and its validated parameters."""
    notebook: str                      # report name: the notebook's file stem
    path: Path                         # the notebook file
    params: dict                       # explicit parameters (validated, normalised, JSON-able)
    resolved: dict = field(default_factory=dict)   # defaults overlaid with ``params``
    slug: str = "default"              # file name stem under reports/<date>/<notebook>/
    unsupported: str | None = None     # set for --all members the notebook cannot take (not rendered)

    @property
    def key(self) -> tuple[str, str]:
        return (self.notebook, self.slug)

    def label(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.notebook}({shown})" if shown else self.notebook


# ----------------------------------------------------------------------- notebooks

def available_notebooks(folder: Path = NOTEBOOKS) -> list[str]:
    return sorted(p.stem for p in Path(folder).glob("*.ipynb") if not p.name.startswith("."))


def notebook_path(name: str, folder: Path = NOTEBOOKS) -> Path:
    """A notebook by name (``mineral_profile``) in ``folder`` or by path (``x/y.ipynb``)."""
    text = str(name)
    if text.endswith(".ipynb") or "/" in text:
        path = Path(text).expanduser()
        if path.is_file():
            return path.resolve()
        raise ParameterError(f"no notebook file {text!r}")
    path = Path(folder) / f"{text}.ipynb"
    if path.is_file():
        return path.resolve()
    names = available_notebooks(folder)
    close = difflib.get_close_matches(text, names, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ParameterError(f"unknown notebook {text!r}.{hint} Valid notebooks (in {folder}): "
                         f"{', '.join(names) or '(none)'}.")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@lru_cache(maxsize=64)
def _inspect(path: str, sha: str) -> tuple[Parameter, ...]:
    import papermill as pm
    found = pm.inspect_notebook(path)
    out = []
    for name, info in found.items():
        source = str(info.get("default", "")).strip()
        try:
            default = ast.literal_eval(source)
        except (ValueError, SyntaxError):
            default = None
            kind = None
        else:
            kind = type(default) if isinstance(default, (bool, int, float, str)) else None
        out.append(Parameter(name, source, default, kind))
    return tuple(out)


def notebook_parameters(path: Path) -> dict[str, Parameter]:
    """The notebook's ``parameters`` cell as {name: Parameter} (empty when it has none)."""
    path = Path(path)
    return {p.name: p for p in _inspect(str(path), file_sha256(path))}


# ----------------------------------------------------------------------- values

_TRUE, _FALSE = {"true", "yes", "1", "on"}, {"false", "no", "0", "off"}


def coerce(param: Parameter, value: Any) -> Any:
    """``value`` (a CLI string or a JSON value) as the default's type; ValueError when it is not."""
    kind = param.kind
    if kind is None:
        if isinstance(value, str):
            try:
                return ast.literal_eval(value)
            except (ValueError, SyntaxError):
                return value
        return value
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ValueError(f"{param.name} must be true or false (the notebook's default is {param.source}), "
                         f"got {value!r}")
    if kind is int:
        if isinstance(value, bool):
            raise ValueError(f"{param.name} must be a whole number (default {param.source}), got {value!r}")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
            return int(value)
        raise ValueError(f"{param.name} must be a whole number (the notebook's default is {param.source}), "
                         f"got {value!r}")
    if kind is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{param.name} must be a number (the notebook's default is {param.source}), "
                             f"got {value!r}") from None
    # str
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)   # e.g. critical=2025 from JSON where the default is "2025"
    raise ValueError(f"{param.name} must be text (the notebook's default is {param.source}), got {value!r}")


def parse_assignments(items: list[str]) -> dict[str, str]:
    """``["mineral=cobalt", "year=2024"]`` -> dict; ParameterError for an item without ``=``."""
    out: dict[str, str] = {}
    bad = []
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            bad.append(f"parameter {item!r} is not of the form key=value")
            continue
        out[name.strip()] = value
    if bad:
        raise ParameterError(bad)
    return out


# ----------------------------------------------------------------------- validation

def _api_rules() -> dict[str, Callable[[Any], Any]]:
    from rexlib.query import api
    return {"mineral": api.mineral_id, "country": api.country_code}


def app_validator(path: Path) -> Callable[[dict, set], dict] | None:
    """The validator of the rexlib.app.ui app a thin notebook calls (``validate_params`` or ``_validate``)."""
    import nbformat
    nb = nbformat.read(str(path), as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    names = re.findall(r"from\s+rexlib\.(?:app\.)?ui\s+import\s+(\w+)", code)      # rexlib.ui: the old path
    names += re.findall(r"(?:from|import)\s+rexlib\.(?:app\.)?ui\.(\w+)", code)
    for name in dict.fromkeys(names):
        try:
            module = importlib.import_module(f"rexlib.app.ui.{name}")
        except Exception:   # a broken app fails when the notebook runs; the report will say so
            continue
        fn = getattr(module, "validate_params", None) or getattr(module, "_validate", None)
        if callable(fn):
            return fn
    return None


def validate(path: Path, given: dict[str, Any]) -> tuple[dict, dict]:
    """Check ``given`` against the notebook at ``path``.

    Returns (explicit, resolved): the given parameters normalised (``'Cobalt'`` -> ``'cobalt'``),
    and every parameter with defaults filled in. Raises ParameterError naming each bad value and
    the valid ones."""
    from rexlib.core.validate import InvalidArgument
    declared = notebook_parameters(path)
    problems: list[str] = []
    explicit: dict[str, Any] = {}
    for name, raw in given.items():
        if name not in declared:
            close = difflib.get_close_matches(name, list(declared), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            valid = ", ".join(f"{p.name} (default {p.source})" for p in declared.values()) or "(none)"
            problems.append(f"unknown parameter {name!r} for notebook {path.stem}.{hint} "
                            f"Valid parameters: {valid}.")
            continue
        try:
            explicit[name] = coerce(declared[name], raw)
        except ValueError as exc:
            problems.append(f"{path.stem}: {exc}")
    if problems:
        raise ParameterError(problems)

    rules = _api_rules()
    for name, value in list(explicit.items()):
        rule = rules.get(name)
        if rule is None:
            continue
        try:
            explicit[name] = rule(value)
        except InvalidArgument as exc:
            problems.append(f"{path.stem}: {exc}")
    if problems:
        raise ParameterError(problems)

    resolved = {name: p.default for name, p in declared.items()}
    resolved.update(explicit)
    app = app_validator(path)
    try:
        if app is not None:
            cleaned = app(dict(resolved), set(explicit))
            if isinstance(cleaned, dict):
                for name in explicit:
                    if name in cleaned:
                        explicit[name] = cleaned[name]
        else:
            _production_rules(resolved, explicit)
    except InvalidArgument as exc:
        raise ParameterError(f"{path.stem}: {exc}") from None
    except (KeyError, TypeError):
        pass   # the app's validator takes other arguments than the cell declares: nothing to add
    resolved.update(explicit)
    return explicit, resolved


def _production_rules(resolved: dict, explicit: dict) -> None:
    """stage/year of a production-style notebook (mineral + stage + year) without an app validator."""
    from rexlib.query import api
    from rexlib.core.validate import choice, year as check_year
    if not {"mineral", "stage"} <= set(resolved) or not isinstance(resolved.get("mineral"), str):
        return
    mineral = api.mineral_id(resolved["mineral"])
    stages = api.stages(mineral)
    if "stage" in explicit and stages:
        explicit["stage"] = choice("stage", explicit["stage"], stages)
    if "year" in explicit and "year" in resolved:
        stage = explicit.get("stage", resolved["stage"])
        years = api.production_years(mineral, stage) if stage in stages else api.production_years(mineral)
        explicit["year"] = check_year("year", explicit["year"], years)


# ----------------------------------------------------------------------- file names

def slug(params: dict) -> str:
    """A file-name stem for a parameter set: ``mineral=cobalt,year=2024``; ``default`` when empty.

    Characters outside [A-Za-z0-9._-] become ``-``; when that changed anything a short hash of the
    exact values is appended so two parameter sets never share a file."""
    if not params:
        return "default"
    parts, lossy = [], False
    for name, value in params.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        clean = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "x"
        lossy |= clean != text
        parts.append(f"{re.sub(r'[^A-Za-z0-9_]+', '-', name)}={clean}")
    stem = ",".join(parts)
    if lossy or len(stem) > 150:
        digest = hashlib.sha1(repr(sorted(params.items())).encode()).hexdigest()[:8]
        stem = stem[:140] + "~" + digest
    return stem


def make_job(notebook: str, given: dict, folder: Path = NOTEBOOKS) -> Job:
    """Validate and build one Job (ParameterError when anything is wrong)."""
    path = notebook_path(notebook, folder)
    explicit, resolved = validate(path, given)
    declared = list(notebook_parameters(path))
    ordered = {k: explicit[k] for k in declared if k in explicit}
    return Job(notebook=path.stem, path=path, params=ordered, resolved=resolved, slug=slug(ordered))
