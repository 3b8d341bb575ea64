"""Each segment's posting lists once more, decoded, in a file of kb's own beside it: what a first search reads.

Whoosh 2.7 keeps a posting list as zlib-compressed pickles of 128 postings with their positions; the first
time a term is searched, inflating and unpickling its blocks (about 20 microseconds a block, most of it zlib
inflating positions ranking never uses) was most of a query on a freshly opened index. So after each commit the
build writes, for every segment, ``kbpost-<segment id>.bin``: per field, the sorted terms as one fixed-width
byte array, and every term's document numbers (uint32) and term frequencies (uint8/uint16, float32 when a
frequency is not a small whole number) back to back, and for the fields phrases are looked for in, each
posting's positions. A reader maps the file (nothing is read until a term is looked up), finds a term with one
``searchsorted`` and slices its arrays: a few microseconds.

The file is a cache: checked at open (magic, version, segment id, document count, sizes), per field on its first
use (a CRC-32 of its term table) and per term on its first read (a CRC-32 of its slices, document numbers rising
and inside the segment); anything wrong, missing or older simply takes the decoding path of
:mod:`kb.index.w3.postings` and :mod:`kb.index.w3.positions`. Segments that are gone lose their file at the next
write.
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
    """One segment's sidecar, mapped; :meth:`get` gives a term's (ids, frequencies), :meth:`positions` its
    positions. Each field's index arrays are checked on its first use, each term's slices on their first read."""

    def __init__(self, mm: mmap.mmap, body_at: int, header: dict) -> None:
        self._mm = mm
        self._body_at = body_at
        self.docs = int(header["docs"])
        self._header: dict[str, dict] = header["fields"]
        #: field -> its arrays once its index arrays passed their checksum; None when they did not
        self._fields: dict[str, dict[str, np.ndarray] | None] = {}
        self._checked: set[tuple[str, int, str]] = set()  # (field, term number, "t" or "p") whose CRC matched

    def _arrays(self, field: str) -> dict[str, np.ndarray] | None:
        if field in self._fields:
            return self._fields[field]
        spec = self._header[field]
        out: dict[str, np.ndarray] | None = {}
        try:
            crc = 0
            for name, (at, dtype, count) in spec["arrays"].items():
                arr = np.frombuffer(self._mm, dtype=np.dtype(dtype), count=int(count),
                                    offset=self._body_at + int(at))
                if name in _INDEX_ARRAYS:
                    crc = zlib.crc32(arr.data, crc)
                out[name] = arr  # type: ignore[index]
            n, total = int(spec["n"]), int(spec["postings"])
            if (crc != int(spec["crc"]) or len(out["keys"]) != n or len(out["starts"]) != n + 1  # type: ignore[index]
                    or int(out["starts"][0]) != 0 or int(out["starts"][-1]) != total  # type: ignore[index]
                    or len(out["ids"]) != total or len(out["weights"]) != total):  # type: ignore[index]
                out = None
        except (ValueError, TypeError, KeyError):
            out = None
        self._fields[field] = out
        return out

    def has(self, field: str) -> bool:
        """Whether this file holds ``field`` undamaged (checked on first use)."""
        return field in self._header and self._arrays(field) is not None

    def has_positions(self, field: str) -> bool:
        return self.has(field) and "pos" in self._fields[field]  # type: ignore[operator]

    def _find(self, field: str, term: str) -> tuple[dict[str, np.ndarray], int, int, int] | None:
        """(arrays, term number, first posting, end) of ``term``, its ids and weights checked; None if absent."""
        arrays = self._arrays(field)
        if arrays is None:
            raise ValueError("sidecar field failed its checksum")
        keys = arrays["keys"]
        key = term.encode("utf-8")
        if len(key) > keys.dtype.itemsize or not len(keys):
            return None
        i = int(np.searchsorted(keys, key))
        if i >= len(keys) or keys[i] != key:
            return None
        a, b = int(arrays["starts"][i]), int(arrays["starts"][i + 1])
        if not 0 <= a < b <= len(arrays["ids"]):
            raise ValueError("sidecar offsets out of range")
        if (field, i, "t") not in self._checked:
            ids, weights = arrays["ids"][a:b], arrays["weights"][a:b]
            if zlib.crc32(weights.data, zlib.crc32(ids.data)) != int(arrays["tcrc"][i]):
                raise ValueError("sidecar postings failed their checksum")
            if int(ids[-1]) >= self.docs or (len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1]))):
                raise ValueError("sidecar document numbers out of order")
            self._checked.add((field, i, "t"))
        return arrays, i, a, b

    def get(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(ids as int64, frequencies as float32) of ``term``; None if the segment does not hold it.

        Raises ValueError when the slice is damaged (the caller decodes Whoosh's blocks instead).
        """
        found = self._find(field, term)
        if found is None:
            return None
        arrays, _i, a, b = found
        return arrays["ids"][a:b].astype(np.int64), arrays["weights"][a:b].astype(np.float32)

    def positions(self, field: str, term: str, docs: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(document number, position) of each occurrence of ``term`` (in ``docs``, ascending, when given)."""
        found = self._find(field, term)
        if found is None:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        arrays, i, a, b = found
        pstarts, pos = arrays["pstarts"], arrays["pos"]
        lo, hi = int(pstarts[a]), int(pstarts[b])
        if not lo <= hi <= len(pos):
            raise ValueError("sidecar position offsets out of range")
        if (field, i, "p") not in self._checked:
            if zlib.crc32(pos[lo:hi].data, zlib.crc32(pstarts[a:b + 1].data)) != int(arrays["pcrc"][i]):
                raise ValueError("sidecar positions failed their checksum")
            if bool(np.any(np.diff(pstarts[a:b + 1].astype(np.int64)) < 0)):
                raise ValueError("sidecar position offsets out of order")
            self._checked.add((field, i, "p"))
        ids = arrays["ids"][a:b].astype(np.int64)
        if docs is None:
            keep = np.arange(b - a)
        else:
            at = np.minimum(np.searchsorted(ids, docs), len(ids) - 1)
            keep = at[ids[at] == docs]
        starts = pstarts[a + keep].astype(np.int64)
        lengths = pstarts[a + keep + 1].astype(np.int64) - starts
        total = int(lengths.sum())
        # the positions of the kept postings, gathered: each run's start, then consecutive
        run_of = np.repeat(np.arange(len(keep)), lengths)
        offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return np.repeat(ids[keep], lengths), pos[starts[run_of] + offsets].astype(np.int64)


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
