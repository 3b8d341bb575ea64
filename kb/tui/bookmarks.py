"""Bookmarked records, kept by id in the state folder so they survive a re-index (and a restart)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kb.tui.history import Location
from kb.tui.state import StateFile

FILE = "bookmarks.json"


@dataclass(frozen=True)
class Bookmark:
    """A saved record: its id, and the kind and title it had when saved (shown when it is gone)."""

    id: str
    kind: str
    title: str

    @property
    def location(self) -> Location:
        if self.kind == "nutrient":
            return Location("nutrient", self.id.split("/", 1)[-1])
        return Location("record", self.id)


class Bookmarks:
    """The bookmarks, newest first; every change is saved at once."""

    def __init__(self, folder: Path) -> None:
        self.file = StateFile(folder, FILE)
        self.items: list[Bookmark] = []
        data = self.file.load()
        for entry in data if isinstance(data, list) else ():
            if isinstance(entry, dict) and all(isinstance(entry.get(k), str) for k in ("id", "kind", "title")):
                if entry["id"] not in self:
                    self.items.append(Bookmark(entry["id"], entry["kind"], entry["title"]))

    def __contains__(self, record_id: object) -> bool:
        return any(b.id == record_id for b in self.items)

    def __len__(self) -> int:
        return len(self.items)

    def toggle(self, record_id: str, kind: str, title: str) -> bool:
        """Bookmark the record, or remove its bookmark; returns whether it is bookmarked now."""
        if record_id in self:
            self.remove(record_id)
            return False
        self.items.insert(0, Bookmark(record_id, kind, title))
        self._save()
        return True

    def remove(self, record_id: str) -> None:
        self.items = [b for b in self.items if b.id != record_id]
        self._save()

    def _save(self) -> None:
        self.file.save([{"id": b.id, "kind": b.kind, "title": b.title} for b in self.items])
