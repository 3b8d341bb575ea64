"""The whole-article view: every section of one article in order, a table of contents, next/previous keys,
the query's words highlighted and the article's references at the end.

The app loads the sections (``KnowledgeBase.article``) in a worker and pushes this screen; it only shows them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kb.model.records import Reference, Section
from kb.tui.listkeys import LETTER_KEYS, move
from kb.tui.text import highlighted, literal
from kb.tui.widgets.footer import KbFooter
from kb.tui.widgets.highlight_markdown import HighlightMarkdown
from kb.tui.widgets.references import References


class Contents(OptionList):
    """The table of contents: one option per section (its id)."""

    DEFAULT_CSS = """
    Contents {
        width: 32;
        height: 1fr;
        border: round $border-blurred;
        border-title-color: $text;
        border-title-style: bold;
        &:focus { border: round $border; }
    }
    """


class ArticleScreen(Screen[None]):
    """One article, section after section; ``current`` is the index of the section being read."""

    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("n,right_square_bracket", "next_section", "Next section"),
        Binding("p,left_square_bracket", "previous_section", "Previous section"),
        Binding("t", "focus_contents", "Contents"),
        *LETTER_KEYS,  # nothing is typed here: j / k move in the contents and references, and scroll the text
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (90, "-wide")]
    WIDE = 90  # columns from which the contents stand beside the text
    DEFAULT_CSS = """
    ArticleScreen {
        #article-main { height: 1fr; }
        #article-text {
            width: 1fr;
            border: round $border-blurred;
            border-title-color: $text;
            border-title-style: bold;
            border-subtitle-color: $text-muted;
            &:focus-within { border: round $border; }
        }
        #article-head { padding: 0 1 1 1; }
        .article-heading { padding: 0 1; margin-top: 1; text-style: bold; color: $text-primary; }
        .article-heading.-current { background: $primary 20%; }
        &.-narrow Contents { display: none; }
        & > .article-screen--match { color: $text-warning; text-style: bold; }
        & > .article-screen--meta { color: $text-muted; }
    }
    """
    COMPONENT_CLASSES = {"article-screen--match", "article-screen--meta"}

    def __init__(self, sections: Sequence[Section], start: str | None = None, terms: Iterable[str] = ()) -> None:
        super().__init__()
        self.sections = tuple(sections)
        self.terms = frozenset(terms)
        ids = [s.id for s in self.sections]
        self.current = ids.index(start) if start in ids else 0

    @property
    def title_text(self) -> str:
        return self.sections[0].article_title if self.sections else ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="article-main"):
            yield Contents(*[Option(literal(f"{i + 1}. {s.heading}"), id=s.id)
                             for i, s in enumerate(self.sections)], id="article-toc", markup=False)
            with VerticalScroll(id="article-text"):
                yield Static(self._head(), id="article-head")
                for i, s in enumerate(self.sections):
                    yield Static(self._heading(i, s), classes="article-heading", id=f"heading-{i}")
                    yield HighlightMarkdown(id=f"section-{i}", classes="article-section")
                yield References(id="article-refs")
        yield KbFooter()

    def _head(self) -> Content:
        first = self.sections[0] if self.sections else None
        lines = [highlighted(self.title_text, self.terms, ".article-screen--match").stylize("bold")]
        if first is not None and first.article_summary:
            lines.append(literal(first.article_summary).stylize("italic"))
        if first is not None:
            lines.append(literal(f"{first.path}  \u00b7  reviewed {first.reviewed}  \u00b7  "
                                 f"{len(self.sections)} sections").stylize(".article-screen--meta"))
        return Content("\n").join(lines)

    def _heading(self, i: int, s: Section) -> Content:
        title = highlighted(s.heading, self.terms, ".article-screen--match")
        care = f"  (care: {s.care})" if s.care else ""
        return Content.assemble(f"{i + 1}. ", title, (care, ".article-screen--meta"))

    async def on_mount(self) -> None:
        text = self.query_one("#article-text", VerticalScroll)
        text.border_title = self.title_text
        text.border_subtitle = "n next  p previous  t contents  esc close"
        for i, s in enumerate(self.sections):
            await self.query_one(f"#section-{i}", HighlightMarkdown).show(s.text.strip() + "\n", self.terms)
        self.query_one(References).show(_unique_references(self.sections))
        toc = self.query_one(Contents)
        toc.border_title = "Contents"
        self.call_after_refresh(self.go_to, self.current)
        self._fit()
        text.focus()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """The contents only where the text keeps room beside them. Set here as well as by the ``-narrow`` class:
        in a terminal a pushed screen sometimes kept the contents at 60 columns (the class came too late)."""
        self.query_one(Contents).display = self.app.size.width >= self.WIDE

    def go_to(self, index: int) -> None:
        """Scroll section ``index`` to the top and mark it in the contents."""
        if not self.sections:
            return
        index = max(0, min(index, len(self.sections) - 1))
        self.current = index
        for i in range(len(self.sections)):
            self.query_one(f"#heading-{i}", Static).set_class(i == index, "-current")
        toc = self.query_one(Contents)
        if toc.highlighted != index:
            toc.highlighted = index
        text = self.query_one("#article-text", VerticalScroll)
        if index == 0:  # the title and summary stay in view above the first section
            text.scroll_home(animate=False)
        else:
            text.scroll_to_widget(self.query_one(f"#heading-{index}", Static), top=True, animate=False)
        self.sub_title = self.sections[index].heading

    def action_next_section(self) -> None:
        self.go_to(self.current + 1)

    def action_previous_section(self) -> None:
        self.go_to(self.current - 1)

    def action_focus_contents(self) -> None:
        toc = self.query_one(Contents)
        if toc.display:
            toc.focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_move(self, step: int) -> None:
        move(self.focused, step)

    @on(OptionList.OptionSelected, "#article-toc")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.go_to(event.option_index)
        self.query_one("#article-text").focus()


def _unique_references(sections: Iterable[Section]) -> list[Reference]:
    seen: dict[str, Reference] = {}
    for s in sections:
        for r in s.references:
            seen.setdefault(r.url, r)
    return list(seen.values())
