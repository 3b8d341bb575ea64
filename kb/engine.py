"""The engine API: open a knowledge base from its root and search it. The CLI and the TUI call only this.

Example::

    from kb.engine import KnowledgeBase

    kb = KnowledgeBase.open("path/to/root")      # or KnowledgeBase.open() to look upwards from the cwd
    response = kb.search("cramps at night", limit=5)
    for hit in response.results:
        print(hit.id, hit.score, hit.snippet.text)
"""

from __future__ import annotations

import difflib
import operator
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from kb.corpus.disclaimer import read_disclaimer
from kb.corpus.root import find_root
from kb.corpus.synonyms import Synonyms, read_synonyms
from kb.index.store import IndexMissing, open_current
from kb.model.errors import UnknownId
from kb.model.records import Faq, Nutrient, Record, Section
from kb.model.results import Response, Snippet
from kb.search.emergency import emergency_callout
from kb.search.plan import check_filters, parse, valid_kind
from kb.search.records import nutrient_names
from kb.search.searcher import IndexSearcher
from kb.search.serving import SearchFailed, Serving

if TYPE_CHECKING:
    from kb.corpus.loader import Corpus
    from kb.index.indexer import Progress, Report

Notify = Callable[[str], None]
T = TypeVar("T")
# No real word is longer (the longest English one has 45 letters). Whoosh's spelling correction builds an
# edit-distance automaton per word whose cost explodes with its length: one 900-letter word took seconds.
MAX_WORD_CHARS = 48
MAX_QUERY_CHARS = 2000  # kb.search.plan.parse reads no further either
_LONG_WORD = re.compile(rf"\S{{{MAX_WORD_CHARS + 1},}}")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
#: the synonyms last parsed in this process, by (path, inode, (mtime, size)) of synonyms.yaml
_SYNONYMS: dict[tuple, Synonyms] = {}


def _close(wanted: str, choices: list[str], what: str) -> str:
    """``; did you mean a, b?`` for the closest of ``choices``, else the list of every one (when short)."""
    close = difflib.get_close_matches(wanted, choices, n=3, cutoff=0.5)
    if close:
        return f"; did you mean {', '.join(close)}?"
    return f" ({what}: {', '.join(choices)})" if len(choices) <= 30 else ""

@dataclass(frozen=True)
class NutrientSummary:
    """A nutrient with how many sections and FAQs link to it."""

    slug: str
    name: str
    category: str
    sections: int
    faqs: int


class KnowledgeBase:
    """A knowledge base: its corpus folder and its index, searched in-process.

    The index is built on first use. Methods are safe to call from several threads (searches are serialised).
    """

    def __init__(self, root: Path, index_dir: Path | None = None, notify: Notify | None = None) -> None:
        self.root = Path(root)
        self.index_dir = Path(index_dir) if index_dir else self.root / "index"
        self.notify: Notify = notify or (lambda message: None)
        # ``notify`` is looked up at each call: a face may set it after opening
        self._serving = Serving(self.index_dir, lambda: self.update(full=True), lambda m: self.notify(m))
        self._synonyms: tuple[tuple[int, int] | None, Synonyms] = (None, Synonyms())

    @classmethod
    def open(cls, root: str | os.PathLike[str] | None = None, index_dir: str | os.PathLike[str] | None = None,
             notify: Notify | None = None) -> KnowledgeBase:
        """Open the knowledge base at ``root`` (or found from ``KB_ROOT`` / the current folder upwards)."""
        return cls(find_root(root), Path(index_dir) if index_dir else None, notify)

    # --- building ---------------------------------------------------------------------------------------------
    def update(self, full: bool = False, progress: Progress | None = None,
               paths: Iterable[str | os.PathLike[str]] | None = None) -> Report:
        """Re-index what changed (or everything, with ``full``); the previous index serves until it is done.

        ``paths``: the files edited, added or deleted (absolute, or relative to the current folder or the root),
        when the caller knows them (an editor's hook, a watcher): only those are looked at, not the whole corpus.
        A path that names no corpus file raises :class:`~kb.model.errors.NotCorpusFile` (``path: what is wrong``).
        """
        from kb.index import indexer  # building needs the parsers; searching an existing index does not

        if full:
            if paths is not None:
                raise ValueError("a full rebuild reads every file: give no paths")
            report = indexer.full_build(self.root, self.index_dir, progress)
        else:
            report = indexer.update(self.root, self.index_dir, progress, paths)
        if report.notice:
            self.notify(report.notice)
        return report

    def has_index(self) -> bool:
        try:
            open_current(self.index_dir)
        except IndexMissing:
            return False
        return True

    def _current(self) -> IndexSearcher:
        return self._serving.current()

    def _use(self, action: Callable[[IndexSearcher], T], missed: Callable[[T], bool] | None = None) -> T:
        return self._serving.use(action, missed)

    # --- corpus-level -----------------------------------------------------------------------------------------
    def validate(self) -> Corpus:
        """Load and check the whole corpus (no index involved)."""
        from kb.corpus.loader import load_corpus

        return load_corpus(self.root)

    @property
    def synonyms(self) -> Synonyms:
        """Synonym groups, re-read when ``synonyms.yaml`` changes (no re-index needed)."""
        path = self.root / "corpus" / "synonyms.yaml"
        try:
            st = path.stat()
            stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
            inode = st.st_ino
        except OSError:
            stamp, inode = None, 0
        if stamp != self._synonyms[0]:
            key = (str(path), inode, stamp)
            syn = _SYNONYMS.get(key) if stamp is not None else None
            if syn is None:
                syn, _ = read_synonyms(self.root)
                if stamp is not None:  # another engine on the same file (a reopened TUI) need not parse it again
                    _SYNONYMS.clear()
                    _SYNONYMS[key] = syn
            self._synonyms = (stamp, syn)
        return self._synonyms[1]

    @property
    def disclaimer(self) -> str:
        """The medical disclaimer from ``corpus/disclaimer.md``."""
        return read_disclaimer(self.root)[0]

    # --- searching --------------------------------------------------------------------------------------------
    def search(self, query: str, limit: int = 10, kind: str | None = None, nutrient: str | None = None,
               prefix: bool = False, snippets: int | None = None, correct: bool = True) -> Response:
        """Plain-language search.

        Args:
            query: what the person typed; syntax ``"phrase"``, ``-word``, ``kind:faq``, ``nutrient:slug``.
            limit: how many results to return.
            kind: only ``section``, ``faq`` or ``nutrient`` results (``total`` counts those; the ``facets`` still
                count every kind, so one call answers a kind filter's tabs).
            nutrient: only records linked to this nutrient slug.
            prefix: typing mode: the last word may be incomplete ("magn" finds magnesium).
            snippets: make snippets for only the first N results (default: all returned).
            correct: run the spelling-corrected words (``Response.corrected``) when every correction is confident
                and finds results; only words that are no English word are corrected (see :mod:`kb.search.spelling`).
                False searches the words as typed (the suggestion is still given).
        The response carries an ``emergency`` callout when its top result is an emergency record, or when the
        query names a red-flag sign (``red_flags`` in synonyms.yaml): then it links the best-ranked emergency
        record for the query, looked for among every emergency record when none is in the results.

        Raises:
            UnknownFilter: an unknown ``kind`` or ``nutrient``, or a ``kind:``/``nutrient:``/``tag:`` value in
                the query that names nothing in the index (a ValueError; the message lists the valid values).
        """
        kind = valid_kind(kind)
        query = _LONG_WORD.sub(lambda m: m.group(0)[:MAX_WORD_CHARS], query[:MAX_QUERY_CHARS])
        pq = parse(query)  # the only time the text is read: the searcher plans from its parts
        # a filter value the index lacks is reported, never searched as words
        check_filters(pq, nutrient or None, prefix, lambda f: self._use(lambda s: s.records.field_values(f)))
        synonyms = self.synonyms

        def run(s: IndexSearcher) -> Response:
            response, plan = s.run(pq, synonyms, limit, kind, nutrient, prefix, snippets, correct)
            callout = emergency_callout(s, response, plan, synonyms)
            return replace(response, emergency=callout) if callout else response

        return self._use(run)

    def suggest(self, word: str) -> str | None:
        """A spelling suggestion for one word, or None."""
        if len(word) > MAX_WORD_CHARS:
            return None
        return self._use(lambda s: s.vocabulary.suggest_word(word))

    def get(self, record_id: str) -> Record:
        """One record by id.

        Raises:
            UnknownId: no record has this id.
        """
        # an id is a key to look up, never a file path
        record = self._use(lambda s: s.records.get(record_id), missed=lambda r: r is None)
        if record is None:
            raise UnknownId(f"unknown id {record_id!r} (ids look like article/<slug>#<heading>, faq/<slug>, "
                            "nutrient/<slug>)")
        return record

    def snippets(self, record_ids: Sequence[str], terms: Iterable[str]) -> list[Snippet]:
        """The snippet of each record for ``terms`` (a response's ``terms``), as ``search`` makes them.

        For results asked for with ``snippets=N``: the TUI paints the first rows with theirs and fills in the
        rest after the frame. An id no longer in the index gets an empty snippet.
        """
        from kb.index.documents import plain_of
        from kb.search.snippets import make_snippet

        words = tuple(terms)

        def make(s: IndexSearcher) -> list[Snippet]:
            out = []
            for record_id in record_ids:
                record = s.records.get(record_id)
                out.append(make_snippet(plain_of(record), words) if record is not None else Snippet(""))
            return out

        return self._use(make)

    def records(self) -> list[Record]:
        """Every indexed record, in id order."""
        return sorted(self._use(lambda s: s.records.all()), key=lambda r: r.id)

    def nutrients(self) -> list[NutrientSummary]:
        """Every nutrient, by name, with counts of linked sections and FAQs."""
        def summaries(s: IndexSearcher) -> list[NutrientSummary]:
            out = []
            for n in [r for r in s.records.all() if isinstance(r, Nutrient)]:
                linked = s.records.linked_to(n.slug)
                out.append(NutrientSummary(
                    n.slug, n.name, n.category,
                    sum(isinstance(r, Section) for r in linked), sum(isinstance(r, Faq) for r in linked)))
            return out

        return sorted(self._use(summaries), key=lambda n: n.name.lower())

    def nutrient(self, slug: str) -> tuple[Nutrient, list[Record]]:
        """A nutrient record and the sections and FAQs linked to it, those most about it first (sections and
        FAQs mixed, by how strongly each is about the nutrient: see ``IndexSearcher.linked_ranked``)."""
        record = self.get(f"nutrient/{slug}")
        assert isinstance(record, Nutrient)
        return record, [r for r, _ in self._use(lambda s: s.linked_ranked(record))]

    def article(self, slug: str) -> list[Section]:
        """Every section of the article ``slug`` (or ``article/<slug>``), in reading order.

        Raises:
            UnknownId: no article has this slug; the message names the closest ones.
        """
        slug = slug.strip().removeprefix("article/").split("#", 1)[0]
        found = [r for r in self._use(lambda s: s.records.in_file(f"corpus/articles/{slug}.md"), operator.not_)
                 if isinstance(r, Section)] if _SLUG.fullmatch(slug) else []
        if not found:
            slugs = sorted({r.article_slug for r in self.records() if isinstance(r, Section)})
            raise UnknownId(f"unknown article {slug!r}" + _close(slug, slugs, "articles"))
        return found

    def article_title(self, slug: str) -> str | None:
        """The title of the article ``slug``, or None when there is no such article."""
        try:
            return self.article(slug)[0].article_title
        except UnknownId:
            return None

    def resolve_nutrient(self, text: str) -> str:
        """The slug of the nutrient ``text`` names: its slug, name or an alias, in any case, with ``_`` or spaces
        for hyphens (``Magnesium``, ``vitamin_d``, ``mg``, ``nutrient/vitamin-b12``).

        Raises:
            UnknownId: no nutrient has that name; the message lists the closest names and every slug.
        """
        wanted = " ".join(text.strip().lower().removeprefix("nutrient/").replace("_", " ").replace("-", " ").split())
        names = self._use(lambda s: nutrient_names(s.records.of_kind("nutrient")), missed=lambda n: wanted not in n)
        if wanted in names:
            return names[wanted]
        slugs = sorted(set(names.values()))
        close = difflib.get_close_matches(wanted, list(names), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(dict.fromkeys(names[c] for c in close))}?" if close else ""
        raise UnknownId(f"unknown nutrient {text.strip()!r}{hint} (nutrients: {', '.join(slugs)})")

    def close(self) -> None:
        self._serving.close()


# --- the rest of what the CLI and the TUI use (they import only kb.engine and kb.model) ------------------------
from kb.corpus.watch import corpus_changes, is_corpus_file  # noqa: E402 - watchfiles is imported only to watch
from kb.corpus.watch import corpus_paths as changed_paths  # noqa: E402
from kb.index.documents import dump as record_json  # noqa: E402 - re-exported for the faces (find_root too)
from kb.index.documents import plain_of  # noqa: E402
from kb.search.listing import overview, stored_fields  # noqa: E402 - the first screen and the palette's titles
from kb.search.snippets import find_spans  # noqa: E402

__all__ = ["KnowledgeBase", "NutrientSummary", "SearchFailed", "changed_paths", "corpus_changes",
           "create_knowledge_base", "find_root", "find_spans", "is_corpus_file", "overview", "plain_of",
           "record_json", "stored_fields"]


def create_knowledge_base(root: Path) -> list[Path]:
    """``kb init``: corpus folders, a disclaimer, synonyms and an example of each record kind; the paths written."""
    from kb.corpus.scaffold import create

    return create(root)
