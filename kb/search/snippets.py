"""Snippets and highlight spans: which characters of a text matched the query's analysed terms.

The text is analysed with the same analyzer as the index, so "cramping" in a text is marked for a query "cramps".
The best fragment is the window holding the most distinct matched terms (then the most matches, then the
earliest), so the same query and text always give the same snippet.

A text longer than :data:`BIG_TEXT` characters (a record may hold 2 MiB) is never analysed whole: a regular
expression finds the words that may match (those starting like a term, whatever their case and accents), only
those words are analysed, and only the few windows where matches cluster are compared. Analysed texts are cached up to
:data:`TOKEN_CACHE_BYTES` bytes, not a number of entries: a text analysed whole holds many times its size in
tokens.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterable
from functools import lru_cache

from whoosh.support.charset import accent_map

from kb.index.schema import _WORD, _normalise
from kb.model.results import Snippet
from kb.search.candidates import _NON_ASCII, clear_kept, kept_spans

SNIPPET_CHARS = 160
TOKEN_CACHE = 512  # analysed texts kept: while typing, the same top results come back keystroke after keystroke
TOKEN_CACHE_BYTES = 24 * 1024 * 1024  # and at most this much memory for them
BIG_TEXT = 20_000  # characters; a longer text is analysed only around its candidate matches
CHEAP_TEXT = 8_000  # characters; a text up to this long has only the words that may match analysed (unless
# more than one word in candidates.MAX_SHARE may match: then it is analysed whole)
MAX_CANDIDATES = 100_000  # words that start like a term looked at in a big text (the first ones)
PER_TERM = 5_000  # matches of each term kept in a big text when choosing its snippet (the first ones)
WINDOWS = 4  # candidate windows of a big text analysed and compared
INDEXED_TOKENS = 256  # a text of this many words or more has its tokens looked up by term, for the last
INDEXED = 32  # texts snippeted (each at most BIG_TEXT characters: under 1 MB of lists in all)
_TOKEN_BYTES = 130  # a (start, end, term) tuple with its two ints; the terms are shared with the analyzer cache

Tokens = tuple[tuple[int, int, str], ...]


def _analyse(text: str, offset: int = 0) -> Tokens:
    """(start, end, analysed term) of every word of ``text``; the analyzer's own steps, without its Tokens."""
    out = []
    for match in _WORD.finditer(text):
        term = _normalise(match.group())
        if term is not None:
            out.append((match.start() + offset, match.end() + offset, term))
    return tuple(out)


class _TokenCache:
    """Analysed texts, least recently used out first, bounded by entries and by an estimate of their bytes."""

    def __init__(self, entries: int, max_bytes: int) -> None:
        self.entries, self.max_bytes = entries, max_bytes
        self._items: OrderedDict[str, tuple[Tokens, int]] = OrderedDict()
        self._index: OrderedDict[str, dict[str, list[tuple[int, int, str]]]] = OrderedDict()  # see matching
        self.bytes = 0
        self._lock = threading.Lock()  # the TUI highlights on its thread while a worker makes snippets

    def get(self, text: str) -> Tokens:
        with self._lock:
            hit = self._items.get(text)
            if hit is not None:
                self._items.move_to_end(text)
                return hit[0]
        tokens = _analyse(text)
        cost = sys.getsizeof(text) + 64 + _TOKEN_BYTES * len(tokens)
        if cost > self.max_bytes // 4:
            return tokens  # one text must not push out everything else
        with self._lock:
            if text not in self._items:
                self._items[text] = (tokens, cost)
                self.bytes += cost
                while len(self._items) > self.entries or self.bytes > self.max_bytes:
                    _, (_, old) = self._items.popitem(last=False)
                    self.bytes -= old
        return tokens

    def matching(self, text: str, wanted: set[str]) -> list[tuple[int, int, str]]:
        """The tokens of ``text`` analysed to one of ``wanted``, in order; a long text's tokens are looked up by
        term (kept for :data:`INDEXED` texts), not all compared."""
        tokens = self.get(text)
        if len(tokens) < INDEXED_TOKENS:
            return [span for span in tokens if span[2] in wanted]
        with self._lock:
            index = self._index.get(text)
            if index is not None:
                self._index.move_to_end(text)
        if index is None:
            index = {}
            for span in tokens:
                index.setdefault(span[2], []).append(span)
            with self._lock:
                self._index[text] = index
                while len(self._index) > INDEXED:
                    self._index.popitem(last=False)
        out: list[tuple[int, int, str]] = []
        for term in wanted:
            out += index.get(term, ())
        out.sort()  # one span per start: the text's order
        return out

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._index.clear()
            self.bytes = 0


_CACHE = _TokenCache(TOKEN_CACHE, TOKEN_CACHE_BYTES)


def clear_cache() -> None:
    """Forget every analysed text (what a freshly started process knows; the benchmark's first use)."""
    _CACHE.clear()
    clear_kept()


def _tokens(text: str) -> Tokens:
    """(start, end, analysed term) of every word of ``text``; analysing is most of a snippet's cost."""
    return _CACHE.get(text)


def find_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int, str]]:
    """(start, end, term) of every word in ``text`` whose analysed form is one of ``terms``."""
    wanted = set(terms)
    if not wanted or not text:
        return []
    if len(text) > BIG_TEXT:
        return _matches(text, wanted, MAX_CANDIDATES)
    return [span for span in _tokens(text) if span[2] in wanted]


_ENDS = frozenset(".!?:;,…")


def one_line(text: str) -> str:
    """``text`` on one line; a block (paragraph, list item, field) that ends without punctuation gets a "; "
    before the next, so list items never run together ("... eating disorders; Potassium from food ...")."""
    blocks = [" ".join(line.split()) for line in text.split("\n")]
    blocks = [b for b in blocks if b]
    return " ".join(b + ";" if i < len(blocks) - 1 and b[-1] not in _ENDS else b for i, b in enumerate(blocks))


# --- finding candidates in a big text without analysing it -------------------------------------------------------


def _stem_head(term: str) -> str:
    """What every word analysed to ``term`` starts with, followed by letters only: Porter stemming removes
    letters from a word's end and rewrites at most its last kept letter (``happy`` -> ``happi``)."""
    return term[:-1] if len(term) > 1 and term[-1].isalpha() else term


@lru_cache(maxsize=256)
def _heads_pattern(heads: tuple[str, ...]) -> re.Pattern[str]:
    """A word of lowercased, accent-folded text starting with one of ``heads`` (which share their first letters):
    then letters only (what stemming removes is letters), the rest of the token, and the end of the word. The
    shared literal start lets the regular expression engine skip ahead fast, even through a 2 MiB text."""
    shared = os.path.commonprefix(list(heads))
    rests = sorted({h[len(shared):] for h in heads}, key=lambda r: (-len(r), r))
    return re.compile(re.escape(shared) + "(?:" + "|".join(re.escape(r) for r in rests) + ")"
                      + r"[^\W\d_]{0,24}(?:[.'’]\w+)*(?!\w)")


@lru_cache(maxsize=1)
def _long_lowers() -> dict[int, str]:
    """The letters whose lower case is more than one character, each mapped to one character."""
    return {c: chr(c).lower()[0] for c in range(0x110000) if len(chr(c).lower()) > 1}


def _matches(text: str, terms: set[str], per_term: int = PER_TERM) -> list[tuple[int, int, str]]:
    """(start, end, term) of the words of ``text`` whose analysed form is one of ``terms``, in order: the first
    ``per_term`` of each term, among the first :data:`MAX_CANDIDATES` words that start like it.

    A regular expression per group of terms starting alike finds the words that start like them (case and
    accents ignored), scanning in C; only the words it finds are analysed.
    """
    groups: dict[str, dict[str, set[str]]] = {}  # terms by the first letters of their heads: one scan each
    for term in terms:
        head = _stem_head(term)
        groups.setdefault(head[:3], {}).setdefault(head, set()).add(term)
    # lowercased and accent-folded as the analyzer does it, so a term's start is a literal (folding is one
    # character for one); a letter whose lower case is longer (Turkish İ) is first made one letter, so that
    # offsets stay those of the text
    low = text.lower()
    if len(low) != len(text):
        low = text.translate(_long_lowers()).lower()
    if not text.isascii():
        low = _NON_ASCII.sub(lambda m: m.group().translate(accent_map), low)
    found: list[tuple[int, int, str]] = []
    for heads in groups.values():
        counts = dict.fromkeys(set().union(*heads.values()), 0)
        full = 0
        for n, match in enumerate(_heads_pattern(tuple(sorted(heads))).finditer(low)):
            if n >= MAX_CANDIDATES:
                break
            start = match.start()
            if start and (low[start - 1].isalnum() or low[start - 1] == "_"):
                continue  # not the start of a word
            if start >= 2 and low[start - 1] in ".'’" and low[start - 2].isalnum():
                continue  # inside a word joined by an apostrophe or a dot ("o'clock")
            term = _normalise(text[start:match.end()])
            seen = counts.get(term)  # type: ignore[arg-type]
            if seen is None or seen >= per_term:
                continue
            counts[term] = seen + 1  # type: ignore[index]
            found.append((start, match.end(), term))  # type: ignore[arg-type]
            if seen + 1 == per_term:
                full += 1
                if full == len(counts):
                    break
    found.sort()
    return found


def _regions(text: str, found: list[tuple[int, int, str]], width: int) -> list[tuple[int, int]]:
    """Slices of ``text`` around the ``WINDOWS`` best windows of matches, cut on whitespace, merged when they
    overlap."""
    scored = []
    j = 0
    for i, (start, _, _) in enumerate(found):
        while j < len(found) and found[j][1] - start <= width:
            j += 1
        window = found[i:max(j, i + 1)]
        scored.append(((len({t for _, _, t in window}), len(window), -start), start))
    scored.sort(reverse=True)
    regions: list[tuple[int, int]] = []
    for start in sorted(start for _, start in scored[:WINDOWS]):
        lo = max(0, start - width)
        hi = min(len(text), start + 2 * width)
        if lo > 0:  # never cut a word: widen to the whitespace around
            space = text.rfind(" ", max(0, lo - 200), lo)
            lo = space + 1 if space >= 0 else lo
        if hi < len(text):
            space = text.find(" ", hi, hi + 200)
            hi = space if space >= 0 else hi
        if regions and lo <= regions[-1][1]:
            regions[-1] = (regions[-1][0], max(regions[-1][1], hi))
        else:
            regions.append((lo, hi))
    return regions


# --- the snippet -----------------------------------------------------------------------------------------------
def make_snippet(text: str, terms: Iterable[str], width: int = SNIPPET_CHARS) -> Snippet:
    """The best ``width``-character fragment of ``text`` (whitespace folded) with its matched words marked."""
    wanted = set(terms)
    if len(text) > BIG_TEXT and wanted:
        return _big_snippet(text, wanted, width)
    flat = one_line(text)
    spans = _spans(flat, wanted) if wanted and flat else []
    return _fragment(flat, spans, width, True, True)


def _spans(flat: str, wanted: set[str]) -> list[tuple[int, int, str]]:
    """(start, end, term) of the words of ``flat`` analysed to one of ``wanted``, in order."""
    if len(flat) <= CHEAP_TEXT:
        with _CACHE._lock:
            cached = _CACHE._items.get(flat)
        if cached is None:
            found = kept_spans(flat, wanted)
            if found is not None:
                return found
    return _CACHE.matching(flat, wanted)


def _big_snippet(text: str, wanted: set[str], width: int) -> Snippet:
    """The snippet of a big text: the same choice as :func:`make_snippet`, among its candidate windows only."""
    best: tuple[tuple[int, int, int], Snippet] | None = None
    found = _matches(text, wanted)
    for lo, hi in _regions(text, found, width) if found else ():
        flat = one_line(text[lo:hi])
        spans = [span for span in _analyse(flat) if span[2] in wanted]
        if not spans:
            continue
        score, first = _best_window(spans, width)
        snippet = _fragment(flat, spans, width, lo == 0, hi >= len(text))
        key = (score[0], score[1], -(lo + first))  # the earliest in the whole text wins a tie
        if best is None or key > best[0]:
            best = (key, snippet)
    if best is not None:
        return best[1]
    head = text[: width * 4]
    return _fragment(one_line(head), [], width, True, False)


def _best_window(spans: list[tuple[int, int, str]], width: int) -> tuple[tuple[int, int, int], int]:
    """The score (distinct terms, matches, -start) of the best window and the index of its first span."""
    best = (-1, -1, 0)
    best_i = 0
    j = 0
    # the terms of the window spans[i:hi] counted as it slides (both ends only move forward)
    counts: dict[str, int] = {}
    hi = 0
    for i in range(len(spans)):
        start = spans[i][0]
        while j < len(spans) and spans[j][1] - start <= width:
            j += 1
        end = max(j, i + 1)  # a match wider than the window is still a window of its own
        while hi < end:
            term = spans[hi][2]
            counts[term] = counts.get(term, 0) + 1
            hi += 1
        score = (len(counts), end - i, -start)
        if score > best:
            best, best_i = score, i
        term = spans[i][2]  # spans[i] leaves the window
        if counts[term] == 1:
            del counts[term]
        else:
            counts[term] -= 1
    return best, best_i


def _fragment(flat: str, spans: list[tuple[int, int, str]], width: int, at_start: bool,
              at_end: bool) -> Snippet:
    """The fragment of ``flat`` around its best window of ``spans``; ``at_start`` / ``at_end`` say whether
    ``flat`` begins / ends the whole text (else it is cut there and gets an ellipsis)."""
    if not spans:
        cut = flat[:width]
        if len(flat) > width:
            head = cut.rsplit(" ", 1)[0]
            cut = (head if head else cut) + " …"
        elif not at_end:
            cut += " …"
        return Snippet(cut)
    _, best_i = _best_window(spans, width)
    first = spans[best_i][0]
    ends = [e for _, e, _ in spans[best_i:] if e - first <= width]
    last_end = max(ends) if ends else first + width  # one word wider than the snippet: cut inside it
    slack = max(0, width - (last_end - first))
    lo = max(0, first - min(slack // 3, 60))
    if lo > 0 and flat[lo - 1] != " ":  # start on a word boundary, never mid-word
        space = flat.find(" ", lo, first)
        lo = space + 1 if space >= 0 else first
    hi = min(len(flat), lo + width)
    if hi < len(flat) and last_end <= hi:
        space = flat.rfind(" ", last_end, hi)
        hi = space if space >= last_end else hi
    elif hi < len(flat):
        hi = min(len(flat), max(hi, last_end))  # the space right after a match counts
    prefix = "… " if lo > 0 or not at_start else ""
    suffix = " …" if hi < len(flat) or not at_end else ""
    body = flat[lo:hi]
    shift = len(prefix) - lo
    marks = tuple((s + shift, min(e, hi) + shift) for s, e, _ in spans if s >= lo and s < hi)
    return Snippet(prefix + body + suffix, marks)
