"""Read the demo content's data files (`seed/data/`): JSON tables and CSV sheets, UTF-8.

Tables of records come back as tuples in the order the caller names the fields, so the
generators unpack them as they would a literal; a list inside a CSV cell is written
"a / b / c".
"""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from importlib.resources import files
from typing import Any

LIST_SEPARATOR = " / "


def _text(name: str) -> str:
    return (files(__package__) / "data" / name).read_text(encoding="utf-8")


@cache
def _json(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(_text(name))
    return loaded


def table(name: str, key: str) -> Any:
    """One top-level entry of a JSON data file, freshly decoded (callers may change it)."""
    return json.loads(json.dumps(_json(name)[key]))


def records(name: str, key: str, *fields: str) -> list[tuple[Any, ...]]:
    """A JSON table of records as tuples of `fields`; a missing or extra field is an error."""
    out: list[tuple[Any, ...]] = []
    for row in table(name, key):
        if set(row) != set(fields):
            raise ValueError(f"{name} {key}: fields {sorted(row)}, expected {sorted(fields)}")
        out.append(tuple(row[f] for f in fields))
    return out


def sheet(name: str) -> list[dict[str, str]]:
    """The rows of a CSV data file (header first) as dicts of strings."""
    return list(csv.DictReader(io.StringIO(_text(name))))


def split_list(cell: str) -> list[str]:
    """A list cell ("a / b / c") as its items; an empty cell is an empty list."""
    return [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]
