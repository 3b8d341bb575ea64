"""Writing the posting sidecars (the format and the reading side are in :mod:`kb.index.w3.sidecar`).

Written after each commit from Whoosh's own blocks, decoded once here so that no search has to.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import zlib
from pathlib import Path

import numpy as np
from whoosh.reading import IndexReader

from kb.index.w3.sidecar import (
    _ALIGN,
    _HEAD,
    _INDEX_ARRAYS,
    MAGIC,
    POSITION_FIELDS,
    PREFIX,
    SKIP_FIELDS,
    SUFFIX,
    VERSION,
    _open,
    path_for,
)


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
            pcount_parts.append(per_posting.astype(np.uint32, copy=False))
            pos_parts.append(pos.astype(np.uint32, copy=False))
        else:
            ids, weights = segment_postings(sub, value)
        terms.append(term)
        counts.append(len(ids))
        # the parts in the written widths (or float32, which every weight is: the writers keep them in float32)
        # while the whole field is gathered: a segment's largest field is most of a build's peak memory
        id_parts.append(ids.astype(np.uint32, copy=False))
        w_parts.append(weights.astype(np.float32, copy=False))
    if not terms:
        return None
    starts = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    out = {"keys": np.array(terms, dtype=f"S{max(map(len, terms))}"), "starts": starts,
           "ids": np.concatenate(id_parts), "weights": np.concatenate(w_parts)}
    del id_parts, w_parts
    if len(out["keys"]) > 1 and not bool(np.all(out["keys"][1:] > out["keys"][:-1])):
        return None  # not in byte order (cannot happen with Whoosh's table): leave the field to the decoder
    out["weights"] = out["weights"].astype(_weights_dtype(out["weights"]))
    if with_positions:
        pos = np.concatenate(pos_parts)
        del pos_parts
        pstarts = np.zeros(len(out["ids"]) + 1, dtype=np.int64)
        np.cumsum(np.concatenate(pcount_parts), out=pstarts[1:])
        del pcount_parts
        out["pstarts"] = pstarts.astype(np.uint32)
        del pstarts
        out["pos"] = pos.astype(np.uint16 if not len(pos) or int(pos.max()) < 65536 else np.uint32, copy=False)
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




def write(folder: Path, sub: IndexReader) -> Path:
    """Write the sidecar of segment ``sub`` into ``folder`` (atomically).

    Per field: ``keys`` (sorted terms, fixed width), ``starts`` (each term's first posting), ``ids`` (uint32),
    ``weights`` (term frequencies), ``tcrc`` (a CRC-32 per term of its ids and weights); for the phrase fields
    also ``pstarts`` (each posting's first position), ``pos`` (positions) and ``pcrc``; the header holds each
    array's offset, type and length and a CRC-32 of the index arrays.

    One field's arrays are in memory at a time: each field's go to a temporary body file as they are made, and
    the sidecar is the header followed by that body.
    """
    segment_id = sub.segment().segment_id()
    fields: dict[str, dict] = {}
    pos = 0
    target = path_for(folder, segment_id)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    body_tmp = target.with_name(f".{target.name}.{os.getpid()}.body")
    try:
        with open(body_tmp, "w+b") as body:
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
                for name in list(arrays):
                    arr = np.ascontiguousarray(arrays.pop(name))
                    if name in _INDEX_ARRAYS:
                        crc = zlib.crc32(arr.data, crc)
                    pos = (pos + _ALIGN - 1) // _ALIGN * _ALIGN
                    body.seek(pos)
                    body.write(arr.data)
                    spec["arrays"][name] = [pos, arr.dtype.str, len(arr)]  # type: ignore[index]
                    pos += arr.nbytes
                spec["crc"] = crc
                fields[field] = spec
            body.truncate(pos)
            header = json.dumps({"version": VERSION, "segment": segment_id, "docs": sub.doc_count_all(),
                                 "size": pos, "fields": fields}).encode()
            body_at = (_HEAD.size + len(header) + _ALIGN - 1) // _ALIGN * _ALIGN
            with open(tmp, "wb") as fh:
                fh.write(_HEAD.pack(MAGIC, len(header)) + header)
                fh.seek(body_at)
                body.seek(0)
                shutil.copyfileobj(body, fh, 1 << 20)
                fh.truncate(body_at + pos)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    finally:
        with contextlib.suppress(OSError):
            body_tmp.unlink()
    return target


def write_segment(folder: Path, storage, schema, segment) -> None:  # noqa: ANN001 - Whoosh's types
    """Write the sidecar of a segment just finished (not yet in any table of contents) into ``folder``; a
    sidecar that cannot be written is left out (:func:`write_index` tries again after the commit)."""
    from whoosh.reading import SegmentReader

    from kb.index.w3 import fastpath

    try:
        with SegmentReader(storage, schema, segment) as sub:
            if fastpath.use(sub):
                write(Path(folder), sub)
    except OSError:
        pass


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


def write_index(ix, folder: str | os.PathLike[str]) -> None:
    """:func:`write_missing` for the latest generation of index ``ix`` in ``folder``; a sidecar that cannot be
    written (disk full...) is left out: searches then decode Whoosh's blocks, slower but the same."""
    try:
        with ix.reader() as reader:
            write_missing(Path(folder), reader)
    except OSError:
        pass
