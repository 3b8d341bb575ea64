"""The one per-file build step: read -> parse -> link -> documents + manifest row.

Every build runs it: a full build in its own process and in each build worker (:mod:`kb.index.buildpool`), and
an incremental update (:mod:`kb.index.indexer`). They differ only in which files they feed it and in what they
do around it (which files to leave out, what to delete first); how a file becomes documents and what the
manifest keeps of it is written here once.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from kb.corpus.files import MAX_FILE_BYTES
from kb.corpus.linking import NutrientMatcher
from kb.corpus.loader import link, matcher_for, parse_file
from kb.corpus.parsers import Parsed
from kb.index import documents
from kb.model.records import Nutrient, Record

#: the stamp of a file whose last good version was carried over: it never matches a file, so the file is
#: read again on the next update
CARRIED = (0, 0, "")


class Writer(Protocol):
    """What a file's documents are added to: a Whoosh writer, or the full build's bulk segment writer."""

    def add_document(self, **fields: Any) -> None: ...


class Row(NamedTuple):
    """What the manifest keeps of one indexed file (see :meth:`kb.index.manifest.Manifest.add`)."""

    rel: str
    stamp: list[Any]  # [mtime_ns, size, digest], as the documents' stamp field holds it
    signature: str  # of the records' ids and links (:func:`signature`)
    nutrient: str = ""  # the slug, for a nutrient's file


def digest(root: Path, rel: str) -> str:
    """A 64-bit BLAKE2 digest of a file, read in chunks; "" when unreadable or over the size limit.

    Streaming keeps memory flat: a 50 MB file dropped into the corpus must not cost 50 MB on every update.
    64 bits tell an edit from a touch; the short form keeps the manifest (read and rewritten on every update)
    small on a large corpus.
    """
    h = hashlib.blake2b(digest_size=8)
    try:
        # non-blocking: a FIFO swapped in since the file was read must not hang the build (H1)
        fd = os.open(root / rel, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        with open(fd, "rb") as fh:
            st = os.fstat(fd)
            if st.st_size > MAX_FILE_BYTES or not stat.S_ISREG(st.st_mode):
                return ""
            for chunk in iter(lambda: fh.read(1 << 16), b""):
                h.update(chunk)
    except OSError:
        return ""
    return h.hexdigest()


def signature(records: Iterable[Record]) -> str:
    """A digest of a file's records' ids and links: it changes when re-linking must re-index them."""
    h = hashlib.blake2b(digest_size=8)
    for r in sorted(records, key=lambda r: r.id):
        h.update(f"{r.id}\0{','.join(r.nutrients)}\n".encode())
    return h.hexdigest()


def nutrient_terms(nutrients: Iterable[Nutrient]) -> dict[str, list[str]]:
    """slug -> [name, *aliases]: what linking matches and what a nutrient's documents index."""
    return {n.slug: list(n.names) for n in nutrients}


#: the last nutrient matcher built, by its terms: a process that updates again (the TUI, ``kb index --watch``)
#: links against the same nutrients until one of them changes
_MATCHER: dict[tuple[tuple[str, tuple[str, ...]], ...], NutrientMatcher] = {}


class Executor:
    """Parses, links and indexes files one at a time against one set of nutrient terms (picklable: a spawned
    build worker receives it)."""

    def __init__(self, root: Path, terms: dict[str, list[str]]) -> None:
        self.root = root
        self.terms = terms
        self._matcher: NutrientMatcher | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_matcher": None}  # rebuilt where it is used

    @property
    def matcher(self) -> NutrientMatcher:
        if self._matcher is None:
            key = tuple((slug, tuple(names)) for slug, names in self.terms.items())
            got = _MATCHER.get(key)
            if got is None:  # compiling the patterns was 6 ms of every incremental update
                _MATCHER.clear()
                got = _MATCHER[key] = matcher_for(self.terms.items())
            self._matcher = got
        return self._matcher

    def parse(self, rel: str) -> Parsed:
        """Read and parse one content file; never raises for bad content (see :func:`kb.corpus.loader.parse_file`)."""
        return parse_file(self.root, rel)

    def link(self, parsed: Parsed) -> list[Record]:
        """The file's records, each with the nutrients it is about."""
        return [link(r, self.matcher) for r in parsed.records]

    def stamp(self, rel: str, st: Sequence[int]) -> list[Any]:
        """The stamp a file listed at ``st`` = (mtime_ns, size) is indexed with: that and its digest."""
        return [st[0], st[1], digest(self.root, rel)]

    def index(self, writer: Writer, rel: str, records: list[Record], stamp: Sequence[Any],
              sig: str | None = None) -> Row:
        """Add the documents of one file's ``records`` to ``writer``; returns the file's manifest row."""
        stamp = list(stamp)
        for r in records:
            writer.add_document(**documents.to_document(r, self.terms, stamp))
        nutrient = next((r.slug for r in records if isinstance(r, Nutrient)), "")
        return Row(rel, stamp, signature(records) if sig is None else sig, nutrient)

    def build(self, writer: Writer, rel: str, parsed: Parsed, st: Sequence[int]) -> Row:
        """Link a parsed file listed at ``st`` and index it: the full build's step for every good file."""
        return self.index(writer, rel, self.link(parsed), self.stamp(rel, st))
