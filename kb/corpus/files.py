"""Finding and reading corpus files safely: known folders only, UTF-8 only, bounded size, no escaping symlinks."""

from __future__ import annotations

import os
import re
import stat
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, partial
from operator import attrgetter
from pathlib import Path

from kb.model.errors import Problem

MAX_FILE_BYTES = 2 * 1024 * 1024  # 2 MiB: far above any real article, far below what would stall a build

#: folder -> accepted suffixes; a file elsewhere in the corpus is reported as unknown.
FOLDERS: dict[str, tuple[str, ...]] = {
    "articles": (".md",),
    "faq": (".yaml", ".yml"),
    "nutrients": (".yaml", ".yml"),
}
TOP_FILES = {"synonyms.yaml", "disclaimer.md", "README.md"}


def is_ignored(name: str) -> bool:
    """Hidden files and editor leftovers are not corpus files."""
    return name.startswith((".", "#", "~")) or name.endswith(("~", ".swp", ".swo", ".swx", ".bak", ".tmp"))


@dataclass(frozen=True)
class Column:
    """One content folder's files, in directory order, with their stamps as two arrays.

    Directory order does not change while a folder's entries do not, so the manifest keeps its stamps in this
    order and finds what changed by comparing arrays, not by looking 19k paths up one at a time (that lookup,
    with its cache misses, was a large part of every update at 100k sections).
    """

    paths: list[str]  # corpus-relative, "corpus/faq/x.yaml"
    mtimes: array[int]  # st_mtime_ns
    sizes: array[int]  # st_size

    def stamps(self) -> Iterator[tuple[str, tuple[int, int]]]:
        """(path, (mtime_ns, size)) pairs, in directory order."""
        return zip(self.paths, zip(self.mtimes, self.sizes, strict=True), strict=True)


@dataclass(frozen=True)
class Listing:
    """Corpus files by relative posix path, with their (mtime_ns, size) stamps, plus listing problems."""

    #: content folder ("corpus/faq") -> its readable files; a refused or missing folder has none
    columns: dict[str, Column]
    #: top-level files (synonyms.yaml, disclaimer.md) -> stamp
    top: dict[str, tuple[int, int]]
    problems: list[Problem]
    #: files and folders that exist but were not read (an escaping symlink, a FIFO, an unlistable folder): the
    #: indexer keeps their last good records, as it does for a file that fails to parse
    refused: set[str] = field(default_factory=set)

    @cached_property
    def files(self) -> dict[str, tuple[int, int]]:
        """Every listed file -> stamp, in the order of the corpus folder's sorted entries."""
        files: dict[str, tuple[int, int]] = {}
        parts: list[tuple[str, Iterable[tuple[str, tuple[int, int]]]]] = [
            (key, col.stamps()) for key, col in self.columns.items()]
        parts += [(rel, [(rel, st)]) for rel, st in self.top.items()]
        for _, items in sorted(parts, key=lambda part: part[0]):
            files.update(items)
        return files

    @cached_property
    def content(self) -> set[str]:
        """The paths of every listed content file (articles, FAQs, nutrients)."""
        return {rel for col in self.columns.values() for rel in col.paths}


_FOLDER_KINDS = {"corpus/articles": "article", "corpus/faq": "faq", "corpus/nutrients": "nutrient"}


def kind_of(relpath: str) -> str | None:
    """'article', 'faq', 'nutrient', 'synonyms', 'disclaimer' or None for a corpus-relative path."""
    if relpath == "corpus/synonyms.yaml":
        return "synonyms"
    if relpath == "corpus/disclaimer.md":
        return "disclaimer"
    head, _, name = relpath.rpartition("/")
    return _FOLDER_KINDS.get(head) if name else None


def _inside(path: Path, corpus_real: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(corpus_real)
    except ValueError:
        return False
    return True


def _accepting(suffixes: tuple[str, ...]) -> Callable[[str], object]:
    """A matcher for the names a content folder accepts as they are: a slug and one of ``suffixes``.

    No ignored name (hidden, editor leftovers) can match, so one C-level regex call per name decides the common
    case; every other name goes through the slower checks that say what is wrong with it.
    """
    exts = "|".join(re.escape(s[1:]) for s in suffixes)
    return re.compile(rf"[a-z0-9]+(?:-[a-z0-9]+)*\.(?:{exts})").fullmatch


_ACCEPTS = {folder: _accepting(suffixes) for folder, suffixes in FOLDERS.items()}


class _Collector:
    """The listing being built: stamps, problems and refused paths."""

    def __init__(self, corpus_real: Path) -> None:
        self.corpus_real = corpus_real
        self.columns: dict[str, Column] = {}
        self.top: dict[str, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.refused: set[str] = set()

    def refuse(self, rel: str, message: str) -> None:
        self.problems.append(Problem(rel, 0, message))
        self.refused.add(rel)

    def add(self, entry: os.DirEntry[str], rel: str) -> None:
        """A top-level corpus file (synonyms.yaml, disclaimer.md)."""
        if entry.is_symlink() and not _inside(Path(entry.path), self.corpus_real):
            self.refuse(rel, "symlink leads outside the corpus folder; not followed")
            return
        try:
            st = entry.stat()
        except OSError as exc:
            self.refuse(rel, f"cannot read: {exc.strerror or exc}")
            return
        if not stat.S_ISREG(st.st_mode):  # a FIFO would block a read forever; a device never ends
            self.refuse(rel, "not a regular file; not read")
            return
        self.top[rel] = (st.st_mtime_ns, st.st_size)

    def folder(self, folder: str, path: Path) -> None:
        """Every file of one content folder.

        This is the hot loop of every incremental update (19k files at 100k sections), so the common case
        runs without a Python-level loop: one ``listdir``, one regex ``filter`` and a ``map`` of ``os.stat``
        relative to the folder's descriptor (no path to resolve, no ``DirEntry`` objects), then the stamps go
        into two arrays. A stat costs about a microsecond in the kernel and as much again in Python,
        which is the floor; a name that is not accepted as it is, or a file that is not a regular one, takes
        the slow path that says why.
        """
        rel = f"corpus/{folder}"
        if path.is_symlink() and not _inside(path, self.corpus_real):
            self.refuse(rel, "symlink leads outside the corpus folder; not followed")
            return
        if not path.is_dir():
            self.refuse(rel, "expected a folder")
            return
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            self.refuse(rel, f"cannot list the folder: {exc.strerror or exc}")
            return
        try:
            try:
                names = os.listdir(fd)
            except OSError as exc:
                self.refuse(rel, f"cannot list the folder: {exc.strerror or exc}")
                return
            good = list(filter(_ACCEPTS[folder], names))
            if len(good) != len(names):
                accepted = set(good)
                for name in names:
                    if name not in accepted:
                        self._odd_name(folder, name, path)
            lstat = partial(os.stat, dir_fd=fd, follow_symlinks=False)
            sts: list[os.stat_result | None]
            try:
                sts = list(map(lstat, good))
                slow = False
            except OSError:  # one vanished or is unreadable since the listing: one by one, to say which
                sts = [self._lstat(f"{rel}/{name}", name, lstat) for name in good]
                slow = True
            if slow or not all(map(stat.S_ISREG, map(_MODE, sts))):
                regular = []
                for name, st in zip(good, sts, strict=True):
                    if st is not None and not stat.S_ISREG(st.st_mode):
                        st = self._not_regular(folder, name, fd, path)
                    if st is not None:
                        regular.append((name, st))
                good = [name for name, _ in regular]
                sts = [st for _, st in regular]
            self.columns[rel] = Column(list(map(f"{rel}/".__add__, good)), array("q", map(_MTIME, sts)),
                                       array("q", map(_SIZE, sts)))
        finally:
            os.close(fd)

    def _lstat(self, rel: str, name: str, lstat: Callable[[str], os.stat_result]) -> os.stat_result | None:
        try:
            return lstat(name)
        except OSError as exc:
            self.refuse(rel, f"cannot read: {exc.strerror or exc}")
            return None

    def _odd_name(self, folder: str, name: str, path: Path) -> None:
        """A name the folder does not accept as it is: ignored, or a problem saying why."""
        if is_ignored(name):
            return
        rel = f"corpus/{folder}/{name}"
        suffixes = FOLDERS[folder]
        stem, dot, ext = name.rpartition(".")
        if not dot or f".{ext}" not in suffixes or os.path.isdir(path / name):
            self.problems.append(Problem(rel, 0, f"unknown file in corpus/{folder}/ "
                                         f"(expected {' or '.join(suffixes)} files)"))
        else:
            self.problems.append(Problem(rel, 0,
                                         f"file name {stem!r} is not a slug (lowercase letters, digits, hyphens)"))

    def _not_regular(self, folder: str, name: str, fd: int, path: Path) -> os.stat_result | None:
        """An accepted name that is not a regular file: a symlink (followed when it stays inside the corpus:
        its target's stat is returned), a folder (an unknown file), or a FIFO or device (refused: a read would
        block or never end)."""
        rel = f"corpus/{folder}/{name}"
        link = os.path.islink(path / name)
        try:
            st = os.stat(name, dir_fd=fd)  # follows a symlink
        except OSError as exc:
            if link and not _inside(path / name, self.corpus_real):
                self.refuse(rel, "symlink leads outside the corpus folder; not followed")
            else:
                self.refuse(rel, f"cannot read: {exc.strerror or exc}")
            return None
        if stat.S_ISDIR(st.st_mode):
            self.problems.append(Problem(rel, 0, f"unknown file in corpus/{folder}/ "
                                         f"(expected {' or '.join(FOLDERS[folder])} files)"))
        elif link and not _inside(path / name, self.corpus_real):
            self.refuse(rel, "symlink leads outside the corpus folder; not followed")
        elif stat.S_ISREG(st.st_mode):
            return st
        else:
            self.refuse(rel, "not a regular file; not read")
        return None


_MODE = attrgetter("st_mode")
_MTIME = attrgetter("st_mtime_ns")
_SIZE = attrgetter("st_size")


def list_corpus(root: Path) -> Listing:
    """Every corpus file under ``root/corpus`` with its stamp; unknown files and escaping symlinks are problems."""
    corpus = root / "corpus"
    out = _Collector(Path(os.path.realpath(corpus)))
    try:
        top = sorted(os.scandir(corpus), key=lambda e: e.name)
    except OSError as exc:
        return Listing({}, {}, [Problem("corpus", 0, f"cannot list the corpus folder: {exc.strerror or exc}")])
    for entry in top:
        rel = f"corpus/{entry.name}"
        if is_ignored(entry.name):
            continue
        if entry.name in FOLDERS:
            out.folder(entry.name, Path(entry.path))
        elif entry.name in TOP_FILES and not entry.is_dir():
            if entry.name != "README.md":
                out.add(entry, rel)
        else:
            out.problems.append(Problem(rel, 0, "unknown file in corpus/ (expected articles/, faq/, nutrients/, "
                                        "synonyms.yaml, disclaimer.md)"))
    return Listing(out.columns, out.top, out.problems, out.refused)


class FileProblem(Exception):
    """A file that cannot be read as corpus text."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _regular_file(root: Path, rel: str) -> str:
    """The path to open for ``rel``: a regular file inside the corpus, by the same rule as the listing.

    Each component below ``corpus/`` is ``lstat``-ed (two syscalls for a content file, no resolving on the
    common path); when one is a symlink the whole path is resolved and must stay inside the corpus folder.
    Nothing is opened here, so a FIFO or a device is refused before a read could block or never end.

    Raises:
        FileProblem: missing or unreadable, a symlink leading outside, or not a regular file.
    """
    corpus = root / "corpus"
    path = root / rel
    current = root
    linked = False
    try:
        for part in Path(rel).parts:
            current = current / part
            if current == corpus:
                continue  # the corpus folder itself may be a symlink: everything is judged relative to it
            st = os.lstat(current)
            if stat.S_ISLNK(st.st_mode):
                linked = True
                break
        if linked:
            if not _inside(path, Path(os.path.realpath(corpus))):
                raise FileProblem(Problem(rel, 0, "symlink leads outside the corpus folder; not followed"))
            target = os.path.realpath(path)
            st = os.stat(target)
        else:
            target = str(path)
    except OSError as exc:
        raise FileProblem(Problem(rel, 0, f"cannot read: {exc.strerror or exc}")) from None
    if not stat.S_ISREG(st.st_mode):  # a FIFO would block a read forever; a device never ends
        raise FileProblem(Problem(rel, 0, "not a regular file; not read"))
    return target


# O_NONBLOCK: should a FIFO be swapped in between the check and the open, the open and the read return at once
# (an empty read) instead of waiting for a writer; O_NOFOLLOW: the checked target is not a symlink, so if one
# appears there the open fails instead of following it
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0))


def read_text(root: Path, rel: str) -> str:
    """Read a corpus file as UTF-8 text within the size limit.

    Only a regular file inside the corpus is opened (see :func:`_regular_file`); line endings become ``\n``
    whether they were CRLF, LF or a lone CR (classic Mac), so Markdown, YAML and line numbers agree.

    Raises:
        FileProblem: unreadable, a symlink leading outside, not a regular file, too large, binary, empty or
            not UTF-8.
    """
    target = _regular_file(root, rel)
    try:
        fd = os.open(target, _OPEN_FLAGS)
        with open(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise FileProblem(Problem(rel, 0, "not a regular file; not read"))
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise FileProblem(Problem(rel, 0, f"cannot read: {exc.strerror or exc}")) from None
    if len(data) > MAX_FILE_BYTES:
        raise FileProblem(Problem(rel, 0, f"file is larger than the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit"))
    if b"\x00" in data:
        line = _line_at(data, data.index(b"\x00"))
        raise FileProblem(Problem(rel, line, "binary file (NUL byte); corpus files are UTF-8 text"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _line_at(data, exc.start)
        message = f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        raise FileProblem(Problem(rel, line, message)) from None
    if not text.strip():
        raise FileProblem(Problem(rel, 0, "empty file"))
    text = text.replace("\r\n", "\n")
    if "\r" in text:
        text = text.replace("\r", "\n")
    return text.lstrip("\ufeff")


def _line_at(data: bytes, offset: int) -> int:
    """The 1-based line of byte ``offset``, counting LF, CRLF and lone CR line endings alike."""
    head = data[:offset]
    return head.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1
