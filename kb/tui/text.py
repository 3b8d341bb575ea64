"""The one safe path from corpus strings to the screen: nothing in the corpus is read as markup or reaches the
terminal as a control character.

:func:`safe` is the only place text is cleaned: every C0/C1 control character becomes a visible symbol (ESC is
shown as ``␛``, BEL as ``␇``), bidi overrides and line separators become U+FFFD, one character for one, so
highlight spans stay valid. Rich's ``Text`` and Textual's ``Content`` strip only BEL, BS, VT, FF and CR, so
``ESC]52;...`` (clipboard), ``ESC]8;...`` (links) and ``ESC[2J`` would pass through them. Views build their text
with :func:`literal` (Content), :func:`literal_text` (a Rich Text, for DataTable cells) or, for Markdown
sources and notification messages, :func:`safe` itself.

Highlights come from the engine: :func:`kb.search.snippets.find_spans` marks the words whose analysed form is one of
a response's ``terms``; snippets carry their spans as data.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.content import Content

from kb.engine import find_spans
from kb.model.results import Snippet

KIND_LABELS = {"section": "SECTION", "faq": "FAQ", "nutrient": "NUTRIENT"}
KIND_NAMES = {"section": "Sections", "faq": "FAQs", "nutrient": "Nutrients"}


def _table() -> dict[int, str]:
    table = {c: chr(0x2400 + c) for c in range(0x00, 0x20)}  # C0 controls: their Control Pictures (␛, ␇...)
    table[0x09] = " "
    table[0x7F] = "\u2421"  # ␡
    table.update({c: "\ufffd" for c in range(0x80, 0xA0)})  # C1 controls (0x9b is an 8-bit CSI)
    # bidi overrides and isolates, line and paragraph separators can make text read differently from what it is
    table.update({c: "\ufffd" for c in (0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A))})
    return table


_SAFE = _table()
_SAFE_LINES = {**_SAFE, 0x0A: "\n"}


def safe(text: str, keep_newlines: bool = True) -> str:
    """``text`` with every control character made visible (one character for one); newlines are kept unless
    ``keep_newlines`` is false (then they show as ``␊``)."""
    return text.translate(_SAFE_LINES if keep_newlines else _SAFE)


def literal(text: str) -> Content:
    """``text`` as Content shown exactly as written: no markup, no control characters, no bidi overrides."""
    return Content(safe(text), strip_control_codes=False)


def literal_text(text: str, style: str = "") -> Text:
    """``text`` as a Rich Text shown exactly as written (for widgets that take Rich renderables)."""
    return Text(safe(text), style=style)


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
