"""Argument validation for every public entry point: a bad value gets a message that names it,
lists the valid values and suggests the closest one. Values are never formatted into SQL."""
from __future__ import annotations

import difflib
from collections.abc import Iterable

MAX_ARG_LENGTH = 200


class InvalidArgument(ValueError):
    """An argument that is not one of the valid values. ``.valid`` holds them."""

    def __init__(self, name: str, value: object, valid: Iterable, hint: str = ""):
        self.name, self.value, self.valid = name, value, sorted({str(v) for v in valid})
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "...'"
        close = difflib.get_close_matches(str(value).lower(), self.valid, n=1, cutoff=0.6) if isinstance(value, str) else []
        suggestion = f" Did you mean {close[0]!r}?" if close else ""
        listing = ", ".join(self.valid[:60]) + (" ..." if len(self.valid) > 60 else "")
        super().__init__(f"unknown {name} {shown}.{suggestion} Valid {name} values: {listing}.{hint}")


def choice(name: str, value: object, valid: Iterable, *, normalise=True) -> str:
    """Return ``value`` (lower-cased/stripped for strings) when it is one of ``valid``."""
    valid = list(valid)
    if not isinstance(value, str):
        raise InvalidArgument(name, value, valid, f" ({name} must be a string, got {type(value).__name__})")
    text = value.strip().lower() if normalise else value
    if not text or len(text) > MAX_ARG_LENGTH:
        raise InvalidArgument(name, value, valid)
    lookup = {str(v).lower() if normalise else str(v): v for v in valid}
    if text not in lookup:
        raise InvalidArgument(name, value, valid)
    return lookup[text]


def year(name: str, value: object, valid: Iterable[int]) -> int:
    valid = sorted(set(int(v) for v in valid))
    if isinstance(value, bool):
        raise InvalidArgument(name, value, valid, " (a year is an integer)")
    try:
        number = int(value)
        if isinstance(value, float) and value != number:
            raise ValueError
    except (TypeError, ValueError, OverflowError):       # a list, text, inf, nan
        raise InvalidArgument(name, value, valid, " (a year is an integer)") from None
    if number not in valid:
        raise InvalidArgument(name, value, valid)
    return number


def items(name: str, value: object, valid: Iterable = (), what: str = "a country id or name") -> list:
    """``value`` as a list: None -> [], one string -> [it], a list/tuple/set -> its items. Anything
    else (a number, a dict, an object) is an InvalidArgument, never a TypeError from ``list()``."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    raise InvalidArgument(name, value, valid, f" ({name} is {what} or a list of them, got {type(value).__name__})")
