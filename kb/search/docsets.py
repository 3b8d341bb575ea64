"""Sets of documents as bitsets, cached per index generation, for totals, facet counts and word coverage.

Whoosh counts facets by scoring and grouping every matching document, which on a common word means most of the
index on every keystroke. Instead, each (field, term) posting list is turned once into a bitset (a Python int,
one bit per document number); a query's matching set is then a few C-speed ORs and ANDs, facet counts are
``int.bit_count()`` of an AND with a kind or nutrient mask.

Posting lists are read as numpy arrays (:mod:`kb.index.w3.postings`) and packed into bits in C; a plan's words,
filters and exclusions are composed here, and what needs positions (phrases) is checked by
:mod:`kb.search.phrases` (through Whoosh's matchers only where its own checks do not apply: :meth:`DocSets.query`).
Term bitsets and query bitsets have separate caches, so a session's many typed prefixes never push out the few
phrase sets that are costly to rebuild.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from kb.index.w3.perdoc import live
from kb.index.w3.postings import posting_arrays

CACHE_SIZE = 2048  # term bitsets (a 100k-document index: up to 12.5 kB each)
#: and at most this much of them (the memory target while searching 100k: 100 MB). It had 4 MB when the title
#: checks used it too; typing the benchmark's queries twice at 100k cost the same CPU with 3, 2.5 and 2 MB
CACHE_BYTES = 2 * 1024 * 1024
#: document numbers of the title and name terms (4 bytes a posting), at most this much: a bitset costs 12.5 kB
#: at 100k sections however few documents it holds, and the names field is nearly empty, so the title checks of
#: one pass of the benchmark's keystrokes wanted 17 MB of bitsets (1,362 terms: 155,661 postings, 0.6 MB as
#: arrays) and thrashed the bitset cache
IDS_CACHE_BYTES = 1024 * 1024
QUERY_CACHE_SIZE = 256  # filter, exclusion and phrase bitsets
UNIT_UNIONS = 2  # calls whose union over the words before the last is kept (see DocSets.words_value)


class Bits:
    """An immutable set of document numbers; ``value`` (a Python int, bit d for document d) for set algebra."""

    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value

    @classmethod
    def from_ids(cls, ids: Iterable[int], size: int) -> Bits:
        table = bytearray((size >> 3) + 1)
        for d in ids:
            table[d >> 3] |= 1 << (d & 7)
        return cls(int.from_bytes(table, "little"))

    @classmethod
    def from_array(cls, ids: np.ndarray, size: int) -> Bits:
        """From an array of document numbers (any order, repeats allowed), packed in C."""
        flags = np.zeros(((size >> 3) + 1) << 3, dtype=bool)
        flags[ids] = True
        return cls(int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little"))

    @classmethod
    def from_mask(cls, mask: np.ndarray) -> Bits:
        """From one boolean per document number."""
        return cls(int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little"))

    def __len__(self) -> int:
        return self.value.bit_count()

    def __iter__(self) -> Iterator[int]:  # ascending; only used on small sets
        v, base = self.value, 0
        while v:
            low = v & -v
            yield base + low.bit_length() - 1
            v ^= low

    def __and__(self, other: Bits) -> Bits:
        return Bits(self.value & other.value)

    def minus(self, other: Bits) -> Bits:
        return Bits(self.value & ~other.value)


EMPTY = Bits(0)
T = TypeVar("T")
_NO_IDS = np.empty(0, dtype=np.int32)


class _Lru(Generic[T]):
    """A small least-recently-used map of bitsets (or arrays), bounded by entries and, when ``max_bytes`` is
    given, by their bytes (a term held by one document of a 100k index still costs 12.5 kB as an int)."""

    def __init__(self, size: int, max_bytes: int | None = None, nbytes: Callable[[T], int] | None = None) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.nbytes: Callable[[T], int] = nbytes or _nbytes  # type: ignore[assignment]
        self.bytes = 0
        self.items: OrderedDict[tuple, T] = OrderedDict()

    def peek(self, key: tuple) -> T | None:
        return self.items.get(key)

    def get(self, key: tuple, make: Callable[[], T]) -> T:
        bits = self.items.get(key)
        if bits is None:
            bits = make()
            self.items[key] = bits
            self.bytes += self.nbytes(bits)
            while len(self.items) > self.size or (
                    self.max_bytes is not None and self.bytes > self.max_bytes and len(self.items) > 1):
                _, old = self.items.popitem(last=False)
                self.bytes -= self.nbytes(old)
        else:
            self.items.move_to_end(key)
        return bits


def _nbytes(bits: Bits) -> int:
    return (bits.value.bit_length() + 7) >> 3


class DocSets:
    """Bitsets of one searcher's documents, built lazily from posting lists and kept while it lives.

    Args:
        term_ids: optional source of a term's document numbers over every text field at once (the ranker's
            arrays, so a term typed is decoded once for ranking and counting); used by :meth:`any_field` when
            asked for exactly ``term_fields``.
    """

    def __init__(self, searcher: Searcher, term_ids: Callable[[str], np.ndarray] | None = None,
                 term_fields: tuple[str, ...] = (), prefetch: Callable[[Iterable[str]], None] | None = None) -> None:
        self.searcher = searcher
        self._prefetch = prefetch
        self.reader = searcher.reader()
        self.size = self.reader.doc_count_all()
        self._term_ids = term_ids
        self._term_fields = tuple(term_fields)
        self._terms: _Lru[Bits] = _Lru(CACHE_SIZE, CACHE_BYTES)
        self._queries: _Lru[Bits] = _Lru(QUERY_CACHE_SIZE)
        self._ids: _Lru[np.ndarray] = _Lru(CACHE_SIZE, IDS_CACHE_BYTES, lambda a: a.nbytes)
        self._live: Bits | None = None
        self._live_mask: np.ndarray | None = None
        self._unions: list[tuple[list[tuple[frozenset[str], ...]], int]] = []  # see words_value

    def term(self, fieldname: str, text: str) -> Bits:
        """Documents whose ``fieldname`` holds ``text`` (deleted ones included; AND with :meth:`live`)."""
        def make() -> Bits:
            found = posting_arrays(self.reader, fieldname, text)
            return EMPTY if found is None else Bits.from_array(found[0], self.size)

        return self._terms.get(("t", fieldname, text), make)

    def ids(self, fieldname: str, text: str) -> np.ndarray:
        """The ascending document numbers whose ``fieldname`` holds ``text`` (deleted ones included), for the
        fields whose terms are held by few documents (titles, names): 4 bytes a posting, not a bitset."""
        def make() -> np.ndarray:
            found = posting_arrays(self.reader, fieldname, text)
            return _NO_IDS if found is None else found[0]

        return self._ids.get((fieldname, text), make)

    def holding(self, field: str, alt: frozenset[str]) -> np.ndarray:
        """The ascending document numbers whose ``field`` holds every term of ``alt``."""
        docs = None
        for t in alt:
            ids = self.ids(field, t)
            docs = ids if docs is None else np.intersect1d(docs, ids, assume_unique=True)
            if not len(docs):
                break
        return docs if docs is not None else _NO_IDS

    def field_holds(self, field: str, wanted: list[list[frozenset[str]]]) -> np.ndarray | None:
        """One boolean per document: ``field`` holds, for every unit, every term of one of its ``wanted``
        alternatives (deleted documents included); None when no document does."""
        out = None
        for alts in wanted:
            found = [self.holding(field, alt) for alt in alts]
            if not any(len(f) for f in found):
                return None
            unit = np.zeros(self.size, dtype=bool)
            for f in found:
                unit[f] = True
            if out is None:
                out = unit
            else:
                out &= unit
        return out

    def words_value(self, units: list[list[frozenset[str]]]) -> int:
        """The documents (a bitset's value, deleted ones included) holding every term, in any of the ranked
        fields, of one alternative of any of ``units``.

        The union over the units before the last is kept for the next two calls (12.5 kB each at 100k sections),
        as :meth:`kb.search.ranking.Ranker.score` keeps its sums: while a query is typed only its last word
        changes.
        """
        keys = [tuple(u) for u in units]
        kept = max((k for k in self._unions if keys[:len(k[0])] == k[0]), key=lambda k: len(k[0]), default=None)
        done, value = (len(kept[0]), kept[1]) if kept is not None else (0, 0)
        if self._prefetch is not None:  # the words below read together (on a fresh index: one look-up for all)
            self._prefetch(t for alts in units[done:] for alt in alts for t in alt
                           if self._terms.peek(("any", self._term_fields, t)) is None)
        for i in range(done, len(units)):
            if i == len(units) - 1 and i > done:
                self._unions = [(keys[:i], value), *self._unions][:UNIT_UNIONS]
            for alt in units[i]:
                every = -1
                for term in alt:
                    every &= self.any_field(self._term_fields, term).value
                value |= every if alt else 0
        return value

    def any_field(self, fields: Iterable[str], text: str) -> Bits:
        """Documents holding ``text`` in any of ``fields`` (deleted ones included)."""
        fields = tuple(fields)

        def make() -> Bits:
            if self._term_ids is not None and fields == self._term_fields:
                return Bits.from_array(self._term_ids(text), self.size)
            out = 0
            for f in fields:
                out |= self.term(f, text).value
            return Bits(out)

        return self._terms.get(("any", fields, text), make)

    def query(self, q: wq.Query) -> Bits:
        """Exactly the live documents Whoosh query ``q`` matches (terms, ORs and ANDs here; anything else via
        Whoosh: what checks a phrase when kb's own checks do not apply)."""
        return self._queries.get(("q", repr(q)), lambda: self._compose(q) & self.live())

    def keywords(self, allowed: dict[str, list[str]]) -> Bits:
        """The live documents holding, in each field of ``allowed``, one of its values (a plan's filters)."""
        def make() -> Bits:
            value = -1
            for fieldname, values in allowed.items():
                either = 0
                for v in values:
                    either |= self.term(fieldname, v).value
                value &= either
            return Bits(value) & self.live()

        return self._queries.get(("keywords", tuple((f, tuple(v)) for f, v in allowed.items())), make)

    def remember(self, key: tuple, bits: Bits) -> None:
        """Keep ``bits`` under ``key`` (a set worked out elsewhere: a phrase's exact documents)."""
        self._queries.get(key, lambda: bits)

    def known(self, key: tuple) -> Bits | None:
        """The set kept under ``key`` if it is at hand, else None (nothing is computed)."""
        return self._queries.peek(key)

    def _compose(self, q: wq.Query) -> Bits:
        """The documents ``q`` matches, deleted ones possibly included."""
        if type(q) is wq.Term:
            return self.term(q.fieldname, q.text)
        if type(q) in (wq.Or, wq.And) and q.subqueries:
            parts = [self._compose(sub) for sub in q.subqueries]
            value = parts[0].value
            for p in parts[1:]:
                value = value | p.value if type(q) is wq.Or else value & p.value
            return Bits(value)
        return Bits.from_ids(self.searcher.docs_for_query(q), self.size)

    def live(self) -> Bits:
        """Every document not deleted."""
        if self._live is None:
            self._live = Bits.from_mask(self.live_mask())
        return self._live

    def live_mask(self) -> np.ndarray:
        """One boolean per document number: not deleted (read once)."""
        if self._live_mask is None:
            self._live_mask = live(self.reader)
        return self._live_mask
