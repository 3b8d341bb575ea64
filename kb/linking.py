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


_WORD = re.compile(r"[\w-]+")  # the same word boundary as the patterns: a hyphen joins words


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
        # one-word names are found by set lookup on the text's words; only names of several words need a
        # pattern, and it runs only when all their words occur (linking every section is on the build path)
        self._single_loose = {w for w in self._by_word if " " not in w}
        self._single_exact = {w for w in self._by_exact if " " not in w}
        multi_loose = {w: s for w, s in self._by_word.items() if " " in w}
        multi_exact = {w: s for w, s in self._by_exact.items() if " " in w}
        self._multi_words = [(set(w.split()), False) for w in multi_loose] + \
                            [(set(w.split()), True) for w in multi_exact]
        self._loose = self._compile(multi_loose, re.IGNORECASE)
        self._exact = self._compile(multi_exact, 0)

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
            words = set(_WORD.findall(text))
            lower = {w.lower() for w in words}
            found.update(self._by_word[w] for w in lower & self._single_loose)
            found.update(self._by_exact[w] for w in words & self._single_exact)
            if self._loose is not None and any(ws <= lower for ws, exact in self._multi_words if not exact):
                for m in self._loose.finditer(text):
                    found.add(self._by_word[" ".join(m.group(0).lower().split())])
            if self._exact is not None and any(ws <= words for ws, exact in self._multi_words if exact):
                for m in self._exact.finditer(text):
                    found.add(self._by_exact[" ".join(m.group(0).split())])
        return found
