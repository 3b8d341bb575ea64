"""The preview pane: one section, FAQ or nutrient summary as Markdown with the query's words highlighted,
then its references (open / copy by keyboard); under the title its article's summary, its tags and the link to
the whole article."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from kb.records import Faq, Nutrient, Record, Section
from kb.tui.pages import nutrient_summary
from kb.tui.text import badge, highlighted, literal
from kb.tui.widgets.highlight_markdown import HighlightMarkdown
from kb.tui.widgets.nutrient_links import NutrientLinks
from kb.tui.widgets.record_links import RecordLinks
from kb.tui.widgets.references import References

KIND_TEXT = {"section": "Article section", "faq": "Frequently asked question", "nutrient": "Nutrient"}


def record_heading(record: Record, terms: Iterable[str], css: str = "record-view") -> Content:
    """Title, what it belongs to, and where it comes from (``path:line``, reviewed date, tags).

    ``css`` names the widget whose component classes (``<css>--match``, ``--meta``, ``--<kind>``) style it.
    """
    title = highlighted(record.title, terms, f".{css}--match").stylize("bold")
    lines = [Content.assemble(badge(record.kind, f".{css}--{record.kind}"), " ", title)]
    if isinstance(record, Section):
        article = literal(record.article_title).stylize("italic")
        lines.append(Content.assemble(("in ", f".{css}--meta"), article))
    elif isinstance(record, Nutrient):
        also = ", ".join(record.aliases[:4]) + (", ..." if len(record.aliases) > 4 else "")
        lines.append(Content.assemble(literal(record.category).stylize("italic"),
                                      (" - also called " if also else "", f".{css}--meta"), literal(also)))
    meta = f"{record.path}:{record.line}  \u00b7  reviewed {record.reviewed}"
    if record.care:
        meta += f"  \u00b7  care: {record.care}"
    lines.append(literal(meta).stylize(f".{css}--meta"))
    return Content("\n").join(lines)


def record_body(record: Record) -> str:
    """The Markdown of the preview (the references are listed by :class:`References` below it)."""
    if isinstance(record, Section):
        return record.text.strip() + "\n"
    if isinstance(record, Faq):
        return record.answer.strip() + "\n"
    return "\n".join(nutrient_summary(record)) + "\n"


class RecordView(Vertical):
    """Shows one record; ``record`` is what is shown (None for a message)."""

    COMPONENT_CLASSES = {"record-view--match", "record-view--meta", "record-view--section",
                         "record-view--faq", "record-view--nutrient"}
    DEFAULT_CSS = """
    RecordView {
        height: 1fr;
        & > #record-head { padding: 0 1 1 1; text-wrap: wrap; }
        & > #record-summary { padding: 0 1 1 1; color: $text-muted; text-style: italic; display: none; }
        & > #record-summary.-shown { display: block; }
        & > #record-body { height: 1fr; }
        & > .record-view--match { color: $text-warning; text-style: bold; }
        & > .record-view--meta { color: $text-muted; }
        & > .record-view--section { background: $primary 25%; color: $text-primary; text-style: bold; }
        & > .record-view--faq { background: $success 25%; color: $text-success; text-style: bold; }
        & > .record-view--nutrient { background: $accent 25%; color: $text-accent; text-style: bold; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.record: Record | None = None
        self.terms: frozenset[str] = frozenset()
        self._names: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="record-head")
        yield Static(id="record-summary")
        yield NutrientLinks(id="record-links")
        with VerticalScroll(id="record-body"):
            yield HighlightMarkdown(id="record-md")
            yield RecordLinks(id="record-more")
            yield References(id="record-refs")

    async def show(self, record: Record, names: dict[str, str], terms: Iterable[str]) -> None:
        """Show ``record``; ``names`` maps its nutrient slugs to names for the links."""
        terms = frozenset(terms)
        if (record, names, terms) == (self.record, self._names, self.terms):
            return  # already on show (back and forward, a refresh that changed nothing)
        self.record, self.terms, self._names = record, terms, dict(names)
        self.query_one("#record-head", Static).update(record_heading(record, self.terms))
        summary = record.article_summary if isinstance(record, Section) else ""
        summary_view = self.query_one("#record-summary", Static)
        summary_view.update(literal(summary))
        summary_view.set_class(bool(summary), "-shown")
        links = self.query_one(NutrientLinks)
        if isinstance(record, Nutrient):
            await links.show([(record.slug, f"Open the {record.name} page")], label="More:")
        else:
            await links.show([(slug, names.get(slug, slug)) for slug in record.nutrients])
        await self.query_one(RecordLinks).show(record)
        self.query_one(References).show(record.references)
        self.query_one("#record-body", VerticalScroll).scroll_home(animate=False)
        await self.query_one(HighlightMarkdown).show(record_body(record), self.terms)

    async def show_message(self, title: str, text: str) -> None:
        """Show a note instead of a record (e.g. the record left the index)."""
        self.record = None
        self.query_one("#record-head", Static).update(Content.styled(title, "bold"))
        self.query_one("#record-summary", Static).set_class(False, "-shown")
        await self.query_one(NutrientLinks).show([])
        await self.query_one(RecordLinks).show(None)
        self.query_one(References).show(())
        await self.query_one(HighlightMarkdown).show(text)

