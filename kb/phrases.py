"""Quoted phrases in ranking: checked only for the documents that can reach the top, not for the whole index.

A quoted phrase unit scores only where the phrase is exact. Whoosh finds every exact document by walking the
words' postings with span matchers, one Python call per candidate: "muscle cramps" on a 100k-section index
took 0.7 s, most of it on documents that never make the first page. The score with every phrase assumed
exact is an upper bound of the real one (an inexact phrase only removes its unit's share and coverage), so
here documents are checked best upper bound first, a batch at a time, until the k-th real score beats every
unchecked bound. The result is the same top k, scores and ties as checking every document. What has been
checked is kept per phrase (for the life of the searcher), so the next keystroke re-checks nothing.

A phrase is exact in a document when its words sit at consecutive positions (stop words are not counted) in
one of its fields, as Whoosh's ``Phrase`` (``slop=1``) defines it; positions come from Whoosh's matchers,
skipped to each checked document.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
from whoosh import query as wq
from whoosh.matching import ReadTooFar
from whoosh.reading import IndexReader

FIRST_BATCH = 64
MAX_CHECKS = 4096  # past this many documents per phrase, checking them all at once through Whoosh is cheaper
KEPT = 64  # phrases whose checked documents are remembered


def phrase_parts(q: wq.Query) -> list[tuple[str, tuple[str, ...]]] | None:
    """(field, words) of each phrase of an OR of phrases (kb.query's quoted phrase); None for anything else."""
    subs = q.subqueries if type(q) is wq.Or else [q]
    out = []
    for sub in subs:
        if type(sub) is not wq.Phrase or sub.slop != 1 or not sub.words:
            return None
        out.append((sub.fieldname, tuple(sub.words)))
    return out


def _in_field(reader: IndexReader, field: str, words: tuple[str, ...], docs: list[int]) -> set[int]:
    """Which of ``docs`` (ascending) hold ``words`` consecutively in ``field``."""
    if field not in reader.schema or any((field, w) not in reader for w in words):
        return set()
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
    """Per phrase query: which documents were checked and which of them hold the phrase exactly."""

    def __init__(self, reader: IndexReader) -> None:
        self.reader = reader
        self.size = reader.doc_count_all()
        self._known = lru_cache(maxsize=KEPT)(self._fresh_state)

    def state(self, q: wq.Query) -> tuple[np.ndarray, np.ndarray]:
        """(checked, exact) boolean arrays for ``q``, shared and updated in place."""
        return self._known(repr(q))

    def _fresh_state(self, _key: str) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(self.size, dtype=bool), np.zeros(self.size, dtype=bool)

    def check(self, q: wq.Query, parts: list[tuple[str, tuple[str, ...]]], docs: np.ndarray) -> None:
        """Check ``docs`` for phrase ``q`` (skipping those already checked)."""
        checked, exact = self.state(q)
        todo = sorted(int(d) for d in docs[~checked[docs]])
        if not todo:
            return
        hits: set[int] = set()
        for field, words in parts:
            hits |= _in_field(self.reader, field, words, todo)
        checked[todo] = True
        if hits:
            exact[np.fromiter(hits, dtype=np.int64, count=len(hits))] = True


def top_with_phrases(score: Callable[[dict[int, np.ndarray]], np.ndarray], phrases: dict[int, wq.Query],
                     checks: PhraseChecks, allowed: np.ndarray, k: int,
                     top: Callable[[np.ndarray, np.ndarray, int], list[tuple[int, float]]]
                     ) -> list[tuple[int, float]] | None:
    """The top ``k`` (docnum, score) as if every document had been checked for every phrase unit.

    Args:
        score: unit index -> exact mask, to one score per document (``Ranker.score`` with the query bound).
        phrases: unit index -> that unit's phrase query.
        allowed: documents that may be returned.
        top: ``Ranker.top``.
    Returns None when a phrase is not of the form handled here, or when so few documents hold it exactly that
    finding k of them would mean checking thousands one by one: the caller then checks it with Whoosh.
    """
    parts = {i: phrase_parts(q) for i, q in phrases.items()}
    if any(p is None for p in parts.values()):
        return None
    bound = score({})  # every phrase exact: an upper bound of each document's score
    candidates = np.flatnonzero(allowed & (bound > 0))
    batch = max(FIRST_BATCH, 4 * k)
    while True:
        known = np.ones(checks.size, dtype=bool)
        for q in phrases.values():
            known &= checks.state(q)[0]
        unknown = candidates[~known[candidates]]
        masks = {i: checks.state(q)[1] for i, q in phrases.items()}
        real = score(masks)  # exact where checked; unchecked documents score as if inexact (a lower bound)
        done = allowed & known
        best = top(real, done, k)
        if not len(unknown):
            return best
        highest = float(bound[unknown].max())
        if len(best) >= k and best[k - 1][1] > highest:
            return best  # no unchecked document can reach (or tie) the k-th real score
        if len(unknown) > batch:
            unknown = unknown[np.argpartition(-bound[unknown], batch - 1)[:batch]]
        if any(int(checks.state(q)[0].sum()) + len(unknown) > MAX_CHECKS for q in phrases.values()):
            return None
        for i, q in phrases.items():
            checks.check(q, parts[i], unknown)  # type: ignore[arg-type]
        batch *= 2
