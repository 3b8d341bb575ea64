"""Per-document arrays read in bulk from Whoosh segments: field lengths, which documents are live, id order.

Whoosh answers these one document per Python call (a seek and a read each), which on a 100k-section index
is a fraction of a second per field; a segment's length column is one run of bytes and its id column one
blob plus an offsets array, so each is read with a few calls here. Any segment whose column does not look
like Whoosh 2.7's (and every segment when :mod:`kb.index.w3.fastpath` says no) takes the generic per-document
path, so the arrays never depend on the shortcut.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

import numpy as np
from whoosh.reading import IndexReader

from kb.index.w3 import fastpath


def _leaves(reader: IndexReader) -> list[tuple[IndexReader, int]]:
    return list(reader.leaf_readers())


def _length_table() -> np.ndarray:
    """Whoosh's length byte -> field length; byte 0 (no tokens) is NaN, as ``doc_field_length`` gives None."""
    from whoosh.util.numeric import byte_to_length

    table = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)
    table[0] = np.nan
    return table


def field_lengths(reader: IndexReader, field: str) -> np.ndarray:
    """The (approximate, as Whoosh stores it) length of ``field`` in every document, as float32."""
    size = reader.doc_count_all()
    out = np.full(size, np.nan, dtype=np.float32)
    table: np.ndarray | None = None
    fast = fastpath.use(reader)
    for sub, base in _leaves(reader):
        n = sub.doc_count_all()
        raw = _length_bytes(sub, field, n) if fast else None
        if isinstance(raw, str):  # no column in this segment: Whoosh answers the default, 0
            out[base:base + n] = 0
            continue
        if raw is not None:
            if table is None:
                table = _length_table()
            out[base:base + n] = table[raw]
            continue
        dfl = sub.doc_field_length
        out[base:base + n] = np.fromiter((dfl(d, field, 0) for d in range(n)), dtype=np.float32, count=n)
    return out


def _length_bytes(sub: IndexReader, field: str, n: int) -> np.ndarray | str | None:
    """A segment's length column as one uint8 array, "absent" when it has none, None if not readable so."""
    try:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

        perdoc = sub._perdoc  # type: ignore[attr-defined]
        col = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    except Exception:  # noqa: BLE001 - not a W3 segment: the generic path
        return None
    if col is None:
        return "absent"
    if getattr(col, "_typecode", None) != "B" or getattr(col, "_fixedlen", None) != 1:
        return None
    count = min(int(col._count), n)
    out = np.zeros(n, dtype=np.uint8)
    if count:
        raw = col._dbfile.get(col._basepos, count)
        if len(raw) != count:
            return None
        out[:count] = np.frombuffer(raw, dtype=np.uint8)
    return out


def live(reader: IndexReader) -> np.ndarray:
    """A boolean per document number: False where the document is deleted."""
    out = np.ones(reader.doc_count_all(), dtype=bool)
    for sub, base in _leaves(reader):
        if not sub.has_deletions():
            continue
        deleted = getattr(sub, "deleted_docs_set", None)  # a cached property in Whoosh 2.7
        if isinstance(deleted, (set, frozenset)):
            docs = np.fromiter(deleted, dtype=np.int64, count=len(deleted))
        else:
            docs = np.fromiter((d for d in range(sub.doc_count_all()) if sub.is_deleted(d)), dtype=np.int64)
        out[docs + base] = False
    return out


def ids(reader: IndexReader, field: str = "id") -> list[bytes]:
    """The value of a sortable ID-like field (its column bytes) for every document number."""
    out: list[bytes] = []
    fast = fastpath.use(reader)
    for sub, _base in _leaves(reader):
        n = sub.doc_count_all()
        col = sub.column_reader(field, translate=False)
        values = _var_bytes(col, n) if fast else None
        out += values if values is not None else [col[d] for d in range(n)]
    return out


def _var_bytes(col, n: int) -> list[bytes] | None:
    """Every value of a Whoosh VarBytes column from one read of its data, or None if it is not one."""
    from whoosh.columns import VarBytesColumn

    need = ("_dbfile", "_basepos", "_lengths", "_offsets")
    if not isinstance(col, VarBytesColumn.Reader) or not all(hasattr(col, a) for a in need):
        return None
    if len(col._lengths) != n:
        return None
    lengths = np.asarray(col._lengths, dtype=np.int64)
    offsets = np.asarray(col._offsets, dtype=np.int64)
    if not n:
        return []
    end = int((offsets + lengths).max())
    blob = col._dbfile.get(col._basepos, end)
    if len(blob) != end:
        return None
    return [blob[o:o + ln] for o, ln in zip(offsets.tolist(), lengths.tolist(), strict=True)]


def id_rank(reader: IndexReader, field: str = "id") -> np.ndarray:
    """Each document's position when all documents are sorted by ``field`` (ties by document number)."""
    values = ids(reader, field)
    order = sorted(range(len(values)), key=values.__getitem__)
    rank = np.empty(len(values), dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(values), dtype=np.int64)
    return rank


def id_keys(reader: IndexReader, field: str = "id") -> Callable[[int], bytes]:
    """A document number -> its ``field`` value (column bytes), for ordering a few documents as :func:`id_rank`
    orders them all, without reading and sorting every id (a fifth of a second at 100k sections).

    Each segment's column reader is opened on its first use and asked per document (a read of a few bytes).
    """
    leaves = _leaves(reader)
    bases = [base for _sub, base in leaves]
    opened: dict[int, Callable[[int], bytes]] = {}

    def key(docnum: int) -> bytes:
        i = bisect.bisect_right(bases, docnum) - 1
        get = opened.get(i)
        if get is None:
            get = opened[i] = leaves[i][0].column_reader(field, translate=False).__getitem__
        return get(docnum - bases[i])

    return key
