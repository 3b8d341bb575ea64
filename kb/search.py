"""Running queries against one open index: ranking, typing-mode prefixes, spelling correction, facets, snippets.

A :class:`IndexSearcher` lives as long as its index generation; the per-field vocabulary it keeps for prefix
expansion is built lazily once, so typing "m", "ma", "mag" costs a bisect and a capped selection, never a scan
of the term dictionary per keystroke.
"""

from __future__ import annotations

import bisect
import heapq
import re
import time
from functools import lru_cache

from whoosh import query as wq
from whoosh.index import FileIndex

from kb import documents
from kb.docsets import Bits, DocSets
from kb.query import ParsedQuery, build, parse, stems
from kb.ranking import Ranker
from kb.records import Record
from kb.results import Hit, Response
from kb.schema import TEXT_FIELDS
from kb.snippets import make_snippet
from kb.synonyms import Synonyms

MIN_PREFIX = 2  # a one-letter prefix expands to nothing: it would match most of the vocabulary
MAX_EXPANSIONS = 12  # most frequent completions of a prefix that take part in the query
PREFIX_FIELDS = ("title", "body", "names")


class IndexSearcher:
    """Searches one index generation; not thread-safe (the engine serialises calls)."""

    def __init__(self, ix: FileIndex) -> None:
        self.ix = ix
        self.searcher = ix.searcher()
        self._vocab: list[str] | None = None
        self._df: dict[str, int] = {}
        self._expand = lru_cache(maxsize=4096)(self._expand_uncached)
        self._known = lru_cache(maxsize=8192)(self._known_uncached)
        self._docsets: DocSets | None = None
        self._ranker: Ranker | None = None
        self._facet_values: dict[str, list[str] | None] = {}

    def close(self) -> None:
        self.searcher.close()

    def up_to_date(self) -> bool:
        return self.searcher.up_to_date()

    # --- vocabulary -------------------------------------------------------------------------------------------
    def _vocabulary(self) -> list[str]:
        if self._vocab is None:
            reader = self.searcher.reader()
            df: dict[str, int] = {}
            for fieldname in PREFIX_FIELDS:
                if fieldname not in reader.schema:
                    continue
                for term, info in reader.iter_field(fieldname):
                    t = term.decode("utf-8") if isinstance(term, bytes) else term
                    df[t] = max(df.get(t, 0), info.doc_frequency())
            self._df = df
            self._vocab = sorted(df)
        return self._vocab

    def _expand_uncached(self, prefix: str) -> tuple[str, ...]:
        vocab = self._vocabulary()
        lo = bisect.bisect_left(vocab, prefix)
        hi = bisect.bisect_left(vocab, prefix + "\uffff")
        if hi - lo <= MAX_EXPANSIONS:
            return tuple(vocab[lo:hi])
        return tuple(heapq.nlargest(MAX_EXPANSIONS, vocab[lo:hi], key=lambda t: (self._df[t], t)))

    def expand_prefix(self, raw_word: str) -> tuple[str, ...]:
        """Index terms that complete ``raw_word`` (as typed, lowercased), the most frequent first, capped."""
        word = raw_word.lower()
        if len(word) < MIN_PREFIX:
            return ()
        out = list(self._expand(word))
        stemmed = stems(word)
        if stemmed and stemmed[0] != word:
            out += [t for t in self._expand(stemmed[0]) if t not in out]
        return tuple(out[:MAX_EXPANSIONS])

    def _known_uncached(self, stem: str) -> bool:
        self._vocabulary()
        return stem in self._df

    # --- spelling ---------------------------------------------------------------------------------------------
    def suggest_word(self, word: str) -> str | None:
        """A spelling correction of one word from the index vocabulary, or None when it is known or hopeless."""
        if len(word) < 3 or not word.isalpha():
            return None
        s = stems(word)
        if not s or self._known(s[0]):
            return None
        for fieldname in ("body", "title"):
            found = self.searcher.suggest(fieldname, word.lower(), limit=1, maxdist=2, prefix=1)
            if found:
                return found[0]
        return None

    def correct(self, text: str, pq: ParsedQuery) -> str | None:
        """The query text with each misspelt word replaced, or None when nothing changed."""
        fixed = text
        changed = False
        for w in pq.words:
            sug = self.suggest_word(w)
            if sug and sug != w.lower():
                fixed = re.sub(rf"(?<!\w){re.escape(w)}(?!\w)", sug, fixed, count=1)
                changed = True
        return fixed if changed else None

    # --- searching --------------------------------------------------------------------------------------------
    def run(self, text: str, synonyms: Synonyms, limit: int = 10, kind: str | None = None,
            nutrient: str | None = None, prefix: bool = False, snippets: int | None = None) -> Response:
        """Search ``text``; see :meth:`kb.engine.KnowledgeBase.search` for the options."""
        started = time.perf_counter()
        response = self._run_once(text, synonyms, limit, kind, nutrient, prefix, snippets)
        pq = parse(text)
        if response.prefixes and response.total:  # typing mode: the last word is unfinished, not misspelt
            pq.words = pq.words[:-1]
        suggestion = self.correct(text, pq) if pq.words else None
        if response.total == 0 and suggestion:
            fixed = self._run_once(suggestion, synonyms, limit, kind, nutrient, prefix, snippets)
            if fixed.total:
                response = fixed
                response = _with(response, query=text, corrected=suggestion)
        return _with(response, suggestion=suggestion, elapsed_ms=(time.perf_counter() - started) * 1000)

    def _run_once(self, text: str, synonyms: Synonyms, limit: int, kind: str | None, nutrient: str | None,
                  prefix: bool, snippets: int | None) -> Response:
        pq = parse(text)
        if kind:
            pq.filters.setdefault("kind", []).append(kind)
        if nutrient:
            pq.filters.setdefault("nutrients", []).append(nutrient.lower())
        last_is_prefix = prefix and bool(pq.words) and not text[-1:].isspace() and not text.rstrip().endswith('"')
        expansions = list(self.expand_prefix(pq.words[-1])) if last_is_prefix else []
        built = build(pq, synonyms, expansions, last_is_prefix)
        main = built.query
        if main is None:
            if not pq.filters:
                return Response(query=text)
            main = wq.Every()
        docsets = self.docsets
        allow = docsets.query(built.filter) if built.filter is not None else None
        deny = docsets.query(built.exclude) if built.exclude is not None else None
        # Totals and facets come from bitsets (see kb.docsets), so Whoosh only has to find the top hits and
        # can skip blocks that cannot reach them; grouping every match in Whoosh cost most of the time.
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
            results = self.searcher.search(wq.Every(), limit=limit, filter=allow, mask=deny, sortedby="id")
            ranked = [(1.0, hit.docnum) for hit in results[:limit]]
        else:
            ranker = self.ranker
            exact = {i: ranker.mask(docsets.query(q)) for i, q in built.phrases.items()}
            scores = ranker.score(built.units, built.weights, exact)
            ranked = [(score, d) for d, score in ranker.top(scores, ranker.mask(matching), limit)]
        hits = []
        n_snip = limit if snippets is None else snippets
        reader = self.searcher.reader()
        for rank, (score, docnum) in enumerate(_tie_break(ranked, limit, reader)):
            record = documents.load(reader.stored_fields(docnum)["data"])
            snippet = make_snippet(documents.plain_of(record), built.terms) if rank < n_snip else None
            hits.append(_hit(record, score, snippet))
        return Response(query=text, results=tuple(hits), total=len(matching), facets=counts,
                        terms=frozenset(built.terms), prefixes=tuple(built.prefixes))

    @property
    def ranker(self) -> Ranker:
        if self._ranker is None:
            self._ranker = Ranker(self.searcher, TEXT_FIELDS)
        return self._ranker

    @property
    def docsets(self) -> DocSets:
        if self._docsets is None:
            self._docsets = DocSets(self.searcher)
        return self._docsets

    def _alt_bits(self, alt: frozenset[str]) -> Bits:
        """Documents holding every term of one alternative of a typed word (a phrase counts as its words)."""
        value = -1
        for term in alt:
            value &= self.docsets.any_field(TEXT_FIELDS, term).value
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

    def linked_to(self, slug: str) -> list[Record]:
        docs = self.searcher.documents(nutrients=slug)
        return [documents.load(f["data"]) for f in docs]


def _tie_break(ranked: list[tuple[float, int]], limit: int, reader) -> list[tuple[float, int]]:
    """The first ``limit`` of score-sorted (score, docnum) pairs, equal scores ordered by id.

    Document numbers depend on the index's history (an incremental update appends, a full build follows file
    order); by id, the same corpus always ranks the same way.
    """
    out: list[tuple[float, int]] = []
    i = 0
    while i < len(ranked) and len(out) < limit:
        j = i + 1
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        group = ranked[i:j]
        if len(group) > 1:
            group.sort(key=lambda sd: reader.stored_fields(sd[1])["id"])
        out += group
        i = j
    return out[:limit]


def _with(r: Response, **changes: object) -> Response:
    from dataclasses import replace

    return replace(r, **changes)


def _hit(record: Record, score: float, snippet) -> Hit:
    from kb.records import Section
    from kb.results import Snippet

    return Hit(
        id=record.id, kind=record.kind, title=record.title,
        article=record.article_title if isinstance(record, Section) else "",
        nutrients=tuple(record.nutrients), score=float(score), snippet=snippet or Snippet(""),
        path=record.path, line=record.line,
    )
