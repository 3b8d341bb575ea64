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

from kb.index.w3 import fastpath
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


def _block_positions(ids: tuple, values: tuple, docs: list[np.ndarray],
                     counts: list[list[int]], deltas: list[int]) -> None:
    """Append one block's document numbers and its postings' position deltas."""
    docs.append(np.cumsum(np.asarray(ids, dtype=np.int64)))
    lists = _value_lists(values)
    counts.append(list(map(len, lists)))
    deltas.extend(chain.from_iterable(lists))


def positions(reader: IndexReader, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """(document number, position) of every occurrence of ``term`` in ``field``, read block by block.

    Whoosh 2.7's W3 posting blocks hold ``(delta-coded ids, weights, values)`` and each value is the count of
    positions then a pickle of their deltas (``formats.Positions.encode``, as kb.index.w3.bulkwriter writes it too).
    Raises on anything else, and when :mod:`kb.index.w3.fastpath` says no (the caller falls back to Whoosh).
    """
    if not fastpath.use(reader):
        raise NoFastPath("the fast readers are off for this index")
    out_docs: list[np.ndarray] = []
    out_pos: list[np.ndarray] = []
    for sub, base in reader.leaf_readers():
        if (field, term) not in sub:
            continue
        info = sub.term_info(field, term)
        docs: list[np.ndarray] = []
        counts: list[list[int]] = []
        deltas: list[int] = []
        if info.is_inlined():
            ids, _weights, values = info.inlined_postings()
            docs.append(np.asarray(ids, dtype=np.int64))
            lists = _value_lists(tuple(values))
            counts.append(list(map(len, lists)))
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
                ids, _weights, values = pickle.loads(zlib.decompress(data) if compression else data)
                if len(ids) != n or len(values) != n:
                    raise ValueError("posting block length mismatch")
                _block_positions(ids, values, docs, counts, deltas)
                if size < 0 or end >= len(raw):
                    break
                pos = end
        per_posting = np.asarray([c for block in counts for c in block], dtype=np.int64)
        doc_ids = np.concatenate(docs) + base
        if len(doc_ids) != len(per_posting):
            raise ValueError("positions do not match postings")
        # positions are delta-coded per posting: one running sum, minus the sum reached before each posting
        csum = np.cumsum(np.asarray(deltas, dtype=np.int64))
        starts = np.cumsum(per_posting) - per_posting
        before = np.zeros(len(per_posting), dtype=np.int64)
        nonempty = starts > 0
        before[nonempty] = csum[starts[nonempty] - 1]
        out_pos.append(csum - np.repeat(before, per_posting))
        out_docs.append(np.repeat(doc_ids, per_posting))
    if not out_docs:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(out_docs), np.concatenate(out_pos)
