"""Which nutrients a text mentions, by name or alias, as whole words.

Names and aliases longer than three characters match case-insensitively ("Hypomagnesemia", "hypomagnesemia");
short ones (symbols such as "Mg") match only as written, so the unit "mg" in "400 mg" links nothing.

:meth:`NutrientMatcher.supports` is the looser test for a nutrient already declared by a section's article:
any of its names inside the text, case aside, also as part of a hyphenated word ("magnesium-rich", "B12-deficient").

Linking runs on every section of a full build, so ASCII text (nearly all of it) takes a fast path: one regex scan
of the lowercased text with every name in a trie-shaped pattern. Other text takes the word-set path; both find
the same names (``tests/corpus/test_linking.py`` checks them against each other).
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
_ASCII_WORD = re.compile(r"[\w-]+", re.ASCII)

#: (slug, the name as written when it must match in that case, else None)
_Implied = tuple[tuple[str, "str | None"], ...]


class NutrientMatcher:
    """Finds nutrient mentions in text with one compiled pattern per case rule."""

    def __init__(self, terms: Iterable[NutrientTerms]) -> None:
        self._by_word: dict[str, str] = {}
        self._by_exact: dict[str, str] = {}
        self._names: dict[str, tuple[str, ...]] = {}
        self._support: dict[str, re.Pattern[str]] = {}
        for t in terms:
            for name in (t.slug.replace("-", " "), *t.names):
                name = " ".join(name.split())
                if not name:
                    continue
                self._names[t.slug] = (*self._names.get(t.slug, ()), name)
                if len(name) <= 3:
                    self._by_exact.setdefault(name, t.slug)
                else:
                    self._by_word.setdefault(name.lower(), t.slug)
        # general path: one-word names are found by set lookup on the text's words; only names of several
        # words need a pattern, and it runs only when all their words occur
        self._single_loose = {w for w in self._by_word if " " not in w}
        self._single_exact = {w for w in self._by_exact if " " not in w}
        multi_loose = {w: s for w, s in self._by_word.items() if " " in w}
        multi_exact = {w: s for w, s in self._by_exact.items() if " " in w}
        self._multi_words = [(set(w.split()), False) for w in multi_loose] + \
                            [(set(w.split()), True) for w in multi_exact]
        self._loose = self._compile(multi_loose, re.IGNORECASE)
        self._exact = self._compile(multi_exact, 0)
        self._scanner, self._implied = self._fast_scanner()

    @staticmethod
    def _compile(words: dict[str, str], flags: int) -> re.Pattern[str] | None:
        if not words:
            return None
        alts = sorted(words, key=len, reverse=True)
        body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in alts)
        return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", flags)

    def _fast_scanner(self) -> tuple[re.Pattern[str] | None, dict[str, _Implied]]:
        """The one-scan matcher for ASCII text, or (None, {}) when some name needs the general path.

        The pattern looks ahead at every word start for the longest name there, on the lowercased text (a
        case-sensitive scan of lowercased text is several times faster than IGNORECASE, and splitting and
        lowercasing every word was most of a build's linking time). Any other name matching at the same start
        is a word-prefix of the longest ("calcium" of "calcium carbonate"), so each name carries the slugs of
        every name that is its word-prefix; short names count only where the text has them as written. Names
        must be ASCII words of letters, digits, ``_`` and ``-`` (short ones a single word): then a lowercased
        ASCII word equals a name exactly when the general path says so.
        """
        names: dict[str, list[tuple[str, str | None]]] = {}
        for name, slug in self._by_word.items():
            if not name.isascii() or not all(_ASCII_WORD.fullmatch(w) for w in name.split()):
                return None, {}
            names.setdefault(name, []).append((slug, None))
        for name, slug in self._by_exact.items():
            if not name.isascii() or not _ASCII_WORD.fullmatch(name):
                return None, {}
            names.setdefault(name.lower(), []).append((slug, name))
        if not names:
            return None, {}
        implied: dict[str, _Implied] = {}
        for name in names:
            words = name.split()
            implied[name] = tuple(dict.fromkeys(
                entry for k in range(1, len(words) + 1) for entry in names.get(" ".join(words[:k]), ())))
        return re.compile(rf"(?<![\w-])(?=({_trie_pattern(names)})(?![\w-]))"), implied

    def supports(self, slugs: Iterable[str], *texts: str) -> set[str]:
        """Which of ``slugs`` ``texts`` speak of: one of its names as a word or a part of a hyphenated word
        (short names as written, longer ones in any case)."""
        out = set()
        for slug in slugs:
            pattern = self._support.get(slug)
            if pattern is None:
                names = self._names.get(slug, ())
                if not names:
                    continue
                long_names = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in names if len(n) > 3)
                short = "|".join(re.escape(n) for n in names if len(n) <= 3)
                parts = [f"(?i:{long_names})"] if long_names else []
                parts += [short] if short else []
                pattern = self._support[slug] = re.compile(rf"(?<!\w)(?:{'|'.join(parts)})(?!\w)")
            if any(pattern.search(t) for t in texts):
                out.add(slug)
        return out

    def mentions(self, *texts: str) -> set[str]:
        """Slugs of the nutrients named anywhere in ``texts``."""
        found: set[str] = set()
        for text in texts:
            if self._scanner is not None and text.isascii():
                self._scan(text, found)
            else:
                self._by_words(text, found)
        return found

    def _scan(self, text: str, found: set[str]) -> None:
        """The fast path (ASCII text): one scan of the lowercased text."""
        implied = self._implied
        for m in self._scanner.finditer(text.lower()):  # type: ignore[union-attr]
            name = m.group(1)
            for slug, written in implied[name if name in implied else " ".join(name.split())]:
                if written is None or text.startswith(written, m.start()):
                    found.add(slug)

    def _by_words(self, text: str, found: set[str]) -> None:
        """The general path: set lookups on the text's words, a pattern for names of several words."""
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


def _trie_pattern(names: Iterable[str]) -> str:
    """A regex matching any of ``names`` (lowercase, words separated by single spaces), longest first.

    Shared prefixes are factored out ("hypo(?:kal(?:aemia|emia)|...)"), so the regex engine tries each character
    once instead of every name in turn; a space in a name matches any run of whitespace, as in the general path.
    """
    trie: dict[str, dict] = {}
    for name in names:
        node = trie
        for ch in name:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        alts = [(r"\s+" if ch == " " else re.escape(ch)) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)
