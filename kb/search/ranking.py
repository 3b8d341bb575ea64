"""Ranking with BM25F computed term-at-a-time in numpy over Whoosh's posting lists.

Whoosh scores a query by walking a tree of Python matchers document by document; a typed query with synonyms
and prefix completions is a union of dozens of them, and on a common word that walk visits most of the index on
every keystroke. Here each (field, term) posting list is read once per index generation into arrays
(document numbers, BM25 weight; see :mod:`kb.index.w3.postings`), and a query is a handful of vectorised adds and
maxima over one score per document, then ``argpartition`` for the top hits. The formula is BM25F (Robertson,
Zaragoza and Taylor 2004, as Elasticsearch's ``combined_fields`` does it): each field's term frequency,
length-normalised with b=0.75 and times the field's ``field_boost``, is summed over the fields, and the sum
saturates once with k1 (:data:`K1`), times Lucene's idf = ln(1 + (N - df + 0.5) / (df + 0.5)) of the documents
holding the term in any field. Saturating each field apart and adding the fields' scores (as before) let a word
found in the title, the article name and the text count up to seven times a word found in the text only, so a
long description was ranked by its one title word rather than by how many of its words a record holds;
summing first ranked better on the judged set on both halves by query id parity (odd / even), the symptom
descriptions most, and saturating per field stayed behind it with any k1 from 2 to 10.
Lucene's idf replaced Whoosh's ln(N / (df + 1)) + 1, which flattens rare against common words: it ranked better
on the judged set (tests/relevance/judged.yaml, ``python -m benchmarks relevance``) and on
tests/relevance/queries.yaml (success@3 and MRR).

Scoring: each typed word (a *unit*) scores as its best alternative (the word, a prefix completion, a synonym,
each with its weight; a synonym never counts for more than the typed word would with the same frequency); a
document's score is the sum over units, times the share of units it matched, so a text holding every word typed
outranks one repeating a single word. Softer coverage (the square root of the share, or none) was measured and
lost on the judged set (none lost most), so the share stays; but each unit counts by the idf of its typed word,
so a record lacking one common word of a long, sentence-like query ("how much ... a day") loses little and one
lacking its rarest word loses most (a plain share halved a record lacking either word of two). On the judged
set the two are even (so is idf to the power 0.5; idf squared lost); the idf-weighted share is kept for long
queries over long documents, where Lucene's BM25, with no coordination at all, is the reference.

Full queries (not typing mode) then get pseudo-relevance feedback (:mod:`kb.search.feedback`): the words the best
three records share, beyond those typed, reorder the rest (a worried description rarely uses the records' own
words); it never adds a result and never moves the first. On the judged set it raised nDCG@10 from 0.805 to
0.835 (odd ids 0.797 to 0.823, even 0.814 to 0.847), every group on both halves, P@1 unchanged (0.90-0.91).
Measured and not kept (no gain on both halves): field weights (:data:`FIELD_WEIGHT`), k1 4-12, b 0.5-0.9, the
average field length over the documents holding the field (Lucene's), coverage to the power 0.5-2, a proximity
bonus for query words within 3-10 positions of each other, and query stop words from the ``stop-words`` package.
"""

from __future__ import annotations

import math
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable

import numpy as np
from whoosh.searching import Searcher

from kb.index.w3 import fastpath, sidecar
from kb.index.w3.perdoc import field_lengths
from kb.index.w3.postings import posting_arrays
from kb.search.docsets import Bits
from kb.search.feedback import Feedback

B = 0.75
# BM25F's k1: the fields' frequencies (each weighing 1: see FIELD_WEIGHT) add up before it applies, so it is
# larger than the single-field 1.2; on the judged set (odd / even query ids) ranking improved with k1
# up to about 8 and stayed flat beyond it, with the plain and with the idf-weighted coverage.
# A k1 this high could over-reward repeated words in long texts: with each article merged into one long record
# (``python -m benchmarks relevance --long``) 8 still measured best of the values tried, and above tantivy's
# BM25 (k1 1.2) there
K1 = 8.0
#: every field's frequency counts alike. The schema's ``field_boost`` (title 3, article and names 1.5) sits on
#: each field's format, where this ranker never read it (it read the field's own attribute, absent, so 1.0):
#: applied, it ranked worse on the judged set on both halves (nDCG@10 0.825 against 0.835; odd ids 0.817 against
#: 0.823, even 0.832 against 0.847), and so did a title weight of 2, 4 or 5 alone
FIELD_WEIGHT = 1.0
#: BM25F's b per field where it is not ``B``: a nutrient's names and aliases are a list, not prose, and most
#: records have none (their average length is tiny), so length-normalising them all but cancelled a match; with
#: b 0 there nDCG@10 rose on the judged set on both halves (odd ids 0.823 to 0.825, even 0.847 to 0.850; b 0.3
#: lost on the odd ones; b 0 for tags, the article title or the title did not gain on both)
FIELD_B = {"names": 0.0}
#: a prior per record kind, times the text score before feedback: a FAQ answers one question in a few lines, so
#: of two records matching alike it is the likelier answer, and the likelier source of feedback words. On the
#: judged set (odd / even query ids) 1.1 raised nDCG@10 from 0.831 to 0.836 and from 0.861 to 0.865 (1.05: 0.834 /
#: 0.862; 1.15: 0.835 / 0.861; 1.2 and 1.3 lost; 0.9 lost). Applied after feedback instead it lost on both
#: halves (0.825 / 0.857 at 1.1), so what it buys is mostly the feedback records, and it applies with feedback
#: only (full queries; typing mode ranks as before); a prior of 0.9, 0.95, 1.05 or 1.1 for nutrients, or 1.1 for
#: sections, did not gain on both halves
KIND_PRIOR = {"faq": 1.1}
#: the characters of a feedback record read for its words (a shipped record has 1,000-6,000; a 2 MB one would
#: cost a second and a hundred MB to analyse whole)
FEEDBACK_CHARS = 20_000
#: posting arrays kept per generation (8 bytes a posting). With the lay synonyms a typed word brings more posting
#: lists, and a typing session's working set at 100k sections passed 32 MB: repeated typing p95 there was 18.9 ms
#: with 32 MB, 8.3 with 64, 96 or 128 MB (every keystroke of the benchmark's 55 queries, second round, with the
#: FTS5 peer's benchmark on the other core); 8 MB had kept peak memory searching 100k at 120 MB but slowed typing
#: by a third even before the synonyms
CACHE_BYTES = 64 * 1024 * 1024
#: multi-word alternatives' sums kept (:meth:`Ranker._held`; among the terms' arrays the 100k peak grew 3 MB)
HELD_BYTES = 512 * 1024
#: how many calls' sums over the units before the last :meth:`Ranker.score` keeps (8 bytes a document each:
#: 0.8 MB at 100k sections); a second one saved 1.4% of the units in a 100k typing pass (5,898 against 5,982)
UNIT_SUMS = 1


class Ranker:
    """Scores documents of one searcher's index; not thread-safe (the engine serialises searches)."""

    def __init__(self, searcher: Searcher, fields: tuple[str, ...]) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.size = self.reader.doc_count_all()
        schema = self.reader.schema
        self.fields = tuple(f for f in fields if f in schema)
        self.boosts = dict.fromkeys(self.fields, FIELD_WEIGHT)
        self.scorable = {f for f in self.fields if getattr(schema[f], "scorable", False)}
        self._lengths: dict[str, np.ndarray] = {}
        self._avg: dict[str, float] = {}
        self._cache: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._held_cache: OrderedDict[frozenset[str], tuple[np.ndarray, np.ndarray]] = OrderedDict()  # see _held
        self._held_bytes = 0
        self._cached_bytes = 0
        self._prior: np.ndarray | None = None
        self._feedback: Feedback | None = None
        #: the last :meth:`score` calls' sums over their units before the last: (their keys, total, covered, mass)
        self._sums: list[tuple[list, np.ndarray, np.ndarray, float]] = []

    def prior(self, kind_mask: Callable[[str], np.ndarray]) -> np.ndarray:
        """One :data:`KIND_PRIOR` factor per document (1 for a kind without one); ``kind_mask`` gives the
        documents of a kind. Computed once per index generation (a searcher's ranker lives as long as it)."""
        if self._prior is None:
            prior = np.ones(self.size, dtype=np.float32)
            for kind, factor in KIND_PRIOR.items():
                prior[kind_mask(kind)] = np.float32(factor)
            self._prior = prior
        return self._prior

    def idf(self, df: int) -> float:
        """Lucene's BM25 idf of a term held by ``df`` documents (positive for any ``df`` up to the size)."""
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def alt_idf(self, alt: frozenset[str]) -> float:
        """The idf of an alternative: of its rarest word (a phrase is at most as common as that word)."""
        return max((self.idf(len(self.term(t)[0])) for t in alt), default=0.0)

    # --- per-term arrays --------------------------------------------------------------------------------------
    def _field_lengths(self, field: str) -> np.ndarray:
        arr = self._lengths.get(field)
        if arr is None:
            arr = field_lengths(self.reader, field)
            self._lengths[field] = arr
            total = self.reader.field_length(field)
            self._avg[field] = (total / self.size) if self.size and total else 1.0
        return arr

    def _field_term(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(document numbers, the field's boosted, length-normalised term frequency) of ``term`` in ``field``."""
        found = posting_arrays(self.reader, field, term)
        return None if found is None else self._normalised(field, *found)

    def _normalised(self, field: str, id_arr: np.ndarray, tf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        tf = tf.astype(np.float64)
        if field in self.scorable:
            fl = self._field_lengths(field)[id_arr]
            avg = self._avg[field]
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                b = FIELD_B.get(field, B)
                norm = tf / ((1 - b) + b * fl / avg)
            if not np.isfinite(norm).all():  # only damaged field lengths do this: no warning on the terminal
                norm = np.nan_to_num(norm, nan=0.0, posinf=0.0, neginf=0.0)
        else:
            norm = tf
        return id_arr, norm * self.boosts[field]

    def read_count(self, term: str) -> int | None:
        """The number of documents :meth:`term` holds for ``term`` if its arrays are cached, else None."""
        hit = self._cache.get(term)
        return None if hit is None else len(hit[0])

    def term(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, score) of ``term`` summed over the ranked fields; cached."""
        hit = self._cache.get(term)
        if hit is not None:
            self._cache.move_to_end(term)
            return hit
        return self._store(term, [p for f in self.fields if (p := self._field_term(f, term)) is not None])

    def prefetch(self, terms: Iterable[str]) -> None:
        """Read the arrays of those of ``terms`` not cached, as :meth:`term` would, with one term-table lookup
        per field and segment for them all (:meth:`kb.index.w3.sidecar.Sidecar.get_many`) instead of one per
        term: on a fresh index the lookups, not the postings, were most of reading a word. Leaves everything to
        :meth:`term` where a segment has no sidecar for a field it holds words of, or a slice is damaged."""
        todo = [t for t in dict.fromkeys(terms) if t not in self._cache]
        if len(todo) < 2 or not fastpath.use(self.reader):
            return
        keys = np.array([t.encode("utf-8") for t in todo], dtype=bytes)
        leaves = list(self.reader.leaf_readers())
        found: dict[str, list[list[tuple[np.ndarray, np.ndarray]]]] = {}
        for field in self.fields:
            chunks: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in todo]
            for sub, base in leaves:
                side = sidecar.for_segment(self.reader, sub)
                try:
                    got = side.get_many(field, keys) if side is not None else None
                except ValueError:  # a damaged slice: term() decodes Whoosh's blocks for it
                    return
                if got is None:  # no sidecar, or one leaving the field out: only if the segment has no word of it
                    if field not in self.scorable or sub.field_length(field):
                        return
                    continue
                for chunk, hit in zip(chunks, got, strict=True):
                    if hit is not None:
                        chunk.append((hit[0] + base, hit[1]))
            found[field] = chunks
        for j, t in enumerate(todo):  # as posting_arrays joins a term's segments, and term() its fields
            parts = []
            for field in self.fields:
                chunk = found[field][j]
                if chunk:
                    ids = np.concatenate([c[0] for c in chunk]).astype(np.int32)
                    parts.append(self._normalised(field, ids, np.concatenate([c[1] for c in chunk])))
            self._store(t, parts)

    def _store(self, term: str, parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        """Sum a term's fields (``parts``: each field's documents and normalised frequencies) into its score, and
        cache it."""
        if not parts:
            out = (np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32))
        else:
            if len(parts) == 1:
                ids, tf = parts[0]
            else:
                all_ids = np.concatenate([p[0] for p in parts])
                dense = np.bincount(all_ids, weights=np.concatenate([p[1] for p in parts]), minlength=self.size)
                present = np.zeros(self.size, dtype=bool)
                present[all_ids] = True  # every document holding the term, whatever its score
                ids = np.flatnonzero(present)
                tf = dense[ids]
            idf = self.idf(len(ids))
            # BM25F: the fields' weighted frequencies add up before one saturation, so a word in the title and
            # the text is worth more than in the text alone but never more than idf * (k1 + 1)
            score = idf * tf * (K1 + 1) / (tf + K1)
            out = (ids.astype(np.int32), score.astype(np.float32))
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
        for t in sorted(terms):  # one order in every process: float sums must not follow the hash seed
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

    def _held(self, terms: frozenset[str]) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, summed score) of the documents holding every one of ``terms`` (a multi-word
        synonym or phrase): what :meth:`_alternative` gives, the same sums, touching only the postings; the last
        ones kept (up to :data:`HELD_BYTES`), as a synonym's words come back query after query and key after key."""
        hit = self._held_cache.get(terms)
        if hit is not None:
            self._held_cache.move_to_end(terms)
            return hit
        parts = [self.term(t) for t in sorted(terms)]  # in _alternative's order: the same float sums
        first = min(range(len(parts)), key=lambda j: len(parts[j][0]))
        ids = parts[first][0]
        where: list[np.ndarray | None] = [None] * len(parts)  # each part's index of every document in ids
        where[first] = np.arange(len(ids))
        for j, (p_ids, _) in enumerate(parts):
            if j != first and len(ids):
                at = self._positions(p_ids, ids)
                found = at >= 0
                ids = ids[found]
                where = [w[found] if w is not None else None for w in where]
                where[j] = at[found]
        total = np.zeros(len(ids), dtype=np.float32)
        for (_, p_vals), at in zip(parts, where, strict=True):  # in the terms' order, as _alternative adds them
            if len(ids):
                total += p_vals[at]
        self._held_cache[terms] = (ids, total)
        self._held_bytes += ids.nbytes + total.nbytes
        while self._held_bytes > HELD_BYTES and len(self._held_cache) > 1:
            _, (a, b) = self._held_cache.popitem(last=False)
            self._held_bytes -= a.nbytes + b.nbytes
        return ids, total

    def _positions(self, p_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """The index in ``p_ids`` (ascending document numbers) of each of ``ids`` (ascending), -1 where absent:
        a binary search for a few documents, a table over every document for many (measured at 100k sections:
        3,000 ids in 24,000 cost the same both ways, 50,000 in 60,000 seven times more by binary search)."""
        if len(ids) * 8 <= len(p_ids):
            at = np.minimum(np.searchsorted(p_ids, ids), len(p_ids) - 1)
            return np.where(p_ids[at] == ids, at, -1)
        table = np.full(self.size, -1, dtype=np.int32)
        table[p_ids] = np.arange(len(p_ids), dtype=np.int32)
        return table[ids]

    def _unit(self, i: int, alts: list[frozenset[str]], wts: list[float], exact: dict[int, np.ndarray]
              ) -> tuple[np.ndarray, float]:
        """One unit's best weighted alternative per document, and its typed word's idf (see :meth:`score`)."""
        best = np.zeros(self.size, dtype=np.float32)
        typed_idf = self.alt_idf(alts[0]) if alts else 0.0
        for alt, w in zip(alts, wts, strict=True):
            if w < 1.0 and w < wts[0]:  # a synonym or completion: never worth more than the typed word
                alt_idf = self.alt_idf(alt)
                if alt_idf > typed_idf > 0:
                    w *= typed_idf / alt_idf
            if i in exact:
                np.maximum(best, self._alternative(alt, exact[i]) * w, out=best)
            else:  # touch only the alternative's postings (ids are unique)
                ids, vals = self.term(next(iter(alt))) if len(alt) == 1 else self._held(alt)
                best[ids] = np.maximum(best[ids], vals * np.float32(w))
        return best, typed_idf

    def score(self, units: list[list[frozenset[str]]], weights: list[list[float]],
              exact: dict[int, np.ndarray]) -> np.ndarray:
        """One score per document: sum of each unit's best weighted alternative, times the share of the units'
        idf matched (a unit counts by its typed word's idf, so lacking a common word costs little).

        The sums over the units before the last are kept for the next call (:data:`UNIT_SUMS`): while a query is
        typed only its last word changes, so the words before it are scored once, not on every keystroke.

        Args:
            exact: unit index -> boolean array of documents where that (quoted phrase) unit is exact.
        """
        keys = [(tuple(alts), tuple(wts), i in exact) for i, (alts, wts) in enumerate(zip(units, weights,
                                                                                          strict=True))]
        kept = max((k for k in self._sums if keys[:len(k[0])] == k[0]), key=lambda k: len(k[0]), default=None)
        if kept is not None:
            done, total, covered, mass = len(kept[0]), kept[1].copy(), kept[2].copy(), kept[3]
        else:
            done, mass = 0, 0.0
            total = np.zeros(self.size, dtype=np.float32)
            covered = np.zeros(self.size, dtype=np.float32)
        self.prefetch(t for alts in units[done:] for alt in alts for t in alt)  # every word below is read
        for i in range(done, len(units)):
            if i == len(units) - 1 and i > done and not any(k[2] for k in keys[:i]):  # phrases: not kept
                self._sums = [(keys[:i], total.copy(), covered.copy(), mass), *self._sums][:UNIT_SUMS]
            best, typed_idf = self._unit(i, units[i], weights[i], exact)
            total += best
            covered += (best > 0) * np.float32(typed_idf)
            mass += typed_idf
        if len(units) > 1 and mass > 0:
            total *= covered / mass
        return total

    def feedback(self, gain: np.ndarray, source: np.ndarray, query_terms: frozenset[str],
                 doc_terms: Callable[[int], Counter[str]]) -> np.ndarray:
        """``gain`` with pseudo-relevance feedback for full queries: see :meth:`kb.search.feedback.Feedback.apply`."""
        if self._feedback is None:
            self._feedback = Feedback(self)
        return self._feedback.apply(gain, source, query_terms, doc_terms)

    @staticmethod
    def top(scores: np.ndarray, allowed: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` best (docnum, score) among allowed documents with a positive score, best first.

        Equal scores keep document-number order here; the caller breaks ties by id.
        """
        candidates = np.flatnonzero((scores > 0) & allowed)  # np.where(allowed, ...) cost 20 times more
        values = scores[candidates]
        if len(candidates) > k:
            part = np.argpartition(-values, k - 1)[:k]
            kept = values >= values[part].min()  # keep every doc tied with the k-th
            candidates, values = candidates[kept], values[kept]
        order = np.lexsort((candidates, -values))
        return [(int(d), float(v)) for d, v in zip(candidates[order], values[order], strict=True)]


def tie_break(ranked: list[tuple[float, int]], limit: int, id_key: Callable[[], Callable[[int], bytes]]
               ) -> list[tuple[float, int]]:
    """The first ``limit`` of score-sorted (score, docnum) pairs, equal scores ordered by id.

    Document numbers depend on the index's history (an incremental update appends, a full build follows file
    order); by id, the same corpus always ranks the same way. ``id_key`` gives the function from a document
    number to its id; it is asked for only when there is a tie to break (ids are unique among live documents,
    so this is the order of :func:`kb.index.w3.perdoc.id_rank`, without reading every id).
    """
    out: list[tuple[float, int]] = []
    i = 0
    while i < len(ranked) and len(out) < limit:
        j = i + 1
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        group = ranked[i:j]
        if len(group) > 1:
            key = id_key()
            group.sort(key=lambda sd: key(sd[1]))
        out += group
        i = j
    return out[:limit]
