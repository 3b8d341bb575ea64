"""Phrases in ranking and counting: exact quoted phrases, words typed next to each other, titles that match.

A quoted phrase unit matches only where the phrase is exact, and the total counts exactly those documents, so
every document counted can be paged to. Whoosh finds exact documents by walking the words' postings with span
matchers, one Python call per candidate; here only documents holding every word of the phrase in the phrase's
fields are candidates, up to ``MAX_CHECKS`` of them are checked by skipping each word's matcher to them, and what
has been checked is kept per phrase (for the life of the searcher), so the next keystroke re-checks nothing.

Words typed next to each other ("charley horse") earn a bonus where a document holds them next to each other
(:func:`rerank_adjacent`): checked for the best candidates only, until no unchecked document could reach the
top. And a record whose title (or a nutrient's name or alias) is what was typed, or holds it, ranks first
(:func:`title_level`: the words as typed, stop words included, so "how much vitamin d" is held by "How much
vitamin D should I take?" and not by "Too much vitamin D").

A phrase is exact in a document when its words sit at consecutive positions (stop words are not counted) in
one of its fields, as Whoosh's ``Phrase`` (``slop=1``) defines it; positions come from Whoosh's matchers,
skipped to each checked document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from whoosh.matching import ReadTooFar
from whoosh.reading import IndexReader

from kb.index.schema import TOKEN_PATTERN
from kb.index.w3.positions import positions
from kb.search.plan import Phrase, stems

RESCORE_WINDOW = 40  # documents rescored for words typed next to each other (at least twice the page)
MAX_CHECKS = 4096  # past this many documents per phrase, checking them all at once through Whoosh is cheaper
BULK_FROM = 256  # candidates from which decoding every position of the phrase's words is cheaper
KEPT = 256  # phrases whose checked documents are remembered (sorted document numbers: small)


def _in_field(reader: IndexReader, field: str, words: tuple[str, ...], docs: list[int]) -> set[int]:
    """Which of ``docs`` (ascending) hold ``words`` consecutively in ``field``."""
    if field not in reader.schema or any((field, w) not in reader for w in words):
        return set()
    try:  # from the segments' sidecars (kb.index.w3.sidecar): a few slices
        return set(phrase_docs(reader, field, words, np.asarray(docs, dtype=np.int64)).tolist())
    except Exception:  # noqa: BLE001 - no sidecar, or another layout: skip Whoosh's matchers to each document
        pass
    matchers = [reader.postings(field, w) for w in words]
    found = set()
    for d in docs:
        positions = []
        for m in matchers:
            try:
                if m.is_active() and m.id() < d:
                    m.skip_to(d)
            except ReadTooFar:
                return found
            if not m.is_active():
                return found
            if m.id() != d:
                break
            positions.append(m.value_as("positions"))
        else:
            starts = set(positions[0])
            for i, pos in enumerate(positions[1:], 1):
                starts &= {p - i for p in pos}
                if not starts:
                    break
            if starts:
                found.add(d)
    return found


class PhraseChecks:
    """Per phrase: which documents were checked and which of them hold the phrase exactly (sorted document
    numbers, not an array per document: a few hundred checked of a 100k-document index)."""

    def __init__(self, reader: IndexReader) -> None:
        self.reader = reader
        self.size = reader.doc_count_all()
        self._known = lru_cache(maxsize=KEPT)(self._fresh_state)

    def state(self, phrase: Phrase) -> list[np.ndarray]:
        """[checked, exact] sorted document numbers for ``phrase``, shared and updated in place."""
        return self._known(phrase)

    def _fresh_state(self, _phrase: Phrase) -> list[np.ndarray]:
        return [np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)]

    def unchecked(self, phrase: Phrase, docs: np.ndarray) -> np.ndarray:
        """The documents of ``docs`` not checked for ``phrase`` yet."""
        return docs[~np.isin(docs, self.state(phrase)[0])]

    def exact(self, phrase: Phrase, docs: np.ndarray) -> np.ndarray:
        """One boolean per document of ``docs``: checked and found to hold ``phrase`` exactly."""
        return np.isin(docs, self.state(phrase)[1])

    def exact_mask(self, phrase: Phrase) -> np.ndarray:
        """One boolean per document of the index: checked and found to hold ``phrase`` exactly."""
        mask = np.zeros(self.size, dtype=bool)
        mask[self.state(phrase)[1]] = True
        return mask

    def check(self, phrase: Phrase, docs: np.ndarray) -> None:
        """Check ``docs`` for ``phrase`` (skipping those already checked)."""
        state = self.state(phrase)
        todo = sorted(int(d) for d in self.unchecked(phrase, docs))
        if not todo:
            return
        hits: set[int] = set()
        for field, words in phrase.parts():
            hits |= _in_field(self.reader, field, words, todo)
        state[0] = np.union1d(state[0], np.asarray(todo, dtype=np.int64))
        if hits:
            state[1] = np.union1d(state[1], np.fromiter(hits, dtype=np.int64, count=len(hits)))


@dataclass(frozen=True)
class AdjacentPair:
    """Two words typed next to each other, as the phrase to look for."""

    phrase: Phrase  # the two words in any of the phrase fields (the key of its checks)
    both: np.ndarray  # one boolean per document: both words in one of the fields
    idf: float  # of the pair, from how many documents hold both words in one field (at least the phrase's)


def exact_docs(checks: PhraseChecks, phrase: Phrase, candidates: np.ndarray,
               whoosh_docs: Callable[[Phrase], np.ndarray]) -> np.ndarray:
    """One boolean per document: where ``phrase`` is exact, among ``candidates`` (documents holding its words
    in the phrase's fields); the caller keeps the answer for the life of the searcher.

    Past ``BULK_FROM`` candidates every position of the phrase's words is decoded at once (:func:`phrase_docs`);
    fewer are checked one by one; when the postings do not look like Whoosh 2.7's, Whoosh's span matchers over
    the whole index (``whoosh_docs``) decide.
    """
    if len(candidates) >= BULK_FROM:
        try:
            mask = np.zeros(checks.size, dtype=bool)
            for field, words in phrase.parts():
                mask[phrase_docs(checks.reader, field, words)] = True
            return mask
        except Exception:  # noqa: BLE001 - an unexpected layout: check it another way
            pass
    if len(candidates) > MAX_CHECKS:
        return whoosh_docs(phrase)
    todo = checks.unchecked(phrase, candidates)
    if len(todo):
        checks.check(phrase, todo)
    return checks.exact_mask(phrase)


def phrase_docs(reader: IndexReader, field: str, words: tuple[str, ...], docs: np.ndarray | None = None
                ) -> np.ndarray:
    """The documents holding ``words`` at consecutive positions of ``field``, in numpy: one key per
    occurrence (document, position minus the word's place in the phrase), intersected across the words.

    Keys come out ascending (documents ascend, and positions within one), so each intersection is a
    ``searchsorted``; unsorted keys (a layout surprise) raise. With ``docs`` (ascending), only those documents
    are looked at, and only from the segments' sidecars (else it raises: the caller asks Whoosh).
    """
    keys: np.ndarray | None = None
    for i, w in enumerate(words):
        held, pos = positions(reader, field, w, docs)
        k = (held << 32) | (pos - i + (1 << 31))
        if len(k) > 1 and not bool(np.all(k[1:] > k[:-1])):
            raise ValueError("positions out of order")
        if keys is None:
            keys = k
        elif len(k):
            at = np.minimum(np.searchsorted(k, keys), len(k) - 1)
            keys = keys[k[at] == keys]
        else:
            keys = k
        if not len(keys):
            break
    if keys is None or not len(keys):
        return np.empty(0, dtype=np.int64)
    found = keys >> 32
    return found[np.concatenate(([True], found[1:] != found[:-1]))]


def rerank_adjacent(base: np.ndarray, allowed: np.ndarray, k: int, pairs: list[AdjacentPair],
                    checks: PhraseChecks, top: Callable[[np.ndarray, np.ndarray, int], list[tuple[int, float]]],
                    bonus: float) -> list[tuple[int, float]]:
    """The top ``k`` (docnum, score) after rewarding typed words found next to each other, as typed.

    Each pair held as a phrase adds ``bonus`` times the pair's idf, like a term of its own (a rare pair such as
    "charley horse" earns much, a common one such as "muscle cramps" little). Positions cost a Python call per
    document, so, as Elasticsearch's rescoring does, only a window of the best ``base`` scores is rescored
    (``RESCORE_WINDOW``, at least twice ``k``), and of those only documents holding both words of a pair in one
    field are checked.
    """
    cand = top(base, allowed, max(RESCORE_WINDOW, 2 * k))
    docs = np.fromiter((d for d, _ in cand), dtype=np.int64, count=len(cand))
    held = np.zeros(len(docs), dtype=np.float32)
    for pair in pairs:
        todo = docs[pair.both[docs]]
        if len(todo):
            checks.check(pair.phrase, todo)
            held += checks.exact(pair.phrase, docs) * np.float32(pair.idf)
    final = base[docs] + np.float32(bonus) * held
    order = np.lexsort((docs, -final))
    return [(int(docs[i]), float(final[i])) for i in order]


# --- titles ---------------------------------------------------------------------------------------------------
_SURFACE = re.compile(TOKEN_PATTERN)


@lru_cache(maxsize=65536)
def _norm(word: str) -> str:
    """A word as matching compares it: its stem, or (a stop word) itself lowercased."""
    return " ".join(stems(word)) or word.lower()


def surface(text: str) -> tuple[tuple[str, str], ...]:
    """(lowercased, normalised) of each word of ``text``, stop words kept: "How much vitamin D?" has four."""
    return tuple((w.lower(), _norm(w)) for w in _SURFACE.findall(text))


def title_level(query: tuple[tuple[str, str], ...], title: tuple[tuple[str, str], ...], last_is_prefix: bool
                ) -> int:
    """How fully a title holds the words typed, stop words included: 3 it is the query, 2 it holds the words
    next to each other in the order typed, 1 it holds each of them, 0 not all of them.

    With ``last_is_prefix`` the last word typed matches any title word it begins.
    """
    if not query:
        return 0

    def same(i: int, t: tuple[str, str]) -> bool:
        q = query[i]
        if last_is_prefix and i == len(query) - 1:
            return t[0].startswith(q[0]) or t[1] == q[1]
        return t[1] == q[1]

    n = len(query)
    if len(title) == n and all(same(i, t) for i, t in enumerate(title)):
        return 3
    for start in range(len(title) - n + 1):
        if all(same(i, title[start + i]) for i in range(n)):
            return 2
    if all(any(same(i, t) for t in title) for i in range(n)):
        return 1
    return 0
