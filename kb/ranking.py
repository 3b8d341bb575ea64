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


def _read_postings(m, offset: int, ids: list[np.ndarray], tfs: list[np.ndarray]) -> None:
    """Append a matcher's document numbers (+ ``offset``) and weights to ``ids`` and ``tfs``, as array chunks.

    Whoosh 2.7's segment matchers keep each block as a pickled (delta-coded ids, weights) pair; decoding a
    block with numpy (a cumulative sum) is far faster than a Python call per posting, which on a common word
    of a 100k-section index took hundreds of milliseconds. Anything else (or a Whoosh whose internals
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
    if all(hasattr(m, a) for a in ("_read_data", "_next_block", "_i", "_byteids", "_blocklength")):
        while m.is_active():
            if m._data is None:
                m._read_data()
            raw_ids, raw_weights = m._data[0], m._data[1]
            n, i = m._blocklength, m._i
            block_ids = np.asarray(raw_ids, dtype=np.int64)
            if not m._byteids:
                block_ids = np.cumsum(block_ids)
            if raw_weights is None:
                block_tf = np.ones(n, dtype=np.float32)
            elif isinstance(raw_weights, float):
                block_tf = np.full(n, raw_weights, dtype=np.float32)
            else:
                block_tf = np.asarray(raw_weights, dtype=np.float32)
            ids.append(block_ids[i:] + offset)
            tfs.append(block_tf[i:])
            m._i = n
            m._next_block()
        return
    one_ids: list[int] = []
    one_tfs: list[float] = []
    while m.is_active():
        one_ids.append(m.id() + offset)
        one_tfs.append(m.weight())
        m.next()
    ids.append(np.asarray(one_ids, dtype=np.int64))
    tfs.append(np.asarray(one_tfs, dtype=np.float32))


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
        id_chunks: list[np.ndarray] = []
        tf_chunks: list[np.ndarray] = []
        _read_postings(reader.postings(field, term), 0, id_chunks, tf_chunks)
        if not id_chunks:
            return None
        id_arr = np.concatenate(id_chunks)
        tf = np.concatenate(tf_chunks)
        if not len(id_arr):
            return None
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
