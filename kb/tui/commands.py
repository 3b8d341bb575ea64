"""The command palette's provider: any nutrient, article, section or FAQ by title.

Textual's ``Matcher.highlight`` reads the candidate as markup, so titles from the corpus are highlighted here
from the fuzzy match offsets on literal Content instead.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import FuzzySearch

from kb.tui.history import Location
from kb.tui.text import literal, safe

if TYPE_CHECKING:
    from kb.tui.app import KbApp

_FUZZY = FuzzySearch(case_sensitive=False)


def fuzzy_highlight(query: str, candidate: str) -> Content:
    """``candidate`` as literal Content with the letters matching ``query`` in bold and underlined."""
    content = literal(candidate)
    score, offsets = _FUZZY.match(query, candidate)
    if score:
        for offset in offsets:
            if not candidate[offset].isspace():
                content = content.stylize("bold underline", offset, offset + 1)
    return content


class RecordCommands(Provider):
    """Open a nutrient pane, an article (the whole-article view), a section or an FAQ from the palette."""

    @property
    def kb_app(self) -> KbApp:
        return cast("KbApp", self.app)

    def _open(self, location: Location) -> None:
        self.kb_app.open_location(location)

    async def discover(self) -> Hits:
        for slug, name in self.kb_app.catalog.nutrients:
            yield DiscoveryHit(literal(name), partial(self._open, Location("nutrient", slug)), text=safe(name),
                               help=Content("nutrient"))  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        if not self.kb_app.catalog.entries:  # typed before the titles were read: they come in a moment
            await self.kb_app.wait_for_titles()
        for entry in self.kb_app.catalog.entries:
            score = matcher.match(entry.label)
            if score > 0:
                yield Hit(score, fuzzy_highlight(query, entry.label), partial(self._open, entry.target),
                          text=safe(entry.label), help=literal(entry.where))  # type: ignore[arg-type]
