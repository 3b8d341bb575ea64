"""Checksums of a generation's Whoosh files, so damaged bytes are found before they give a wrong answer.

Whoosh's segment files carry no checksums: changed bytes that still decode give wrong answers without an error
(``docs/reliability.md``, "Silent damage"); a damaged term table, for one, makes ``kb show`` of a record that
exists say "unknown id". After each commit the build writes ``kb-sums`` beside the files: each file's CRC-32 with
its size and stamp (mtime, ctime, inode). Reading every byte costs about 0.1 s per 100 MB, too much for each
``kb search``, so there are two checks:

- on opening (:func:`changed_files_damaged`), only the files whose stamp changed are read: whatever wrote into
  a file (an editor, a tool, a copy) changed its ctime, so this finds damage done through the file system for
  the price of a few ``stat`` calls;
- the first time an answer says "not found" (:func:`damaged`, once per opened index), every file is read: that
  also finds bytes changed under an unchanged stamp (the disk itself).

Segment files never change once written (a merge writes a new one), so an incremental update sums only its new
files and keeps the rest. A file with no sum (written by an earlier kb, or a build killed between its commit and
the sums) is not checked; a sums file that does not match its own checksum is ignored, never taken for damage.
"""

from __future__ import annotations

import contextlib
import os
import re
import zlib
from pathlib import Path
from typing import NamedTuple

from kb.index.store import write_atomic

SUMS = "kb-sums"
_SUMMED = re.compile(r"(?:MAIN_[a-z0-9]+\.seg|_MAIN_\d+\.toc)")  # Whoosh's segment and table-of-contents files
_CHUNK = 1 << 20


class ChecksumMismatch(Exception):
    """A file of the index does not match the checksum written when it was built: its bytes are damaged."""


class Sum(NamedTuple):
    crc: int
    size: int
    stamp: tuple[int, int, int]  # mtime_ns, ctime_ns, inode: any write (or a copy) changes one of them


def _stamp(st: os.stat_result) -> tuple[int, int, int]:
    return st.st_mtime_ns, st.st_ctime_ns, st.st_ino


def _crc(path: Path) -> int:
    crc = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)  # releases the GIL on large buffers
    return crc


def read_sums(gen_dir: Path) -> dict[str, Sum]:
    """``{file name: Sum}`` from ``gen_dir``'s sums; empty when missing or not matching its own checksum."""
    try:
        text = (gen_dir / SUMS).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return {}
    body, _, last = text.rstrip("\n").rpartition("\n")
    if last != f"end {zlib.crc32(body.encode()):08x}":
        return {}
    sums = {}
    for line in body.splitlines():
        crc, size, mtime, ctime, ino, name = line.split(" ", 5)
        sums[name] = Sum(int(crc, 16), int(size), (int(mtime), int(ctime), int(ino)))
    return sums


def _write(gen_dir: Path, sums: dict[str, Sum]) -> None:
    body = "\n".join(f"{s.crc:08x} {s.size} {s.stamp[0]} {s.stamp[1]} {s.stamp[2]} {name}"
                     for name, s in sums.items())
    write_atomic(gen_dir / SUMS, f"{body}\nend {zlib.crc32(body.encode()):08x}\n", sync=False)


def write_sums(gen_dir: Path) -> None:
    """Sum the Whoosh files of ``gen_dir`` that have no sum yet and forget those gone; a failure to write
    (disk full...) leaves the files unchecked, never wrong."""
    old = read_sums(gen_dir)
    sums: dict[str, Sum] = {}
    with contextlib.suppress(OSError):
        for entry in sorted(os.scandir(gen_dir), key=lambda e: e.name):
            if _SUMMED.fullmatch(entry.name):
                st = entry.stat()
                known = old.get(entry.name)
                same = known is not None and (known.size, known.stamp) == (st.st_size, _stamp(st))
                sums[entry.name] = known if same else Sum(_crc(Path(entry.path)), st.st_size, _stamp(st))
        _write(gen_dir, sums)


def _check(gen_dir: Path, only_changed: bool) -> list[str]:
    """The files whose size or bytes differ from their sums (all of them, or those whose stamp changed); the
    sums of files whose stamp changed but whose bytes did not (a copy) get the new stamp, so the next open
    need not read them again.

    A file gone is skipped: a commit by another process removes the files it replaced just before it rewrites
    the sums, and a file a reader still needs fails loudly when Whoosh opens it.
    """
    sums = read_sums(gen_dir)
    bad, restamped = [], False
    for name, known in sums.items():
        path = gen_dir / name
        try:
            st = path.stat()
            if only_changed and (st.st_size, _stamp(st)) == (known.size, known.stamp):
                continue
            if st.st_size != known.size or _crc(path) != known.crc:
                bad.append(name)
            elif _stamp(st) != known.stamp:
                sums[name], restamped = known._replace(stamp=_stamp(st)), True
        except FileNotFoundError:
            continue
    if restamped and not bad:
        with contextlib.suppress(OSError):  # a read-only index is checked again next time: slower, never wrong
            _write(gen_dir, sums)
    return bad


def changed_files_damaged(gen_dir: Path) -> list[str]:
    """The files of ``gen_dir`` written to since they were summed whose bytes changed (a few ``stat`` calls
    when nothing was)."""
    return _check(gen_dir, only_changed=True)


def damaged(gen_dir: Path) -> list[str]:
    """Every file of ``gen_dir`` whose size or bytes differ from its sum (reads every byte)."""
    return _check(gen_dir, only_changed=False)
