"""Where an index lives on disk: a base folder holding generation folders, a CURRENT pointer, a lock, a manifest.

``<base>/CURRENT`` names the generation folder that serves; a full rebuild writes a fresh folder and swaps the
pointer with an atomic rename, so a reader (or a rebuild killed half-way) always sees a whole index. The
manifest beside the Whoosh files remembers each source file's stamp and digest so an incremental update reads
only what changed; it is a cache and is rebuilt from the index's stored fields when it does not match.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex

from kb.errors import IndexBusy, IndexUnavailable
from kb.schema import SCHEMA_VERSION

POINTER = "CURRENT"
MANIFEST = "kb-manifest.json"
LOCK = ".kb-lock"


class IndexMissing(Exception):
    """No usable index (absent, damaged, or from another schema version); ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Manifest:
    """What the index holds, per source file: stamp [mtime_ns, size, digest] and a signature of its links.

    Record ids are not kept here (the index answers for them): at 100k sections they made the manifest
    several megabytes, read and rewritten on every incremental update."""

    generation: int = -1
    files: dict[str, list[Any]] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)  # path -> signature of (id, nutrients) pairs
    nutrient_terms: dict[str, list[str]] = field(default_factory=dict)  # slug -> name + aliases
    nutrient_files: dict[str, str] = field(default_factory=dict)  # path -> slug

    def to_json(self) -> str:
        return json.dumps({"schema": SCHEMA_VERSION, **self.__dict__}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        d = json.loads(text)
        if d.pop("schema", None) != SCHEMA_VERSION:
            raise ValueError("manifest from another schema version")
        return cls(**d)


def current_dir(base: Path) -> Path | None:
    """The generation folder CURRENT points at, or None."""
    try:
        name = (base / POINTER).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not name or "/" in name or name.startswith("."):
        return None
    return base / name


def open_current(base: Path) -> tuple[FileIndex, Path]:
    """Open the serving index read-only.

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
    try:
        return Manifest.from_json((gen_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return None


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
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
