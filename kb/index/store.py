"""Where an index lives on disk: a base folder holding generation folders, a CURRENT pointer, a lock, a manifest.

(The manifest's contents are :mod:`kb.index.manifest`; this module reads and writes it in a generation folder.)

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
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex

from kb.corpus.files import Listing
from kb.index.manifest import LEGACY_MANIFEST, MANIFEST, Manifest
from kb.index.schema import SCHEMA_VERSION
from kb.model.errors import IndexBusy, IndexUnavailable

POINTER = "CURRENT"
LOCK = ".kb-lock"


class IndexWriteFailed(IndexUnavailable):
    """Writing the index failed for a reason a rebuild cannot cure (the disk is full...); the previous index
    keeps serving."""


# errors writing gives that are not damage: rebuilding would fail the same way (and write even more)
WRITE_ERRNOS = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded",
                errno.EROFS: "read-only file system", errno.EFBIG: "file too large"}


def write_failure(exc: BaseException, base: Path) -> IndexWriteFailed | None:
    """The one-line error for ``exc`` when it is a failure to write (disk full...), else None."""
    if isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS:
        return IndexWriteFailed(f"{WRITE_ERRNOS[exc.errno]} while writing {base}")
    return None


class IndexMissing(Exception):
    """No usable index (absent, damaged, or from another schema version); ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
    just the same) and on a large index each reader opened costs time for every segment.

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

    With mmap, Whoosh 2.7 copies each mapped sub-file into a BytesIO when a reader opens: on a large index
    that made every open (every search generation, every incremental update) far slower than reading through
    the file.
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
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        try:
            os.replace(tmp, path)
        except IsADirectoryError:  # name the file in the way, not the temporary one
            raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(path)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def new_generation_dir(base: Path) -> Path:
    """A fresh, empty folder for a full build."""
    ensure_writable(base)
    path = base / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    path.mkdir()
    try:
        (path / "SCHEMA").write_text(f"{SCHEMA_VERSION}\n")
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
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
    """Create the index folder if needed and check it can be written; one clear line when it cannot."""
    if base.is_symlink() and not base.exists():
        raise IndexUnavailable(f"{base}: a symbolic link to {os.readlink(base)}, which does not exist; create "
                               "that folder or remove the link")
    try:
        base.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise IndexUnavailable(f"{base}: cannot create the index folder (a file of that name is in the way)") from None
    except OSError as exc:
        raise IndexUnavailable(f"{base}: cannot create the index folder ({exc.strerror})") from None
    pointer = base / POINTER
    if pointer.is_dir():
        raise IndexUnavailable(f"{pointer}: is a folder, not the index pointer file; remove it and kb rebuilds "
                               "the index")
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
