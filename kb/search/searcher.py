"""Running a search plan against one open index: matching, facets, ranking, the hits with their snippets.

A :class:`IndexSearcher` lives as long as its index generation, and so does everything it caches: posting arrays
and bitsets, the term dictionary and each word's spelling suggestion (:mod:`kb.search.vocabulary`), decoded
records (:mod:`kb.search.records`), titles split into words, and the documents' order by id. A new generation
gets a new searcher, so no cache outlives the index it describes.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from whoosh.index import FileIndex

from kb.corpus.synonyms import Synonyms
from kb.index import documents
from kb.index.schema import TEXT_FIELDS
from kb.index.sums import damaged
from kb.index.w3 import sidecar
from kb.index.w3.perdoc import id_keys, id_rank
from kb.model.records import Faq, Nutrient, Record, Section
from kb.model.results import Hit, Response, Snippet
from kb.search.docsets import Bits, DocSets
from kb.search.phrases import AdjacentPair, PhraseChecks, exact_docs, rerank_adjacent, surface, title_level
from kb.search.plan import (
    PHRASE_FIELDS,
    PREFIX_WEIGHT,
    ParsedQuery,
    Phrase,
    SearchPlan,
    last_word_typing,
    make_plan,
    parse,
    stems,
    without_filler,
)
from kb.search.ranking import FEEDBACK_CHARS, Ranker, tie_break
from kb.search.records import Records, linked_ranked
from kb.search.snippets import make_snippet
from kb.search.vocabulary import Vocabulary, corrected_text

# a pair of words typed next to each other and found so adds this times its idf: on the judged set 0.25 ranked
# a little better than none and than 0.5 or 1.0 (a bonus proportional to the text score lost more)
ADJACENT_BONUS = 0.25
TITLE_CHECKS = 32  # titles compared word for word (the best-scoring of those holding every word typed)
TITLE_CACHE = 8192  # titles split into words, per document
TITLE_COMPLETIONS = 4  # completions of a word being typed (the most frequent first) a title may hold it by


class IndexSearcher:
    """Searches one index generation; not thread-safe (the engine serialises calls)."""

    def __init__(self, ix: FileIndex) -> None:
        self.searcher = ix.searcher()
        self._folder: str | None = getattr(ix.storage, "folder", None)
        self._verified = False
        if self._folder is not None:  # each segment's decoded postings
            sidecar.attach(self.searcher.reader(), self._folder)
        self.records = Records(self.searcher)
        self.vocabulary = Vocabulary(self.searcher.reader(), self.records.plain_text)
        self._docsets: DocSets | None = None
        self._ranker: Ranker | None = None
        self._id_rank: np.ndarray | None = None
        self._id_key: Callable[[int], bytes] | None = None
        self._titles = lru_cache(maxsize=TITLE_CACHE)(self._titles_uncached)
        self._doc_terms = lru_cache(maxsize=TITLE_CACHE)(self._doc_terms_uncached)
        self._phrase_checks: PhraseChecks | None = None

    def close(self) -> None:
        sidecar.detach(self.searcher.reader())
        self.searcher.close()

    def up_to_date(self) -> bool:
        return self.searcher.up_to_date()

    def verify(self) -> list[str]:
        """The files of this generation whose bytes differ from their sums; [] when it was asked before.

        Asked when an answer says "not found" (a damaged term table looks just like a missing record); it reads
        every byte (about 0.4 s at 100k records), so once per searcher, and outside the engine's lock.
        """
        if self._verified or self._folder is None:
            return []
        self._verified = True
        return damaged(Path(self._folder))

    # --- searching --------------------------------------------------------------------------------------------
    def plan(self, pq: ParsedQuery, synonyms: Synonyms, prefix: bool = False, kind: str | None = None,
             nutrient: str | None = None, care: str | None = None) -> SearchPlan:
        """The plan of ``pq`` on this index (the completions of a word being typed come from its terms)."""
        last_is_prefix = last_word_typing(pq, prefix)
        expansions = self.vocabulary.expand_prefix(pq.words[-1]) if last_is_prefix else ()
        return make_plan(pq, synonyms, expansions, last_is_prefix, kind=kind, nutrient=nutrient, care=care)

    def run(self, pq: ParsedQuery, synonyms: Synonyms, limit: int = 10, kind: str | None = None,
            nutrient: str | None = None, prefix: bool = False, snippets: int | None = None,
            correct: bool = True) -> tuple[Response, SearchPlan]:
        """Search the parsed text ``pq``; see :meth:`kb.engine.KnowledgeBase.search` for the options. Gives the
        response and the plan that ran (that of the corrected text when it ran instead).

        Spelling: the corrected words run instead of the typed ones (``corrected``) only when every correction
        is confident (see :mod:`kb.search.spelling`) and the corrected query finds something; otherwise the correction
        is only offered (``suggestion``), and, when the typed words found nothing, only if it finds something.
        "Finds" counts records of every kind: the ``kind`` narrows the results only, so the same text runs and
        the facets are the same whatever the kind.
        Only words that are no English word are ever corrected, so a query of real words always runs as typed.
        """
        started = time.perf_counter()
        plan = self.plan(pq, synonyms, prefix, kind, nutrient)
        matched = self._match(plan)  # the typed words' hits are ranked only if they are what is answered
        # whether the words found something is asked of every kind (a kind narrows the results, not the search)
        found = sum(matched[3]["kind"].values()) if matched else 0
        # typing mode: the last word is unfinished, not misspelt
        words = pq.words[:-1] if matched and plan.prefixes and found else pq.words
        fixes = self.vocabulary.corrections(words, synonyms, plan.last_is_prefix and words == pq.words) if words else {}
        suggestion = corrected_text(pq.text, words, fixes)
        sure = correct and all(c.confident for c in fixes.values())
        response = None
        if suggestion and (sure or not found):
            fixed_plan = self.plan(parse(suggestion), synonyms, prefix, kind, nutrient)  # another text: its own plan
            fixed = self.execute(fixed_plan, limit, snippets)
            if not _found(fixed):
                suggestion = None  # a suggestion that finds nothing helps nobody
            elif sure:
                response, plan = replace(fixed, query=pq.text, corrected=suggestion), fixed_plan
        if response is None:
            response = self._respond(plan, matched, limit, snippets)
        return replace(response, suggestion=suggestion, elapsed_ms=(time.perf_counter() - started) * 1000), plan

    def execute(self, plan: SearchPlan, limit: int, snippets: int | None = None) -> Response:
        """The response to ``plan``: its best ``limit`` hits (snippets for the first ``snippets``), total, facets
        (counted before the ``kind`` asked for apart from the text applies: one call gives the results of a kind
        and the counts of every kind).

        Totals and facets come from bitsets (:mod:`kb.search.docsets`) and the top hits from numpy scores
        (:mod:`kb.search.ranking`): grouping and scoring every match through Whoosh's matchers cost most of the
        time. A quoted phrase counts only where it is exact, so the total is what can be paged through.
        """
        return self._respond(plan, self._match(plan), limit, snippets)

    def _match(self, plan: SearchPlan) -> tuple[Bits, Bits, dict[int, np.ndarray], dict[str, dict[str, int]]] | None:
        """What ``plan`` matches, before any ranking: (the allowed matches, the matches of every kind, each
        quoted phrase unit's exact documents, the facets); None for an empty plan."""
        if plan.empty:
            return None
        docsets = self.docsets
        exact: dict[int, np.ndarray] = {}  # unit index -> one boolean per document: where its phrase is exact
        if plan.searches_text:
            value = docsets.words_value([u for i, u in enumerate(plan.units) if i not in plan.phrases])
            for i, phrase in plan.phrases.items():
                bits = self._phrase_bits(phrase)
                exact[i] = self.ranker.mask(bits)
                value |= bits.value
            matching = Bits(value) & docsets.live()
        else:
            matching = docsets.live()
        if plan.exclusions:
            matching = matching.minus(self._excluded(plan.exclusions))
        # the facets count every kind: the kind asked for apart from the text narrows the results only
        counted_by = plan.allowed(with_kind=False)
        counted = matching & docsets.keywords(counted_by) if counted_by else matching
        allowed = plan.allowed()
        matching = counted if allowed == counted_by else matching & docsets.keywords(allowed)
        counts = {"kind": self._counts("kind", counted), "nutrient": self._counts("nutrients", counted)}
        return matching, counted, exact, counts

    def _respond(self, plan: SearchPlan, matched: tuple[Bits, Bits, dict[int, np.ndarray],
                                                        dict[str, dict[str, int]]] | None,
                 limit: int, snippets: int | None) -> Response:
        """The response to ``plan`` from what it matched (:meth:`_match`): the hits ranked, with snippets."""
        if matched is None:
            return Response(query=plan.text)
        matching, counted, exact, counts = matched
        if not plan.searches_text:  # filters only: every allowed record, in id order
            ranked = [(1.0, d) for d in self._first_by_id(matching, limit)]
        else:
            typed = surface(" ".join([*plan.typed_phrases, *plan.words]))
            ranked = [(score, d) for d, score in self._top(plan, matching, limit, exact, typed, counted)]
        hits = []
        n_snip = limit if snippets is None else snippets
        for rank, (score, docnum) in enumerate(tie_break(ranked, limit, self._ids_key)):
            record = self.records.record(docnum)
            snippet = make_snippet(documents.plain_of(record), plan.terms) if rank < n_snip else None
            hits.append(_hit(record, score, snippet))
        return Response(query=plan.text, results=tuple(hits), total=len(matching), facets=counts,
                        terms=plan.terms, prefixes=plan.prefixes)

    @property
    def phrase_checks(self) -> PhraseChecks:
        if self._phrase_checks is None:
            self._phrase_checks = PhraseChecks(self.searcher.reader())
        return self._phrase_checks

    def _phrase_bits(self, phrase: Phrase) -> Bits:
        """The live documents where ``phrase`` is exact, kept per searcher."""
        ranker, docsets = self.ranker, self.docsets
        key = ("phrase", phrase)
        known = docsets.known(key)
        if known is not None:
            return known
        value = 0
        for field, words in phrase.parts():
            held = -1
            for w in words:
                held &= docsets.term(field, w).value
            value |= held
        live = docsets.live()
        candidates = np.flatnonzero(ranker.mask(Bits(value) & live))
        mask = exact_docs(self.phrase_checks, phrase, candidates, lambda p: ranker.mask(docsets.query(p.whoosh())))
        bits = Bits.from_mask(mask) & live
        docsets.remember(key, bits)
        return bits

    def _excluded(self, exclusions: list[Phrase]) -> Bits:
        """The documents the exclusions (``-word``, ``-"a phrase"``) take away."""
        value = 0
        for p in exclusions:
            if len(p.words) > 1:
                value |= self._phrase_bits(p).value
            else:
                for f in p.fields:
                    value |= self.docsets.term(f, p.words[0]).value
        return Bits(value) & self.docsets.live()

    def _top(self, plan: SearchPlan, matching: Bits, limit: int, exact: dict[int, np.ndarray],
             typed: tuple[tuple[str, str], ...], counted: Bits) -> list[tuple[int, float]]:
        """The best ``limit`` (docnum, score) of ``matching`` (with every document tied with the last);
        ``counted``: ``matching`` before the kind asked for apart (where pseudo-relevance feedback looks).

        The score is the text score (kb.search.ranking) with a bonus for the words typed next to each other found so,
        plus, for a record whose title holds every word typed, an offset above every such score: 1 to 4 times
        it as the title holds the words (the words typed without stop words, with them, next to each other as
        typed, exactly the query). Titles rank first, the text score orders them among themselves.
        """
        ranker = self.ranker
        allowed = ranker.mask(matching)
        gain = ranker.score(plan.units, plan.weights, exact)
        if not plan.last_is_prefix:  # full queries only (typing mode is the hot path): see Ranker.feedback
            # the kind prior helps through the feedback records it picks (see KIND_PRIOR): with feedback only
            gain *= ranker.prior(lambda kind: ranker.mask(self.docsets.keywords({"kind": [kind]})))
            gain = ranker.feedback(gain, ranker.mask(counted), plan.terms, self._doc_terms)
        base = gain * allowed  # the same as np.where(allowed, gain, 0) for scores >= 0, at a twentieth of the cost
        pairs = self._adjacent_pairs(plan.words, plan.last_is_prefix)
        levels = self._title_levels(plan, typed, base)
        if levels is not None:
            most = float(base.max()) + ADJACENT_BONUS * sum(p.idf for p in pairs)
            base = base + levels * np.float32(most + 1)
        if pairs:
            return rerank_adjacent(base, allowed, limit, pairs, self.phrase_checks, ranker.top, ADJACENT_BONUS)
        return ranker.top(base, allowed, limit)

    def _adjacent_pairs(self, words: list[str], last_is_prefix: bool) -> list[AdjacentPair]:
        """Each pair of typed words next to each other (stop words aside) as a phrase, with its parts.

        A word still being typed (typing mode) takes no part: its completions change with every key.
        """
        typed = words[:-1] if last_is_prefix else words
        seq = [s for ws in without_filler(typed, [stems(w) for w in typed], False) for s in ws]
        out = []
        docsets = self.docsets
        for a, b in zip(seq, seq[1:], strict=False):
            if a != b:
                both = 0
                for f in PHRASE_FIELDS:
                    both |= docsets.term(f, a).value & docsets.term(f, b).value
                if both:  # else no document can hold them next to each other
                    out.append(AdjacentPair(Phrase((a, b)), self.ranker.mask(Bits(both)),
                                            self.ranker.idf(both.bit_count())))
        return out

    def _title_levels(self, plan: SearchPlan, typed: tuple[tuple[str, str], ...], scores: np.ndarray
                      ) -> np.ndarray | None:
        """One title level (0-4) per document, None when no title holds every word typed (see :meth:`_top`):
        2 it holds every word typed (stop words too), 3 next to each other as typed, 4 it is what was typed.

        A title holding every content word but not compared word for word (past ``TITLE_CHECKS``) counts 1 when
        no stop word was typed (then the two tests differ only in word forms)."""
        if not typed or not plan.units:
            return None
        docsets = self.docsets
        # the word typed, a quoted phrase, the likeliest completions of a word being typed; no synonyms
        wanted = [[alt for alt, w in zip(unit, wts, strict=True) if w >= PREFIX_WEIGHT][:TITLE_COMPLETIONS + 1]
                  for unit, wts in zip(plan.units, plan.weights, strict=True)]
        candidates: np.ndarray | None = None
        for field in ("title", "names"):  # from document numbers, not bitsets (see docsets.IDS_CACHE_BYTES)
            held = docsets.field_holds(field, wanted)
            if held is not None:
                candidates = held if candidates is None else candidates | held
        if candidates is None:
            return None
        candidates &= docsets.live_mask()
        candidates &= scores > 0
        docs = np.flatnonzero(candidates)
        if not len(docs):
            return None
        # a title holding the content words may still lack a stop word typed ("too" in "can you take too much
        # vitamin d"): it must hold every word, so only titles compared word for word count when one was typed
        has_stop_words = any(not stems(word) for word, _ in typed)
        levels = np.zeros(len(candidates), np.float32) if has_stop_words else candidates.astype(np.float32)
        if len(docs) > TITLE_CHECKS:
            docs = docs[np.argpartition(-scores[docs], TITLE_CHECKS - 1)[:TITLE_CHECKS]]
        for d in docs:
            level = max(title_level(typed, name, plan.last_is_prefix) for name in self._titles(int(d)))
            levels[d] = level + 1 if level else 0
        return levels if levels.any() else None

    def _doc_terms_uncached(self, docnum: int) -> Counter[str]:
        """How often each analysed term occurs in the start of a document's text and title (``FEEDBACK_CHARS``),
        for pseudo-relevance feedback."""
        return Counter(stems(self.records.plain_text(docnum)[:FEEDBACK_CHARS]))

    def _titles_uncached(self, docnum: int) -> tuple[tuple[tuple[str, str], ...], ...]:
        """The words of a document's title, and of each name and alias of a nutrient (see :func:`surface`)."""
        stored = self.searcher.reader().stored_fields(docnum)
        names = [stored.get("title") or ""]
        if stored.get("kind") == "nutrient":
            record = self.records.record(docnum)
            if isinstance(record, Nutrient):
                names += record.aliases
        return tuple(surface(name) for name in names)

    def linked_ranked(self, nutrient: Nutrient) -> list[tuple[Record, float]]:
        """The records linked to ``nutrient``, most about it first (see :func:`kb.search.records.linked_ranked`)."""
        return linked_ranked(self.records, self.docsets, self.ranker, nutrient)

    @property
    def ranker(self) -> Ranker:
        if self._ranker is None:
            self._ranker = Ranker(self.searcher, TEXT_FIELDS)
        return self._ranker

    @property
    def docsets(self) -> DocSets:
        if self._docsets is None:
            ranker = self.ranker
            self._docsets = DocSets(self.searcher, lambda term: ranker.term(term)[0], ranker.fields, ranker.prefetch)
        return self._docsets

    def _ids_key(self) -> Callable[[int], bytes]:
        """A document's id (column bytes), read per document (to order the few documents of a score tie)."""
        if self._id_key is None:
            self._id_key = id_keys(self.searcher.reader())
        return self._id_key

    def _ids_rank(self) -> np.ndarray:
        """Each document's position in id order, read once (for filter-only listings and score ties)."""
        if self._id_rank is None:
            self._id_rank = id_rank(self.searcher.reader())
        return self._id_rank

    def _first_by_id(self, matching: Bits, limit: int) -> list[int]:
        """The first ``limit`` documents of ``matching`` in id order.

        Whoosh's ``Every()`` sorted by the id column read a column value per allowed document on every call
        (slow at 100k sections, on every keystroke while a filter was being typed); here it is a walk of a
        cached order.
        """
        if limit <= 0 or not matching.value:
            return []
        rank = self._ids_rank()
        mask = self.ranker.mask(matching)
        docs = np.flatnonzero(mask)
        if len(docs) > limit:
            docs = docs[np.argpartition(rank[docs], limit - 1)[:limit]]
        return [int(d) for d in docs[np.argsort(rank[docs], kind="stable")]]

    def _counts(self, fieldname: str, matching: Bits) -> dict[str, int]:
        """How many of ``matching`` hold each value of a keyword field (kind, nutrients)."""
        out = {}
        for value in self.records.values(fieldname):
            n = (matching.value & self.docsets.term(fieldname, value).value).bit_count()
            if n:
                out[value] = n
        return out


def _found(response: Response) -> int:
    """How many records of every kind matched (the kind facet counts each record once, before the ``kind``
    asked for applies)."""
    return sum(response.facets.get("kind", {}).values())


def _hit(record: Record, score: float, snippet: Snippet | None) -> Hit:
    return Hit(
        id=record.id, kind=record.kind, title=record.title,
        article=record.article_title if isinstance(record, Section) else "",
        nutrients=tuple(record.nutrients), score=float(score), snippet=snippet or Snippet(""),
        path=record.path, line=record.line, care=record.care,
        article_slug=record.article_slug if isinstance(record, Section) else
        (record.article or "") if isinstance(record, Faq) else "",
        reviewed=record.reviewed,
    )
