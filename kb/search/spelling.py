"""Spelling help that never changes a correct word, and shows words, never index stems.

A typed word is a candidate for correction only when the index lacks it, it is no synonym or filter word (the
searcher checks those) and it is no English word: wordfreq's English list (common words, names, brands and the
abbreviations people type, "ckd", "dvt", "splenda") decides that, imported only when a word is unknown to the
index, so a search of known words never loads it. The list's rare tail also holds people's commonest slips
("pregancy"): a rare listed word is corrected only when it is one edit from a far more common word
(:func:`is_misspelling`). Some slips are common enough to be listed as often as real words ("excercise" 2.3 on the
Zipf scale, "nightime" 1.5): codespell's list of common misspellings (the one its maintainers curate, with one
correction each) names them, and such a word is corrected to that correction unless it is as common as
:data:`LISTED_SLIP_ZIPF` (names share a spelling with a few listed slips: "claus", "cleary", "handel")
(:func:`listed_slip`). Two words run together ("vitd3", "legcramps") are split when exactly one split gives two
words of the index (:func:`split_word`). Words shorter than :data:`MIN_LENGTH` are left alone (more often an
abbreviation than a typo).

Candidates are the index's terms within two edits of the typed word or of its stem (a stem is shorter than its
word: "dehydation" is four edits from the stem "dehydr" but one from "dehydration"), each shown as the surface
words the records spell it with (read from the stored text of a few records holding the stem), and measured
against what was typed: the nearest surface word wins, then the term found in more records, then the more
common English word. A correction is *confident* (the searcher may run it instead of the typed words) at one
edit, or two edits of a word of at least :data:`LONG_WORD` letters (:data:`LONE_WORD` when it is the only term
within two edits and the typed word is in no word list), when no other term of another stem is as near and
nearly as frequent; otherwise it is only offered. A correction never swaps "hyper" and "hypo": the
opposite condition is the one look-alike that must never be offered. A word still being typed (the last word in
typing mode) is measured against the starts of words instead (:func:`prefix_distance`, :meth:`Speller.completion`):
"potasi" is one edit from "potass...", so it is on its way to "potassium", not a slip of "potato".

The candidates come from each field's sorted term list (:mod:`kb.index.w3.lexicon`); a vectorised lower bound of
the edit distance (the *bag distance*: characters one word has and the other lacks, which no edit changes by more
than one) rules out almost all of them before Whoosh's Damerau-Levenshtein distance checks the few left.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from whoosh.support.levenshtein import distance

from kb.index.schema import WORD_RE, normalise

MAXDIST = 2
MIN_LENGTH = 4  # "ckd", "dvt", "gp": a three-letter word is more often an abbreviation than a typo
LONG_WORD = 7  # a word this long may be corrected at two edits; a shorter one only at one
LONE_WORD = 6  # ... or this long, when its correction is the only term within two edits and it is in no word list
RIVAL_SHARE = 3  # a rival term of another stem as near, found in more than 1/3 as many records: not confident
SURFACE_RECORDS = 8  # records read for the words a stem stands for
OPPOSITE_PREFIXES = (("hyper", "hypo"), ("hypo", "hyper"))
RARE_ZIPF = 2.0  # a listed word at least this common (once per 100 million words) is a word, never corrected
MISSPELLING_GAP = 1.5  # a rarer listed word is a slip when one edit from a word this much more common
PREFIX_SLIP = 1  # a word being typed is completed through a slip this many edits from the start of a word
LISTED_SLIP_ZIPF = 2.5  # a listed slip at least this common is as likely a name or word of its own: left as typed
_CHUNK = 4096  # terms counted at a time
_BUCKETS = 40  # a-z, 0-9, then 4 shared buckets for anything else (sharing only loosens the bound)


def _bucket_of(codepoints: np.ndarray) -> np.ndarray:
    cp = codepoints.astype(np.int64)
    out = 36 + cp % 4
    letters = (cp >= 97) & (cp <= 122)
    digits = (cp >= 48) & (cp <= 57)
    out[letters] = cp[letters] - 97
    out[digits] = cp[digits] - 48 + 26
    return out


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


class _FieldTerms:
    """One field's sorted terms with their lengths and per-term character counts, for the bag-distance bound."""

    def __init__(self, terms: list[str]) -> None:
        self.terms = terms
        self.lengths = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
        # uint8: a count past 255 belongs to a term over 255 characters, which the length test rules out first
        self.counts = np.zeros((len(terms), _BUCKETS), dtype=np.uint8)
        for lo in range(0, len(terms), _CHUNK):  # in chunks: one int64 count per bucket of every term at once
            hi = min(lo + _CHUNK, len(terms))  # was 15 MB more resident at 100k sections
            cps = _codepoints("".join(terms[lo:hi]))
            owner = np.repeat(np.arange(hi - lo, dtype=np.int64), self.lengths[lo:hi])
            flat = np.bincount(owner * _BUCKETS + _bucket_of(cps), minlength=(hi - lo) * _BUCKETS)
            self.counts[lo:hi] = np.minimum(flat, 255).reshape(hi - lo, _BUCKETS)

    def near(self, word: str) -> list[str]:
        """Terms sharing ``word``'s first character whose bag distance to it is at most MAXDIST."""
        lo = bisect.bisect_left(self.terms, word[:1])
        hi = bisect.bisect_left(self.terms, word[:1] + "\uffff")
        if lo >= hi:
            return []
        rows = np.arange(lo, hi)
        rows = rows[np.abs(self.lengths[lo:hi] - len(word)) <= MAXDIST]
        if not len(rows):
            return []
        q = np.bincount(_bucket_of(_codepoints(word)), minlength=_BUCKETS).astype(np.int16)
        diff = self.counts[rows].astype(np.int16) - q
        extra = np.clip(diff, 0, None).sum(axis=1)
        missing = np.clip(-diff, 0, None).sum(axis=1)
        keep = rows[np.maximum(extra, missing) <= MAXDIST]
        return [self.terms[i] for i in keep.tolist()]


class _EnglishList:
    """wordfreq's English list as two small arrays (word hashes, sorted, and their Zipf frequencies).

    ``wordfreq.zipf_frequency`` keeps the whole list as a dict of 321,000 strings (tens of megabytes more
    resident memory in the searching process); here the list file is read one frequency bucket at a time and
    only a 64-bit hash per word is kept, a fraction of that. The file format, "cBpack", is the one wordfreq documents
    (``wordfreq.read_cBpack``): gzipped msgpack, a header, then one list of words per centibel of frequency.
    A hash collision could only make an unknown word look English (left as typed): one chance in 2**64/321,000.
    """

    def __init__(self) -> None:
        import gzip

        import msgpack

        hashes: list[np.ndarray] = []
        zipfs: list[np.ndarray] = []
        with gzip.open(_english_list_path(), "rb") as infile:
            unpacker = msgpack.Unpacker(infile, raw=False)
            n = unpacker.read_array_header()
            header = unpacker.unpack()
            if not isinstance(header, dict) or header.get("format") != "cB" or header.get("version") != 1:
                raise ValueError(f"unexpected wordfreq list header: {header!r}")
            for centibels in range(n - 1):  # bucket i holds the words of frequency 10 ** (-i / 100)
                words = unpacker.unpack()
                if words:
                    hashes.append(np.fromiter(map(hash, words), dtype=np.int64, count=len(words)))
                    zipfs.append(np.full(len(words), 900 - centibels, dtype=np.int16))
        h = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.int64)
        order = np.argsort(h, kind="stable")
        self.hashes = h[order]
        self.centi_zipf = (np.concatenate(zipfs) if zipfs else np.zeros(0, dtype=np.int16))[order]

    def zipf(self, word: str) -> float:
        h = hash(word)
        i = int(np.searchsorted(self.hashes, h))
        if i < len(self.hashes) and self.hashes[i] == h:
            return float(self.centi_zipf[i]) / 100
        return 0.0


def _english_list_path() -> str:
    """wordfreq's large English list, found without importing wordfreq (its import loads langcodes, regex and
    ftfy: most of the first unknown word's cost, a tenth of a second, and megabytes of modules never used)."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("wordfreq")
    origin = spec.origin if spec is not None else None
    path = os.path.join(os.path.dirname(origin), "data", "large_en.msgpack.gz") if origin else ""
    if not os.path.isfile(path):  # another layout: ask wordfreq
        from wordfreq import available_languages

        path = available_languages("large")["en"]
    return path


_ENGLISH: list[_EnglishList] = []


@lru_cache(maxsize=65536)
def english_frequency(word: str) -> float:
    """How common ``word`` (lowercase letters only) is in English on wordfreq's Zipf scale (0: not in its list;
    3: once per million words), as ``wordfreq.zipf_frequency`` gives it.

    The list is read on the first call only.
    """
    if not _ENGLISH:
        _ENGLISH.append(_EnglishList())
    return _ENGLISH[0].zipf(word)


def is_english(word: str) -> bool:
    """Whether ``word`` (lowercase) is in wordfreq's English list."""
    return english_frequency(word) > 0


def is_misspelling(word: str, correction: Correction) -> bool:
    """Whether a *rare* listed word (Zipf below :data:`RARE_ZIPF`) is a slip of its correction rather than a
    word of its own: one edit from a word at least :data:`MISSPELLING_GAP` more common (30 times on the Zipf
    scale). wordfreq's list comes from text people wrote, so it lists their commonest slips too ("pregancy"
    1.1 beside "pregnancy" 4.3, "symtoms", "sholder"); "canker" (2.4), "okra", "fava" and "ileum" are too
    common or have no far more common neighbour, and stay as typed."""
    return correction.distance == 1 and english_frequency(correction.word) >= english_frequency(word) + MISSPELLING_GAP


@lru_cache(maxsize=1)
def _slips() -> bytes:
    from importlib.resources import files

    return b"\n" + (files("codespell_lib") / "data" / "dictionary.txt").read_bytes()


@lru_cache(maxsize=4096)
def listed_slip(word: str) -> str | None:
    """The correction codespell's list of common misspellings gives ``word`` (lowercase), when it gives exactly
    one and ``word`` is rarer than :data:`LISTED_SLIP_ZIPF` in English; else None.

    Entries with several corrections ("abd->and, bad,") or a reason (a correction disabled for a clash) are
    ambiguous and left alone. The file is large, so it is read on the first unknown word only.
    """
    data = _slips()
    key = b"\n" + word.encode("utf-8") + b"->"
    at = data.find(key)
    if at < 0:
        return None
    end = data.find(b"\n", at + 1)
    fix = data[at + len(key): end if end >= 0 else len(data)].decode("utf-8").strip()
    if not fix or "," in fix or english_frequency(word) >= LISTED_SLIP_ZIPF:
        return None
    return fix.lower()


@dataclass(frozen=True)
class Correction:
    """A surface word to offer instead of a typed one, and whether it is safe to search it instead."""

    word: str
    distance: int
    confident: bool


MIN_PART = 2  # the shortest word a split may make ("d3" in "vitd3")


def split_word(word: str, known: Callable[[str], bool]) -> Correction | None:
    """``word`` as two words the index holds (``known``), when exactly one split gives two such words.

    A run-together word ("vitd3" -> "vit d3", "legcramps" -> "leg cramps") is no slip of one word, so the edit
    distance cannot find it; one space is one edit, and a single way to split is confident.
    """
    splits = [f"{word[:i]} {word[i:]}" for i in range(MIN_PART, len(word) - MIN_PART + 1)
              if known(word[:i]) and known(word[i:])]
    return Correction(splits[0], 1, True) if len(splits) == 1 else None


def surface_words(stem: str, texts: Iterable[str]) -> Counter[str]:
    """The words (lowercased, as written) of ``texts`` whose analysed form is ``stem``, with their counts."""
    found: Counter[str] = Counter()
    for text in texts:
        for word in WORD_RE.findall(text):
            if normalise(word) == stem:
                found[word.lower()] += 1
    return found


def prefix_distance(typed: str, word: str, limit: int = MAXDIST) -> int:
    """The fewest edits that make ``typed`` a prefix of ``word``: its Damerau-Levenshtein distance (a swap of
    two neighbours is one edit, as in :func:`~whoosh.support.levenshtein.distance`) to the nearest of
    ``word``'s prefixes, or ``limit`` + 1 when that is over ``limit``. How far a word still being typed is from
    becoming ``word``: "potasi" is one edit from "potass", so one from "potassium", and two from "potato".

    One table gives every prefix at once: its last row holds the distance of ``typed`` to each prefix of ``word``.
    """
    word = word[:len(typed) + limit]  # a longer prefix is more than ``limit`` edits away
    before: list[int] = []
    above = list(range(len(word) + 1))  # "" against each prefix of word
    for i, a in enumerate(typed, 1):
        row = [i] * (len(word) + 1)
        for j, b in enumerate(word, 1):
            cost = min(above[j] + 1, row[j - 1] + 1, above[j - 1] + (a != b))
            if j > 1 and i > 1 and a == word[j - 2] and typed[i - 2] == b and a != b:
                cost = min(cost, before[j - 2] + 1)
            row[j] = cost
        if min(row) > limit:
            return limit + 1
        before, above = above, row
    return min(min(above), limit + 1)


def _opposite(typed: str, candidate: str) -> bool:
    return any(typed.startswith(a) and candidate.startswith(b) for a, b in OPPOSITE_PREFIXES)


class Speller:
    """Corrections of unknown words from one index generation's terms.

    Args:
        terms: field -> its sorted terms (the lexicon's), for the fields suggestions come from.
        df: a term's document frequency.
        texts: the stored texts of a few records holding a term (their surface words are what is shown).
    """

    def __init__(self, terms: dict[str, list[str]], df: Callable[[str], int],
                 texts: Callable[[str], Iterable[str]]) -> None:
        self._terms = terms
        self._df = df
        self._texts = texts
        self._fields: dict[str, _FieldTerms] = {}
        self._surfaces = lru_cache(maxsize=4096)(self._surfaces_uncached)

    def _field(self, fieldname: str) -> _FieldTerms:
        ft = self._fields.get(fieldname)
        if ft is None:
            ft = self._fields[fieldname] = _FieldTerms(self._terms.get(fieldname, []))
        return ft

    def _surfaces_uncached(self, stem: str) -> tuple[tuple[str, int], ...]:
        return tuple(surface_words(stem, self._texts(stem)).most_common())

    def _near_terms(self, word: str, stem: str) -> set[str]:
        out: set[str] = set()
        for fieldname in self._terms:
            field = self._field(fieldname)
            for probe in {word, stem}:
                out.update(t for t in field.near(probe) if distance(t, probe, limit=MAXDIST) <= MAXDIST)
        return out

    def _best_surface(self, word: str, term: str, rank: Callable[[str, int, str], tuple | None]) -> tuple | None:
        """The least ``rank(surface, count, term)`` of ``term``'s surface words other than ``word`` and its
        opposite (None from ``rank``: not near enough), or None."""
        ranked = (rank(surface, count, term) for surface, count in self._surfaces(term)
                  if surface != word and not _opposite(word, surface))
        return min((r for r in ranked if r is not None), default=None)

    def correction(self, word: str) -> Correction | None:
        """The best surface word within two edits of ``word`` (lowercase, unknown to the index), or None."""
        stem = normalise(word)
        if len(word) < MIN_LENGTH or not stem:
            return None
        # (distance, -records, -count in the records read, -English frequency, surface word, stem)
        found: list[tuple[int, int, int, float, str, str]] = []
        def whole(surface: str, count: int, term: str) -> tuple | None:
            d = distance(word, surface, limit=MAXDIST + 1)
            return None if d > MAXDIST else (d, -self._df(term), -count, -english_frequency(surface), surface, term)

        for term in self._near_terms(word, stem):
            if (best_here := self._best_surface(word, term, whole)) is not None:
                found.append(best_here)
        if not found:
            return None
        found.sort()
        best = found[0]
        d, records = best[0], -best[1]
        # two edits of a shorter word are confident only when nothing else is near and the word is no English
        # word at all ("tetney" -> "tetany": no other term within two edits)
        confident = d == 1 or len(word) >= LONG_WORD or (
            len(found) == 1 and len(word) >= LONE_WORD and not english_frequency(word))
        if any(other[0] == d and -other[1] * RIVAL_SHARE > records for other in found[1:]):
            confident = False  # two different words are as near: ask, do not guess
        return Correction(best[4], d, confident)

    def completion(self, word: str, terms: dict[str, frozenset[str]]) -> Correction | None:
        """The word that ``word``, still being typed (lowercase, no term starts with it), is on its way to: the
        surface word of ``terms`` (index terms that start with a slip of ``word``, the most frequent first, each
        with those slips: :meth:`kb.search.vocabulary.Vocabulary.slip_completions`) within :data:`PREFIX_SLIP`
        edits of becoming it (:func:`prefix_distance`), weighed as :meth:`correction` weighs whole words: the
        nearest, then the term in more records, then of its words the one nearest as a whole word, the more common
        in the records and in English.

        Confident unless a term as near that no slip of the winner completes to (another reading of the letters
        typed: "sodu" as "sod..." sodium or "sou..." source) is found in more than 1/:data:`RIVAL_SHARE` as many
        records; terms that one slip completes to differ only in letters not typed yet ("pregan": "pregna",
        pregnancy or pregnant), which the most frequent decides, as a completion does. None when no surface word
        is that near.

        The surface words of a term are read from records (a few milliseconds for a handful of terms), so only
        those of the terms that can win or rival are read: up to the first with a word that near, then those found
        in more than 1/:data:`RIVAL_SHARE` as many records.
        """
        def start(surface: str, count: int, term: str) -> tuple | None:
            d = prefix_distance(word, surface, PREFIX_SLIP)
            # of one term's words the one nearest as a whole ("twich": twitch, not twitches)
            return None if d > PREFIX_SLIP else (
                d, -self._df(term), distance(word, surface), -count, -english_frequency(surface), surface, term)

        found: list[tuple[int, int, int, int, float, str, str]] = []
        for term in terms:
            if found and self._df(term) * RIVAL_SHARE <= -found[0][1]:
                break  # the first found is the most frequent: no term after this one rivals it
            if (best_here := self._best_surface(word, term, start)) is not None:
                found.append(best_here)
        if not found:
            return None
        found.sort()
        best = found[0]
        d, records, surface, read_as = best[0], -best[1], best[5], terms[best[6]]
        confident = not any(other[0] == d and -other[1] * RIVAL_SHARE > records and not terms[other[6]] & read_as
                            for other in found[1:])
        return Correction(surface, d, confident)
