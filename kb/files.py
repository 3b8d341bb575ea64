"""Finding and reading corpus files safely: known folders only, UTF-8 only, bounded size, no escaping symlinks."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from kb.errors import Problem

MAX_FILE_BYTES = 2 * 1024 * 1024  # 2 MiB: far above any real article, far below what would stall a build
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

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
class Listing:
    """Corpus files by relative posix path, with their (mtime_ns, size) stamps, plus listing problems."""

    files: dict[str, tuple[int, int]]
    problems: list[Problem]
    #: files and folders that exist but were not read (an escaping symlink, a FIFO, an unlistable folder): the
    #: indexer keeps their last good records, as it does for a file that fails to parse
    refused: set[str] = field(default_factory=set)


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


def list_corpus(root: Path) -> Listing:
    """Every corpus file under ``root/corpus`` with its stamp; unknown files and escaping symlinks are problems."""
    corpus = root / "corpus"
    corpus_real = Path(os.path.realpath(corpus))
    files: dict[str, tuple[int, int]] = {}
    problems: list[Problem] = []
    refused: set[str] = set()

    def refuse(rel: str, message: str) -> None:
        problems.append(Problem(rel, 0, message))
        refused.add(rel)

    def add(entry: os.DirEntry[str], rel: str) -> None:
        # DirEntry answers is_symlink from the directory listing and caches stat: one syscall per file,
        # which is most of an incremental update's cost on a large corpus
        if entry.is_symlink() and not _inside(Path(entry.path), corpus_real):
            refuse(rel, "symlink leads outside the corpus folder; not followed")
            return
        try:
            st = entry.stat()
        except OSError as exc:
            refuse(rel, f"cannot read: {exc.strerror or exc}")
            return
        if not stat.S_ISREG(st.st_mode):  # a FIFO would block a read forever; a device never ends
            refuse(rel, "not a regular file; not read")
            return
        files[rel] = (st.st_mtime_ns, st.st_size)

    try:
        top = sorted(os.scandir(corpus), key=lambda e: e.name)
    except OSError as exc:
        return Listing({}, [Problem("corpus", 0, f"cannot list the corpus folder: {exc.strerror or exc}")])
    for entry in top:
        rel = f"corpus/{entry.name}"
        if is_ignored(entry.name):
            continue
        if entry.name in FOLDERS:
            path = Path(entry.path)
            if path.is_symlink() and not _inside(path, corpus_real):
                refuse(rel, "symlink leads outside the corpus folder; not followed")
                continue
            if not path.is_dir():
                refuse(rel, "expected a folder")
                continue
            try:
                subs = list(os.scandir(path))  # unsorted: callers sort what they need
            except OSError as exc:
                refuse(rel, f"cannot list the folder: {exc.strerror or exc}")
                continue
            suffixes = FOLDERS[entry.name]
            exts = {x[1:] for x in suffixes}
            prefix = f"{rel}/"
            slug_match = SLUG.match
            # the hot loop of every incremental update (19k files at 100k sections): one stat per file, the
            # common case inlined; anything unusual goes through add() or a problem
            for sub in subs:
                name = sub.name
                if is_ignored(name):
                    continue
                stem, dot, ext = name.rpartition(".")
                if dot and ext in exts and slug_match(stem) and not sub.is_symlink():
                    try:
                        st = sub.stat()
                    except OSError:
                        add(sub, prefix + name)  # reports it
                        continue
                    if stat.S_ISREG(st.st_mode):
                        files[prefix + name] = (st.st_mtime_ns, st.st_size)
                        continue
                if not dot or ext not in exts or sub.is_dir():
                    problems.append(
                        Problem(prefix + name, 0, f"unknown file in corpus/{entry.name}/ "
                                f"(expected {' or '.join(suffixes)} files)")
                    )
                elif not slug_match(stem):
                    problems.append(Problem(prefix + name, 0,
                                            f"file name {stem!r} is not a slug (lowercase letters, digits, hyphens)"))
                else:
                    add(sub, prefix + name)
        elif entry.name in TOP_FILES and not entry.is_dir():
            if entry.name != "README.md":
                add(entry, rel)
        else:
            problems.append(Problem(rel, 0, "unknown file in corpus/ (expected articles/, faq/, nutrients/, "
                                    "synonyms.yaml, disclaimer.md)"))
    return Listing(files, problems, refused)


class FileProblem(Exception):
    """A file that cannot be read as corpus text."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def read_text(root: Path, rel: str) -> str:
    """Read a corpus file as UTF-8 text within the size limit.

    Raises:
        FileProblem: unreadable, too large, binary, empty or not UTF-8.
    """
    path = root / rel
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise FileProblem(Problem(rel, 0, f"cannot read: {exc.strerror or exc}")) from None
    if len(data) > MAX_FILE_BYTES:
        raise FileProblem(Problem(rel, 0, f"file is larger than the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit"))
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise FileProblem(Problem(rel, line, "binary file (NUL byte); corpus files are UTF-8 text"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        raise FileProblem(Problem(rel, line, message)) from None
    if not text.strip():
        raise FileProblem(Problem(rel, 0, "empty file"))
    return text.replace("\r\n", "\n").lstrip("\ufeff")
