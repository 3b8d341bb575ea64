"""The manifest: what each indexed source file looked like, so an update re-reads only what changed.

It sits beside the Whoosh files of a generation (:mod:`kb.index.store` reads and writes it there) and holds each file's
stamp (mtime_ns, size), digest and nutrient-link signature as columns kept in the listing's folder order, so
finding what changed since the last update is a few array comparisons. It is a cache: a damaged one, or one from
another generation, is rebuilt from the index's stored fields.
"""

from __future__ import annotations

import bisect
import json
import sys
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from whoosh.index import FileIndex

from kb.corpus.files import Listing
from kb.index import documents
from kb.index.schema import SCHEMA_VERSION
from kb.model.errors import Problem
from kb.model.records import Nutrient, Record

MANIFEST = "kb-manifest.bin"
LEGACY_MANIFEST = "kb-manifest.json"  # written by kb before the column format; read once, then replaced
MANIFEST_MAGIC = b"kb-manifest\n"
MANIFEST_FORMAT = 2


@dataclass(frozen=True)
class Changes:
    """What a listing says changed since the manifest was written (see :meth:`Manifest.changes`)."""

    #: listed content files whose stamp is not the one indexed, with the stamp they have now
    stamps: list[tuple[str, tuple[int, int]]]
    #: every path the manifest knows is listed: nothing was deleted (else the caller works out what was)
    complete: bool
    #: every listed folder was found in the order the manifest keeps it: no need to rewrite it to reorder
    aligned: bool


class Manifest:
    """What the index holds, per source file: the stamp (mtime_ns, size) and digest of the version indexed, and
    a signature of its records' links.

    Kept as aligned columns - paths, two arrays of stamps, digests, link signatures - stored in the order the
    corpus listing gave the last time, one run of positions per content folder. An update then compares each
    folder's fresh stamps with its run as arrays (:meth:`changes`) and looks up by path only the few files that
    moved; at 100k sections (19k files) looking every path up in a dictionary was the largest cost after the
    stat calls themselves. A listed file the index does not hold (one that never parsed) is kept as a
    placeholder, stamp (0, 0) and no digest, which never matches a file: it is retried on every update.

    Record ids are not kept here (the index answers for them): at 100k sections they made the manifest several
    megabytes, read and rewritten on every incremental update.
    """

    def __init__(self, generation: int = -1) -> None:
        self.generation = generation
        self.paths: list[str] = []
        self.mtimes: array[int] = array("q")
        self.sizes: array[int] = array("q")
        self.digests: list[str] = []  # "" when unknown
        self.signatures: list[str] = []  # link signatures, "" when none
        self.nutrient_terms: dict[str, list[str]] = {}  # slug -> name + aliases
        self.nutrient_files: dict[str, str] = {}  # path -> slug
        #: content folder ("corpus/faq") -> [start, end) positions holding its paths in directory order
        self.runs: dict[str, tuple[int, int]] = {}
        self._pos: dict[str, int] | None = {}  # path -> position; None until first needed after a read
        self._hints: dict[str, int] = {}  # positions changes() found without building _pos
        self._scans = 0  # look-ups answered by scanning the paths (see position())
        self._gone: set[int] = set()  # forgotten positions, dropped on write
        self._aligned: set[str] = set()  # folders changes() found in their run's order
        #: the corpus-level problems the last listing found (unknown files, refused links, synonyms.yaml...):
        #: what an update told paths (it lists nothing) reports of the rest of the corpus
        self.problems: list[Problem] = []
        #: content files whose problems keep them out of date (never parsed cleanly, or their last good version
        #: kept): every update reads them again; None when not known (a manifest rebuilt from the index)
        self.retry: set[str] | None = None

    # --- reading and changing -----------------------------------------------------------------------------
    def position(self, rel: str) -> int | None:
        """Where ``rel`` is in the columns, or None when the index does not hold it."""
        i = self._hints.get(rel)
        if i is None:
            if self._pos is None and self._scans < 8:
                # the first few look-ups (all an update told paths makes) scan the list in C: building the
                # dictionary of every path cost 10 ms at 19k files
                self._scans += 1
                i = self._scan(rel)
                if i is not None:
                    self._hints[rel] = i
                return i
            if self._pos is None:
                self._pos = {p: i for i, p in enumerate(self.paths) if i not in self._gone}
            i = self._pos.get(rel)
        return i

    def _scan(self, rel: str) -> int | None:
        start = 0
        while True:
            try:
                i = self.paths.index(rel, start)
            except ValueError:
                return None
            if i not in self._gone:
                return i
            start = i + 1

    def __contains__(self, rel: object) -> bool:
        return isinstance(rel, str) and self.position(rel) is not None

    def stamp(self, rel: str) -> tuple[int, int] | None:
        i = self.position(rel)
        return None if i is None else (self.mtimes[i], self.sizes[i])

    def digest(self, rel: str) -> str | None:
        i = self.position(rel)
        return None if i is None else self.digests[i]

    @property
    def links(self) -> _Links:
        """path -> link signature, as a mapping (``links[rel] = sig``, ``links.get(rel)``)."""
        return _Links(self)

    def live_paths(self) -> set[str]:
        """Every path the manifest holds."""
        if not self._gone:
            return set(self.paths)
        return {p for i, p in enumerate(self.paths) if i not in self._gone}

    def record(self, rel: str, stamp: Sequence[Any]) -> None:
        """Remember that ``rel`` is indexed at ``stamp`` = (mtime_ns, size, digest), the index's stamp field."""
        i = self.position(rel)
        if i is None:
            self._append(rel, int(stamp[0]), int(stamp[1]), str(stamp[2]), "")
        else:
            self.mtimes[i], self.sizes[i], self.digests[i] = int(stamp[0]), int(stamp[1]), str(stamp[2])

    def add(self, row: Any) -> None:
        """Remember one indexed file's row (a :class:`kb.index.executor.Row`: path, stamp, link signature and
        the slug of a nutrient's file)."""
        self.record(row.rel, row.stamp)
        self.links[row.rel] = row.signature
        if row.nutrient:
            self.nutrient_files[row.rel] = row.nutrient

    def forget(self, rel: str) -> None:
        """``rel`` is no longer indexed."""
        i = self.position(rel)
        if i is not None:
            self._gone.add(i)
            self._hints.pop(rel, None)
            if self._pos is not None:
                self._pos.pop(rel, None)
        self.nutrient_files.pop(rel, None)

    def _append(self, rel: str, mtime: int, size: int, digest: str, signature: str) -> int:
        i = len(self.paths)
        self.paths.append(rel)
        self.mtimes.append(mtime)
        self.sizes.append(size)
        self.digests.append(digest)
        self.signatures.append(signature)
        if self._pos is not None:
            self._pos[rel] = i
        else:
            self._hints[rel] = i
        return i

    def changes(self, listing: Listing) -> Changes:
        """Compare a fresh listing with what the index holds. Call it before changing the manifest.

        A folder whose paths are exactly its run's, in the same order (the common case: files were edited,
        none added or removed), is compared as two pairs of arrays, block by block; any other folder path by
        path.
        """
        moved: list[tuple[str, tuple[int, int]]] = []
        aligned = True
        covered = 0
        for key, col in listing.columns.items():
            run = self.runs.get(key)
            if run is not None and not self._gone and self.paths[run[0]:run[1]] == col.paths:
                start, end = run
                covered += end - start
                self._aligned.add(key)
                spots = set(_differing(self.mtimes[start:end], col.mtimes))
                spots.update(_differing(self.sizes[start:end], col.sizes))
                for i in sorted(spots):
                    rel = col.paths[i]
                    self._hints[rel] = start + i
                    moved.append((rel, (col.mtimes[i], col.sizes[i])))
                continue
            aligned = False
            for rel, st in col.stamps():
                if self.stamp(rel) != st:
                    moved.append((rel, st))
        return Changes(moved, aligned and covered == len(self.paths) - len(self._gone), aligned)

    # --- the file -----------------------------------------------------------------------------------------
    def to_bytes(self, listing: Listing | None = None) -> bytes:
        """The on-disk form: a small JSON header, then the columns, in ``listing``'s order when given.

        Paths, digests and link signatures are NUL-joined UTF-8 (none can hold a NUL), stamps two arrays of
        64-bit integers. This writes and reads back several times faster than the JSON object it replaced.
        """
        order, runs = self._order(listing)
        if order is None:
            paths, mtimes, sizes, digests, signatures = (self.paths, self.mtimes, self.sizes, self.digests,
                                                         self.signatures)
        else:
            pick = order.__iter__
            paths = list(map(self.paths.__getitem__, pick()))
            mtimes = array("q", map(self.mtimes.__getitem__, pick()))
            sizes = array("q", map(self.sizes.__getitem__, pick()))
            digests = list(map(self.digests.__getitem__, pick()))
            signatures = list(map(self.signatures.__getitem__, pick()))
        columns = [
            "\0".join(paths).encode(),
            mtimes.tobytes(),
            sizes.tobytes(),
            "\0".join(digests).encode(),
            "\0".join(signatures).encode(),
        ]
        header = {"format": MANIFEST_FORMAT, "schema": SCHEMA_VERSION, "generation": self.generation,
                  "count": len(paths), "byteorder": sys.byteorder, "columns": [len(c) for c in columns],
                  "runs": runs, "nutrient_terms": self.nutrient_terms, "nutrient_files": self.nutrient_files,
                  "problems": [[p.path, p.line, p.message] for p in self.problems]}
        if self.retry is not None:
            header["retry"] = sorted(self.retry)
        return b"".join([MANIFEST_MAGIC, json.dumps(header, separators=(",", ":")).encode(), b"\n", *columns])

    def _order(self, listing: Listing | None) -> tuple[list[int] | None, dict[str, list[int]]]:
        """The positions to write, in order (None: as they are), and the runs they make.

        With a listing, each folder's paths come in its directory order (listed files the index does not hold
        as placeholders), then every other path the manifest holds (files of a refused folder, kept).
        """
        if listing is None:  # the folders' runs stay, less the positions forgotten (paths added follow them)
            runs = {key: list(run) for key, run in self.runs.items()}
            if not self._gone:
                return None, runs
            gone = sorted(self._gone)
            for run in runs.values():  # each position moves down by the forgotten ones before it
                run[:] = [run[0] - bisect.bisect_left(gone, run[0]), run[1] - bisect.bisect_left(gone, run[1])]
            return [i for i in range(len(self.paths)) if i not in self._gone], runs
        order: list[int] = []
        runs: dict[str, list[int]] = {}
        for key, col in listing.columns.items():
            start = len(order)
            run = self.runs.get(key)
            if key in self._aligned and run is not None and not any(run[0] <= i < run[1] for i in self._gone):
                order.extend(range(*run))
            else:
                for rel in col.paths:
                    i = self.position(rel)
                    order.append(self._append(rel, 0, 0, "", "") if i is None else i)
            runs[key] = [start, len(order)]
        if len(order) != len(self.paths) - len(self._gone):  # paths outside every listed folder
            placed = set(order)
            order.extend(i for i in range(len(self.paths)) if i not in placed and i not in self._gone)
        if len(order) == len(self.paths) and order == list(range(len(order))):
            return None, runs
        return order, runs

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        """Read :meth:`to_bytes`' form.

        Raises:
            ValueError: not a manifest, another format or schema version, or damaged (any length disagrees).
        """
        if not data.startswith(MANIFEST_MAGIC):
            raise ValueError("not a kb manifest")
        end = data.find(b"\n", len(MANIFEST_MAGIC))
        if end < 0:
            raise ValueError("manifest header not closed")
        header = json.loads(data[len(MANIFEST_MAGIC):end])
        if header.get("format") != MANIFEST_FORMAT or header.get("schema") != SCHEMA_VERSION:
            raise ValueError("manifest from another format or schema version")
        n = header["count"]
        lengths = header["columns"]
        if len(lengths) != 5 or end + 1 + sum(lengths) != len(data):
            raise ValueError("manifest is damaged")
        raw = []
        at = end + 1
        for length in lengths:
            raw.append(data[at:at + length])
            at += length
        m = cls(generation=int(header["generation"]))
        m.paths = _split(raw[0], n)
        m.mtimes.frombytes(raw[1])
        m.sizes.frombytes(raw[2])
        if header.get("byteorder") != sys.byteorder:  # an index folder copied between machines
            m.mtimes.byteswap()
            m.sizes.byteswap()
        m.digests, m.signatures = _split(raw[3], n), _split(raw[4], n)
        if not len(m.mtimes) == len(m.sizes) == n:
            raise ValueError("manifest is damaged")
        for key, (start, stop) in header["runs"].items():
            if not 0 <= start <= stop <= n:
                raise ValueError("manifest is damaged")
            m.runs[str(key)] = (start, stop)
        m.nutrient_terms = {str(k): [str(t) for t in v] for k, v in header["nutrient_terms"].items()}
        m.nutrient_files = {str(k): str(v) for k, v in header["nutrient_files"].items()}
        m.problems = [Problem(str(path), int(line), str(message)) for path, line, message in header.get("problems", [])]
        m.retry = {str(rel) for rel in header["retry"]} if "retry" in header else None
        m._pos = None  # built when a path must be looked up
        return m

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Read the JSON manifest of earlier kb versions (``kb-manifest.json``), so updating kb costs no rebuild."""
        d = json.loads(text)
        if d.pop("schema", None) != SCHEMA_VERSION:
            raise ValueError("manifest from another schema version")
        m = cls(generation=int(d["generation"]))
        for rel, stamp in d["files"].items():
            m.record(rel, stamp)
        for rel, sig in d["links"].items():
            m.links[rel] = sig
        m.nutrient_terms = {str(k): [str(t) for t in v] for k, v in d["nutrient_terms"].items()}
        m.nutrient_files = {str(k): str(v) for k, v in d["nutrient_files"].items()}
        return m

    @classmethod
    def from_index(cls, ix: FileIndex) -> Manifest:
        """Rebuild the manifest from the index's stored fields (after a crash between commit and manifest write)."""
        m = cls(generation=ix.latest_generation())
        records: dict[str, list[Record]] = {}
        with ix.reader() as reader:
            for fields in reader.all_stored_fields():
                rel = fields["path"]
                m.record(rel, fields["stamp"])
                rec = documents.load(fields["data"])
                records.setdefault(rel, []).append(rec)
                if isinstance(rec, Nutrient):
                    m.nutrient_terms[rec.slug] = list(rec.names)
                    m.nutrient_files[rel] = rec.slug
        from kb.index.executor import signature  # the corpus parsers behind it: not imported to search

        for rel, recs in records.items():
            m.links[rel] = signature(recs)
        return m


class _Links:
    """A manifest's link signatures as a mapping from path (only paths the manifest holds have one)."""

    def __init__(self, manifest: Manifest) -> None:
        self._m = manifest

    def get(self, rel: str, default: str | None = None) -> str | None:
        i = self._m.position(rel)
        return default if i is None or not self._m.signatures[i] else self._m.signatures[i]

    def __getitem__(self, rel: str) -> str:
        sig = self.get(rel)
        if sig is None:
            raise KeyError(rel)
        return sig

    def __contains__(self, rel: object) -> bool:
        return isinstance(rel, str) and self.get(rel) is not None

    def __setitem__(self, rel: str, signature: str) -> None:
        i = self._m.position(rel)
        if i is None:
            i = self._m._append(rel, 0, 0, "", "")
        self._m.signatures[i] = signature


def _differing(a: array[int], b: array[int], block: int = 256) -> list[int]:
    """Positions where two arrays of one length differ: blocks are compared in C, items only in those that
    differ (a few edited files among 19k cost microseconds)."""
    if a == b:
        return []
    if len(a) != len(b):
        raise ValueError("arrays of different lengths")
    out: list[int] = []
    for lo in range(0, len(a), block):
        hi = min(lo + block, len(a))
        if a[lo:hi] != b[lo:hi]:
            out.extend(i for i in range(lo, hi) if a[i] != b[i])
    return out


def _split(column: bytes, n: int) -> list[str]:
    """``n`` NUL-separated strings (an empty column holds none, not one empty string)."""
    items = column.decode().split("\0") if n else []
    if len(items) != n:
        raise ValueError("manifest is damaged")
    return items
