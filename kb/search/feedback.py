"""Pseudo-relevance feedback (Rocchio) for full queries: the words the best records share, beyond those typed,
reorder the rest (:meth:`Feedback.apply`; :mod:`kb.search.ranking` scores, this reweighs its scores)."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable
from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np

from kb.index.w3 import fastpath, sidecar

if TYPE_CHECKING:
    from kb.search.ranking import Ranker

#: pseudo-relevance feedback (Rocchio, :meth:`Feedback.apply`) for full queries: the words of the best
#: ``FEEDBACK_DOCS`` records, the ``FEEDBACK_TERMS`` heaviest of them, the heaviest scoring ``FEEDBACK_WEIGHT``
#: times its BM25F score. On the judged set (odd / even query ids) every group rose on both halves with 3
#: documents and a weight of 0.2 or 0.3 (0.5 lost keywords on one half; 5 and 10 documents gained less; 10 words
#: lost to 20); without keeping the first result first, P@1 fell from 0.90 to 0.84-0.87 whatever the setting, and
#: without leaving a feedback record's own words out of its feedback the figures were a little lower
FEEDBACK_DOCS = 3
FEEDBACK_TERMS = 20
FEEDBACK_WEIGHT = 0.3
#: the words weighed by idf: the most frequent in the feedback records (a cap on the cost; as many as were
#: found measured the same on the judged set)
FEEDBACK_CANDIDATES = 100
#: below this many records there are too few for the best ones to tell a topic's words from chance
FEEDBACK_MIN_RECORDS = 100
#: feedback choices kept per generation (20 words each): the full queries asked lately
PICKED_CACHE = 256


class Feedback:
    """The feedback of one ranker (one index generation); not thread-safe (the engine serialises searches)."""

    def __init__(self, ranker: Ranker) -> None:
        self.ranker = ranker
        #: (feedback records with their scores, typed words) -> what :meth:`_pick` chose for them
        self._picked: dict[tuple, tuple[np.ndarray, list[tuple[str, float, dict[int, float]]]]] = {}

    def apply(self, gain: np.ndarray, source: np.ndarray, query_terms: frozenset[str],
              doc_terms: Callable[[int], Counter[str]]) -> np.ndarray:
        """``gain`` (one text score per document) with pseudo-relevance feedback (Rocchio).

        People describing a symptom use words the records answering them lack ("my calf locked in a knot" for
        a cramp); the records that match best hold the records' own vocabulary. Each word of the best
        ``FEEDBACK_DOCS`` records of ``source`` (a boolean per document: the records the text matched, before
        a kind asked for apart, so a kind's results stay the same as all results of that kind) weighs its
        frequency in the record (over the record's length), times the record's share of their scores, times
        its idf; the ``FEEDBACK_TERMS`` heaviest words not typed (nor a synonym or completion of one) add their
        BM25F score times ``FEEDBACK_WEIGHT`` times their weight relative to the heaviest, to records the typed
        words matched only: feedback reorders, it never adds a result (the total stays what the words found).
        A feedback record gets feedback from the other feedback records only, not from its own words (else a
        record would be rewarded for being itself, above one holding the typed words next to each other).
        The best record stays best (the others are held below it): the feedback comes mostly from it, and
        letting it move lost P@1 on the judged set with every setting tried. An index of fewer than
        ``FEEDBACK_MIN_RECORDS`` records gets no feedback: its best three records are most of it.
        """
        if self.ranker.size < FEEDBACK_MIN_RECORDS:
            return gain
        best = self.ranker.top(gain, source, FEEDBACK_DOCS)[:FEEDBACK_DOCS]
        total = sum(s for _, s in best)
        if total <= 0:
            return gain
        key = (tuple(best), query_terms)
        picked = self._picked.get(key)
        if picked is None:
            picked = self._pick(best, total, query_terms, doc_terms)
            if len(self._picked) >= PICKED_CACHE:
                self._picked.pop(next(iter(self._picked)))
            self._picked[key] = picked
        sources, chosen = picked
        if not chosen:
            return gain
        extra = np.zeros(self.ranker.size, dtype=np.float32)
        for t, factor, own_factor in chosen:
            ids, vals = self.ranker.term(t)  # ids ascend (segments in order, documents in order within each)
            extra[ids] += vals * np.float32(factor)
            for d, own_part in own_factor.items():  # a feedback record is not rewarded for its own words
                i = int(ids.searchsorted(d))
                if i < len(ids) and ids[i] == d:
                    extra[d] -= np.float32(own_part * float(vals[i]))
        out = gain + extra * (gain > 0)
        first = best[0][0]
        top = out[first]
        np.minimum(out, np.nextafter(top, np.float32(0)), out=out)
        out[first] = top
        return out

    def _pick(self, best: list[tuple[int, float]], total: float, query_terms: frozenset[str],
              doc_terms: Callable[[int], Counter[str]]) -> tuple[np.ndarray, list[tuple[str, float, dict[int, float]]]]:
        """The feedback of the records ``best`` (docnum, score): their document numbers, and the words chosen,
        each with its factor (times its BM25F score) and the part of it each feedback record holding it does not
        get (see :meth:`apply`); cached per index generation, by records and typed words, so a repeated query
        re-weighs nothing."""
        own: dict[int, dict[str, float]] = {}  # each feedback record's part of the words' weights
        summed: dict[str, float] = {}  # their sum, in order of first appearance (the order ties keep below)
        for docnum, s in best:
            counts = doc_terms(docnum)
            length = sum(counts.values()) or 1
            part = own[docnum] = {t: s / total * c / length for t, c in counts.items()
                                  if t not in query_terms and len(t) > 2}
            for t, v in part.items():
                summed[t] = summed.get(t, 0) + v  # the float sum Counter's + gave: 0 + a, then + b, then + c
        # the most frequent; equal weights in order of first appearance, as Counter.most_common keeps them
        weights = dict(heapq.nlargest(FEEDBACK_CANDIDATES, summed.items(), key=itemgetter(1)))
        idf = self._candidate_idf(weights)
        chosen = heapq.nsmallest(FEEDBACK_TERMS, idf, key=lambda t: (-weights[t] * idf[t], t))
        heaviest = weights[chosen[0]] * idf[chosen[0]] if chosen else 0.0
        sources = np.fromiter(own, dtype=np.int64, count=len(own))
        if heaviest <= 0:
            return sources, []
        scale = FEEDBACK_WEIGHT / heaviest
        return sources, [(t, scale * weights[t] * idf[t], {d: scale * own[d][t] * idf[t] for d in own if t in own[d]})
                         for t in chosen]

    def _candidate_idf(self, weights: dict[str, float]) -> dict[str, float]:
        """The idf of every feedback candidate that can be among the ``FEEDBACK_TERMS`` heaviest (weight times
        idf); the others are left out.

        A word's idf counts the documents holding it in any ranked field, which its posting arrays give (the
        first time, read from disk: on a fresh index this was most of a full query). The sidecars' term tables
        give, without reading a posting, each field's count per segment: the documents holding the word are at
        least its most in one field and at most the sum over the fields, so its weighted idf lies between two
        bounds. A candidate whose upper bound is below the lower bound of ``FEEDBACK_TERMS`` others cannot be
        chosen, and its postings are not read; the others' (the chosen ones' are read to score them anyway) give
        the exact idf, so the words chosen and their weights are those of every candidate's exact idf.
        """
        ranker = self.ranker
        idf: dict[str, float] = {}
        unread: list[str] = []
        for t in weights:
            n = ranker.read_count(t)
            if n is not None:
                idf[t] = ranker.idf(n)
            else:
                unread.append(t)
        bounds = self._df_bounds(unread) if unread and len(weights) > FEEDBACK_TERMS else None
        if bounds is None:
            ranker.prefetch(unread)
            idf.update((t, ranker.idf(len(ranker.term(t)[0]))) for t in unread)
            return idf
        least, most = bounds
        low = [weights[t] * v for t, v in idf.items()]
        high: list[float] = []
        for t, lo_df, hi_df in zip(unread, least.tolist(), most.tolist(), strict=True):
            low.append(weights[t] * ranker.idf(hi_df))
            high.append(weights[t] * ranker.idf(lo_df))
        bar = heapq.nlargest(FEEDBACK_TERMS, low)[-1] * (1 - 1e-9)  # a margin for rounding
        possible = [t for t, h in zip(unread, high, strict=True) if h >= bar]
        ranker.prefetch(possible)
        idf.update((t, ranker.idf(len(ranker.term(t)[0]))) for t in possible)
        return {t: v for t, v in idf.items() if weights[t] * v >= bar}

    def _df_bounds(self, terms: list[str]) -> tuple[np.ndarray, np.ndarray] | None:
        """(at least, at most) the number of documents holding each of ``terms`` in any ranked field (what
        :meth:`kb.search.ranking.Ranker.term` counts, deleted documents included), from the sidecars' term
        tables. None when a segment's sidecar lacks a ranked field it has words in (or on Whoosh's path)."""
        reader = self.ranker.reader
        if not fastpath.use(reader):
            return None
        keys = np.array([t.encode("utf-8") for t in terms], dtype=bytes)
        least = np.zeros(len(terms), dtype=np.int64)
        most = np.zeros(len(terms), dtype=np.int64)
        for sub, _base in reader.leaf_readers():
            side = sidecar.for_segment(reader, sub)
            if side is None:
                return None
            seg_max = np.zeros(len(terms), dtype=np.int64)
            seg_sum = np.zeros(len(terms), dtype=np.int64)
            for field in self.ranker.fields:
                counts = side.posting_counts(field, keys)
                if counts is None:  # the file leaves out a field the segment holds no word of (or cannot decode)
                    if field not in self.ranker.scorable or sub.field_length(field):
                        return None
                    continue
                np.maximum(seg_max, counts, out=seg_max)
                seg_sum += counts
            least += seg_max
            most += np.minimum(seg_sum, side.docs)
        return least, most
