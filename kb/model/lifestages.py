"""Age bands of intake and upper-limit tables: parsing "0-6 months", "19-30 years", "51+ years" and checking
that a table's rows cover every life stage from birth to old age without gaps or overlaps.

Ages are months of life as half-open intervals. "A-B months" is the A-th to the B-th month of life, as the
NIH tables write infants: "0-6 months" is [0, 6) and "7-12 months" is [6, 12). "A-B years" runs from the A-th
birthday to the day before the (B+1)-th: "1-3 years" is [12, 48). "A+ years" has no end.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_RANGE = re.compile(r"^(\d{1,3})\s*[-\u2013]\s*(\d{1,3})\s+(months?|years?)$")
_OPEN = re.compile(r"^(\d{1,3})\s*\+\s*(years?)$")
OLD_AGE = math.inf
AGES_HELP = 'write ages as "0-6 months", "7-12 months", "1-3 years" or "51+ years"'


@dataclass(frozen=True)
class Band:
    """An age band in months of life: [start, end)."""

    start: float
    end: float

    def overlaps(self, other: Band) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: Band) -> bool:
        return self.start <= other.start and other.end <= self.end


#: The life stages every table must answer for, each as a band, with the name a message uses.
STAGES: tuple[tuple[str, Band], ...] = (
    ("infants (0-12 months)", Band(0, 12)),
    ("1-3 years", Band(12, 48)),
    ("4-8 years", Band(48, 108)),
    ("9-13 years", Band(108, 168)),
    ("14-18 years", Band(168, 228)),
    ("19-50 years", Band(228, 612)),
    ("51-70 years", Band(612, 852)),
    ("71+ years", Band(852, OLD_AGE)),
)


def parse_ages(text: object) -> Band | None:
    """The band an ``ages`` value names, or None when it is not one of the accepted forms."""
    if not isinstance(text, str):
        return None
    text = " ".join(text.split()).lower()
    m = _RANGE.match(text)
    if m:
        a, b, unit = int(m.group(1)), int(m.group(2)), m.group(3)
        if a > b:
            return None
        if unit.startswith("month"):
            if b > 12:
                return None
            return Band(max(a - 1, 0), b)
        return Band(a * 12, (b + 1) * 12)
    m = _OPEN.match(text)
    if m:
        return Band(int(m.group(1)) * 12, OLD_AGE)
    return None


def _months(value: float) -> str:
    if value == OLD_AGE:
        return "old age"
    if value < 12:
        return f"{value:g} months"
    years = value / 12
    return f"{years:g} year" if years == 1 else f"{years:g} years"


def coverage_problems(rows: list[tuple[str, Band, int]], table: str) -> list[tuple[int, str]]:
    """Gaps, overlaps and cut life stages in ``rows`` (ages as written, band, line); (line, message) pairs.

    Rows are checked in the order written, which must run from the youngest to the oldest. A row may hold
    several whole stages ("51+ years", "9-18 years") or lie inside one ("19-30 years" and "31-50 years"
    inside 19-50), but never cut a stage and spill outside it ("1-5 years" cuts 4-8).
    """
    out: list[tuple[int, str]] = []
    at = 0.0
    for ages, band, line in rows:
        if band.start > at == 0:
            out.append((line, f"{table}: the first row must start at birth (\"0-6 months\"), not at "
                              f"{_months(band.start)}"))
        elif band.start > at:
            out.append((line, f"{table}: no row covers {_months(at)} to {_months(band.start)} "
                              f"(the row before {ages!r} must end where it starts)"))
        elif band.start < at:
            out.append((line, f"{table}: {ages!r} overlaps the row before it (rows go from the youngest "
                              "to the oldest, each starting where the last ended)"))
        at = max(at, band.end)
        for name, stage in STAGES:
            if band.overlaps(stage) and not band.contains(stage) and not stage.contains(band):
                out.append((line, f"{table}: {ages!r} cuts the life stage {name} (a row holds whole stages, "
                                  "or lies inside one as 19-30 and 31-50 lie inside 19-50)"))
    if rows and at != OLD_AGE:
        out.append((rows[-1][2], f"{table}: the last row must run to old age (e.g. \"71+ years\"), "
                                 f"not stop at {_months(at)}"))
    return out
