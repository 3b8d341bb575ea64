"""Back and forward through what was opened in the detail pane, as in a browser; and the query history.

A location is the live preview of the highlighted result, a record opened by id, or a nutrient pane.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kb.tui.state import StateFile

LocationKind = Literal["results", "record", "nutrient", "article"]


@dataclass(frozen=True)
class Location:
    """What the detail pane can show: ``results`` (follows the highlighted result), a record or a nutrient;
    ``article`` (a slug) is the whole-article view, opened from the palette, never kept in the history."""

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


class QueryHistory:
    """Earlier queries, oldest first, kept between runs; ``older``/``newer`` walk them as a shell's Up/Down do."""

    def __init__(self, file: StateFile, limit: int = 200) -> None:
        self.file = file
        self.limit = limit
        data = file.load()
        self.items: list[str] = [q for q in data if isinstance(q, str) and q.strip()] if isinstance(data, list) else []
        del self.items[: -limit or None]
        self._pos: int | None = None  # where older/newer are, None when not recalling
        self._draft = ""  # what the box held when recalling began

    @property
    def recalling(self) -> bool:
        return self._pos is not None

    def add(self, query: str) -> None:
        """Remember ``query`` as the newest (once: an earlier copy moves up) and save; stops recalling."""
        self._pos = None
        query = query.strip()
        if not query:
            return
        if query in self.items:
            self.items.remove(query)
        self.items.append(query)
        del self.items[: -self.limit]
        self.file.save(self.items)

    def older(self, current: str) -> str | None:
        """The query before the one recalled (the newest at first), or None when there is none."""
        if self._pos is None:
            if not self.items:
                return None
            self._draft, self._pos = current, len(self.items)
        if self._pos == 0:
            return None
        self._pos -= 1
        return self.items[self._pos]

    def newer(self) -> str | None:
        """The query after the one recalled; past the newest, what the box held before. None when not recalling."""
        if self._pos is None:
            return None
        self._pos += 1
        if self._pos >= len(self.items):
            self._pos = None
            return self._draft
        return self.items[self._pos]

    def stop(self) -> None:
        """The person typed: the next Up starts from the newest again."""
        self._pos = None
