"""Reading a Whoosh posting list into numpy arrays (document numbers, weights) in one pass.

Whoosh's matchers hand out one posting per Python call; on a common word of a 100k-section index that is
hundreds of milliseconds. Whoosh 2.7's segment files keep each posting list as a run of blocks (a length, a
pickled block header, a zlib-compressed pickle of delta-coded ids, weights and values), found through the
term's entry in the segment's term dictionary (inlined there when the term has a single posting). Here each
segment's run is read with one file read and each block decoded with C-level calls (``zlib``, ``pickle``)
and one numpy cumulative sum, a few microseconds per block of 128 postings. Anything else (another codec, a
Whoosh whose internals differ, ``KB_NO_FASTPATH`` set: see :mod:`kb.index.w3.fastpath`) takes the generic
matcher path, so results never depend on the shortcut. Deleted documents are included: callers mask them out.
"""

from __future__ import annotations

import io
import pickle
import zlib

import numpy as np
from whoosh.reading import IndexReader, TermNotFound

from kb.index.w3 import fastpath, sidecar

try:
    from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC as _MAGIC
except ImportError:  # pragma: no cover - another Whoosh: the generic path only
    _MAGIC = b""


#: How protocol-2 pickles start a ``bytes`` object: each block's values (positions) begin with it.
_BYTES_GLOBAL = b"c_codecs\nencode\n"


class _Layout(Exception):
    """The bytes do not look like Whoosh 2.7's posting blocks: use the generic path."""


def _ids_and_weights(data: bytes, compressed: bool, n: int) -> tuple[tuple, object]:
    """The delta-coded ids and the weights of one block of ``n`` postings, leaving its values undecoded.

    A block is the pickle of ``(ids, weights, values)``; the values (each posting's positions, as bytes
    that protocol 2 rebuilds with one ``_codecs.encode`` call apiece) are nine tenths of the unpickling and
    most of the inflating, and ranking never needs them. So only the head is inflated, the pickle is cut where
    the values begin and closed as ``(ids, weights, None)``; any surprise (no values, a cut in the wrong
    place) is caught by the checks and the whole block is decoded instead.
    """
    head = zlib.decompressobj().decompress(data, 14 * n + 64) if compressed else data  # ids <= 5, weights 9 B
    start = head.find(_BYTES_GLOBAL)
    if start > 0:
        cut = start - 1 if head[start - 1:start] == b"(" else start  # a tuple of more than 3 values has a MARK
        try:
            ids, weights, _ = pickle.loads(head[:cut] + b"N\x87.")
        except Exception:  # noqa: BLE001 - cut in the wrong place: decode it all below
            ids = weights = None
        if isinstance(ids, tuple) and len(ids) == n and (
                weights is None or isinstance(weights, (int, float))
                or (isinstance(weights, tuple) and len(weights) == n)):
            return ids, weights
    block = pickle.loads(zlib.decompress(data) if compressed else data)
    return block[0], block[1]


def _decode_run(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(ids, weights) of one segment's posting run (header, then blocks), as in the W3 codec."""
    if not _MAGIC or raw[:4] != _MAGIC:
        raise _Layout("no W3 posting header")
    deltas: list[int] = []
    weights: list[float] = []
    starts: list[int] = []
    buf = io.BytesIO(raw)
    pos = 4
    while True:
        length = int.from_bytes(raw[pos:pos + 4], "big", signed=True)
        nextpos = pos + 4 + abs(length)
        if nextpos > len(raw):
            raise _Layout("posting block runs past the term's extent")
        buf.seek(pos + 4)
        n, _maxid, _maxw, compression, _mnl, _mxl = pickle.load(buf)
        block_ids, block_weights = _ids_and_weights(raw[buf.tell():nextpos], bool(compression), n)
        if len(block_ids) != n:
            raise _Layout("posting block length mismatch")
        starts.append(len(deltas))
        deltas.extend(block_ids)
        if block_weights is None:
            weights.extend([1.0] * n)
        elif isinstance(block_weights, (int, float)):
            weights.extend([block_weights] * n)
        else:
            weights.extend(block_weights)
        if length < 0 or nextpos == len(raw):  # a negative length marks the last block
            break
        pos = nextpos
    # each block's ids are delta-coded from 0: one running sum, minus the sum reached before each block
    csum = np.cumsum(np.asarray(deltas, dtype=np.int64))
    first = np.asarray(starts, dtype=np.int64)
    base = np.zeros(len(first), dtype=np.int64)
    base[1:] = csum[first[1:] - 1]
    ids = csum - np.repeat(base, np.diff(np.append(first, len(deltas))))
    # damaged bytes that still decode: Whoosh's own reader would fail on the block's checksum (it inflates all
    # of it), this path only inflates the head; document numbers must rise strictly and start at 0 or above
    if len(ids) and (ids[0] < 0 or (len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1])))):
        raise _Layout("document numbers out of order")
    w = np.asarray(weights, dtype=np.float64)
    if len(w) and not (bool(np.all(w > 0)) and float(w.max()) < 1e9):  # term frequencies: positive, bounded
        raise _Layout("weights out of range")
    return ids, w.astype(np.float32)


def raw_run(sub: IndexReader, info) -> bytes:
    """The bytes of one term's posting run in one segment (header, then blocks), from its term info."""
    offset, length = info.extent()
    if isinstance(length, tuple):  # Whoosh 2.7 keeps the unpacked 1-tuple
        length = length[0]
    postfile = sub._terms._postfile  # type: ignore[attr-defined]
    raw = postfile.get(offset, length)
    if len(raw) != length:
        raise _Layout("short read")
    if not _MAGIC or raw[:4] != _MAGIC:
        raise _Layout("no W3 posting header")
    return raw


def _segment_arrays(sub: IndexReader, info) -> tuple[np.ndarray, np.ndarray]:
    """(ids, weights) of one term in one segment from its term info, without a matcher."""
    if info.is_inlined():
        ids, weights, _values = info.inlined_postings()
        return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float32)
    ids, weights = _decode_run(raw_run(sub, info))
    if len(ids) and ids[-1] >= sub.doc_count_all():
        raise _Layout("document number past the segment's end")
    return ids, weights


def segment_postings(sub: IndexReader, info_bytes: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(ids, weights) of one term in one segment from its term info as the term table stores it."""
    from whoosh.codec.whoosh3 import W3TermInfo

    return _segment_arrays(sub, W3TermInfo.from_bytes(info_bytes))


def read_postings(m, offset: int, ids: list[np.ndarray], tfs: list[np.ndarray]) -> None:
    """Append a matcher's document numbers (+ ``offset``) and weights to ``ids`` and ``tfs``: the generic path."""
    subs = getattr(m, "matchers", None)
    if isinstance(subs, list) and isinstance(getattr(m, "offsets", None), list):  # MultiMatcher: one per segment
        for sub, off in zip(subs, m.offsets, strict=True):
            read_postings(sub, offset + off, ids, tfs)
        return
    child = getattr(m, "child", None)
    if child is not None and type(m).__name__ == "FilterMatcher":  # the deleted-documents filter
        m = child
        m.reset()  # the filter has already moved it past any deleted documents at the start
    one_ids: list[int] = []
    one_tfs: list[float] = []
    while m.is_active():
        one_ids.append(m.id() + offset)
        one_tfs.append(m.weight())
        m.next()
    ids.append(np.asarray(one_ids, dtype=np.int64))
    tfs.append(np.asarray(one_tfs, dtype=np.float32))


def posting_arrays(reader: IndexReader, field: str, term: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(document numbers as int32, weights as float32) of one term in one field, or None when absent.

    The number of postings equals Whoosh's ``doc_frequency`` (which counts deleted documents too).
    """
    if field not in reader.schema:
        return None
    id_chunks: list[np.ndarray] = []
    tf_chunks: list[np.ndarray] = []
    fast = fastpath.use(reader)
    for sub, base in reader.leaf_readers():
        side = sidecar.for_segment(reader, sub) if fast else None
        if side is not None and side.has(field):  # kb's decoded copy (kb.index.w3.sidecar): a slice
            try:
                found = side.get(field, term)
            except ValueError:  # a damaged slice: decode Whoosh's blocks below
                pass
            else:
                if found is not None:
                    id_chunks.append(found[0] + base)
                    tf_chunks.append(found[1])
                continue
        if (field, term) not in sub:  # a lookup; cheaper than term_info raising for the segments without it
            continue
        if not fast:
            read_postings(sub.postings(field, term), base, id_chunks, tf_chunks)
            continue
        try:
            info = sub.term_info(field, term)
        except (TermNotFound, KeyError):
            continue
        try:
            ids, tfs = _segment_arrays(sub, info)
        except Exception:  # noqa: BLE001 - an unexpected layout: decode it the slow, generic way
            read_postings(sub.postings(field, term), base, id_chunks, tf_chunks)
            continue
        id_chunks.append(ids + base)
        tf_chunks.append(tfs)
    if not id_chunks:
        return None
    ids = np.concatenate(id_chunks).astype(np.int32)
    if not len(ids):
        return None
    return ids, np.concatenate(tf_chunks)
