"""Each segment's posting lists once more, decoded, in a file of kb's own beside it: what a first search reads.

Whoosh 2.7 keeps a posting list as zlib-compressed pickles of 128 postings with their positions; the first
time a term is searched, inflating and unpickling its blocks (about 20 microseconds a block, most of it zlib
inflating positions ranking never uses) was most of a query on a freshly opened index. So after each commit the
build writes, for every segment, ``kbpost-<segment id>.bin``: per field, the sorted terms as one fixed-width
byte array, and every term's document numbers (uint32) and term frequencies (uint8/uint16, float32 when a
frequency is not a small whole number) back to back. A reader maps the file (nothing is read until a term is
looked up), finds a term with one ``searchsorted`` and slices its arrays: a few microseconds.

The file is a cache: checked at open (magic, version, segment id, document count, sizes), per field on its first
use (a CRC-32 of its arrays: about 1 ms per MB) and per term (document numbers rising and inside the segment);
anything wrong, missing or older simply takes the decoding path of
:mod:`kb.index.w3.postings`. Phrases still read positions from Whoosh's blocks. Segments that are gone lose their
file at the next write.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import struct
import weakref
import zlib
from pathlib import Path

import numpy as np
from whoosh.reading import IndexReader

MAGIC = b"KBPOSTS1"
VERSION = 1
PREFIX, SUFFIX = "kbpost-", ".bin"
SKIP_FIELDS = frozenset({"id", "path", "stamp", "data"})  # one posting per term, never ranked or counted by term
_HEAD = struct.Struct("<8sI")
_ALIGN = 64


def path_for(folder: Path, segment_id: str) -> Path:
    return Path(folder) / f"{PREFIX}{segment_id}{SUFFIX}"


# --- writing ----------------------------------------------------------------------------------------------------
def _field_arrays(sub: IndexReader, field: str) -> tuple[list[bytes], np.ndarray, np.ndarray, np.ndarray] | None:
    """(terms, starts, ids, frequencies) of every term of ``field`` in segment ``sub``; None if it has none."""
    from kb.index.w3.lexicon import raw_records
    from kb.index.w3.postings import read_postings, segment_postings

    records = raw_records(sub, field)
    if records is None:
        return None
    terms: list[bytes] = []
    counts: list[int] = []
    id_parts: list[np.ndarray] = []
    w_parts: list[np.ndarray] = []
    for term, value in records:
        try:
            ids, weights = segment_postings(sub, value)
        except Exception:  # noqa: BLE001 - an unexpected block: Whoosh's matcher reads it
            one_ids: list[np.ndarray] = []
            one_w: list[np.ndarray] = []
            read_postings(sub.postings(field, term.decode("utf-8")), 0, one_ids, one_w)
            ids, weights = np.concatenate(one_ids), np.concatenate(one_w)
        terms.append(term)
        counts.append(len(ids))
        id_parts.append(ids)
        w_parts.append(weights)
    if not terms:
        return None
    starts = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    return terms, starts, np.concatenate(id_parts).astype(np.uint32), np.concatenate(w_parts)


def _weights_dtype(w: np.ndarray) -> np.dtype:
    if len(w) and bool(np.all(w == np.round(w))) and float(w.min()) >= 0:
        top = float(w.max())
        if top < 256:
            return np.dtype(np.uint8)
        if top < 65536:
            return np.dtype(np.uint16)
    return np.dtype(np.float32)


def write(folder: Path, sub: IndexReader) -> Path | None:
    """Write the sidecar of segment ``sub`` into ``folder`` (atomically); None when it cannot be made."""
    segment_id = sub.segment().segment_id()
    fields: dict[str, dict] = {}
    blobs: list[tuple[int, bytes]] = []
    pos = 0

    def put(arr: np.ndarray) -> int:
        nonlocal pos
        pos = (pos + _ALIGN - 1) // _ALIGN * _ALIGN
        at = pos
        data = np.ascontiguousarray(arr).tobytes()
        blobs.append((at, data))
        pos += len(data)
        return at

    for field in sub.schema.names():
        if field in SKIP_FIELDS or not getattr(sub.schema[field], "indexed", True):
            continue
        got = _field_arrays(sub, field)
        if got is None:
            continue
        terms, starts, ids, weights = got
        width = max(map(len, terms))
        keys = np.array(terms, dtype=f"S{width}")
        if len(keys) > 1 and not bool(np.all(keys[1:] > keys[:-1])):
            continue  # not in byte order (cannot happen with Whoosh's table): leave the field to the decoder
        wdtype = _weights_dtype(weights)
        arrays = (keys, starts, ids, weights.astype(wdtype))
        crc = 0
        for arr in arrays:
            crc = zlib.crc32(np.ascontiguousarray(arr).data, crc)
        fields[field] = {"n": len(terms), "width": width, "postings": len(ids), "wdtype": wdtype.str, "crc": crc,
                         **{name: put(arr) for name, arr in zip(("keys", "starts", "ids", "weights"), arrays,
                                                                strict=True)}}
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
    except OSError:
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
    """One segment's sidecar, mapped; :meth:`get` gives a term's (ids, frequencies) or None when absent."""

    def __init__(self, mm: mmap.mmap, body_at: int, header: dict) -> None:
        self._mm = mm
        self._body_at = body_at
        self.docs = int(header["docs"])
        self._header: dict[str, dict] = header["fields"]
        #: field -> its arrays once checked against the field's checksum; None when the check failed
        self._fields: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None] = {}

    def _arrays(self, field: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """A field's arrays, mapped; the first time, checked against its checksum (damage: None, for good)."""
        if field in self._fields:
            return self._fields[field]
        f = self._header[field]
        at, mm = self._body_at, self._mm
        n, total = int(f["n"]), int(f["postings"])
        try:
            arrays = (np.frombuffer(mm, dtype=f"S{int(f['width'])}", count=n, offset=at + int(f["keys"])),
                      np.frombuffer(mm, dtype=np.int64, count=n + 1, offset=at + int(f["starts"])),
                      np.frombuffer(mm, dtype=np.uint32, count=total, offset=at + int(f["ids"])),
                      np.frombuffer(mm, dtype=np.dtype(f["wdtype"]), count=total, offset=at + int(f["weights"])))
            crc = 0
            for arr in arrays:
                crc = zlib.crc32(arr.data, crc)
            ok = crc == int(f["crc"]) and int(arrays[1][0]) == 0 and int(arrays[1][-1]) == total
        except (ValueError, TypeError, KeyError):
            ok = False
        self._fields[field] = arrays if ok else None
        return self._fields[field]

    def has(self, field: str) -> bool:
        """Whether this file holds ``field`` undamaged (checked on first use)."""
        return field in self._header and self._arrays(field) is not None

    def get(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(ids as int64, frequencies as float32) of ``term``; None if the segment does not hold it.

        Raises ValueError when the slice is damaged (the caller decodes Whoosh's blocks instead).
        """
        arrays = self._arrays(field)
        if arrays is None:
            raise ValueError("sidecar field failed its checksum")
        keys, starts, ids, weights = arrays
        key = term.encode("utf-8")
        if len(key) > keys.dtype.itemsize or not len(keys):
            return None
        i = int(np.searchsorted(keys, key))
        if i >= len(keys) or keys[i] != key:
            return None
        a, b = int(starts[i]), int(starts[i + 1])
        if not 0 <= a < b <= len(ids):
            raise ValueError("sidecar offsets out of range")
        out = ids[a:b].astype(np.int64)
        if out[-1] >= self.docs or (len(out) > 1 and not bool(np.all(out[1:] > out[:-1]))):
            raise ValueError("sidecar document numbers out of order")
        return out, weights[a:b].astype(np.float32)


def _open(folder: Path, sub: IndexReader) -> Sidecar | None:
    """The valid sidecar of segment ``sub`` in ``folder``, or None (missing, damaged, another version...)."""
    path = path_for(folder, sub.segment().segment_id())
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size < _HEAD.size:
                return None
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    try:
        magic, hlen = _HEAD.unpack_from(mm, 0)
        if magic != MAGIC or _HEAD.size + hlen > size:
            return None
        header = json.loads(mm[_HEAD.size:_HEAD.size + hlen])
        body_at = (_HEAD.size + hlen + _ALIGN - 1) // _ALIGN * _ALIGN
        if (header.get("version") != VERSION or header.get("segment") != sub.segment().segment_id()
                or int(header.get("docs", -1)) != sub.doc_count_all() or body_at + int(header["size"]) != size):
            return None
        return Sidecar(mm, body_at, header)
    except Exception:  # noqa: BLE001 - a damaged cache: decode Whoosh's blocks instead
        return None


#: reader -> (folder, {segment id: Sidecar or None}), filled lazily
_attached: weakref.WeakKeyDictionary[IndexReader, tuple[Path, dict[str, Sidecar | None]]] = \
    weakref.WeakKeyDictionary()


def attach(reader: IndexReader, folder: str | os.PathLike[str]) -> None:
    """Let :func:`for_segment` find ``reader``'s sidecars in ``folder`` (opened on first use)."""
    with contextlib.suppress(TypeError):
        _attached[reader] = (Path(folder), {})


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
