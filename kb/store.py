"""Where an index lives on disk: a base folder holding generation folders, a CURRENT pointer, a lock, a manifest.

``<base>/CURRENT`` names the generation folder that serves; a full rebuild writes a fresh folder and swaps the
pointer with an atomic rename, so a reader (or a rebuild killed half-way) always sees a whole index. The
manifest beside the Whoosh files remembers each source file's stamp and digest so an incremental update reads
only what changed; it is a cache, written atomically after each commit, and rebuilt from the index's stored
fields when it is missing, damaged or from another generation (a rebuild killed between commit and manifest).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import sys
import time
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex

from kb.errors import IndexBusy, IndexUnavailable
from kb.files import Listing
from kb.schema import SCHEMA_VERSION

POINTER = "CURRENT"
MANIFEST = "kb-manifest.bin"
LEGACY_MANIFEST = "kb-manifest.json"  # written by kb before the column format; read once, then replaced
MANIFEST_MAGIC = b"kb-manifest\n"
MANIFEST_FORMAT = 2
LOCK = ".kb-lock"


class IndexMissing(Exception):
    """No usable index (absent, damaged, or from another schema version); ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
        self._gone: set[int] = set()  # forgotten positions, dropped on write
        self._aligned: set[str] = set()  # folders changes() found in their run's order

    # --- reading and changing -----------------------------------------------------------------------------
    def position(self, rel: str) -> int | None:
        """Where ``rel`` is in the columns, or None when the index does not hold it."""
        i = self._hints.get(rel)
        if i is None:
            if self._pos is None:
                self._pos = {p: i for i, p in enumerate(self.paths) if i not in self._gone}
            i = self._pos.get(rel)
        return i

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
        64-bit integers. At 100k sections this writes in about 3 ms and reads back in about 2, against 25 and
        15 ms for the JSON object it replaced.
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
                  "runs": runs, "nutrient_terms": self.nutrient_terms, "nutrient_files": self.nutrient_files}
        return b"".join([MANIFEST_MAGIC, json.dumps(header, separators=(",", ":")).encode(), b"\n", *columns])

    def _order(self, listing: Listing | None) -> tuple[list[int] | None, dict[str, list[int]]]:
        """The positions to write, in order (None: as they are), and the runs they make.

        With a listing, each folder's paths come in its directory order (listed files the index does not hold
        as placeholders), then every other path the manifest holds (files of a refused folder, kept).
        """
        if listing is None:
            if not self._gone:
                return None, {}
            return [i for i in range(len(self.paths)) if i not in self._gone], {}
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


def current_dir(base: Path) -> Path | None:
    """The generation folder CURRENT points at, or None."""
    try:
        name = (base / POINTER).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not name or "/" in name or name.startswith("."):
        return None
    return base / name


def open_current(base: Path, touch: bool = True) -> tuple[FileIndex, Path]:
    """Open the serving index read-only; with ``touch``, open every segment too, so damage shows here.

    An incremental update passes ``touch=False``: it opens its own reader a moment later (where damage shows
    just the same) and at 100k sections each reader costs about 1 ms per segment.

    Raises:
        IndexMissing: there is none, it is damaged, or it was built with another schema version.
    """
    if not (base / POINTER).exists():
        raise IndexMissing("no index yet")
    gen_dir = current_dir(base)
    if gen_dir is None or not gen_dir.is_dir():
        raise IndexMissing("index pointer is damaged or points nowhere")
    try:
        ix = open_generation(gen_dir, readonly=True)
        version = read_schema_version(gen_dir)
        if version != SCHEMA_VERSION:
            raise IndexMissing(f"index has schema version {version}, this kb uses {SCHEMA_VERSION}")
        if touch:
            ix.doc_count()  # touches the segment files
    except IndexMissing:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to read a build artefact means "rebuild it"
        raise IndexMissing(f"index is damaged ({type(exc).__name__})") from None
    return ix, gen_dir


def open_generation(gen_dir: Path, readonly: bool = False) -> FileIndex:
    """Open the Whoosh index in ``gen_dir`` without memory-mapping its segment files.

    With mmap, Whoosh 2.7 copies each mapped sub-file into a BytesIO when a reader opens: on a 100k-section
    index that was about 60 ms per open (every search generation, every incremental update) against under
    2 ms reading through the file.
    """
    return FileStorage(str(gen_dir), supports_mmap=False, readonly=readonly).open_index()


def read_schema_version(gen_dir: Path) -> int | None:
    try:
        return int((gen_dir / "SCHEMA").read_text().strip())
    except (OSError, ValueError):
        return None


def read_manifest(gen_dir: Path) -> Manifest | None:
    """The manifest of ``gen_dir`` (or the JSON one an earlier kb wrote), None when missing or unreadable.

    None makes the caller rebuild it from the index's stored fields, so a damaged manifest costs time, never
    correctness.
    """
    try:
        data = (gen_dir / MANIFEST).read_bytes()
    except FileNotFoundError:
        data = None
    except OSError:
        return None
    try:
        if data is not None:
            return Manifest.from_bytes(data)
        return Manifest.from_json((gen_dir / LEGACY_MANIFEST).read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - a cache: whatever cannot be read is rebuilt from the index
        return None


def write_manifest(gen_dir: Path, manifest: Manifest, listing: Listing | None = None) -> None:
    """Replace the manifest atomically (a crash leaves the old one, which the generation check then rejects).

    Not flushed to disk before the rename, unlike the CURRENT pointer: it is a checked cache (magic, format,
    generation, every column's length), so whatever a power cut leaves is either accepted or rebuilt from the
    index, and the fsync was a few ms of every update.
    """
    write_atomic(gen_dir / MANIFEST, manifest.to_bytes(listing), sync=False)
    with contextlib.suppress(OSError):  # superseded: an earlier kb's JSON manifest
        (gen_dir / LEGACY_MANIFEST).unlink()


def write_atomic(path: Path, content: str | bytes, sync: bool = True) -> None:
    """Write ``content`` to a temporary file, flush it to disk (unless ``sync`` is false), then rename it over
    ``path``: a reader sees the old file or the new one, never a part."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    data = content.encode() if isinstance(content, str) else content
    with open(tmp, "wb") as fh:
        fh.write(data)
        if sync:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)


def new_generation_dir(base: Path) -> Path:
    """A fresh, empty folder for a full build."""
    ensure_writable(base)
    path = base / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    path.mkdir()
    (path / "SCHEMA").write_text(f"{SCHEMA_VERSION}\n")
    return path


def swap_in(base: Path, gen_dir: Path) -> None:
    """Point CURRENT at ``gen_dir`` atomically, then remove every other generation folder."""
    write_atomic(base / POINTER, gen_dir.name + "\n")
    for entry in base.iterdir():
        if entry.is_dir() and entry.name.startswith("gen-") and entry != gen_dir:
            shutil.rmtree(entry, ignore_errors=True)


def remove_stale(base: Path, keep: Path) -> None:
    """Remove generation folders and temporary files that rebuilds killed half-way left behind.

    Call with the write lock held: then no other process is writing any of them.
    """
    try:
        entries = list(base.iterdir())
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("gen-") and entry.is_dir() and entry != keep:
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.is_file():
            with contextlib.suppress(OSError):
                entry.unlink()


def ensure_writable(base: Path) -> None:
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexUnavailable(f"{base}: cannot create the index folder ({exc.strerror})") from None
    if not os.access(base, os.W_OK | os.X_OK):
        raise IndexUnavailable(f"{base}: index folder is not writable; searching an existing index still works")


@contextlib.contextmanager
def write_lock(base: Path, timeout: float) -> Iterator[None]:
    """Hold the rebuild lock; wait up to ``timeout`` seconds for another rebuild, then raise IndexBusy.

    An flock dies with its process, so a rebuild killed with SIGKILL never leaves a stale lock behind.
    """
    ensure_writable(base)
    fd = os.open(base / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise IndexBusy(
                        f"another rebuild is running on {base} (waited {timeout:g} s); try again when it ends"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)
