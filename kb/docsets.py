"""Sets of documents as bitsets, cached per index generation, for totals, facet counts and word coverage.

Whoosh counts facets by scoring and grouping every matching document, which on a common word means most of the
index on every keystroke. Instead, each (field, term) posting list is turned once into a bitset (a Python int,
one bit per document number); a query's matching set is then a few C-speed ORs and ANDs, facet counts are
``int.bit_count()`` of an AND with a kind or nutrient mask, and "does document d hold word w" is a byte lookup.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from whoosh import query as wq
from whoosh.idsets import DocIdSet
from whoosh.searching import Searcher

CACHE_SIZE = 2048


class Bits(DocIdSet):
    """An immutable set of document numbers: ``value`` for set algebra, a byte table for membership tests.

    A ``DocIdSet``, so Whoosh accepts it as a search ``filter`` or ``mask`` without converting it.
    """

    __slots__ = ("value", "_table")

    def __init__(self, value: int) -> None:
        self.value = value
        self._table: bytes | None = None

    @classmethod
    def from_ids(cls, ids: Iterable[int], size: int) -> Bits:
        table = bytearray((size >> 3) + 1)
        for d in ids:
            table[d >> 3] |= 1 << (d & 7)
        bits = cls(int.from_bytes(table, "little"))
        bits._table = bytes(table)
        return bits

    def __contains__(self, docnum: int) -> bool:
        if self._table is None:
            self._table = self.value.to_bytes((self.value.bit_length() >> 3) + 1, "little")
        i = docnum >> 3
        return i < len(self._table) and bool(self._table[i] >> (docnum & 7) & 1)

    def __len__(self) -> int:
        return self.value.bit_count()

    def __iter__(self):  # DocIdSet API; only used on small sets
        v, base = self.value, 0
        while v:
            low = v & -v
            yield base + low.bit_length() - 1
            v ^= low

    def __and__(self, other: Bits) -> Bits:
        return Bits(self.value & other.value)

    def __or__(self, other: Bits) -> Bits:
        return Bits(self.value | other.value)

    def minus(self, other: Bits) -> Bits:
        return Bits(self.value & ~other.value)


EMPTY = Bits(0)


class DocSets:
    """Bitsets of one searcher's documents, built lazily from posting lists and kept while it lives."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.size = self.reader.doc_count_all()
        self._cache: OrderedDict[tuple, Bits] = OrderedDict()

    def _cached(self, key: tuple, make) -> Bits:
        bits = self._cache.get(key)
        if bits is None:
            bits = make()
            self._cache[key] = bits
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return bits

    def term(self, fieldname: str, text: str) -> Bits:
        """Documents whose ``fieldname`` holds ``text`` (deleted ones included; AND with :meth:`live`)."""
        def make() -> Bits:
            if (fieldname, text) not in self.reader:
                return EMPTY
            return Bits.from_ids(self.reader.postings(fieldname, text).all_ids(), self.size)

        return self._cached(("t", fieldname, text), make)

    def any_field(self, fields: Iterable[str], text: str) -> Bits:
        """Documents holding ``text`` in any of ``fields``."""
        fields = tuple(fields)

        def make() -> Bits:
            out = 0
            for f in fields:
                out |= self.term(f, text).value
            return Bits(out)

        return self._cached(("any", fields, text), make)

    def query(self, q: wq.Query) -> Bits:
        """Exactly the documents ``q`` matches (phrases, filters), via Whoosh's matcher."""
        return self._cached(("q", repr(q)), lambda: Bits.from_ids(self.searcher.docs_for_query(q), self.size))

    def live(self) -> Bits:
        """Every document not deleted."""
        return self._cached(("live",), lambda: Bits.from_ids(self.reader.all_doc_ids(), self.size))
