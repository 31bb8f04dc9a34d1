"""What a step declares (:class:`Step`: the ``STEP`` of its module) and what one build run shares
between the steps: the input folders, the tables made so far, the issues and country labels
reported, and the raw files more than one step reads (read once per run)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from ..tablespec import Table

ISO_FILE = "reference/lukes_iso3166_all.csv"


class StepError(ValueError):
    """A step or the registry refused to go on; the message names the step, the table or file, and the fix."""


@dataclass
class StepResult:
    """What a step returns: its tables (exactly those it declares), the issues it logged
    (``file, line, column, raw_value, action, reason``) and the country labels it mapped."""
    tables: dict[str, pd.DataFrame]
    issues: list[dict] = field(default_factory=list)
    labels: list[dict] = field(default_factory=list)


@dataclass
class Context:
    raw_dir: Path
    curated_dir: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)   # made by the steps run so far
    labels: list[dict] = field(default_factory=list)                # country labels seen so far
    _reads: dict[str, Any] = field(default_factory=dict)
    _pending: list[dict] = field(default_factory=list)

    @property
    def iso_path(self) -> Path:
        return self.raw_dir / ISO_FILE

    def read_once(self, key: str, read: Callable[[], tuple[Any, list[dict]]]) -> Any:
        """The value of ``read()`` (a ``(value, issues)`` pair), read at the first call of this run
        only; its issues are logged once, with the step that first asked."""
        if key not in self._reads:
            value, issues = read()
            self._reads[key] = value
            self._pending += issues
        return self._reads[key]

    def take_pending_issues(self) -> list[dict]:
        out, self._pending = self._pending, []
        return out

    def need(self, name: str) -> pd.DataFrame:
        """A table an earlier step made (declared in this step's ``needs``)."""
        try:
            return self.tables[name]
        except KeyError:
            raise StepError(f"table {name!r} is read before any step made it: declare it in the `needs` of "
                            f"the reading step's STEP (rexlib/etl/steps/<source>.py)") from None


Read = Callable[[str], pd.DataFrame]


@dataclass(frozen=True)
class Supply:
    """What a source gives the stage families of series.yml: ``source`` (its name in
    ``stage_families``), the ``shape`` of its frame (a key of :data:`rexlib.etl.series.SUPPLY_SHAPES`)
    and ``frame(read, derived)``: the frame from the written tables (``read(name)``) and the
    derived ones (``derived``: ``production_latest`` ...)."""
    source: str
    shape: str
    frame: Callable[[Read, dict], pd.DataFrame]


@dataclass(frozen=True)
class Step:
    """One source's step, declared as ``STEP = Step(...)`` in its module ``rexlib/etl/steps/<source>.py``
    (``source`` is the module's name); the registry attaches the module's ``TABLES`` as ``tables``."""
    source: str                                  # the publisher / source it reads (= its module's name)
    collect: Callable[[Context], StepResult]
    produces: tuple[str, ...]                    # the tables it returns (exactly these)
    needs: tuple[str, ...] = ()                  # tables of other steps it reads
    revises: tuple[str, ...] = ()                # tables of ``needs`` it returns rewritten
    supplies: tuple[Supply, ...] = ()
    gathers_labels: bool = False                 # runs after every other step (reads all their country labels)
    tables: tuple[Table, ...] = ()               # its declarations (the module's TABLES)
