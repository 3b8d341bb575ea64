"""Building display text from corpus strings as Content objects, so nothing in the corpus is read as markup.

Highlights come from the engine: :func:`kb.snippets.find_spans` marks the words whose analysed form is one of
a response's ``terms``; snippets carry their spans as data.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.content import Content

from kb.results import Snippet
from kb.snippets import find_spans

KIND_LABELS = {"section": "SECTION", "faq": "FAQ", "nutrient": "NUTRIENT"}
KIND_NAMES = {"section": "Sections", "faq": "FAQs", "nutrient": "Nutrients"}


# control characters become spaces (same length, so spans stay valid) instead of being dropped by Content
_CONTROLS = {c: " " for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)] if c != 0x0A}


# bidi overrides and isolates can make text read differently from what it is: same-length replacement
_BIDI = {c: "\ufffd" for c in (0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def literal(text: str) -> Content:
    """``text`` as Content shown exactly as written: no markup, no control characters, no bidi overrides."""
    return Content(text.translate(_CONTROLS).translate(_BIDI), strip_control_codes=False)


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines included) folded into one space."""
    return " ".join(text.split())


def highlighted(text: str, terms: Iterable[str], style: str) -> Content:
    """``text`` as literal Content with every word matching one of ``terms`` styled with ``style``."""
    content = literal(text)
    for start, end, _ in find_spans(text, terms):
        content = content.stylize(style, start, end)
    return content


def snippet_content(snippet: Snippet, style: str) -> Content:
    """A snippet as literal Content on one line, with its marked spans styled."""
    # same length replacement: the spans still point at the right characters
    content = literal(snippet.text.replace("\n", " "))
    for start, end in snippet.spans:
        content = content.stylize(style, start, end)
    return content


def fit_snippet(snippet: Snippet, width: int, context: int = 12) -> Snippet:
    """The snippet cut at the front, on a word boundary, so its first marked word shows in ``width`` cells.

    The engine centres snippets for a wide line; a narrow one-line list would otherwise cut the match off.
    """
    if not snippet.spans or snippet.spans[0][1] <= width - 2:
        return snippet
    text = snippet.text
    start = max(0, snippet.spans[0][0] - context)
    space = text.find(" ", start, snippet.spans[0][0])
    start = space + 1 if space >= 0 else snippet.spans[0][0]
    shift = 2 - start
    spans = tuple((s + shift, e + shift) for s, e in snippet.spans if s >= start)
    return Snippet("\u2026 " + text[start:], spans)


def badge(kind: str, style: str) -> Content:
    """A fixed-width kind badge such as `` SECTION  ``."""
    return Content.styled(f" {KIND_LABELS.get(kind, kind.upper()):<8} ", style)
