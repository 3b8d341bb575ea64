"""Running queries against one open index: ranking, typing-mode prefixes, spelling correction, facets, snippets.

A :class:`IndexSearcher` lives as long as its index generation, and so does everything it caches: the term
dictionary for prefix expansion and spelling (:mod:`kb.index.w3.lexicon`, built on first use, so typing "m", "ma", "mag"
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
from whoosh import query as wq
from whoosh.index import FileIndex
from whoosh.support.levenshtein import distance

from kb.corpus.synonyms import Synonyms
from kb.index import documents
from kb.index.schema import TEXT_FIELDS
from kb.index.w3.lexicon import Lexicon
from kb.index.w3.perdoc import id_rank
from kb.model.records import Nutrient, Record
from kb.model.results import Hit, Response
from kb.search.docsets import Bits, DocSets
from kb.search.phrases import (
    AdjacentPair,
    PhraseChecks,
    exact_docs,
    phrase_parts,
    rerank_adjacent,
    surface,
    title_level,
)
from kb.search.query import FILTER_WORDS, PREFIX_WEIGHT, Built, build, parse, stems, without_filler
from kb.search.ranking import Ranker
from kb.search.snippets import make_snippet
from kb.search.spelling import (
    MIN_LENGTH,
    RARE_ZIPF,
    SURFACE_RECORDS,
    Correction,
    Speller,
    english_frequency,
    is_misspelling,
    listed_slip,
    split_word,
)

MAX_EXPANSIONS = 12  # most frequent completions of a prefix that take part in the query
# A one-letter prefix completes to a good part of the vocabulary: only its few most frequent completions take part
# (results from the first key, as fzf gives, without ORing hundreds of terms on the first keystroke).
ONE_LETTER_EXPANSIONS = 4
PREFIX_FIELDS = ("title", "body", "names")
SPELLING_FIELDS = ("body", "title")  # where suggestions come from, in this order
SUGGESTION_CACHE = 4096
RECORD_CACHE = 1024  # decoded hits: typing shows the same top results keystroke after keystroke
# a pair of words typed next to each other and found so adds this times its idf: on the judged set 0.25 measured
# 0.718 nDCG@10 overall, none 0.716, 0.5 0.715, 1.0 0.704 (a bonus proportional to the text score lost more)
ADJACENT_BONUS = 0.25
TITLE_CHECKS = 32  # titles compared word for word (the best-scoring of those holding every word typed)
TITLE_CACHE = 8192  # titles split into words, per document
TITLE_COMPLETIONS = 4  # completions of a word being typed (the most frequent first) a title may hold it by
PHRASE_FIELDS = ("title", "body")  # where quoted phrases and adjacent words are looked for (kb.search.query)


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
        self._titles = lru_cache(maxsize=TITLE_CACHE)(self._titles_uncached)
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
        """A spelling correction of one word (a surface word of the records), or None when it needs none.

        None for a word the index holds, an English word, a filter keyword, a word shorter than four letters
        or one with no near word in the records (see :mod:`kb.search.spelling`).
        """
        found = self.correction(word)
        return found.word if found else None

    def correction(self, word: str) -> Correction | None:
        """:meth:`suggest_word` with its confidence. Cached per word for the life of this searcher (one index
        generation): typing after a misspelt word re-checks it on every keystroke."""
        return self._suggestions(word)

    def _suggest_uncached(self, word: str) -> Correction | None:
        w = word.lower()
        if len(w) < MIN_LENGTH or not w.isalnum() or w in FILTER_WORDS:
            return None
        s = stems(w)
        if not s or self._known(s[0]):
            return None
        if not w.isalpha():  # letters and digits run together ("vitd3"): only a split can help
            return split_word(w, self._known_word)
        listed = english_frequency(w)  # the first unknown word imports the word list; known words never do
        # a common misspelling that wordfreq lists too ("excercise"), by codespell's list; an unlisted word is
        # the speller's to correct
        slip = listed_slip(w) if listed else None
        if slip and slip != w:
            return Correction(slip, distance(w, slip), True)
        if listed >= RARE_ZIPF:
            return None
        if self._speller is None:
            terms = {f: self.lexicon.terms.get(f, []) for f in SPELLING_FIELDS}
            self._speller = Speller(terms, lambda t: self.lexicon.df.get(t, 0), self._texts_with)
        found = self._speller.correction(w)
        if found is None or found.word == w:
            return None if listed else split_word(w, self._known_word)
        if listed and not is_misspelling(w, found):  # a rare English word, not a slip of a common one
            return None
        return found

    def _known_word(self, word: str) -> bool:
        """Whether the index holds ``word`` (analysed; a stop word is not a word here)."""
        s = stems(word)
        return len(s) == 1 and self._known(s[0])

    def _texts_with(self, term: str) -> list[str]:
        """The plain text of the first few records holding ``term`` in a spelling field (their surface words)."""
        reader = self.searcher.reader()
        docs: list[int] = []
        for fieldname in SPELLING_FIELDS:
            if (fieldname, term) in reader:
                for docnum in reader.postings(fieldname, term).all_ids():
                    if len(docs) >= SURFACE_RECORDS:
                        break
                    if docnum not in docs:
                        docs.append(docnum)
        return [documents.plain_of(self._record(d)) + " " + self._record(d).title for d in docs]

    def corrections(self, words: list[str], synonyms: Synonyms) -> dict[str, Correction]:
        """Typed word -> its correction, for the words that need one (a synonym's word never does: it may
        match through its group although the records lack it)."""
        keep = synonym_words(synonyms)
        out: dict[str, Correction] = {}
        for w in words:
            if w not in out and w.lower() not in keep:
                found = self.correction(w)
                if found:
                    out[w] = found
        return out

    # --- searching --------------------------------------------------------------------------------------------
    def run(self, text: str, synonyms: Synonyms, limit: int = 10, kind: str | None = None,
            nutrient: str | None = None, prefix: bool = False, snippets: int | None = None,
            correct: bool = True, care: str | None = None) -> Response:
        """Search ``text``; see :meth:`kb.engine.KnowledgeBase.search` for the options (``care``: only records
        of this care level).

        Spelling: the corrected words run instead of the typed ones (``corrected``) only when every correction
        is confident (see :mod:`kb.search.spelling`) and the corrected query finds something; otherwise the correction
        is only offered (``suggestion``), and, when the typed words found nothing, only if it finds something.
        Only words that are no English word are ever corrected, so a query of real words always runs as typed.
        """
        started = time.perf_counter()
        response = self._run_once(text, synonyms, limit, kind, nutrient, prefix, snippets, care)
        pq = parse(text)
        if response.prefixes and response.total:  # typing mode: the last word is unfinished, not misspelt
            pq.words = pq.words[:-1]
        fixes = self.corrections(pq.words, synonyms) if pq.words else {}
        suggestion = _replace(text, pq.words, fixes)
        sure = correct and all(c.confident for c in fixes.values())
        if suggestion and (sure or not response.total):
            fixed = self._run_once(suggestion, synonyms, limit, kind, nutrient, prefix, snippets, care)
            if not fixed.total:
                suggestion = None  # a suggestion that finds nothing helps nobody
            elif sure:
                response = _with(fixed, query=text, corrected=suggestion)
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
        deny = self._excluded(built.exclude) if built.exclude is not None else None
        # Totals and facets come from bitsets (see kb.search.docsets) and the top hits from numpy scores
        # (kb.search.ranking):
        # grouping and scoring every match through Whoosh's matchers cost most of the time. A quoted phrase
        # counts only where it is exact, so the total is what can be paged through.
        exact = self._exact_phrases(built)
        unit_bits = [[self._alt_bits(alt) for alt in unit] for unit in built.units]
        for i, mask in exact.items():
            unit_bits[i] = [Bits.from_mask(mask)]
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
            typed = surface(" ".join([*pq.phrases, *pq.words]))
            ranked = [(score, d) for d, score in self._top(built, matching, limit, exact, pq.words, typed,
                                                                 last_is_prefix)]
        hits = []
        n_snip = limit if snippets is None else snippets
        for rank, (score, docnum) in enumerate(_tie_break(ranked, limit, self._ids_rank)):
            record = self._record(docnum)
            snippet = make_snippet(documents.plain_of(record), built.terms) if rank < n_snip else None
            hits.append(_hit(record, score, snippet))
        return Response(query=text, results=tuple(hits), total=len(matching), facets=counts,
                        terms=frozenset(built.terms), prefixes=tuple(built.prefixes))

    @property
    def phrase_checks(self) -> PhraseChecks:
        if self._phrase_checks is None:
            self._phrase_checks = PhraseChecks(self.searcher.reader())
        return self._phrase_checks

    def _exact_phrases(self, built: Built) -> dict[int, np.ndarray]:
        """Unit index -> one boolean per document: where that quoted phrase is exact."""
        return {i: self.ranker.mask(self._phrase_bits(q)) for i, q in built.phrases.items()}

    def _phrase_bits(self, q: wq.Query) -> Bits:
        """The live documents where phrase ``q`` (kb.search.query's quoted phrase) is exact, kept per searcher."""
        ranker, docsets = self.ranker, self.docsets
        known = docsets.known(q)
        if known is not None:
            return known
        parts = phrase_parts(q)
        if parts is None:
            return docsets.query(q)
        value = 0
        for field, words in parts:
            held = -1
            for w in words:
                held &= docsets.term(field, w).value
            value |= held
        live = docsets.live()
        candidates = np.flatnonzero(ranker.mask(Bits(value) & live))
        mask = exact_docs(self.phrase_checks, q, candidates, lambda q: ranker.mask(docsets.query(q)))
        bits = Bits.from_mask(mask) & live
        docsets.remember(q, bits)
        return bits

    def _excluded(self, q: wq.Query) -> Bits:
        """The documents an exclusion (``-word``, ``-"a phrase"``, or an OR of them) takes away."""
        # one exclusion is a phrase (an OR of Phrase) or a word (an OR of Term); several are an OR of those
        subs = [q] if phrase_parts(q) or type(q) is not wq.Or or not q.subqueries or \
            type(q.subqueries[0]) is not wq.Or else q.subqueries
        value = 0
        for sub in subs:
            value |= (self._phrase_bits(sub) if phrase_parts(sub) else self.docsets.query(sub)).value
        return Bits(value)

    def _top(self, built: Built, matching: Bits, limit: int, exact: dict[int, np.ndarray], words: list[str],
             typed: tuple[tuple[str, str], ...], last_is_prefix: bool) -> list[tuple[int, float]]:
        """The best ``limit`` (docnum, score) of ``matching`` (with every document tied with the last).

        The score is the text score (kb.search.ranking) with a bonus for the words typed next to each other found so,
        plus, for a record whose title holds every word typed, an offset above every such score: 1 to 4 times
        it as the title holds the words (the words typed without stop words, with them, next to each other as
        typed, exactly the query). Titles rank first, the text score orders them among themselves.
        """
        ranker = self.ranker
        allowed = ranker.mask(matching)
        gain = ranker.score(built.units, built.weights, exact)
        base = np.where(allowed, gain, np.float32(0))
        pairs = self._adjacent_pairs(words, last_is_prefix)
        levels = self._title_levels(built, typed, last_is_prefix, base)
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
                    q = wq.Or([wq.Phrase(f, [a, b]) for f in PHRASE_FIELDS])
                    out.append(AdjacentPair(q, [(f, (a, b)) for f in PHRASE_FIELDS], self.ranker.mask(Bits(both)),
                                            self.ranker.idf(both.bit_count())))
        return out

    def _title_levels(self, built: Built, typed: tuple[tuple[str, str], ...], last_is_prefix: bool,
                      scores: np.ndarray) -> np.ndarray | None:
        """One title level (0-4) per document, None when no title holds every word typed (see :meth:`_top`):
        2 it holds every word typed (stop words too), 3 next to each other as typed, 4 it is what was typed.

        A title holding every content word but not compared word for word (past ``TITLE_CHECKS``) counts 1 when
        no stop word was typed (then the two tests differ only in word forms)."""
        if not typed or not built.units:
            return None
        docsets = self.docsets
        held = {"title": -1, "names": -1}
        for unit, wts in zip(built.units, built.weights, strict=True):
            # the word typed, a quoted phrase, the likeliest completions of a word being typed; no synonyms
            alts = [alt for alt, w in zip(unit, wts, strict=True) if w >= PREFIX_WEIGHT][:TITLE_COMPLETIONS + 1]
            for field in held:
                value = 0
                for alt in alts:
                    every = -1
                    for t in alt:
                        every &= docsets.term(field, t).value
                    value |= every
                held[field] &= value
        value = (held["title"] | held["names"]) & docsets.live().value
        if not value:
            return None
        candidates = self.ranker.mask(Bits(value)) & (scores > 0)
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
            level = max(title_level(typed, name, last_is_prefix) for name in self._titles(int(d)))
            levels[d] = level + 1 if level else 0
        return levels if levels.any() else None

    def _titles_uncached(self, docnum: int) -> tuple[tuple[tuple[str, str], ...], ...]:
        """The words of a document's title, and of each name and alias of a nutrient (see :func:`surface`)."""
        stored = self.searcher.reader().stored_fields(docnum)
        names = [stored.get("title") or ""]
        if stored.get("kind") == "nutrient":
            record = self._record(docnum)
            if isinstance(record, Nutrient):
                names += record.aliases
        return tuple(surface(name) for name in names)

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

    def field_values(self, fieldname: str) -> list[str]:
        """Every value of a keyword field (kind, nutrients, tags) in this index, sorted."""
        if self._facet_values.get(fieldname) is None:
            reader = self.searcher.reader()
            self._facet_values[fieldname] = sorted(
                t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon(fieldname))
        return list(self._facet_values[fieldname] or [])

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

    def linked_ranked(self, nutrient: Nutrient) -> list[tuple[Record, float]]:
        """The sections and FAQs linked to ``nutrient``, most about it first, with that strength.

        Strength is the text score of the nutrient's name or best alias in the record (BM25F, so a title
        naming it counts most), shared among the nutrients the record is linked to (divided by the square root
        of their number: a section on magnesium alone is more about magnesium than one on five minerals);
        a title naming the nutrient puts the record above every one whose title does not. Records linked only
        by their front matter score 0 and follow, in id order.
        """
        docsets, ranker = self.docsets, self.ranker
        linked = docsets.term("nutrients", nutrient.slug) & docsets.live()
        alts = list(dict.fromkeys(frozenset(st) for name in (nutrient.name, *nutrient.aliases)
                                  if (st := stems(name))))
        score = ranker.score([alts], [[1.0] * len(alts)], {}) if alts else np.zeros(ranker.size, np.float32)
        in_title = 0
        for alt in alts:
            every = -1
            for t in alt:
                every &= docsets.term("title", t).value
            in_title |= every
        titled = ranker.mask(Bits(in_title))
        offset = float(score.max(initial=0.0)) + 1
        out = []
        for d in linked:
            record = self._record(d)
            if isinstance(record, Nutrient):
                continue
            strength = float(score[d]) / max(1, len(record.nutrients)) ** 0.5 + (offset if titled[d] else 0.0)
            out.append((record, strength))
        out.sort(key=lambda rs: (-rs[1], rs[0].id))
        return out


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


def _replace(text: str, words: list[str], fixes: dict[str, Correction]) -> str | None:
    """``text`` with each of ``words`` that ``fixes`` corrects replaced (once per occurrence in ``words``)."""
    if not fixes:
        return None
    fixed = text
    for w in words:
        if w in fixes:
            fixed = re.sub(rf"(?<!\w){re.escape(w)}(?!\w)", lambda _m, w=w: fixes[w].word, fixed, count=1)
    return fixed if fixed != text else None


def _with(r: Response, **changes: object) -> Response:
    from dataclasses import replace

    return replace(r, **changes)


def _hit(record: Record, score: float, snippet) -> Hit:
    from kb.model.records import Faq, Section
    from kb.model.results import Snippet

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
