"""Which nutrients a text mentions, by name or alias, as whole words.

Names and aliases longer than three characters match case-insensitively ("Hypomagnesemia", "hypomagnesemia");
short ones (symbols such as "Mg") match only as written, so the unit "mg" in "400 mg" links nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class NutrientTerms:
    """The words that name one nutrient."""

    slug: str
    names: tuple[str, ...]


class NutrientMatcher:
    """Finds nutrient mentions in text with one compiled pattern per case rule."""

    def __init__(self, terms: Iterable[NutrientTerms]) -> None:
        self._by_word: dict[str, str] = {}
        self._by_exact: dict[str, str] = {}
        for t in terms:
            for name in (t.slug.replace("-", " "), *t.names):
                name = " ".join(name.split())
                if not name:
                    continue
                if len(name) <= 3:
                    self._by_exact.setdefault(name, t.slug)
                else:
                    self._by_word.setdefault(name.lower(), t.slug)
        self._loose = self._compile(self._by_word, re.IGNORECASE)
        self._exact = self._compile(self._by_exact, 0)

    @staticmethod
    def _compile(words: dict[str, str], flags: int) -> re.Pattern[str] | None:
        if not words:
            return None
        alts = sorted(words, key=len, reverse=True)
        body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in alts)
        return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", flags)

    def mentions(self, *texts: str) -> set[str]:
        """Slugs of the nutrients named anywhere in ``texts``."""
        found: set[str] = set()
        for text in texts:
            if self._loose is not None:
                for m in self._loose.finditer(text):
                    found.add(self._by_word[" ".join(m.group(0).lower().split())])
            if self._exact is not None:
                for m in self._exact.finditer(text):
                    found.add(self._by_exact[" ".join(m.group(0).split())])
        return found
