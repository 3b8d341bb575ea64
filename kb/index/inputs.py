"""What a build starts from and what it reports: the corpus as listed now (:class:`Run`), the index a full
build replaces (:class:`Previous`), and the :class:`Report` of one ``kb index``."""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.index import FileIndex

from kb.corpus.files import Listing, list_corpus
from kb.corpus.loader import read_disclaimer, read_synonyms
from kb.index import documents
from kb.index.store import IndexMissing, open_current
from kb.model.errors import CorpusInvalid, Problem
from kb.model.records import Record


@dataclass
class Report:
    """What one ``kb index`` did."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    seconds: float = 0.0
    full: bool = False
    records: int = 0
    notice: str = ""
    problems: list[Problem] = field(default_factory=list)
    #: paths the update was told about that are neither a file nor in the index (``kb index PATH`` says so)
    missing: list[str] = field(default_factory=list)

    def summary(self) -> str:
        mode = "full rebuild" if self.full else "incremental"
        text = (f"{mode}: {self.added} added, {self.updated} updated, {self.removed} removed, "
                f"{self.records} records, {self.seconds:.2f} s")
        if self.problems:
            text += f"; {len(self.problems)} problem(s), last good version kept"
        return text


#: (root, side file) -> (its stamp, its problems): a process that updates again (the TUI, ``kb index --watch``)
#: parses synonyms.yaml again only when its stamp moved, as the manifest does for content files
_SIDE: dict[tuple[str, str], tuple[tuple[int, int], list[Problem]]] = {}


def _side_problems(root: Path, rel: str, stamp: tuple[int, int] | None,
                   read: Callable[[Path], tuple[object, list[Problem]]]) -> list[Problem]:
    """The problems of a top-level corpus file (synonyms, disclaimer), listed at ``stamp`` (None: not listed)."""
    key = (str(root), rel)
    got = _SIDE.get(key)
    if stamp is not None and got is not None and got[0] == stamp:
        return list(got[1])
    _, problems = read(root)
    if len(_SIDE) > 64:
        _SIDE.clear()
    if stamp is not None:
        _SIDE[key] = (stamp, list(problems))
    return problems


class ArticleSlugs(Container[str]):
    """The slugs of the listed articles, answered from the listing when asked.

    Cross-checks ask only for the articles that parsed FAQs name; an update that parses none of them never
    builds a set of every listed path."""

    def __init__(self, listing: Listing) -> None:
        self._listing = listing

    def __contains__(self, slug: object) -> bool:
        return isinstance(slug, str) and f"corpus/articles/{slug}.md" in self._listing.content


class Run:
    """State of one update: the corpus listing, what was parsed, and the manifest being written."""

    def __init__(self, root: Path, report: Report) -> None:
        self.root = root
        self.report = report
        listing = list_corpus(root)
        # seeing no files is not "every file was deleted": stop rather than empty the index
        if any(p.path == "corpus" for p in listing.problems):
            raise CorpusInvalid([p for p in listing.problems if p.path == "corpus"])
        self.listing = listing
        self.refused = listing.refused
        report.problems += listing.problems
        for rel, read in (("corpus/synonyms.yaml", read_synonyms), ("corpus/disclaimer.md", read_disclaimer)):
            probs = _side_problems(root, rel, listing.top.get(rel), read)
            report.problems += [p for p in probs if p not in listing.problems]  # a refused link: said once
        self.article_slugs = ArticleSlugs(listing)
        #: content files whose problems keep them out of date (the manifest's ``retry``), set by a full build
        self.retry: set[str] = set()

    @property
    def stamps(self) -> dict[str, tuple[int, int]]:
        """Every listed file -> (mtime_ns, size); built on first use (an incremental update that changes a few
        files never needs it: :meth:`Manifest.changes` compares the listing's arrays)."""
        return self.listing.files

    @property
    def content(self) -> set[str]:
        """Every listed content file (the listing accepts only the parsers' folders)."""
        return self.listing.content

    def kept(self, rel: str) -> bool:
        """Whether an indexed file the listing refused (or whose folder it refused) keeps its records."""
        return rel in self.refused or rel.rsplit("/", 1)[0] in self.refused


class Previous:
    """The index a full build replaces: the ids it holds, the indexed files the listing now refuses (an escaping
    symlink...: carried over), and the last good version of a file."""

    def __init__(self, base: Path, run: Run) -> None:
        self.ix: FileIndex | None = None
        self.ids: set[str] = set()
        self.kept: set[str] = set()
        try:
            ix, _ = open_current(base)
            with ix.reader() as r:
                # ids from the id column: no stored document is unpickled
                for segment_reader, _ in r.leaf_readers():
                    column = segment_reader.column_reader("id")
                    self.ids.update(column[d] for d in segment_reader.all_doc_ids())
        except IndexMissing:
            return
        except Exception:  # noqa: BLE001 - damaged past its table of contents: rebuild without it
            self.ids = set()
            return
        self.ix = ix
        if run.refused:
            try:
                with ix.reader() as r:
                    paths = {t.decode() if isinstance(t, bytes) else t for t in r.lexicon("path")}
            except Exception:  # noqa: BLE001
                paths = set()
            self.kept = {rel for rel in paths if run.kept(rel) and rel not in run.content}

    def records(self, rel: str) -> list[Record]:
        """The records ``rel`` has in the index (none when it has none, or the index is damaged)."""
        if self.ix is None:
            return []
        try:
            with self.ix.searcher() as s:
                return [documents.load(f["data"]) for f in s.documents(path=rel)]
        except Exception:  # noqa: BLE001 - a damaged old index has no last good version to carry over
            return []
