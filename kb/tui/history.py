"""Back and forward through what was opened in the detail pane, as in a browser.

A location is the live preview of the highlighted result, a record opened by id, or a nutrient pane.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

LocationKind = Literal["results", "record", "nutrient"]


@dataclass(frozen=True)
class Location:
    """What the detail pane can show: ``results`` (follows the highlighted result), a record or a nutrient."""

    kind: LocationKind
    key: str = ""  # record id or nutrient slug


RESULTS = Location("results")


class History:
    """A browser-style history: opening truncates what was ahead; back and forward move through it."""

    def __init__(self, limit: int = 200) -> None:
        self._items: list[Location] = [RESULTS]
        self._index = 0
        self._limit = limit

    @property
    def current(self) -> Location:
        return self._items[self._index]

    @property
    def can_go_back(self) -> bool:
        return self._index > 0

    @property
    def can_go_forward(self) -> bool:
        return self._index < len(self._items) - 1

    def open(self, location: Location) -> bool:
        """Make ``location`` current; returns False when it already was."""
        if location == self.current:
            return False
        del self._items[self._index + 1 :]
        self._items.append(location)
        if len(self._items) > self._limit:
            del self._items[0]
        self._index = len(self._items) - 1
        return True

    def back(self) -> Location | None:
        """The previous location (now current), or None at the start."""
        if not self.can_go_back:
            return None
        self._index -= 1
        return self.current

    def forward(self) -> Location | None:
        """The next location (now current), or None at the end."""
        if not self.can_go_forward:
            return None
        self._index += 1
        return self.current

    def __len__(self) -> int:
        return len(self._items)
