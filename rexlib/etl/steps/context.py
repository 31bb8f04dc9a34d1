"""What one build run shares between its steps: the input folders, the tables made so far, the
issues and country labels reported, and the raw files more than one step reads (read once per run)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

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
            raise StepError(f"table {name!r} is read before any step made it: declare it in the step's "
                            f"`needs` (rexlib/etl/steps/__init__.py)") from None
