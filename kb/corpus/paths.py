"""The corpus files a caller names (``kb index PATH``, an editor's hook, the TUI's watcher), checked by the rules
the listing (:mod:`kb.corpus.files`) applies, so an update told the paths needs no listing of the whole corpus."""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePath

from kb.corpus.files import _ACCEPTS, FOLDERS, _inside, is_ignored
from kb.model.errors import NotCorpusFile

TOP_CORPUS_FILES = ("synonyms.yaml", "disclaimer.md")
_KINDS = "corpus/articles/*.md, corpus/faq/*.yaml, corpus/nutrients/*.yaml, synonyms.yaml or disclaimer.md"


def _under(base: str, path: str) -> str | None:
    rel = os.path.relpath(path, base)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
        return None
    return PurePath(rel).as_posix()


def _relative(root: Path, full: str) -> str | None:
    """``full`` (absolute) relative to ``root`` when it is in the corpus folder, else None."""
    rel = _under(os.path.abspath(root), full)
    if rel is None:  # the root, or the path, reached through a symbolic link: compare the real folders
        real = os.path.join(os.path.realpath(os.path.dirname(full)), os.path.basename(full))
        rel = _under(os.path.realpath(root), real)
    return rel if rel is not None and rel.split("/")[0] == "corpus" else None


def corpus_relative(root: Path, path: str | os.PathLike[str]) -> str:
    """The corpus-relative posix path (``corpus/faq/x.yaml``) of ``path`` (absolute, or relative to the current
    folder; or to the root, when that is not in the corpus), a file kb reads or would read once it exists.

    Raises:
        NotCorpusFile: outside the knowledge base's corpus folder, a folder, or a name no corpus folder accepts
            (the message says which, naming ``path`` as given).
    """
    given = os.fspath(path)
    full = os.path.abspath(given)
    rel = _relative(root, full)
    if rel is None and not os.path.isabs(given):  # "corpus/faq/x.yaml" typed outside the root (KB_ROOT set)
        full = os.path.abspath(os.path.join(root, given))
        rel = _relative(root, full)
    if rel is None:
        raise NotCorpusFile(given, f"not in the corpus folder ({Path(root) / 'corpus'})")
    parts = rel.split("/")
    name = parts[-1]
    if len(parts) == 1:
        raise NotCorpusFile(given, "is the corpus folder; name files in it, or run kb index without paths")
    if len(parts) == 2 and name in TOP_CORPUS_FILES:
        return rel
    if len(parts) == 2 and name in FOLDERS:
        raise NotCorpusFile(given, "is a folder; name files in it, or run kb index without paths")
    if len(parts) != 3 or parts[1] not in FOLDERS:
        raise NotCorpusFile(given, f"not a corpus file (kb reads {_KINDS})")
    folder = parts[1]
    suffixes = FOLDERS[folder]
    if _ACCEPTS[folder](name):
        if os.path.isdir(full):
            raise NotCorpusFile(given, "is a folder, not a corpus file")
        return rel
    if is_ignored(name):
        raise NotCorpusFile(given, "a hidden file or an editor's leftover; kb does not read it")
    stem, dot, ext = name.rpartition(".")
    if not dot or f".{ext}" not in suffixes:
        raise NotCorpusFile(given, f"not a corpus file (corpus/{folder}/ holds {' or '.join(suffixes)} files)")
    raise NotCorpusFile(given, f"file name {stem!r} is not a slug (lowercase letters, digits, hyphens)")


def plain_folder(root: Path, folder: str) -> bool:
    """Whether ``corpus/<folder>`` is a folder the listing reads as it is: a real directory, no symlink (the
    listing follows one that stays inside the corpus; an update told paths leaves such a corpus to it)."""
    if not os.path.isdir(root / "corpus"):
        return False
    try:
        st = os.lstat(root / "corpus" / folder)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode)


def look(root: Path, rel: str) -> tuple[int, int] | str | None:
    """A content file in a plain folder (:func:`plain_folder`), as the listing would see it: its stamp
    (mtime_ns, size) when it is a regular file, None when there is no such entry, else what is unusual about it
    (a symlink, a FIFO, unreadable: the listing decides what to do with those)."""
    try:
        st = os.lstat(root / rel)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if stat.S_ISREG(st.st_mode):
        return (st.st_mtime_ns, st.st_size)
    return "not a regular file"


def listed(root: Path, rel: str) -> bool:
    """Whether the listing lists content file ``rel``: an accepted name, a regular file or a symlink to one
    inside the corpus, in a folder it reads."""
    folder, _, name = rel.removeprefix("corpus/").partition("/")
    if folder not in FOLDERS or not _ACCEPTS[folder](name):
        return False
    corpus_real = Path(os.path.realpath(root / "corpus"))
    folder_path = root / "corpus" / folder
    if not folder_path.is_dir() or (folder_path.is_symlink() and not _inside(folder_path, corpus_real)):
        return False
    got = look(root, rel)
    if got is None or isinstance(got, tuple):
        return got is not None
    path = root / rel
    try:
        target = os.stat(path)
    except OSError:
        return False
    return stat.S_ISREG(target.st_mode) and (not path.is_symlink() or _inside(path, corpus_real))
