"""A Markdown widget that highlights the query's words in every block and lets the app route links; every block's
text goes through :func:`kb.tui.text.safe`.

Textual's Markdown has no term highlighting; each block class is wrapped so that the content it sets gets the
matched words styled with the ``highlight-markdown--match`` component class (themeable in CSS).
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.content import Content
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock

from kb.engine import find_spans
from kb.tui.text import safe

MATCH = ".highlight-markdown--match"


class _HighlightingBlock:
    """Mixed into a Markdown block class: styles matched words in whatever content the block sets."""

    def set_content(self, content: Content) -> None:
        # the source was cleaned, but a character reference (``&#27;``) decodes to a control character after that
        content = Content(safe(content.plain), content.spans, strip_control_codes=False)
        markdown = self._markdown  # type: ignore[attr-defined]
        terms = getattr(markdown, "terms", frozenset())
        if terms and content.plain:
            for start, end, _ in find_spans(content.plain, terms):
                content = content.stylize(MATCH, start, end)
        super().set_content(content)  # type: ignore[misc]


_WRAPPED: dict[type[MarkdownBlock], type[MarkdownBlock]] = {}


def _highlighting(cls: type[MarkdownBlock]) -> type[MarkdownBlock]:
    wrapped = _WRAPPED.get(cls)
    if wrapped is None:
        # same class name, so Textual's CSS type selectors (MarkdownH2, MarkdownFence ...) still apply
        wrapped = type(cls.__name__, (_HighlightingBlock, cls), {})
        _WRAPPED[cls] = wrapped
    return wrapped


class HighlightMarkdown(Markdown):
    """Markdown with the query's words highlighted; links are never opened, only posted as ``LinkClicked``."""

    COMPONENT_CLASSES = {"highlight-markdown--match"}
    DEFAULT_CSS = """
    HighlightMarkdown {
        padding: 0 1;
        & > .highlight-markdown--match {
            color: $text-warning;
            background: $warning-muted;
            text-style: bold;
        }
    }
    """

    def __init__(self, markdown: str | None = None, *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(markdown, id=id, classes=classes, open_links=False)
        self.terms: frozenset[str] = frozenset()

    def get_block_class(self, block_name: str) -> type[MarkdownBlock]:
        return _highlighting(super().get_block_class(block_name))

    def show(self, markdown: str, terms: Iterable[str] = ()):  # noqa: ANN201 - an awaitable
        """Replace the document; ``terms`` are analysed words to highlight (a Response's ``terms``)."""
        self.terms = frozenset(terms)
        # corpus Markdown may hold ESC/OSC/C1 or bidi characters: show them as visible symbols, never raw
        return self.update(safe(markdown.replace("\t", "    ")))
