"""A Whoosh segment writer for full builds: an index Whoosh reads exactly as its own, for a fraction of the work.

Whoosh's ``SegmentWriter`` spends most of a build in per-posting Python calls: each document's terms go
through a generator chain (analyzer -> ``Format.word_values`` -> ``FieldType.index``) into an external-sort pool
of 5-tuples; at commit the sorted pool is replayed one posting at a time through ``add_postings`` ->
``W3FieldWriter.add`` -> ``W3PostingsWriter.add_posting``, with a column lookup (``doc_field_length``) per
posting. Profiled, that was most of a single-process build.

``BulkSegmentWriter`` keeps postings grouped by field and term in memory (docnums in ``array('I')``, weights in
``array('f')``: a few bytes per posting, less than the pool's tuples), analyses text fields with kb's analyzer
in one pass (:func:`kb.index.schema.index_terms`), caches the postings of short repeated values (kind, path, an
article's title on each section), remembers each document's length bytes, and at commit writes each term's
blocks and statistics in one loop (:func:`_write_field`). Per-document data (stored fields, columns, lengths)
still goes through Whoosh's per-document writer. For the same documents, in much less CPU time than
``SegmentWriter`` takes, a reader sees the same terms, postings, positions, weights, term and block statistics,
field lengths and stored fields
(``tests/index/test_bulkwriter.py`` compares them all). The bytes differ where Whoosh's reader does not care: blocks
under ``COMPRESS_FROM`` bytes are stored uncompressed (each block says whether it is), others compressed at
level 1 instead of 3, and equal position values are pickled once per block.

Only what kb's schema uses is supported: text fields with :class:`kb.index.schema.HealthAnalyzer` and a positions or
frequency format, and ID fields, take fast paths; any other indexed field (KEYWORD) goes through its own
``FieldType.index``. Text fields take strings only (no lists of pre-analysed tokens); no term vectors, no
separate spelling fields, no ``_boost``/``_stored_`` arguments.
"""

from __future__ import annotations

import struct
import zlib
from array import array
from itertools import chain
from operator import sub
from typing import Any

from whoosh import formats
from whoosh.analysis.tokenizers import IDTokenizer
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldWriter
from whoosh.compat import dumps
from whoosh.fields import FieldType
from whoosh.filedb.filestore import FileStorage
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from kb.index.schema import HealthAnalyzer, index_terms

_FAST_POSITIONS, _FAST_FREQUENCY, _FAST_ID, _GENERIC, _STORED_ONLY = range(5)
CACHE_CHARS = 200  # field values up to this long are analysed once per writer
CACHE_VALUES = 20_000  # per field; the cache starts over when full

#: encoded single-position values, by position: most postings of a field occur once in a document
_ONE_POSITIONS = 2048
_ONE_POSITION: list[bytes] = [pack_uint(1) + dumps([p], 2) for p in range(_ONE_POSITIONS)]
#: encoded frequencies (the frequency format's value), by frequency
_FREQUENCY: list[bytes] = [pack_uint(n) for n in range(256)]
_LENGTH_BYTE: list[int] = [length_to_byte(n) for n in range(4096)]
COMPRESS_FROM = 128  # bytes of block data; below this zlib saves nothing (the 10k index is smaller without)
COMPRESS_LEVEL = 1
COMPRESS_WBITS = 12
COMPRESS_MEMLEVEL = 6


def _positions_value(poslist: list[int]) -> bytes:
    """``formats.Positions.encode`` for one posting: the count, then the pickled position deltas."""
    if len(poslist) == 1 and poslist[0] < _ONE_POSITIONS:
        return _ONE_POSITION[poslist[0]]
    deltas = []
    base = 0
    for pos in poslist:
        deltas.append(pos - base)
        base = pos
    return pack_uint(len(deltas)) + dumps(deltas, 2)


def _frequency_value(freq: int) -> bytes:
    return _FREQUENCY[freq] if freq < 256 else pack_uint(freq)


def _length_byte(length: int) -> int:
    return _LENGTH_BYTE[length] if length < 4096 else length_to_byte(length)


Items = list[tuple[bytes, float, bytes]]  # (term, weight, value) of one field of one document


def _postings_of(field: FieldType, mode: int, value: Any) -> tuple[Items, int]:
    """The postings one field value makes, as ``FieldType.index`` gives them, and the field length."""
    boost = field.format.field_boost
    if mode == _FAST_POSITIONS or mode == _FAST_FREQUENCY:
        if not isinstance(value, str):
            raise ValueError(f"text expected, got {type(value).__name__}")
        terms = index_terms(value)
        if mode == _FAST_POSITIONS:
            poses: dict[bytes, list[int]] = {}
            for i, term in enumerate(terms):
                pl = poses.get(term)
                if pl is None:
                    poses[term] = [i]
                else:
                    pl.append(i)
            one = _ONE_POSITION
            return [(term, boost, one[pl[0]]) if len(pl) == 1 and pl[0] < _ONE_POSITIONS
                    else (term, len(pl) * boost, _positions_value(pl)) for term, pl in poses.items()], len(terms)
        counts: dict[bytes, int] = {}
        for term in terms:
            counts[term] = counts.get(term, 0) + 1
        return [(term, n * boost, _frequency_value(n)) for term, n in counts.items()], len(terms)
    if mode == _FAST_ID:
        if not isinstance(value, str):
            raise ValueError(f"text expected, got {type(value).__name__}")
        return [(value.encode("utf-8"), boost, b"")], 0
    items: Items = []
    length = 0
    for tbytes, freq, weight, vbytes in field.index(value):
        items.append((tbytes, weight, vbytes))
        length += freq
    return items, length


def _mode(field: FieldType) -> int:
    if not field.indexed:
        return _STORED_ONLY
    analyzer = getattr(field, "analyzer", None)
    if type(analyzer) is IDTokenizer and type(field.format) is formats.Existence and not field.scorable:
        return _FAST_ID  # the whole value is the one term
    if isinstance(analyzer, HealthAnalyzer):
        if type(field.format) is formats.Positions:
            return _FAST_POSITIONS
        if type(field.format) is formats.Frequency:
            return _FAST_FREQUENCY
    return _GENERIC


def _compress(data: bytes, level: int = COMPRESS_LEVEL) -> bytes:
    """A zlib stream of a block's data (any zlib reader inflates it, whatever the level and window).

    Level 1: the pickled blocks compress almost as well as at Whoosh's level 3, for less time. A 4 KiB window
    suffices for blocks of a few KiB and keeps the per-call state small.
    """
    c = zlib.compressobj(level, zlib.DEFLATED, COMPRESS_WBITS, COMPRESS_MEMLEVEL)
    return c.compress(data) + c.flush()


def _deltas(ids: array) -> tuple[int, ...]:
    """``delta_encode`` of a block's docnums, in C (``map`` over two iterators) rather than a generator."""
    return tuple(map(sub, ids, chain((0,), ids)))


def _mini_weights(weights: array) -> float | tuple[float, ...] | None:
    """``W3PostingsWriter._mini_weights``: None when all are 1.0, one float when all equal, else all of them."""
    first = weights[0]
    if weights.count(first) == len(weights):
        return None if first == 1.0 else first
    return tuple(weights)


_TERMINFO = struct.Struct("!BfIBBfII")  # W3TermInfo: flags, weight, doc freq, min/max length byte, max weight,
# first and last docnum; then the postings' offset and length (not inlined)


def _write_field(fw: W3FieldWriter, name: str, field: FieldType, post: dict[bytes, tuple[Any, Any, Any]],
                 lengths: bytearray | None) -> None:
    """Write one field's terms and postings as ``W3FieldWriter`` and ``W3PostingsWriter`` write them.

    Per term: the postings file gets the block header, then blocks of up to 128 postings, each a pickled info
    tuple (count, last docnum, highest weight, compression, shortest and longest field length bytes) and the
    pickled (docnum deltas, weights, values); the term index gets the term's statistics and extent. Whoosh's
    writers do this with a dozen method calls and an object per term and block, which at 10k sections was
    about as much time as all the block data; this does the same arithmetic inline. Blocks of under
    ``COMPRESS_FROM`` bytes are stored uncompressed (each block says whether it is; a zlib stream of a tiny
    pickle is no smaller), others with :func:`_compress`.
    """
    fw.start_field(name, field)
    postfile = fw._postfile
    write = postfile.write
    tell = postfile.tell
    write_int = postfile.write_int
    add_term = fw._tindex.add
    field_id = pack_ushort(fw._fieldid)
    limit = fw._codec._blocklimit
    compress_from = COMPRESS_FROM if fw._codec._compression else 1 << 62
    fixed = field.format.fixed_value_size()
    pack_info = _TERMINFO.pack
    for term in sorted(post):
        ids, weights, values = (append.__self__ for append in post[term])
        n = len(ids)
        start_offset = tell()
        write(WHOOSH3_HEADER_MAGIC)
        total_weight = 0.0
        max_weight = 0.0
        lo_all = hi_all = 0
        for start in range(0, n, limit):
            end = start + limit
            block_ids = ids[start:end] if n > limit else ids
            block_weights = weights[start:end] if n > limit else weights
            total_weight += sum(block_weights)
            block_max = max(block_weights)
            if block_max < 0:
                block_max = 0
            if block_max > max_weight:
                max_weight = block_max
            lo = hi = 0  # length bytes; 0 is "no length" (a field that is not scorable)
            if lengths is not None:
                bs = [lengths[d] for d in block_ids]
                lo, hi = min(bs), max(bs)
                if not lo:  # a zero length byte is "no length" to Whoosh: leave it out of the statistics
                    nz = [b for b in bs if b]
                    lo, hi = (min(nz), max(nz)) if nz else (0, 0)
                if lo and (not lo_all or lo < lo_all):
                    lo_all = lo
                if hi > hi_all:
                    hi_all = hi
            if fixed is None:
                mini_values: Any = tuple(values[start:end] if n > limit else values)
            elif fixed == 0:
                mini_values = None
            else:
                mini_values = b"".join(values[start:end] if n > limit else values)
            databytes = dumps((_deltas(block_ids), _mini_weights(block_weights), mini_values), 2)
            comp = 0
            if len(databytes) >= compress_from:
                databytes = _compress(databytes)
                comp = COMPRESS_LEVEL
            infobytes = dumps((len(block_ids), block_ids[-1], block_max, comp, lo, hi), 2)
            blocklength = len(infobytes) + len(databytes)
            write_int(-blocklength if end >= n else blocklength)
            write(infobytes)
            write(databytes)
        info = pack_info(0, total_weight, n, lo_all, hi_all, max_weight, ids[0], ids[-1])
        add_term(field_id + term, info + pack_long(start_offset) + pack_int(tell() - start_offset))
    fw.finish_field()


class BulkSegmentWriter(SegmentWriter):
    """A ``SegmentWriter`` that buffers postings by term in memory and writes them a block at a time.

    Use it like ``ix.writer()`` for a batch of new documents: ``add_document(**fields)`` (and
    ``delete_by_term``, as ``SegmentWriter`` does it) then ``commit(merge=False)`` (or ``cancel()``). It writes one
    new segment and cannot merge existing ones (their postings would go to Whoosh's pool, which it never
    writes): :meth:`add_reader` refuses.
    """

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        if not isinstance(self.codec, W3Codec) or self.codec._inlinelimit > 1:
            raise ValueError("BulkSegmentWriter writes the whoosh3 codec's format without inlined postings")
        self._plan: dict[str, tuple[FieldType, int]] = {}
        for name in self.schema.names():
            field = self.schema[name]
            if field.vector or field.separate_spelling():
                raise ValueError(f"field {name!r}: term vectors and spelling fields are not supported")
            self._plan[name] = (field, _mode(field))
        # field -> term bytes -> the append methods of (docnums, weights, values), values only for formats with
        # a value per posting; bound methods save two lookups per posting, ``__self__`` gives the lists back
        self._postings: dict[str, dict[bytes, tuple[Any, Any, Any]]] = {
            name: {} for name, (_, mode) in self._plan.items() if mode != _STORED_ONLY}
        self._cache: dict[str, dict[str, tuple[Items, int]]] = {name: {} for name in self._postings}
        # field -> one length byte per document (scorable fields): the block statistics need them at commit
        self._lengths: dict[str, bytearray] = {
            name: bytearray() for name, (field, mode) in self._plan.items() if mode != _STORED_ONLY and field.scorable}

    def add_document(self, **fields: Any) -> None:
        """Add one document; a value that cannot be indexed raises before anything is written for it."""
        self._check_state()
        plan = self._plan
        unknown = [name for name in fields if name not in plan]
        if unknown:
            raise ValueError(f"unknown or unsupported field(s) {unknown!r}")
        # analyse every field first: a failure must not leave half a document in the per-document columns
        todo: list[tuple[str, FieldType, Any, tuple[Items, int] | None, Any]] = []
        for name in sorted(fields):
            value = fields[name]
            if value is None:
                continue
            field, mode = plan[name]
            try:
                got = None if mode == _STORED_ONLY else self._analyse(name, field, mode, value)
                column = field.to_column_value(value) if field.column_type else None
            except Exception as exc:
                raise ValueError(f"field {name!r}: {exc}") from exc
            todo.append((name, field, value, got, column))
        docnum = self.docnum
        pdw = self.perdocwriter
        pdw.start_doc(docnum)
        for name, field, value, got, column in todo:
            length = 0 if got is None else self._post(name, field, got, docnum)
            pdw.add_field(name, field, value if field.stored else None, length)
            if field.column_type:
                pdw.add_column_value(name, field.column_type, column)
        pdw.finish_doc()
        for lengths in self._lengths.values():  # fields the document lacks have length 0
            if len(lengths) == docnum:
                lengths.append(0)
        self._added = True
        self.docnum += 1

    def add_reader(self, reader: Any) -> None:
        raise NotImplementedError("BulkSegmentWriter does not merge segments: commit(merge=False), or use ix.writer()")

    def _analyse(self, name: str, field: FieldType, mode: int, value: Any) -> tuple[Items, int]:
        """The postings and length of one field value; short values are analysed once per writer."""
        if isinstance(value, str) and len(value) <= CACHE_CHARS:
            # short values repeat (kind, path, tags, an article's title on each of its sections)
            cache = self._cache[name]
            got = cache.get(value)
            if got is None:
                if len(cache) >= CACHE_VALUES:
                    cache.clear()
                got = cache[value] = _postings_of(field, mode, value)
            return got
        return _postings_of(field, mode, value)

    def _post(self, name: str, field: FieldType, got: tuple[Items, int], docnum: int) -> int:
        """Add one field's postings for ``docnum``; returns the field length (tokens) if scorable, else 0."""
        items, length = got
        post = self._postings[name]
        for term, weight, vbytes in items:  # the build's hottest loop: once per posting
            entry = post.get(term)
            if entry is None:
                entry = post[term] = (array("I").append, array("f").append, [].append)
            add_id, add_weight, add_value = entry
            add_id(docnum)
            add_weight(weight)
            if vbytes:
                add_value(vbytes)
        if not field.scorable:
            return 0
        self._lengths[name].append(_length_byte(length) if length else 0)
        return length

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fw: W3FieldWriter = self.fieldwriter
        for name in sorted(self._postings):
            post = self._postings[name]
            if post:
                _write_field(fw, name, self._plan[name][0], post, self._lengths.get(name))
        self._postings = {}
        fw.close()

    def finish_segment(self) -> list[Any]:
        """Finish writing this writer's segment; returns the segments a commit lists (none of them yet written
        to the table of contents, so nothing is visible).

        Split from :meth:`commit_segments` so a build can finish its own segment while its workers finish theirs.
        Existing segments go through the merge policy first, as in ``SegmentWriter.commit``.
        """
        self._check_state()
        final = self._merge_segments(None, None, None)
        if self._added:
            final.append(self._finalize_segment())
        else:
            self._close_segment()
        return final

    def commit_segments(self, segments: list[Any]) -> None:
        """Write the table of contents listing ``segments`` (this writer's, from :meth:`finish_segment`, and
        those build workers finished) and release the index: what ``MpWriter`` does in ``multisegment`` mode."""
        self._commit_toc(segments)
        self._finish()

    def _close_segment(self) -> None:
        self._postings = {}
        super()._close_segment()

    @classmethod
    def for_worker(cls, gen_dir: str) -> BulkSegmentWriter:
        """A writer of one more segment of the index a build is writing in ``gen_dir``, for a build worker
        process: the build process holds Whoosh's write lock and commits every segment, so this one takes none.

        Not memory-mapped: a mapped segment is copied into memory whole when a reader opens it (the sidecar
        of each finished segment is written through one)."""
        return cls(FileStorage(gen_dir, supports_mmap=False).open_index(), _lk=False)

    def finish_share(self) -> Any | None:
        """Finish this writer's segment without merging or committing: what a build worker hands back to
        :meth:`commit_segments` in the build process (None when it added no document)."""
        if self._added:
            return self._finalize_segment()
        self._close_segment()
        return None


__all__ = ["BulkSegmentWriter"]
