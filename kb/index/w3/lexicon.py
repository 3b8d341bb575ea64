"""The term dictionary of a few text fields, read once per index generation: for prefix completion and spelling.

Whoosh's multi-segment reader merges the segments' term lists and looks every term up in every segment
(``MultiReader.iter_field`` -> ``term_info``): on a 100k-section index built in several segments that took
seconds. Here each segment's own list is read and the document frequencies summed, which gives the same
numbers; for Whoosh 2.7's term files (an ordered table of key, term info records) a field's records are read
with one file read and parsed in place, three reads and a term-info object per term less (a few times faster
than reading each segment's list through Whoosh). Other segments (and every segment when
:mod:`kb.index.w3.fastpath` says no) take Whoosh's ``iter_field``.
"""

from __future__ import annotations

import bisect
import heapq
import struct
from collections.abc import Iterator

from whoosh.reading import IndexReader

from kb.index.w3 import fastpath, sidecar

_LENGTHS = struct.Struct("!ii")  # an ordered hash record: key length, value length, then key, value
_DF = struct.Struct("!I")  # W3 term info: flags (1 byte), total weight (4), then the document frequency
_DF_AT = 5


def raw_records(sub: IndexReader, fieldname: str) -> Iterator[tuple[bytes, bytes]] | None:
    """(term, term info bytes) of one field of a W3 segment, parsed from one read; None if not such a segment."""
    try:
        terms = sub._terms  # type: ignore[attr-defined]
        table = terms._tindex
        prefix = terms._keycoder(fieldname, b"")
        if terms._fieldmap.get(fieldname) is None:
            return iter(())
        start = table.closest_key_pos(prefix)
        if start is None:
            return iter(())
        end = table.endofdata
        raw = table.dbfile.get(start, end - start)
        if len(raw) != end - start:
            return None
    except Exception:  # noqa: BLE001 - another codec or Whoosh: the generic path
        return None

    def records() -> Iterator[tuple[bytes, bytes]]:
        plen, pos, size = len(prefix), 0, len(raw)
        unpack_lengths = _LENGTHS.unpack_from
        while pos < size:
            keylen, datalen = unpack_lengths(raw, pos)
            keypos = pos + 8
            if raw[keypos:keypos + plen] != prefix:
                return
            datapos = keypos + keylen
            yield raw[keypos + plen:datapos], raw[datapos:datapos + datalen]
            pos = datapos + datalen

    return records()


def _raw_terms(sub: IndexReader, fieldname: str) -> Iterator[tuple[str, int]] | None:
    """(term, doc frequency) of one field of a W3 segment, parsed from one read; None if not such a segment."""
    records = raw_records(sub, fieldname)
    if records is None:
        return None
    unpack_df = _DF.unpack_from
    return ((term.decode("utf-8"), unpack_df(value, _DF_AT)[0]) for term, value in records)


def _segment_terms(sub: IndexReader, fieldname: str, fast: bool) -> Iterator[tuple[str, int]]:
    raw = _raw_terms(sub, fieldname) if fast else None
    if raw is not None:
        return raw
    return ((t.decode("utf-8") if isinstance(t, bytes) else t, info.doc_frequency())
            for t, info in sub.iter_field(fieldname))


class Lexicon:
    """Sorted terms per field and their document frequency (over segments, deleted documents included)."""

    def __init__(self, reader: IndexReader, fields: tuple[str, ...]) -> None:
        per_field: dict[str, dict[str, int]] = {}
        fast = fastpath.use(reader)
        for fieldname in fields:
            if fieldname not in reader.schema:
                continue
            df: dict[str, int] = {}
            get = df.get
            for sub, _base in reader.leaf_readers():
                side = sidecar.for_segment(reader, sub) if fast else None
                table = side.term_table(fieldname) if side is not None else None
                if table is not None:  # kb's copy of the term table: two arrays, no record parsed in Python
                    for key, n in zip(*table, strict=True):
                        t = key.decode("utf-8")
                        df[t] = get(t, 0) + n
                    continue
                for t, n in _segment_terms(sub, fieldname, fast):
                    df[t] = get(t, 0) + n
            per_field[fieldname] = df
        #: field -> its terms, sorted
        self.terms: dict[str, list[str]] = {f: sorted(df) for f, df in per_field.items()}
        #: term -> its highest document frequency in any of the fields
        self.df: dict[str, int] = {}
        for df in per_field.values():
            best = self.df
            for t, n in df.items():
                if n > best.get(t, 0):
                    best[t] = n
        #: every term of every field, sorted
        self.vocab: list[str] = sorted(self.df)

    def complete(self, prefix: str, limit: int) -> tuple[str, ...]:
        """Terms starting with ``prefix``: all of them if at most ``limit``, else the ``limit`` most frequent."""
        vocab = self.vocab
        lo = bisect.bisect_left(vocab, prefix)
        hi = bisect.bisect_left(vocab, prefix + "\uffff")
        if hi - lo <= limit:
            return tuple(vocab[lo:hi])
        df = self.df
        return tuple(heapq.nlargest(limit, vocab[lo:hi], key=lambda t: (df[t], t)))
