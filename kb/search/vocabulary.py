"""The words of one index generation: completing a word being typed, and correcting a misspelt one.

Both read the term dictionary (:mod:`kb.index.w3.lexicon`, built on first use, so typing "m", "ma", "mag" costs
a bisect and a capped selection) and cache what they work out for the life of the generation: each prefix's
completions, whether a stem is in the index, each word's spelling suggestion (see :mod:`kb.search.spelling`).
A word being typed that nothing completes is corrected as the start of a word: the completions of its one-edit
slips (:func:`slips`, :meth:`Vocabulary.slip_completions`) are its candidates.
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections.abc import Callable
from functools import lru_cache

import numpy as np
from whoosh.reading import IndexReader
from whoosh.support.levenshtein import distance

from kb.corpus.synonyms import Synonyms
from kb.index.schema import IRREGULAR_PLURALS, normalise
from kb.index.w3.lexicon import Lexicon
from kb.index.w3.perdoc import live
from kb.index.w3.postings import posting_arrays
from kb.search.plan import FILTER_WORDS, stems
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

#: the endings a word is typed through past its stem (Porter's, as people spell them), for Vocabulary._past_stem
SUFFIXES = ("ing", "ings", "ed", "es", "ies", "ied", "ation", "ations", "ition", "tion", "ion", "ions", "ness",
            "ment", "ments", "ful", "ly", "ally", "ity", "ities", "ive", "ous", "al", "ance", "ence", "er", "ers",
            "able", "ible", "ism", "ist", "ize", "ise", "ic", "ical", "ant", "ent", "y")
#: every start of a suffix ("i", "in", "ing", ...): a word typed past a stem ends in one
SUFFIX_STARTS = frozenset(s[:k] for s in SUFFIXES for k in range(1, len(s) + 1))
MIN_STEM = 3  # no shorter stem is offered for a word typed past it
MAX_EXPANSIONS = 12  # most frequent completions of a prefix that take part in the query
# A one-letter prefix completes to a good part of the vocabulary: only its few most frequent completions take part
# (results from the first key, as fzf gives, without ORing hundreds of terms on the first keystroke).
ONE_LETTER_EXPANSIONS = 4
PREFIX_FIELDS = ("title", "body", "names")
SPELLING_FIELDS = ("body", "title")  # where suggestions come from, in this order
SUGGESTION_CACHE = 4096
SLIP_LETTERS = "abcdefghijklmnopqrstuvwxyz"  # what a slip may put in a word (one being corrected is letters only)
SLIP_TERMS = 16  # most frequent terms a slip of a word being typed completes to that may be its correction


def _plural_starts() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for plural, singular in IRREGULAR_PLURALS.items():
        for k in range(MIN_STEM, len(plural) + 1):
            out[plural[:k]] = (*out.get(plural[:k], ()), normalise(singular) or singular)
    return out


#: each start (of at least MIN_STEM letters) of an irregular plural -> its singular's stem ("calv" -> "calf")
_PLURAL_STARTS = _plural_starts()


def slips(word: str) -> set[str]:
    """The strings one edit from ``word`` (a deletion, an added or replaced letter, or two neighbours swapped),
    its first letter kept (as the whole-word candidates keep it)."""
    out: set[str] = set()
    n = len(word)
    for i in range(1, n + 1):
        head, tail = word[:i], word[i:]
        out.update(head + c + tail for c in SLIP_LETTERS)  # a letter left out before ``tail``
        if i < n:
            rest = word[i + 1:]
            out.add(head + rest)  # a letter too many
            out.update(head + c + rest for c in SLIP_LETTERS)  # a wrong letter
            if i + 1 < n:
                out.add(head + word[i + 1] + word[i] + word[i + 2:])  # two letters swapped
    out.discard(word)
    return out


class Vocabulary:
    """Prefix completions and spelling corrections over one reader; not thread-safe (the engine serialises calls).

    Args:
        plain_text: the plain text (and title) of a document number: the surface words a correction is made of.
    """

    def __init__(self, reader: IndexReader, plain_text: Callable[[int], str]) -> None:
        self.reader = reader
        self._plain_text = plain_text
        self._lexicon: Lexicon | None = None
        self._speller: Speller | None = None
        self._live_docs: np.ndarray | None = None
        self._expand = lru_cache(maxsize=4096)(self._expand_uncached)
        self._known = lru_cache(maxsize=8192)(self._known_uncached)
        # looked up at call time (not bound here), so a test can see a cache miss
        self._suggestions = lru_cache(maxsize=SUGGESTION_CACHE)(lambda word: self._suggest_uncached(word))
        self._typed_suggestions = lru_cache(maxsize=SUGGESTION_CACHE)(
            lambda word: self._suggest_uncached(word, typing=True))

    @property
    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            self._lexicon = Lexicon(self.reader, PREFIX_FIELDS)
        return self._lexicon

    # --- completions ------------------------------------------------------------------------------------------
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
        if not out:
            out = self._past_stem(word) or self._irregular(word)
        return tuple(out[:MAX_EXPANSIONS])

    def _irregular(self, word: str) -> list[str]:
        """The singular of an irregular plural that ``word`` starts ("calv": calves, so calf): the analysis
        indexes such a plural as its singular (:data:`~kb.index.schema.IRREGULAR_PLURALS`), so no term starts
        with what was typed of the plural. Asked only when nothing else completes ``word``."""
        df = self.lexicon.df
        out: list[str] = []
        for stem in (t for t in _PLURAL_STARTS.get(word, ()) if t in df):
            out += [t for t in self._expand(stem) if t not in out]  # as the whole plural would
        return out

    def _past_stem(self, word: str) -> list[str]:
        """Stems that ``word`` has been typed past, into the start of a suffix: "duri" (during: "dure"),
        "twitchin" (twitch), "dehydrati" (dehydr). The index holds stems, which often end before the letters
        typed so far, so no term starts with them and the word found nothing (or was "corrected" to its own
        completion) for a few keys in the middle of a word; each stem completes as the whole word's stem does
        in :meth:`expand_prefix`. Asked only when no term starts with ``word``."""
        df = self.lexicon.df
        out: list[str] = []
        for cut in range(len(word) - 1, MIN_STEM - 1, -1):
            core, tail = word[:cut], word[cut:]
            if tail in SUFFIX_STARTS:
                for stem in (t for t in (core, core + "e", core + "i") if t in df):
                    out += [t for t in self._expand(stem) if t not in out]  # as the whole word's stem would
        return out

    def _may_complete(self, word: str) -> bool:
        """A quick test that :meth:`expand_prefix` finds something for ``word`` (lowercase letters), without
        stemming it: a term starts with it, it is typed past a stem (:meth:`_past_stem`, or into a plural "s")
        or into an irregular plural (:meth:`_irregular`). It may say yes for a word that completes to nothing,
        and misses one that completes only through the stemmer rewriting its end."""
        vocab = self.lexicon.vocab
        i = bisect.bisect_left(vocab, word)
        if i < len(vocab) and vocab[i].startswith(word):
            return True
        df = self.lexicon.df
        for cut in range(len(word) - 1, MIN_STEM - 1, -1):
            core, tail = word[:cut], word[cut:]
            if (tail in SUFFIX_STARTS or tail == "s") and (core in df or core + "e" in df or core + "i" in df):
                return True
        return word in _PLURAL_STARTS

    def slip_completions(self, word: str) -> dict[str, frozenset[str]]:
        """The :data:`SLIP_TERMS` most frequent terms that the :func:`slips` of ``word`` (being typed, lowercase
        letters) complete to, as :meth:`expand_prefix` completes them, the most frequent first, each with the
        slips that complete to it: "potasi" -> "potass" and "potas" -> potassium; "potato" is no completion of a
        slip ("potat" is two edits from "potasi")."""
        found: dict[str, set[str]] = {}
        for slip in slips(word):
            if self._may_complete(slip):
                for term in self.expand_prefix(slip):
                    found.setdefault(term, set()).add(slip)
        df = self.lexicon.df
        return {t: frozenset(found[t]) for t in heapq.nlargest(SLIP_TERMS, found, key=lambda t: (df.get(t, 0), t))}

    def _known_uncached(self, stem: str) -> bool:
        """Whether any prefix field holds ``stem`` (the lexicon's when it is read, else a term lookup per field:
        no need for the whole lexicon)."""
        if self._lexicon is not None:
            return stem in self._lexicon.df
        reader = self.reader
        return any(f in reader.schema and (f, stem) in reader for f in PREFIX_FIELDS)

    # --- spelling ---------------------------------------------------------------------------------------------
    def suggest_word(self, word: str) -> str | None:
        """A spelling correction of one word (a surface word of the records), or None when it needs none.

        None for a word the index holds, an English word, a filter keyword, a word shorter than four letters
        or one with no near word in the records (see :mod:`kb.search.spelling`).
        """
        found = self.correction(word)
        return found.word if found else None

    def correction(self, word: str, typing: bool = False) -> Correction | None:
        """:meth:`suggest_word` with its confidence. Cached per word for the life of this generation: typing
        after a misspelt word re-checks it on every keystroke.

        ``typing``: the word is still being typed (the last word in typing mode). One that completes to a term is
        unfinished, not misspelt (None); otherwise it is corrected as the start of a word: to the most common
        word that a slip of it completes to (:meth:`slip_completions`, :meth:`Speller.completion`) before any
        whole word ("potasi" is on its way to "potassium", not a slip of "potato"); only when no slip of it
        completes to anything is it corrected as a whole word.
        """
        return self._typed_suggestions(word) if typing else self._suggestions(word)

    def _suggest_uncached(self, word: str, typing: bool = False) -> Correction | None:
        w = word.lower()
        if len(w) < MIN_LENGTH or not w.isalnum() or w in FILTER_WORDS:
            return None
        s = stems(w)
        if not s or self._known(s[0]) or (typing and self.expand_prefix(w)):
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
        found = self._speller.completion(w, self.slip_completions(w)) if typing else None
        if found is None:
            found = self._speller.correction(w)
        if found is None or found.word == w:
            return None if listed else split_word(w, self._known_word)
        # a rare English word, not a slip of a common one (nor the start of a word of the records: "calv", calves)
        if listed and found.distance and not is_misspelling(w, found):
            return None
        return found

    def _known_word(self, word: str) -> bool:
        """Whether the index holds ``word`` (analysed; a stop word is not a word here)."""
        s = stems(word)
        return len(s) == 1 and self._known(s[0])

    def _texts_with(self, term: str) -> list[str]:
        """The plain text of the first few records holding ``term`` in a spelling field (their surface words)."""
        docs: list[int] = []
        for fieldname in SPELLING_FIELDS:
            found = posting_arrays(self.reader, fieldname, term)  # ascending, deleted documents included
            if found is None:
                continue
            ids = found[0]
            for docnum in ids[self._live()[ids]][:SURFACE_RECORDS].tolist():
                if len(docs) >= SURFACE_RECORDS:
                    break
                if docnum not in docs:
                    docs.append(docnum)
        return [self._plain_text(d) for d in docs]

    def _live(self) -> np.ndarray:
        if self._live_docs is None:
            self._live_docs = live(self.reader)
        return self._live_docs

    def corrections(self, words: list[str], synonyms: Synonyms, typing: bool = False) -> dict[str, Correction]:
        """Typed word -> its correction, for the words that need one (a synonym's word never does: it may
        match through its group although the records lack it). ``typing``: the last of ``words`` is still being
        typed (see :meth:`correction`)."""
        keep = synonym_words(synonyms)
        out: dict[str, Correction] = {}
        last = len(words) - 1
        for i, w in enumerate(words):
            if w not in out and w.lower() not in keep:
                found = self.correction(w, typing=typing and i == last)
                if found:
                    out[w] = found
        return out


def corrected_text(text: str, words: list[str], fixes: dict[str, Correction]) -> str | None:
    """``text`` with each of ``words`` that ``fixes`` corrects replaced (once per occurrence in ``words``)."""
    if not fixes:
        return None
    fixed = text
    for w in words:
        if w in fixes:
            fixed = re.sub(rf"(?<!\w){re.escape(w)}(?!\w)", lambda _m, w=w: fixes[w].word, fixed, count=1)
    return fixed if fixed != text else None


@lru_cache(maxsize=8)
def synonym_words(synonyms: Synonyms) -> frozenset[str]:
    """Every word of every synonym phrase (the groups are few and change only when synonyms.yaml does)."""
    return frozenset(word for group in synonyms.groups for phrase in group for word in phrase.split())
