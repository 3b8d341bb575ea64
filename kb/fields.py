"""Typed field access on a parsed YAML mapping that records a ``path:line`` problem for every bad field.

Validation collects problems instead of raising, so ``kb validate`` reports every problem in one run.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from kb.errors import Problem
from kb.records import Reference
from kb.yamlsafe import Located

_URL = re.compile(r"^https?://[^\s/]+\.[^\s]+$")
MAX_NUMBER = 1e12  # no figure in a health record comes near; a 400-digit integer is garbage


def finite_number(value: object) -> float | None:
    """``value`` as a float when it is an int or float that is finite and of a sane size, else None.

    YAML reads ``.nan``, ``.inf`` and integers of any length; none of them is a figure a record can mean.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, int):
        return float(value) if abs(value) <= MAX_NUMBER else None
    return value if math.isfinite(value) and abs(value) <= MAX_NUMBER else None


class Fields:
    """Reads fields of one YAML mapping, recording problems against ``path``."""

    def __init__(self, doc: Located, path: str, problems: list[Problem], known: set[str]) -> None:
        self.doc = doc
        self.path = path
        self.problems = problems
        self.data: dict[str, Any] = doc.value if isinstance(doc.value, dict) else {}
        if not isinstance(doc.value, dict):
            self.problem(doc.first_line, "expected a YAML mapping of fields")
        for key in self.data:
            if key not in known:
                self.problem(doc.line(key), f"unknown field {key!r}")

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def line(self, *path: str | int) -> int:
        return self.doc.line(*path)

    def _missing(self, key: str) -> None:
        self.problem(self.doc.first_line, f"missing required field {key!r}")

    def text(self, key: str, required: bool = True) -> str:
        """A non-empty string field ('' when absent or wrong)."""
        if key not in self.data or self.data[key] is None:
            if required:
                self._missing(key)
            return ""
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(self.line(key), f"field {key!r} must be text, not {type(value).__name__}")
            return ""
        value = str(value).strip()
        if required and not value:
            self.problem(self.line(key), f"field {key!r} is empty")
        return value

    def text_list(self, key: str, required: bool = False, lower: bool = False) -> tuple[str, ...]:
        """A list of non-empty strings."""
        if key not in self.data or self.data[key] is None:
            if required:
                self._missing(key)
            return ()
        value = self.data[key]
        if not isinstance(value, list):
            self.problem(self.line(key), f"field {key!r} must be a list")
            return ()
        out: list[str] = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, (str, int, float)) or not str(item).strip():
                self.problem(self.line(key, i), f"item {i + 1} of {key!r} must be non-empty text")
                continue
            out.append(str(item).strip().lower() if lower else str(item).strip())
        if required and not out and isinstance(value, list) and not value:
            self.problem(self.line(key), f"field {key!r} must not be empty")
        return tuple(out)

    def date(self, key: str = "reviewed") -> str:
        """An ISO date (YYYY-MM-DD), returned as text."""
        if key not in self.data:
            self._missing(key)
            return ""
        value = self.data[key]
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                pass
        self.problem(self.line(key), f"field {key!r} must be a date like 2026-11-26, not {value!r}")
        return ""

    def references(self, key: str = "references") -> tuple[Reference, ...]:
        """A non-empty list of {title, publisher, url} mappings."""
        value = self.data.get(key)
        if key not in self.data:
            self._missing(key)
            return ()
        if not isinstance(value, list) or not value:
            self.problem(self.line(key), f"field {key!r} must be a non-empty list of sources")
            return ()
        refs: list[Reference] = []
        for i, item in enumerate(value):
            line = self.line(key, i)
            if not isinstance(item, dict):
                self.problem(line, f"reference {i + 1} must be a mapping with title, publisher and url")
                continue
            parts = {}
            for part in ("title", "publisher", "url"):
                v = item.get(part)
                if not isinstance(v, str) or not v.strip():
                    self.problem(self.line(key, i, part), f"reference {i + 1} needs a text {part!r}")
                parts[part] = str(v or "").strip()
            if parts["url"] and not _URL.match(parts["url"]):
                self.problem(self.line(key, i, "url"), f"reference {i + 1} url is not an http(s) address")
            for extra in item:
                if extra not in ("title", "publisher", "url"):
                    self.problem(self.line(key, i, extra), f"reference {i + 1}: unknown field {extra!r}")
            refs.append(Reference(parts["title"], parts["publisher"], parts["url"]))
        return tuple(refs)

    def mapping(self, key: str) -> dict[str, Any]:
        """A nested mapping (empty, with a problem, when absent or not a mapping)."""
        value = self.data.get(key)
        if key not in self.data:
            self._missing(key)
            return {}
        if not isinstance(value, dict):
            self.problem(self.line(key), f"field {key!r} must be a mapping")
            return {}
        return value
