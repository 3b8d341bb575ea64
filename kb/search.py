"""Running queries against one open index: ranking, typing-mode prefixes, spelling correction, facets, snippets.

A :class:`IndexSearcher` lives as long as its index generation, and so does everything it caches: the term
dictionary for prefix expansion and spelling (:mod:`kb.lexicon`, built on first use, so typing "m", "ma", "mag"
costs a bisect and a capped selection), posting arrays and bitsets, each word's spelling suggestion, and the
documents' order by id. A new generation gets a new searcher, so no cache outlives the index it describes.
"""

from __future__ import annotations

import heapq
import re
import time
from collections.abc import Callable
from functools import lru_cache

import numpy as np
from whoosh.index import FileIndex

from kb import documents
from kb.docsets import Bits, DocSets
from kb.lexicon import Lexicon
from kb.perdoc import id_rank
from kb.phrases import PhraseChecks, top_with_phrases
from kb.query import Built, ParsedQuery, build, parse, stems
from kb.ranking import Ranker
from kb.records import Record
from kb.results import Hit, Response
from kb.schema import TEXT_FIELDS
from kb.snippets import make_snippet
from kb.spelling import Speller
from kb.synonyms import Synonyms

MAX_EXPANSIONS = 12  # most frequent completions of a prefix that take part in the query
# A one-letter prefix completes to a good part of the vocabulary: only its few most frequent completions take part
# (results from the first key, as fzf gives, without ORing hundreds of terms on the first keystroke).
ONE_LETTER_EXPANSIONS = 4
PREFIX_FIELDS = ("title", "body", "names")
SPELLING_FIELDS = ("body", "title")  # where suggestions come from, in this order
SUGGESTION_CACHE = 4096
RECORD_CACHE = 1024  # decoded hits: typing shows the same top results keystroke after keystroke


class IndexSearcher:
    """Searches one index generation; not thread-safe (the engine serialises calls)."""

    def __init__(self, ix: FileIndex) -> None:
        self.ix = ix
        self.searcher = ix.searcher()
        self._lexicon: Lexicon | None = None
        self._speller: Speller | None = None
        self._expand = lru_cache(maxsize=4096)(self._expand_uncached)
        self._known = lru_cache(maxsize=8192)(self._known_uncached)
        # looked up at call time (not bound here), so a test can see a cache miss
        self._suggestions = lru_cache(maxsize=SUGGESTION_CACHE)(lambda word: self._suggest_uncached(word))
        self._docsets: DocSets | None = None
        self._ranker: Ranker | None = None
        self._id_rank: np.ndarray | None = None
        self._facet_values: dict[str, list[str] | None] = {}
        self._record = lru_cache(maxsize=RECORD_CACHE)(self._record_uncached)
        self._phrase_checks: PhraseChecks | None = None

    def close(self) -> None:
        self.searcher.close()

    def up_to_date(self) -> bool:
        return self.searcher.up_to_date()

    # --- vocabulary -------------------------------------------------------------------------------------------
    @property
    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            self._lexicon = Lexicon(self.searcher.reader(), PREFIX_FIELDS)
        return self._lexicon

    def _expand_uncached(self, prefix: str) -> tuple[str, ...]:
        return self.lexicon.complete(prefix, MAX_EXPANSIONS)

    def _expand_short(self, letter: str) -> tuple[str, ...]:
        # the most frequent of the cached completions (which are in alphabetical order when there are few)
        df = self.lexicon.df
        return tuple(heapq.nlargest(ONE_LETTER_EXPANSIONS, self._expand(letter), key=lambda t: (df.get(t, 0), t)))

    def expand_prefix(self, raw_word: str) -> tuple[str, ...]:
        """Index terms that complete ``raw_word`` (as typed, lowercased), the most frequent first, capped."""
        word = raw_word.lower()
        if not word:
            return ()
        if len(word) == 1:
            return self._expand_short(word)
        out = list(self._expand(word))
        stemmed = stems(word)
        if stemmed and stemmed[0] != word:
            out += [t for t in self._expand(stemmed[0]) if t not in out]
        return tuple(out[:MAX_EXPANSIONS])

    def _known_uncached(self, stem: str) -> bool:
        """Whether any prefix field holds ``stem`` (a term lookup per field: no need for the whole lexicon)."""
        reader = self.searcher.reader()
        return any(f in reader.schema and (f, stem) in reader for f in PREFIX_FIELDS)

    # --- spelling ---------------------------------------------------------------------------------------------
    def suggest_word(self, word: str) -> str | None:
        """A spelling correction of one word from the index vocabulary, or None when it is known or hopeless.

        Cached per word for the life of this searcher (one index generation): typing after a misspelt word
        re-checks it on every keystroke.
        """
        return self._suggestions(word)

    def _suggest_uncached(self, word: str) -> str | None:
        if len(word) < 3 or not word.isalpha():
            return None
        s = stems(word)
        if not s or self._known(s[0]):
            return None
        if self._speller is None:
            self._speller = Speller(self.searcher.reader(), self.lexicon.terms)
        for fieldname in SPELLING_FIELDS:
            found = self._speller.suggest(fieldname, word.lower())
            if found:
                return found
        return None

    def correct(self, text: str, pq: ParsedQuery, keep: frozenset[str] = frozenset()) -> str | None:
        """The query text with each misspelt word replaced (except those in ``keep``), or None when nothing
        changed."""
        fixed = text
        changed = False
        for w in pq.words:
            if w.lower() in keep:
                continue
            sug = self.suggest_word(w)
            if sug and sug != w.lower():
                fixed = re.sub(rf"(?<!\w){re.escape(w)}(?!\w)", sug, fixed, count=1)
                changed = True
        return fixed if changed else None

    # --- searching --------------------------------------------------------------------------------------------
    def run(self, text: str, synonyms: Synonyms, limit: int = 10, kind: str | None = None,
            nutrient: str | None = None, prefix: bool = False, snippets: int | None = None,
            correct: bool = True, care: str | None = None) -> Response:
        """Search ``text``; see :meth:`kb.engine.KnowledgeBase.search` for the options (``care``: only records
        of this care level)."""
        started = time.perf_counter()
        response = self._run_once(text, synonyms, limit, kind, nutrient, prefix, snippets, care)
        pq = parse(text)
        if response.prefixes and response.total:  # typing mode: the last word is unfinished, not misspelt
            pq.words = pq.words[:-1]
        suggestion = self.correct(text, pq) if pq.words else None
        # Run the corrected words when the typed ones find nothing, and also when a word finds nothing at all
        # ("magnesum cramp" would otherwise rank by "cramp" alone). A word of a synonym group is left as typed
        # there: it may match through its group although the index lacks it.
        attempt = None if not correct or not suggestion else suggestion if response.total == 0 else \
            self.correct(text, pq, keep=synonym_words(synonyms))
        if attempt:
            fixed = self._run_once(attempt, synonyms, limit, kind, nutrient, prefix, snippets, care)
            if fixed.total:
                response = _with(fixed, query=text, corrected=attempt)
        return _with(response, suggestion=suggestion, elapsed_ms=(time.perf_counter() - started) * 1000)

    def _run_once(self, text: str, synonyms: Synonyms, limit: int, kind: str | None, nutrient: str | None,
                  prefix: bool, snippets: int | None, care: str | None = None) -> Response:
        pq = parse(text)
        if kind:
            pq.filters.setdefault("kind", []).append(kind)
        if care:
            pq.filters.setdefault("care", []).append(care)
        if nutrient:
            pq.filters.setdefault("nutrients", []).append(nutrient.lower())
        last_is_prefix = prefix and bool(pq.words) and not text[-1:].isspace() and not text.rstrip().endswith('"')
        expansions = list(self.expand_prefix(pq.words[-1])) if last_is_prefix else []
        built = build(pq, synonyms, expansions, last_is_prefix)
        if built.query is None and not pq.filters:
            return Response(query=text)
        docsets = self.docsets
        allow = docsets.query(built.filter) if built.filter is not None else None
        deny = docsets.query(built.exclude) if built.exclude is not None else None
        # Totals and facets come from bitsets (see kb.docsets) and the top hits from numpy scores (kb.ranking):
        # grouping and scoring every match through Whoosh's matchers cost most of the time.
        unit_bits = [[self._alt_bits(alt) for alt in unit] for unit in built.units]
        if built.query is None:
            matching = docsets.live()
        else:
            value = 0
            for alts in unit_bits:
                for b in alts:
                    value |= b.value
            matching = Bits(value) & docsets.live()
        if allow is not None:
            matching = matching & allow
        if deny is not None:
            matching = matching.minus(deny)
        counts = {"kind": self._counts("kind", matching), "nutrient": self._counts("nutrients", matching)}
        if built.query is None:  # filters only: every allowed record, in id order
            ranked = [(1.0, d) for d in self._first_by_id(matching, limit)]
        else:
            ranked = [(score, d) for d, score in self._top(built, matching, limit)]
        hits = []
        n_snip = limit if snippets is None else snippets
        for rank, (score, docnum) in enumerate(_tie_break(ranked, limit, self._ids_rank)):
            record = self._record(docnum)
            snippet = make_snippet(documents.plain_of(record), built.terms) if rank < n_snip else None
            hits.append(_hit(record, score, snippet))
        return Response(query=text, results=tuple(hits), total=len(matching), facets=counts,
                        terms=frozenset(built.terms), prefixes=tuple(built.prefixes))

    def _top(self, built: Built, matching: Bits, limit: int) -> list[tuple[int, float]]:
        """The best ``limit`` (docnum, score) of ``matching`` (with every document tied with the last)."""
        ranker, docsets = self.ranker, self.docsets
        allowed = ranker.mask(matching)
        phrases = built.phrases
        if phrases and any(docsets.known(q) is None for q in phrases.values()):
            if self._phrase_checks is None:
                self._phrase_checks = PhraseChecks(self.searcher.reader())
            found = top_with_phrases(lambda exact: ranker.score(built.units, built.weights, exact), phrases,
                                     self._phrase_checks, allowed, limit, ranker.top)
            if found is not None:
                return found
        exact = {i: ranker.mask(docsets.query(q)) for i, q in phrases.items()}
        return ranker.top(ranker.score(built.units, built.weights, exact), allowed, limit)

    def _record_uncached(self, docnum: int) -> Record:
        """The record stored with ``docnum`` (``_record`` decodes it once per searcher, for the recent hits)."""
        return documents.load(self.searcher.reader().stored_fields(docnum)["data"])

    @property
    def ranker(self) -> Ranker:
        if self._ranker is None:
            self._ranker = Ranker(self.searcher, TEXT_FIELDS)
        return self._ranker

    @property
    def docsets(self) -> DocSets:
        if self._docsets is None:
            ranker = self.ranker
            self._docsets = DocSets(self.searcher, lambda term: ranker.term(term)[0], ranker.fields)
        return self._docsets

    def _ids_rank(self) -> np.ndarray:
        """Each document's position in id order, read once (for filter-only listings and score ties)."""
        if self._id_rank is None:
            self._id_rank = id_rank(self.searcher.reader())
        return self._id_rank

    def _first_by_id(self, matching: Bits, limit: int) -> list[int]:
        """The first ``limit`` documents of ``matching`` in id order.

        Whoosh's ``Every()`` sorted by the id column read a column value per allowed document on every call
        (30-135 ms at 100k sections while a filter was being typed); here it is a walk of a cached order.
        """
        if limit <= 0 or not matching.value:
            return []
        rank = self._ids_rank()
        mask = self.ranker.mask(matching)
        docs = np.flatnonzero(mask)
        if len(docs) > limit:
            docs = docs[np.argpartition(rank[docs], limit - 1)[:limit]]
        return [int(d) for d in docs[np.argsort(rank[docs], kind="stable")]]

    def _alt_bits(self, alt: frozenset[str]) -> Bits:
        """Documents holding every term of one alternative of a typed word (a phrase counts as its words)."""
        value = -1
        for term in alt:
            value &= self.docsets.any_field(self.ranker.fields, term).value
        return Bits(value if alt else 0)

    def _counts(self, fieldname: str, matching: Bits) -> dict[str, int]:
        """How many of ``matching`` hold each value of a keyword field (kind, nutrients)."""
        if self._facet_values.get(fieldname) is None:
            reader = self.searcher.reader()
            self._facet_values[fieldname] = sorted(
                t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon(fieldname))
        out = {}
        for value in self._facet_values[fieldname]:
            n = (matching.value & self.docsets.term(fieldname, value).value).bit_count()
            if n:
                out[value] = n
        return out

    def get(self, record_id: str) -> Record | None:
        fields = self.searcher.document(id=record_id)
        return documents.load(fields["data"]) if fields else None

    def all_records(self) -> list[Record]:
        return [documents.load(f["data"]) for f in self.searcher.reader().all_stored_fields()]

    def in_file(self, path: str) -> list[Record]:
        """Every record indexed from one corpus file (an article's sections), in file order."""
        records = [documents.load(f["data"]) for f in self.searcher.documents(path=path)]
        return sorted(records, key=lambda r: r.line)

    def of_kind(self, kind: str) -> list[Record]:
        """Every record of one kind (nutrients are few: this is what resolving a nutrient's name reads)."""
        return [documents.load(f["data"]) for f in self.searcher.documents(kind=kind)]

    def linked_to(self, slug: str) -> list[Record]:
        docs = self.searcher.documents(nutrients=slug)
        return [documents.load(f["data"]) for f in docs]


def _tie_break(ranked: list[tuple[float, int]], limit: int, rank: Callable[[], np.ndarray]
               ) -> list[tuple[float, int]]:
    """The first ``limit`` of score-sorted (score, docnum) pairs, equal scores ordered by id.

    Document numbers depend on the index's history (an incremental update appends, a full build follows file
    order); by id, the same corpus always ranks the same way. ``rank`` gives each document's position in id
    order; it is asked for only when there is a tie to break.
    """
    out: list[tuple[float, int]] = []
    i = 0
    while i < len(ranked) and len(out) < limit:
        j = i + 1
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        group = ranked[i:j]
        if len(group) > 1:
            order = rank()
            group.sort(key=lambda sd: order[sd[1]])
        out += group
        i = j
    return out[:limit]


def _with(r: Response, **changes: object) -> Response:
    from dataclasses import replace

    return replace(r, **changes)


def _hit(record: Record, score: float, snippet) -> Hit:
    from kb.records import Faq, Section
    from kb.results import Snippet

    return Hit(
        id=record.id, kind=record.kind, title=record.title,
        article=record.article_title if isinstance(record, Section) else "",
        nutrients=tuple(record.nutrients), score=float(score), snippet=snippet or Snippet(""),
        path=record.path, line=record.line, care=record.care,
        article_slug=record.article_slug if isinstance(record, Section) else
        (record.article or "") if isinstance(record, Faq) else "",
        reviewed=record.reviewed,
    )


@lru_cache(maxsize=8)
def synonym_words(synonyms: Synonyms) -> frozenset[str]:
    """Every word of every synonym phrase (the groups are few and change only when synonyms.yaml does)."""
    return frozenset(word for group in synonyms.groups for phrase in group for word in phrase.split())
