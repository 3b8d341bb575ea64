"""The words of a short text that may be one of the query's analysed terms, found without analysing the others
(:func:`_candidate_spans`): what :mod:`kb.search.snippets` marks in a text of up to ``CHEAP_TEXT`` characters."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from functools import lru_cache

from whoosh.support.charset import accent_map

from kb.index.schema import _WORD, _normalise

MAX_SHARE = 8  # a text is analysed whole when more than one word in this many may match
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")

_JOINS = frozenset(".'’ʼ-")  # what joins the parts of one word (``_WORD``): a word never spans anything else
_INNER_MARKS = ("'", "’", "ʼ", "-")  # what the analyzer removes from inside a word (and a possessive "'s")


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"  # what ``\w`` matches in a str pattern


def _head(term: str) -> str:
    """What every word analysed to ``term`` starts with (lowercased, accent-folded, without inner marks): Porter
    stemming removes letters from a word's end and rewrites at most its last two kept letters (``possibility`` ->
    ``possibl``, ``happy`` -> ``happi``)."""
    if not term[-1].isalpha():
        return term
    return term[:-2] if len(term) >= 5 else term[:-1] if len(term) >= 2 else term


@lru_cache(maxsize=256)
def _heads(wanted: frozenset[str]) -> tuple[str, ...]:
    """The distinct heads of ``wanted``, none starting with another ("cra" covers "cram"): one search each."""
    heads = sorted({_head(t) for t in wanted})
    return tuple(h for i, h in enumerate(heads) if not (i and h.startswith(heads[i - 1])))


def _sync(flat: str, i: int) -> int:
    """The start of the run of word characters and joins around ``i``: no word crosses it, so a scan of the
    text's words from there finds the same words as a scan from the start."""
    while i > 0 and (_is_word_char(flat[i - 1]) or flat[i - 1] in _JOINS):
        i -= 1
    return i


def _word_at(flat: str, p: int) -> re.Match[str] | None:
    """The word of ``flat`` starting at ``p``, as a scan of all its words finds it, or None (``p`` is inside one
    or starts none)."""
    before = flat[p - 1] if p else " "
    if _is_word_char(before) and not before.isdigit():
        return None  # a word starts after a non-word character, or right after "B-12"'s digits ("B-12s")
    if before.isdigit() or (p >= 2 and before in _JOINS and _is_word_char(flat[p - 2])):
        for match in _WORD.finditer(flat, _sync(flat, p - 1)):
            if match.start() >= p or match.end() > p:
                return match if match.start() == p else None
        return None
    return _WORD.match(flat, p)


def _marked_starts(flat: str) -> set[int]:
    """The starts of the words of ``flat`` with a mark inside that the analyzer removes ("B-12", "don't")."""
    marks: set[int] = set()
    for mark in _INNER_MARKS:
        i = flat.find(mark)
        while i >= 0:
            for match in _WORD.finditer(flat, _sync(flat, i)):  # the word holding the mark, if one does
                if match.end() > i:
                    if match.start() <= i:
                        marks.add(match.start())
                    break
            i = flat.find(mark, i + 1)
    return marks


def _candidate_spans(flat: str, wanted: set[str]) -> list[tuple[int, int, str]] | None:
    """The spans of :func:`_spans`, the same ones, by analysing only the words that may be one of ``wanted``:
    those whose lowercased, accent-folded text starts like a term (found with ``str.find``, in C) and those with a
    mark inside that the analyzer removes ("B-12", "don't"). None when too many words may match (a one-letter
    term) or the text's case does not fold letter for letter: then the caller analyses every word."""
    low = flat.lower()
    if len(low) != len(flat) or "σ" in low or "ς" in low:  # a letter lowercased to two; sigma: in context
        return None
    if not flat.isascii():
        low = _NON_ASCII.sub(lambda m: m.group().translate(accent_map), low)
    heads = _heads(frozenset(wanted))
    limit = len(flat) // MAX_SHARE + 8
    starts: set[int] = set()
    for head in heads:
        i = low.find(head)
        while i >= 0:
            if not (i and flat[i - 1].isalpha()):  # after a letter: inside a word (the common case, cheap)
                starts.add(i)
            i = low.find(head, i + 1)
        if len(starts) > limit:
            return None
    starts |= _marked_starts(flat)
    out = []
    for p in sorted(starts):
        match = _word_at(flat, p)
        if match is not None:
            term = _normalise(match.group())
            if term in wanted:
                out.append((p, match.end(), term))
    return out


# --- kept per text: what a short text's candidate words are, term by term ---------------------------------------
KEPT_TEXTS = 64  # short texts whose candidate words are kept (typing shows the same hits key after key; about
# 5 kB each: 512 grew the peak while searching 100k by 2.5 MB)
KEPT_HEADS = 256  # heads kept per text (then that text's heads start again)


class _Kept:
    """What :func:`_candidate_spans` works out of one text, kept for the next query on it: the folded text, the
    starts of the words with an inner mark, each head's candidate starts, and each candidate word's span."""

    __slots__ = ("low", "marks", "heads", "words")

    def __init__(self, flat: str, low: str) -> None:
        self.low = low
        self.marks = _marked_starts(flat)
        self.heads: dict[str, list[int]] = {}
        self.words: dict[int, tuple[int, int, str] | None] = {}

    def starts(self, flat: str, head: str) -> list[int]:
        """Where a word may start with ``head`` (not right after a letter)."""
        found = self.heads.get(head)
        if found is None:
            if len(self.heads) >= KEPT_HEADS:
                self.heads.clear()
            low = self.low
            found = []
            i = low.find(head)
            while i >= 0:
                if not (i and flat[i - 1].isalpha()):  # after a letter: inside a word (the common case, cheap)
                    found.append(i)
                i = low.find(head, i + 1)
            self.heads[head] = found
        return found

    def word(self, flat: str, p: int) -> tuple[int, int, str] | None:
        """(start, end, analysed term) of the word starting at ``p``, or None."""
        if p in self.words:
            return self.words[p]
        match = _word_at(flat, p)
        term = _normalise(match.group()) if match is not None else None
        span = (p, match.end(), term) if term is not None else None  # type: ignore[union-attr]
        self.words[p] = span
        return span


class _First:
    """What a text's first query found in it (:func:`_candidate_spans` for its terms), until another comes."""

    __slots__ = ("terms", "spans")

    def __init__(self, terms: frozenset[str], spans: list[tuple[int, int, str]] | None) -> None:
        self.terms, self.spans = terms, spans


_KEPT: OrderedDict[str, _Kept | _First | None] = OrderedDict()
_KEPT_LOCK = threading.Lock()


def clear_kept() -> None:
    with _KEPT_LOCK:
        _KEPT.clear()


def kept_spans(flat: str, wanted: set[str]) -> list[tuple[int, int, str]] | None:
    """:func:`_candidate_spans`, the same spans, from what is kept of ``flat`` (at most :data:`KEPT_TEXTS`
    texts, least recently used out first): a term looked for in the text before costs a dictionary look-up.

    A text's first query scans it (:func:`_candidate_spans`) and keeps only what that found, for those terms:
    building the whole of what is kept costs more than a scan (10 snippets of texts seen once, p95 at 10k: 0.83
    ms by the scan, 1.02 when each built it at once), and pays only when other terms come (typing)."""
    key = frozenset(wanted)
    with _KEPT_LOCK:
        kept = _KEPT.get(flat, False)
        if kept is not False:
            _KEPT.move_to_end(flat)
    if kept is False:
        found = _candidate_spans(flat, wanted)
        with _KEPT_LOCK:
            _KEPT[flat] = _First(key, found)
            while len(_KEPT) > KEPT_TEXTS:
                _KEPT.popitem(last=False)
        return None if found is None else list(found)
    if isinstance(kept, _First):
        if kept.terms == key:
            return None if kept.spans is None else list(kept.spans)
        low = flat.lower()
        if len(low) != len(flat) or "σ" in low or "ς" in low:  # a letter lowercased to two; sigma: in context
            kept = None
        else:
            if not flat.isascii():
                low = _NON_ASCII.sub(lambda m: m.group().translate(accent_map), low)
            kept = _Kept(flat, low)
        with _KEPT_LOCK:
            _KEPT[flat] = kept
            while len(_KEPT) > KEPT_TEXTS:
                _KEPT.popitem(last=False)
    if kept is None:
        return None
    limit = len(flat) // MAX_SHARE + 8
    starts: set[int] = set()
    for head in _heads(key):
        starts.update(kept.starts(flat, head))
        if len(starts) > limit:
            return None
    starts |= kept.marks
    out = []
    for p in sorted(starts):
        span = kept.word(flat, p)
        if span is not None and span[2] in wanted:
            out.append(span)
    return out
