"""The preview pane: one section, FAQ or nutrient summary as Markdown with the query's words highlighted,
then its references (open / copy by keyboard); under the title its article's summary, its tags and the link to
the whole article."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from kb.model.records import Faq, Nutrient, Record, Section
from kb.tui.pages import nutrient_summary, text_window
from kb.tui.text import badge, highlighted, literal
from kb.tui.widgets.highlight_markdown import HighlightMarkdown
from kb.tui.widgets.nutrient_links import NutrientLinks
from kb.tui.widgets.record_links import RecordLinks
from kb.tui.widgets.references import References


def fit_path(where: str, width: int) -> str:
    """``path:line`` shortened in the middle of the file name to ``width`` cells, never wrapped mid-name."""
    if len(where) <= width or width < 16:
        return where
    folder, _, name = where.rpartition("/")
    keep = width - len(folder) - 2  # "folder/" + "…"
    if keep < 10:
        return "…" + where[-(width - 1):]
    tail = keep * 2 // 3
    return f"{folder}/{name[:keep - tail]}…{name[-tail:]}"


def meta_lines(parts: list[str], width: int | None) -> list[str]:
    """``parts`` joined by `` · ``, starting a new line between parts (never inside one) past ``width``."""
    if width is None:
        return ["  \u00b7  ".join(parts)]
    lines: list[str] = []
    for part in parts:
        if lines and len(lines[-1]) + 5 + len(part) <= width:
            lines[-1] += "  \u00b7  " + part
        else:
            lines.append(part)
    return lines


def record_heading(record: Record, terms: Iterable[str], css: str = "record-view",
                   width: int | None = None) -> Content:
    """Title, what it belongs to, and where it comes from (``path:line``, reviewed date, care level).

    ``css`` names the widget whose component classes (``<css>--match``, ``--meta``, ``--<kind>``) style it;
    ``width`` (the pane's, when known) keeps the path on one line and breaks the metadata between its parts.
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
    where = f"{record.path}:{record.line}"
    parts = [fit_path(where, width) if width else where, f"reviewed {record.reviewed}"]
    if record.care:
        parts.append(f"care: {record.care}")
    lines += [literal(line).stylize(f".{css}--meta") for line in meta_lines(parts, width)]
    return Content("\n").join(lines)


def record_body(record: Record, terms: Iterable[str] = ()) -> str:
    """The Markdown of the preview (the references are listed by :class:`References` below it); ``terms``
    choose which part of a very long text is shown (:func:`kb.tui.pages.text_window`)."""
    if isinstance(record, Section):
        return "\n".join(text_window(record.text.strip(), tuple(terms), record.path, record.line)) + "\n"
    if isinstance(record, Faq):
        return "\n".join(text_window(record.answer.strip(), tuple(terms), record.path, record.line)) + "\n"
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
        self._head_width: int | None = None

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
        self._draw_head()
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
        await self.query_one(HighlightMarkdown).show(record_body(record, self.terms), self.terms)

    def _draw_head(self) -> None:
        head = self.query_one("#record-head", Static)
        if self.record is not None:
            width = head.content_size.width or max(self.size.width - 2, 0) or None
            head.update(record_heading(self.record, self.terms, width=width))
            self._head_width = width

    def on_resize(self) -> None:
        head = self.query_one("#record-head", Static)
        if self.record is not None and head.content_size.width and head.content_size.width != self._head_width:
            self._draw_head()

    async def show_message(self, title: str, text: str) -> None:
        """Show a note instead of a record (e.g. the record left the index)."""
        self.record = None
        self.query_one("#record-head", Static).update(literal(title).stylize("bold"))
        self.query_one("#record-summary", Static).set_class(False, "-shown")
        await self.query_one(NutrientLinks).show([])
        await self.query_one(RecordLinks).show(None)
        self.query_one(References).show(())
        await self.query_one(HighlightMarkdown).show(text)

