"""Spelling suggestions with Whoosh's answers, without Whoosh's scan.

Whoosh's ``searcher.suggest(field, word, limit=1, maxdist=2, prefix=1)`` walks every term sharing the word's
first letter through the merged multi-segment term list and computes a Damerau-Levenshtein distance in Python
for each: 20-50 ms per word on a 100k-section index. The answer is the most frequent such term within distance
2 (ties: the greater term). Here the candidates come from the field's sorted term list (:mod:`kb.lexicon`),
and a vectorised lower bound of the edit distance (the *bag distance*: characters one word has and the other
lacks, which no edit changes by more than one) rules out almost all of them before Whoosh's own distance
function checks the few left, so the answer is the same.
"""

from __future__ import annotations

import bisect

import numpy as np
from whoosh.reading import IndexReader
from whoosh.support.levenshtein import distance

MAXDIST = 2
_BUCKETS = 40  # a-z, 0-9, then 4 shared buckets for anything else (sharing only loosens the bound)


def _bucket_of(codepoints: np.ndarray) -> np.ndarray:
    cp = codepoints.astype(np.int64)
    out = 36 + cp % 4
    letters = (cp >= 97) & (cp <= 122)
    digits = (cp >= 48) & (cp <= 57)
    out[letters] = cp[letters] - 97
    out[digits] = cp[digits] - 48 + 26
    return out


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


class _FieldTerms:
    """One field's sorted terms with their lengths and per-term character counts, for the bag-distance bound."""

    def __init__(self, terms: list[str]) -> None:
        self.terms = terms
        self.lengths = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
        cps = _codepoints("".join(terms))
        owner = np.repeat(np.arange(len(terms), dtype=np.int64), self.lengths)
        flat = np.bincount(owner * _BUCKETS + _bucket_of(cps), minlength=len(terms) * _BUCKETS)
        self.counts = flat.reshape(len(terms), _BUCKETS).astype(np.int16)

    def near(self, word: str) -> list[str]:
        """Terms sharing ``word``'s first character whose bag distance to it is at most MAXDIST."""
        lo = bisect.bisect_left(self.terms, word[:1])
        hi = bisect.bisect_left(self.terms, word[:1] + "\uffff")
        if lo >= hi:
            return []
        rows = np.arange(lo, hi)
        rows = rows[np.abs(self.lengths[lo:hi] - len(word)) <= MAXDIST]
        if not len(rows):
            return []
        q = np.bincount(_bucket_of(_codepoints(word)), minlength=_BUCKETS).astype(np.int16)
        diff = self.counts[rows] - q
        extra = np.clip(diff, 0, None).sum(axis=1)
        missing = np.clip(-diff, 0, None).sum(axis=1)
        keep = rows[np.maximum(extra, missing) <= MAXDIST]
        return [self.terms[i] for i in keep.tolist()]


class Speller:
    """Suggests corrections from one reader's fields, as Whoosh's ``ReaderCorrector`` would."""

    def __init__(self, reader: IndexReader, terms: dict[str, list[str]]) -> None:
        self.reader = reader
        self._terms = terms
        self._fields: dict[str, _FieldTerms] = {}

    def _field(self, fieldname: str) -> _FieldTerms:
        ft = self._fields.get(fieldname)
        if ft is None:
            ft = self._fields[fieldname] = _FieldTerms(self._terms.get(fieldname, []))
        return ft

    def suggest(self, fieldname: str, text: str) -> str | None:
        """The most frequent term of ``fieldname`` within edit distance 2 of ``text`` sharing its first letter."""
        if not text:
            return None
        best: tuple[float, str] | None = None
        freq = self.reader.frequency
        for term in self._field(fieldname).near(text):
            if distance(term, text, limit=MAXDIST) > MAXDIST:
                continue
            f = freq(fieldname, term) or 1
            item = (0 - (MAXDIST + (1.0 / f * 0.5)), term)  # Whoosh's score: frequency only, within the distance
            if best is None or item > best:
                best = item
        return None if best is None else best[1]
