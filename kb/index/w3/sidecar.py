"""Each segment's posting lists once more, decoded, in a file of kb's own beside it: what a first search reads.

Whoosh 2.7 keeps a posting list as zlib-compressed pickles of 128 postings with their positions; the first
time a term is searched, inflating and unpickling its blocks (most of that time zlib inflating positions
ranking never uses) was most of a query on a freshly opened index. So after each commit the
build writes, for every segment, ``kbpost-<segment id>.bin``: per field, the sorted terms as one fixed-width
byte array, and every term's document numbers (uint32) and term frequencies (uint8/uint16, float32 when a
frequency is not a small whole number) back to back, and for the fields phrases are looked for in, each
posting's positions. A reader opens the file (nothing is read until a field is first used: then its term table),
finds a term with one ``searchsorted`` and reads its slices with ``pread``: a few microseconds.

The file is a cache: checked at open (magic, version, segment id, document count, sizes), per field on its first
use (a CRC-32 of its term table) and per term on its first read (a CRC-32 of its slices, document numbers rising
and inside the segment); anything wrong, missing or older simply takes the decoding path of
:mod:`kb.index.w3.postings` and :mod:`kb.index.w3.positions`. Segments that are gone lose their file at the next
write.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import weakref
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np
from whoosh.reading import IndexReader

MAGIC = b"KBPOSTS1"
VERSION = 2
PREFIX, SUFFIX = "kbpost-", ".bin"
SKIP_FIELDS = frozenset({"id", "path", "stamp", "data"})  # one posting per term, never ranked or counted by term
POSITION_FIELDS = frozenset({"title", "body"})  # where phrases are looked for (kb.search.searcher.PHRASE_FIELDS)
_HEAD = struct.Struct("<8sI")
_ALIGN = 64


def path_for(folder: Path, segment_id: str) -> Path:
    return Path(folder) / f"{PREFIX}{segment_id}{SUFFIX}"


# --- writing ----------------------------------------------------------------------------------------------------
_INDEX_ARRAYS = ("keys", "starts", "tcrc", "pcrc")  # checked as a whole on a field's first use


# --- reading ----------------------------------------------------------------------------------------------------
class Sidecar:
    """One segment's sidecar, open; :meth:`get` gives a term's (ids, frequencies), :meth:`positions` its
    positions. Each field's term table is read and checked on its first use, each term's slices are read with
    ``pread`` (copies: no mapped file pages count against the process) and checked on their first read."""

    def __init__(self, fh: BinaryIO, body_at: int, header: dict) -> None:
        self._fh = fh
        self._fd = fh.fileno()
        self._body_at = body_at
        self.docs = int(header["docs"])
        self._header: dict[str, dict] = header["fields"]
        #: field -> its term table once it passed its checksum; None when it did not
        self._fields: dict[str, dict[str, np.ndarray] | None] = {}
        self._checked: set[tuple[str, int, str]] = set()  # (field, term number, "t" or "p") whose CRC matched

    def close(self) -> None:
        self._fh.close()

    def _read(self, field: str, name: str, start: int, stop: int) -> np.ndarray:
        """Items ``start:stop`` of array ``name`` of ``field``."""
        at, dtype, count = self._header[field]["arrays"][name]
        dt = np.dtype(dtype)
        if not 0 <= start <= stop <= int(count):
            raise ValueError("sidecar slice out of range")
        nbytes = (stop - start) * dt.itemsize
        data = os.pread(self._fd, nbytes, self._body_at + int(at) + start * dt.itemsize) if nbytes else b""
        if len(data) != nbytes:
            raise ValueError("sidecar short read")
        return np.frombuffer(data, dtype=dt)

    def _table(self, field: str) -> dict[str, np.ndarray] | None:
        if field in self._fields:
            return self._fields[field]
        spec = self._header[field]
        out: dict[str, np.ndarray] | None = {}
        try:
            crc = 0
            for name in spec["arrays"]:
                if name in _INDEX_ARRAYS:
                    arr = self._read(field, name, 0, int(spec["arrays"][name][2]))
                    crc = zlib.crc32(arr.data, crc)
                    out[name] = arr  # type: ignore[index]
            n, total = int(spec["n"]), int(spec["postings"])
            starts = out["starts"]  # type: ignore[index]
            if (crc != int(spec["crc"]) or len(out["keys"]) != n or len(starts) != n + 1  # type: ignore[index]
                    or int(starts[0]) != 0 or int(starts[-1]) != total
                    or any(int(spec["arrays"][k][2]) != total for k in ("ids", "weights"))):
                out = None
        except (ValueError, TypeError, KeyError, OSError):
            out = None
        self._fields[field] = out
        return out

    def has(self, field: str) -> bool:
        """Whether this file holds ``field`` undamaged (checked on first use)."""
        return field in self._header and self._table(field) is not None

    def term_table(self, field: str) -> tuple[list[bytes], list[int]] | None:
        """Every term of ``field`` (UTF-8, sorted) and its number of postings (Whoosh's document frequency,
        deleted documents included), from the checked term table; None when the file lacks the field."""
        if not self.has(field):
            return None
        table = self._table(field)
        assert table is not None
        return table["keys"].tolist(), np.diff(table["starts"]).tolist()

    def posting_counts(self, field: str, terms: np.ndarray) -> np.ndarray | None:
        """The number of postings in ``field`` of each of ``terms`` (UTF-8, a bytes array; 0 where absent,
        deleted documents included), from the checked term table, no posting read; None when the file lacks
        the field."""
        if not self.has(field):
            return None
        table = self._table(field)
        assert table is not None
        keys, starts = table["keys"], table["starts"]
        out = np.zeros(len(terms), dtype=np.int64)
        if not len(keys) or not len(terms):
            return out
        wanted = terms.astype(keys.dtype)  # cut to the table's width: a longer term is none of its terms
        at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        found = keys[at] == wanted
        if terms.dtype.itemsize > keys.dtype.itemsize:
            found &= np.char.str_len(terms) <= keys.dtype.itemsize
        out[found] = starts[at[found] + 1] - starts[at[found]]
        return out

    def get_many(self, field: str, terms: np.ndarray) -> list[tuple[np.ndarray, np.ndarray] | None] | None:
        """:meth:`get` of each of ``terms`` (a bytes array, as :meth:`posting_counts` takes) with one lookup in
        the term table for them all; None when the file lacks the field. Raises ValueError as :meth:`get` does
        (checked alike: each term's CRC-32 on its first read, its document numbers rising inside the segment)."""
        if not self.has(field):
            return None
        table = self._table(field)
        assert table is not None
        keys, starts = table["keys"], table["starts"]
        out: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(terms)
        if not len(keys) or not len(terms):
            return out
        wanted = terms.astype(keys.dtype)
        at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        found = keys[at] == wanted
        if terms.dtype.itemsize > keys.dtype.itemsize:
            found &= np.char.str_len(terms) <= keys.dtype.itemsize
        for j in np.flatnonzero(found).tolist():
            i = int(at[j])
            a, b = int(starts[i]), int(starts[i + 1])
            if not 0 <= a < b:
                raise ValueError("sidecar offsets out of range")
            ids = self._read(field, "ids", a, b)
            weights = self._read(field, "weights", a, b)
            if (field, i, "t") not in self._checked:
                if zlib.crc32(weights.data, zlib.crc32(ids.data)) != int(table["tcrc"][i]):
                    raise ValueError("sidecar postings failed their checksum")
                if int(ids[-1]) >= self.docs or (len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1]))):
                    raise ValueError("sidecar document numbers out of order")
                self._checked.add((field, i, "t"))
            out[j] = ids.astype(np.int64), weights.astype(np.float32)
        return out

    def has_positions(self, field: str) -> bool:
        return self.has(field) and "pos" in self._header[field]["arrays"]

    def _find(self, field: str, term: str) -> tuple[int, int, int, np.ndarray] | None:
        """(term number, first posting, end, ids) of ``term``, its ids and weights checked; None if absent."""
        table = self._table(field)
        if table is None:
            raise ValueError("sidecar field failed its checksum")
        keys = table["keys"]
        key = term.encode("utf-8")
        if len(key) > keys.dtype.itemsize or not len(keys):
            return None
        i = int(np.searchsorted(keys, key))
        if i >= len(keys) or keys[i] != key:
            return None
        a, b = int(table["starts"][i]), int(table["starts"][i + 1])
        if not 0 <= a < b:
            raise ValueError("sidecar offsets out of range")
        ids = self._read(field, "ids", a, b)
        if (field, i, "t") not in self._checked:
            weights = self._read(field, "weights", a, b)
            if zlib.crc32(weights.data, zlib.crc32(ids.data)) != int(table["tcrc"][i]):
                raise ValueError("sidecar postings failed their checksum")
            if int(ids[-1]) >= self.docs or (len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1]))):
                raise ValueError("sidecar document numbers out of order")
            self._checked.add((field, i, "t"))
        return i, a, b, ids

    def get(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(ids as int64, frequencies as float32) of ``term``; None if the segment does not hold it.

        Raises ValueError when the slice is damaged (the caller decodes Whoosh's blocks instead).
        """
        found = self._find(field, term)
        if found is None:
            return None
        _i, a, b, ids = found
        return ids.astype(np.int64), self._read(field, "weights", a, b).astype(np.float32)

    def positions(self, field: str, term: str, docs: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(document number, position) of each occurrence of ``term`` (in ``docs``, ascending, when given)."""
        found = self._find(field, term)
        if found is None:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        i, a, b, raw_ids = found
        ids = raw_ids.astype(np.int64)
        pstarts = self._read(field, "pstarts", a, b + 1).astype(np.int64)
        lo, hi = int(pstarts[0]), int(pstarts[-1])
        if lo > hi or bool(np.any(pstarts[1:] < pstarts[:-1])):
            raise ValueError("sidecar position offsets out of order")
        if docs is None:
            keep = np.arange(b - a)
        else:
            at = np.minimum(np.searchsorted(ids, docs), len(ids) - 1)
            keep = at[ids[at] == docs]
        checked = (field, i, "p") in self._checked
        if not checked or len(keep) * 8 > b - a:  # most of them: one read of all
            pos = self._read(field, "pos", lo, hi)
            if not checked:
                raw_pstarts = self._read(field, "pstarts", a, b + 1)
                if zlib.crc32(pos.data, zlib.crc32(raw_pstarts.data)) != int(self._table(field)["pcrc"][i]):
                    raise ValueError("sidecar positions failed their checksum")
                self._checked.add((field, i, "p"))
            starts = pstarts[keep] - lo
            lengths = pstarts[keep + 1] - pstarts[keep]
            run_of = np.repeat(np.arange(len(keep)), lengths)
            offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            return np.repeat(ids[keep], lengths), pos[starts[run_of] + offsets].astype(np.int64)
        # a few documents of a term already checked: one read per document
        out_pos = [self._read(field, "pos", int(pstarts[k]), int(pstarts[k + 1])) for k in keep.tolist()]
        lengths = pstarts[keep + 1] - pstarts[keep]
        return (np.repeat(ids[keep], lengths),
                np.concatenate(out_pos).astype(np.int64) if out_pos else np.empty(0, dtype=np.int64))


def _open(folder: Path, sub: IndexReader) -> Sidecar | None:
    """The valid sidecar of segment ``sub`` in ``folder``, or None (missing, damaged, another version...)."""
    path = path_for(folder, sub.segment().segment_id())
    try:
        fh = open(path, "rb")  # noqa: SIM115 - kept open for the reader's life, closed with the Sidecar
    except OSError:
        return None
    try:
        size = os.fstat(fh.fileno()).st_size
        head = fh.read(_HEAD.size)
        magic, hlen = _HEAD.unpack(head)
        if magic != MAGIC or _HEAD.size + hlen > size:
            raise ValueError("not a sidecar")
        header = json.loads(fh.read(hlen))
        body_at = (_HEAD.size + hlen + _ALIGN - 1) // _ALIGN * _ALIGN
        if (header.get("version") != VERSION or header.get("segment") != sub.segment().segment_id()
                or int(header.get("docs", -1)) != sub.doc_count_all() or body_at + int(header["size"]) != size):
            raise ValueError("another segment's or version's sidecar")
        return Sidecar(fh, body_at, header)
    except Exception:  # noqa: BLE001 - a damaged cache: decode Whoosh's blocks instead
        fh.close()
        return None


#: reader -> (folder, {segment id: Sidecar or None}), filled lazily
_attached: weakref.WeakKeyDictionary[IndexReader, tuple[Path, dict[str, Sidecar | None]]] = \
    weakref.WeakKeyDictionary()


def attach(reader: IndexReader, folder: str | os.PathLike[str]) -> None:
    """Let :func:`for_segment` find ``reader``'s sidecars in ``folder`` (opened on first use)."""
    with contextlib.suppress(TypeError):
        _attached[reader] = (Path(folder), {})


def detach(reader: IndexReader) -> None:
    """Close ``reader``'s sidecar files (when its searcher closes)."""
    entry = _attached.pop(reader, None)
    if entry is not None:
        for side in entry[1].values():
            if side is not None:
                side.close()


def for_segment(reader: IndexReader, sub: IndexReader) -> Sidecar | None:
    """The sidecar of leaf ``sub`` of ``reader`` (attached with :func:`attach`), or None."""
    entry = _attached.get(reader)
    if entry is None:
        return None
    folder, opened = entry
    segment_id = sub.segment().segment_id()
    if segment_id not in opened:
        opened[segment_id] = _open(folder, sub)
    return opened[segment_id]
