"""Every position of a term in a field, decoded from Whoosh 2.7's posting blocks in bulk (for exact phrases).

Whoosh hands out positions one posting per Python call through a matcher skipped to each document; checking a
phrase over thousands of candidates that way is most of a quoted search. Here a term's blocks are unpickled
with one C call per block and the position deltas summed in numpy (kb.search.phrases intersects them). Raises
on any surprise, and when the fast readers are off (:mod:`kb.index.w3.fastpath`): the caller then asks Whoosh.
"""

from __future__ import annotations

import io
import pickle
import zlib
from itertools import chain

import numpy as np
from whoosh.reading import IndexReader

from kb.index.w3 import fastpath, sidecar
from kb.index.w3.postings import raw_run


class NoFastPath(ValueError):
    """The fast readers do not apply (switched off, or another layout): use Whoosh's matchers."""


def _value_lists(values: tuple) -> list[list[int]]:
    """Each posting's position deltas, unpickled at once.

    A value is a 4-byte count then ``pickle.dumps(deltas, 2)``: protocol header, a list, stop. Their bodies
    joined between one list's MARK and APPENDS are a pickle of the list of lists, so one ``loads`` (in C)
    replaces one per posting, which was most of the time.
    """
    if values and values[0][4:6] != b"\x80\x02":
        raise ValueError("position values are not protocol-2 pickles")
    lists = pickle.loads(b"\x80\x02](" + b"".join([v[6:-1] if v.endswith(b".") else v[6:] for v in values])
                         + b"e.")
    if len(lists) != len(values):
        raise ValueError("position values did not decode to one list each")
    return lists


def _weights(block_weights: object, n: int) -> list[float]:
    if block_weights is None:
        return [1.0] * n
    if isinstance(block_weights, (int, float)):
        return [float(block_weights)] * n
    return list(block_weights)  # type: ignore[call-overload]


def segment_positions(sub: IndexReader, info) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ids, weights, positions per posting, positions) of one term in one segment, from Whoosh 2.7's blocks.

    Ids are the segment's document numbers (one per posting); positions are absolute, posting after posting.
    """
    docs: list[np.ndarray] = []
    weights: list[float] = []
    counts: list[int] = []
    deltas: list[int] = []
    if info.is_inlined():
        ids, block_weights, values = info.inlined_postings()
        docs.append(np.asarray(ids, dtype=np.int64))
        weights += _weights(block_weights, len(ids))
        lists = _value_lists(tuple(values))
        counts += map(len, lists)
        deltas.extend(chain.from_iterable(lists))
    else:
        raw = raw_run(sub, info)
        buf = io.BytesIO(raw)
        pos = 4
        while True:
            size = int.from_bytes(raw[pos:pos + 4], "big", signed=True)
            end = pos + 4 + abs(size)
            buf.seek(pos + 4)
            n, _maxid, _maxw, compression, _mnl, _mxl = pickle.load(buf)
            data = raw[buf.tell():end]
            ids, block_weights, values = pickle.loads(zlib.decompress(data) if compression else data)
            if len(ids) != n or len(values) != n:
                raise ValueError("posting block length mismatch")
            docs.append(np.cumsum(np.asarray(ids, dtype=np.int64)))
            weights += _weights(block_weights, n)
            lists = _value_lists(values)
            counts += map(len, lists)
            deltas.extend(chain.from_iterable(lists))
            if size < 0 or end >= len(raw):
                break
            pos = end
    per_posting = np.asarray(counts, dtype=np.int64)
    doc_ids = np.concatenate(docs)
    if len(doc_ids) != len(per_posting):
        raise ValueError("positions do not match postings")
    # positions are delta-coded per posting: one running sum, minus the sum reached before each posting
    csum = np.cumsum(np.asarray(deltas, dtype=np.int64))
    starts = np.cumsum(per_posting) - per_posting
    before = np.zeros(len(per_posting), dtype=np.int64)
    nonempty = starts > 0
    before[nonempty] = csum[starts[nonempty] - 1]
    return doc_ids, np.asarray(weights, dtype=np.float32), per_posting, csum - np.repeat(before, per_posting)


def positions(reader: IndexReader, field: str, term: str, docs: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """(document number, position) of every occurrence of ``term`` in ``field`` (only in ``docs``, ascending
    document numbers, when given), from each segment's sidecar (:mod:`kb.index.w3.sidecar`) or its blocks.

    Whoosh 2.7's W3 posting blocks hold ``(delta-coded ids, weights, values)`` and each value is the count of
    positions then a pickle of their deltas (``formats.Positions.encode``, as kb.index.w3.bulkwriter writes it too).
    Raises on anything else, when :mod:`kb.index.w3.fastpath` says no, and when ``docs`` is given and a segment has
    no sidecar (checking a few documents is then cheaper through Whoosh's matchers): the caller falls back to Whoosh.
    """
    if not fastpath.use(reader):
        raise NoFastPath("the fast readers are off for this index")
    out_docs: list[np.ndarray] = []
    out_pos: list[np.ndarray] = []
    for sub, base in reader.leaf_readers():
        n = sub.doc_count_all()
        want = None if docs is None else docs[(docs >= base) & (docs < base + n)] - base
        if want is not None and not len(want):
            continue
        side = sidecar.for_segment(reader, sub)
        found = None
        if side is not None and side.has_positions(field):
            try:
                found = side.positions(field, term, want)
            except ValueError:  # a damaged slice: Whoosh's blocks below
                found = None
        if found is None:
            if want is not None:
                raise NoFastPath("no sidecar with positions")
            if (field, term) not in sub:
                continue
            ids, _w, per_posting, pos = segment_positions(sub, sub.term_info(field, term))
            doc_of = np.repeat(ids, per_posting)
        else:
            doc_of, pos = found
        out_docs.append(doc_of + base)
        out_pos.append(pos)
    if not out_docs:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(out_docs), np.concatenate(out_pos)
