"""Each segment's posting lists once more, decoded, in a file of kb's own beside it: what a first search reads.

Whoosh 2.7 keeps a posting list as zlib-compressed pickles of 128 postings with their positions; the first
time a term is searched, inflating and unpickling its blocks (about 20 microseconds a block, most of it zlib
inflating positions ranking never uses) was most of a query on a freshly opened index. So after each commit the
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
def _field_arrays(sub: IndexReader, field: str, with_positions: bool) -> dict[str, np.ndarray] | None:
    """The arrays of every term of ``field`` in segment ``sub`` (see :func:`write`); None if it has none."""
    from whoosh.codec.whoosh3 import W3TermInfo

    from kb.index.w3.lexicon import raw_records
    from kb.index.w3.positions import segment_positions
    from kb.index.w3.postings import segment_postings

    records = raw_records(sub, field)
    if records is None:
        return None
    terms: list[bytes] = []
    counts: list[int] = []
    id_parts: list[np.ndarray] = []
    w_parts: list[np.ndarray] = []
    pcount_parts: list[np.ndarray] = []
    pos_parts: list[np.ndarray] = []
    for term, value in records:
        if with_positions:
            ids, weights, per_posting, pos = segment_positions(sub, W3TermInfo.from_bytes(value))
            pcount_parts.append(per_posting)
            pos_parts.append(pos)
        else:
            ids, weights = segment_postings(sub, value)
        terms.append(term)
        counts.append(len(ids))
        id_parts.append(ids)
        w_parts.append(weights)
    if not terms:
        return None
    starts = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    out = {"keys": np.array(terms, dtype=f"S{max(map(len, terms))}"), "starts": starts,
           "ids": np.concatenate(id_parts).astype(np.uint32), "weights": np.concatenate(w_parts)}
    if len(out["keys"]) > 1 and not bool(np.all(out["keys"][1:] > out["keys"][:-1])):
        return None  # not in byte order (cannot happen with Whoosh's table): leave the field to the decoder
    out["weights"] = out["weights"].astype(_weights_dtype(out["weights"]))
    if with_positions:
        pos = np.concatenate(pos_parts)
        pstarts = np.zeros(len(out["ids"]) + 1, dtype=np.int64)
        np.cumsum(np.concatenate(pcount_parts), out=pstarts[1:])
        out["pstarts"] = pstarts.astype(np.uint32)
        out["pos"] = pos.astype(np.uint16 if not len(pos) or int(pos.max()) < 65536 else np.uint32)
    # a checksum per term, of its slices (checked when the term is first read)
    ids, weights = out["ids"], out["weights"]
    tcrc = np.empty(len(terms), dtype=np.uint32)
    pcrc = np.empty(len(terms), dtype=np.uint32)
    for i in range(len(terms)):
        lo, hi = int(starts[i]), int(starts[i + 1])
        tcrc[i] = zlib.crc32(weights[lo:hi].data, zlib.crc32(ids[lo:hi].data))
        if with_positions:
            ps = out["pstarts"]
            pcrc[i] = zlib.crc32(out["pos"][int(ps[lo]):int(ps[hi])].data, zlib.crc32(ps[lo:hi + 1].data))
    out["tcrc"] = tcrc
    if with_positions:
        out["pcrc"] = pcrc
    return out


def _weights_dtype(w: np.ndarray) -> np.dtype:
    if len(w) and bool(np.all(w == np.round(w))) and float(w.min()) >= 0:
        top = float(w.max())
        if top < 256:
            return np.dtype(np.uint8)
        if top < 65536:
            return np.dtype(np.uint16)
    return np.dtype(np.float32)


_INDEX_ARRAYS = ("keys", "starts", "tcrc", "pcrc")  # checked as a whole on a field's first use


def write(folder: Path, sub: IndexReader) -> Path:
    """Write the sidecar of segment ``sub`` into ``folder`` (atomically).

    Per field: ``keys`` (sorted terms, fixed width), ``starts`` (each term's first posting), ``ids`` (uint32),
    ``weights`` (term frequencies), ``tcrc`` (a CRC-32 per term of its ids and weights); for the phrase fields
    also ``pstarts`` (each posting's first position), ``pos`` (positions) and ``pcrc``; the header holds each
    array's offset, type and length and a CRC-32 of the index arrays.
    """
    segment_id = sub.segment().segment_id()
    fields: dict[str, dict] = {}
    blobs: list[tuple[int, bytes]] = []
    pos = 0
    for field in sub.schema.names():
        if field in SKIP_FIELDS or not getattr(sub.schema[field], "indexed", True):
            continue
        try:
            arrays = _field_arrays(sub, field, field in POSITION_FIELDS
                                   and sub.schema[field].format.supports("positions"))
        except Exception:  # noqa: BLE001 - a block kb cannot decode: that field is read from Whoosh's blocks
            arrays = None
        if arrays is None:
            continue
        spec: dict[str, object] = {"n": len(arrays["keys"]), "postings": len(arrays["ids"]), "arrays": {}}
        crc = 0
        for name, arr in arrays.items():
            data = np.ascontiguousarray(arr).tobytes()
            if name in _INDEX_ARRAYS:
                crc = zlib.crc32(data, crc)
            pos = (pos + _ALIGN - 1) // _ALIGN * _ALIGN
            blobs.append((pos, data))
            spec["arrays"][name] = [pos, arr.dtype.str, len(arr)]  # type: ignore[index]
            pos += len(data)
        spec["crc"] = crc
        fields[field] = spec
    header = json.dumps({"version": VERSION, "segment": segment_id, "docs": sub.doc_count_all(), "size": pos,
                         "fields": fields}).encode()
    body_at = (_HEAD.size + len(header) + _ALIGN - 1) // _ALIGN * _ALIGN
    target = path_for(folder, segment_id)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(_HEAD.pack(MAGIC, len(header)) + header)
            for at, data in blobs:
                fh.seek(body_at + at)
                fh.write(data)
            fh.truncate(body_at + pos)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return target


def write_missing(folder: Path, reader: IndexReader) -> None:
    """Give every segment of ``reader`` its sidecar (those that have a valid one keep it) and remove the files
    of segments that are gone. Call after a commit, with the write lock held."""
    from kb.index.w3 import fastpath

    folder = Path(folder)
    if not fastpath.use(reader):
        return
    keep = set()
    for sub, _base in reader.leaf_readers():
        segment_id = sub.segment().segment_id()
        keep.add(f"{PREFIX}{segment_id}{SUFFIX}")
        if _open(folder, sub) is None:
            write(folder, sub)
    for entry in folder.iterdir():
        if entry.name.startswith(PREFIX) and entry.name.endswith(SUFFIX) and entry.name not in keep:
            with contextlib.suppress(OSError):
                entry.unlink()


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


def write_index(ix, folder: str | os.PathLike[str]) -> None:
    """:func:`write_missing` for the latest generation of index ``ix`` in ``folder``; a sidecar that cannot be
    written (disk full...) is left out: searches then decode Whoosh's blocks, slower but the same."""
    try:
        with ix.reader() as reader:
            write_missing(Path(folder), reader)
    except OSError:
        pass
