"""Snippets and highlight spans: which characters of a text matched the query's analysed terms.

The text is analysed with the same analyzer as the index, so "cramping" in a text is marked for a query "cramps".
The best fragment is the window holding the most distinct matched terms (then the most matches, then the
earliest), so the same query and text always give the same snippet.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from kb.results import Snippet
from kb.schema import text_analyzer

SNIPPET_CHARS = 160
TOKEN_CACHE = 512  # analysed texts kept: while typing, the same top results come back keystroke after keystroke


@lru_cache(maxsize=TOKEN_CACHE)
def _tokens(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, analysed term) of every word of ``text``; analysing is most of a snippet's cost."""
    return tuple((t.startchar, t.endchar, t.text) for t in text_analyzer()(text, chars=True, mode="query"))


def find_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int, str]]:
    """(start, end, term) of every word in ``text`` whose analysed form is one of ``terms``."""
    wanted = set(terms)
    if not wanted or not text:
        return []
    return [span for span in _tokens(text) if span[2] in wanted]


_ENDS = frozenset(".!?:;,…")


def one_line(text: str) -> str:
    """``text`` on one line; a block (paragraph, list item, field) that ends without punctuation gets a "; "
    before the next, so list items never run together ("... eating disorders; Potassium from food ...")."""
    blocks = [" ".join(line.split()) for line in text.split("\n")]
    blocks = [b for b in blocks if b]
    return " ".join(b + ";" if i < len(blocks) - 1 and b[-1] not in _ENDS else b for i, b in enumerate(blocks))


def make_snippet(text: str, terms: Iterable[str], width: int = SNIPPET_CHARS) -> Snippet:
    """The best ``width``-character fragment of ``text`` (whitespace folded) with its matched words marked."""
    flat = one_line(text)
    spans = find_spans(flat, terms)
    if not spans:
        cut = flat[:width]
        if len(flat) > width:
            cut = cut.rsplit(" ", 1)[0] + " …"
        return Snippet(cut)
    best = (-1, -1, 0)
    best_i = 0
    j = 0
    for i in range(len(spans)):
        start = spans[i][0]
        while j < len(spans) and spans[j][1] - start <= width:
            j += 1
        window = spans[i:j]
        score = (len({s[2] for s in window}), len(window), -start)
        if score > best:
            best, best_i = score, i
    first = spans[best_i][0]
    last_end = max(e for _, e, _ in spans[best_i:] if e - first <= width)
    slack = max(0, width - (last_end - first))
    lo = max(0, first - min(slack // 3, 60))
    if lo > 0 and flat[lo - 1] != " ":  # start on a word boundary, never mid-word
        space = flat.find(" ", lo, first)
        lo = space + 1 if space >= 0 else first
    hi = min(len(flat), lo + width)
    if hi < len(flat):
        space = flat.rfind(" ", last_end, hi)
        hi = space if space >= last_end else max(hi, last_end)  # the space right after a match counts
    prefix = "… " if lo > 0 else ""
    suffix = " …" if hi < len(flat) else ""
    body = flat[lo:hi]
    shift = len(prefix) - lo
    marks = tuple((s + shift, e + shift) for s, e, _ in spans if s >= lo and e <= hi)
    return Snippet(prefix + body + suffix, marks)
