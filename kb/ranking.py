"""Ranking with BM25F computed term-at-a-time in numpy over Whoosh's posting lists.

Whoosh scores a query by walking a tree of Python matchers document by document; a typed query with synonyms
and prefix completions is a union of dozens of them, and on a common word that walk visits most of the index on
every keystroke. Here each (field, term) posting list is read once per index generation into arrays
(document numbers, BM25 weight), and a query is a handful of vectorised adds and maxima over one score per
document, then ``argpartition`` for the top hits. The formula is Whoosh's BM25F (B=0.75, K1=1.2, its idf), with
each field's ``field_boost``.

Scoring: each typed word (a *unit*) scores as its best alternative (the word, a prefix completion, a synonym,
each with its weight); a document's score is the sum over units, times the share of units it matched, so a
text holding every word typed outranks one repeating a single word.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
from whoosh.searching import Searcher

from kb.docsets import Bits

B = 0.75
K1 = 1.2
CACHE_BYTES = 96 * 1024 * 1024  # posting arrays kept per generation (about 8 bytes per posting)


def _read_postings(m, offset: int, ids: list[int], tfs: list[float]) -> None:
    """Append a matcher's (document number + offset, weight) pairs to ``ids`` and ``tfs``.

    Whoosh 2.7's segment matchers hold each block's ids and weights as sequences; reading them a block at a
    time is several times faster than a Python call per posting. Anything else (or a Whoosh whose internals
    differ) takes the generic one-posting-at-a-time path. Deleted documents may be included: the caller masks
    them out.
    """
    subs = getattr(m, "matchers", None)
    if isinstance(subs, list) and isinstance(getattr(m, "offsets", None), list):  # MultiMatcher: one per segment
        for sub, off in zip(subs, m.offsets, strict=True):
            _read_postings(sub, offset + off, ids, tfs)
        return
    child = getattr(m, "child", None)
    if child is not None and type(m).__name__ == "FilterMatcher":  # the deleted-documents filter
        m = child
    if all(hasattr(m, a) for a in ("_read_ids", "_read_weights", "_next_block", "_i")):
        while m.is_active():
            m._read_ids()
            m._read_weights()
            i = m._i
            ids.extend(d + offset for d in m._ids[i:])
            tfs.extend(m._weights[i:])
            m._i = m._blocklength
            m._next_block()
        return
    while m.is_active():
        ids.append(m.id() + offset)
        tfs.append(m.weight())
        m.next()


class Ranker:
    """Scores documents of one searcher's index; not thread-safe (the engine serialises searches)."""

    def __init__(self, searcher: Searcher, fields: tuple[str, ...]) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.size = self.reader.doc_count_all()
        schema = self.reader.schema
        self.fields = tuple(f for f in fields if f in schema)
        self.boosts = {f: float(getattr(schema[f], "field_boost", 1.0) or 1.0) for f in self.fields}
        self.scorable = {f for f in self.fields if getattr(schema[f], "scorable", False)}
        self._lengths: dict[str, np.ndarray] = {}
        self._avg: dict[str, float] = {}
        self._cache: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cached_bytes = 0

    # --- per-term arrays --------------------------------------------------------------------------------------
    def _field_lengths(self, field: str) -> np.ndarray:
        arr = self._lengths.get(field)
        if arr is None:
            dfl = self.reader.doc_field_length
            arr = np.fromiter((dfl(d, field, 0) for d in range(self.size)), dtype=np.float32, count=self.size)
            self._lengths[field] = arr
            total = self.reader.field_length(field)
            self._avg[field] = (total / self.size) if self.size and total else 1.0
        return arr

    def _field_term(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        reader = self.reader
        if (field, term) not in reader:
            return None
        ids: list[int] = []
        tfs: list[float] = []
        _read_postings(reader.postings(field, term), 0, ids, tfs)
        if not ids:
            return None
        id_arr = np.asarray(ids, dtype=np.int64)
        tf = np.asarray(tfs, dtype=np.float32)
        idf = math.log(self.size / (reader.doc_frequency(field, term) + 1)) + 1
        if field in self.scorable:
            fl = self._field_lengths(field)[id_arr]
            avg = self._avg[field]
            score = idf * (tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avg))
        else:
            score = idf * tf
        return id_arr, (score * self.boosts[field]).astype(np.float32)

    def term(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, score) of ``term`` summed over the ranked fields; cached."""
        hit = self._cache.get(term)
        if hit is not None:
            self._cache.move_to_end(term)
            return hit
        parts = [p for f in self.fields if (p := self._field_term(f, term)) is not None]
        if not parts:
            out = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32))
        elif len(parts) == 1:
            out = parts[0]
        else:
            dense = np.bincount(np.concatenate([p[0] for p in parts]),
                                weights=np.concatenate([p[1] for p in parts]), minlength=self.size)
            ids = np.flatnonzero(dense)
            out = (ids, dense[ids].astype(np.float32))
        self._cache[term] = out
        self._cached_bytes += out[0].nbytes + out[1].nbytes
        while self._cached_bytes > CACHE_BYTES and len(self._cache) > 1:
            _, (a, b) = self._cache.popitem(last=False)
            self._cached_bytes -= a.nbytes + b.nbytes
        return out

    # --- scoring ----------------------------------------------------------------------------------------------
    def mask(self, bits: Bits) -> np.ndarray:
        """A boolean array (one per document) from a bitset."""
        nbytes = (self.size >> 3) + 1
        raw = np.frombuffer(bits.value.to_bytes(max(nbytes, (bits.value.bit_length() >> 3) + 1), "little"),
                            dtype=np.uint8)
        return np.unpackbits(raw, bitorder="little")[: self.size].astype(bool)

    def _alternative(self, terms: frozenset[str], exact: np.ndarray | None) -> np.ndarray:
        score = np.zeros(self.size, dtype=np.float32)
        present = np.ones(self.size, dtype=bool) if len(terms) > 1 else None
        for t in terms:
            ids, vals = self.term(t)
            score[ids] += vals
            if present is not None:
                hold = np.zeros(self.size, dtype=bool)
                hold[ids] = True
                present &= hold
        if present is not None:
            score *= present  # a phrase or multi-word synonym counts only where all its words are
        if exact is not None:
            score *= exact
        return score

    def score(self, units: list[list[frozenset[str]]], weights: list[list[float]],
              exact: dict[int, np.ndarray]) -> np.ndarray:
        """One score per document: sum of each unit's best weighted alternative, times the share of units matched.

        Args:
            exact: unit index -> boolean array of documents where that (quoted phrase) unit is exact.
        """
        total = np.zeros(self.size, dtype=np.float32)
        covered = np.zeros(self.size, dtype=np.float32)
        for i, (alts, wts) in enumerate(zip(units, weights, strict=True)):
            best = np.zeros(self.size, dtype=np.float32)
            for alt, w in zip(alts, wts, strict=True):
                np.maximum(best, self._alternative(alt, exact.get(i)) * w, out=best)
            total += best
            covered += best > 0
        if len(units) > 1:
            total *= covered / len(units)
        return total

    @staticmethod
    def top(scores: np.ndarray, allowed: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` best (docnum, score) among allowed documents with a positive score, best first.

        Equal scores keep document-number order here; the caller breaks ties by id.
        """
        scores = np.where(allowed, scores, 0)
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > k:
            part = np.argpartition(-scores[candidates], k - 1)[:k]
            kth = scores[candidates[part]].min()
            candidates = candidates[scores[candidates] >= kth]  # keep every doc tied with the k-th
        order = np.lexsort((candidates, -scores[candidates]))
        return [(int(d), float(scores[d])) for d in candidates[order]]
