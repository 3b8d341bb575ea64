"""Typed field access on a parsed YAML mapping that records a ``path:line`` problem for every bad field.

Validation collects problems instead of raising, so ``kb validate`` reports every problem in one run.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from kb.corpus.yamlsafe import Located
from kb.model.errors import Problem
from kb.model.records import Reference

_URL = re.compile(r"^https?://[^\s/]+\.[^\s]+$")
# what a terminal or a link handler could obey inside an address: C0 controls, DEL, C1 controls, bidi overrides
_URL_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SHOWN_CHARS = 60
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


def shown(value: object) -> str:
    """A short ``repr`` of a YAML value for a problem message, safe for any value.

    ``repr`` of an integer of more than 4,300 digits raises ``ValueError`` (Python's conversion limit), and a
    long value would flood the message; both are described instead of printed in full.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"an integer of {value.bit_length():,} bits"
    try:
        text = repr(value)
    except ValueError:  # pragma: no cover - ints are handled above; kept for any other huge value
        return f"a {type(value).__name__} too large to show"
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


def scalar_text(value: object) -> str | None:
    """A scalar YAML value as text: a string as it is, a number as Python writes it (both stripped); None when
    it is neither, or an integer too long to write (over 4,300 digits: a hex literal in the YAML can be)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        return str(value).strip()
    except ValueError:
        return None


def as_text(value: object) -> str:
    """``value`` stripped when it is a string, else "" (for fields already reported as wrong)."""
    return value.strip() if isinstance(value, str) else ""


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
                self.problem(doc.line(key), f"unknown field {shown(key)}")

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
        value = scalar_text(self.data[key])
        if value is None:
            wrong = self.data[key]
            what = "an integer too long to be text (put it in quotes)" if isinstance(wrong, int) \
                else type(wrong).__name__
            self.problem(self.line(key), f"field {key!r} must be text, not {what}")
            return ""
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
            text = scalar_text(item)
            if not text:
                self.problem(self.line(key, i), f"item {i + 1} of {key!r} must be non-empty text")
                continue
            out.append(text.lower() if lower else text)
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
        # only YYYY-MM-DD: fromisoformat alone also takes ISO week dates (2026-W05-1) and 20260101
        if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
            try:
                return dt.date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                pass
        self.problem(self.line(key), f"field {key!r} must be a date like 2026-11-26, not {shown(value)}")
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
                parts[part] = as_text(v)
            control = _URL_CONTROL.search(parts["url"])
            if control:
                self.problem(self.line(key, i, "url"), f"reference {i + 1} url holds a control character "
                             f"(U+{ord(control.group()):04X}); an address is printable text")
            elif parts["url"] and not _URL.match(parts["url"]):
                self.problem(self.line(key, i, "url"), f"reference {i + 1} url is not an http(s) address")
            for extra in item:
                if extra not in ("title", "publisher", "url"):
                    self.problem(self.line(key, i, extra), f"reference {i + 1}: unknown field {shown(extra)}")
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
