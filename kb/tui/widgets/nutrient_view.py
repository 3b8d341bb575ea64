"""The nutrient pane: the "at a glance" block, everything about one nutrient, and the sections and FAQs that
link to it (in the engine's order, the first few with "show all")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kb.model.records import Nutrient, Record, Section
from kb.tui.pages import nutrient_page
from kb.tui.text import badge, literal
from kb.tui.widgets.glance import Glance
from kb.tui.widgets.highlight_markdown import HighlightMarkdown
from kb.tui.widgets.record_view import record_heading

SHOW_ALL = "show-all"
LINKED_CAP = 8


class LinkedRecords(OptionList):
    """The sections and FAQs linked to a nutrient, one line each; options are record ids.

    The first :data:`LINKED_CAP` are listed, then a "Show all" line that lists the rest.
    """

    DEFAULT_CSS = """
    LinkedRecords {
        height: auto;
        max-height: 40%;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        border: round $border-blurred;
        border-title-color: $text;
        border-title-style: bold;
        padding: 0;
        &:focus { border: round $border; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.records: tuple[Record, ...] = ()
        self.expanded = False

    def show(self, records: Iterable[Record], expanded: bool = False) -> None:
        self.records, self.expanded = tuple(records), expanded
        shown = self.records if expanded else self.records[:LINKED_CAP]
        options = []
        for r in shown:
            line = Content.assemble(badge(r.kind, f".nutrient-view--{r.kind}"), " ", literal(r.title))
            if isinstance(r, Section):
                line = Content.assemble(line, (" - ", ".nutrient-view--meta"),
                                        literal(r.article_title).stylize(".nutrient-view--meta"))
            options.append(Option(line, id=r.id))
        rest = len(self.records) - len(shown)
        if rest:
            options.append(Option(literal(f"Show all {len(self.records)} (enter) - {rest} more").stylize("italic"),
                                  id=SHOW_ALL))
        self.set_options(options)
        total = len(self.records)
        counts = {kind: sum(r.kind == kind for r in self.records) for kind in ("section", "faq")}
        self.border_title = (f"Linked, most about it first ({counts['section']} sections, {counts['faq']} FAQs)"
                             + ("" if expanded or total <= LINKED_CAP else f" (top {LINKED_CAP})")
                             if total else "No sections or FAQs link here")


class NutrientView(Vertical):
    """Shows one nutrient; ``nutrient`` and ``linked`` are what is shown. Posts ``RecordChosen``."""

    COMPONENT_CLASSES = {"nutrient-view--match", "nutrient-view--meta", "nutrient-view--section",
                         "nutrient-view--faq", "nutrient-view--nutrient"}
    DEFAULT_CSS = """
    NutrientView {
        height: 1fr;
        & > #nutrient-head { padding: 0 1 1 1; text-wrap: wrap; }
        & > #nutrient-body { height: 1fr; }
        & > .nutrient-view--match { color: $text-warning; text-style: bold; }
        & > .nutrient-view--meta { color: $text-muted; }
        & > .nutrient-view--section { background: $primary 25%; color: $text-primary; text-style: bold; }
        & > .nutrient-view--faq { background: $success 25%; color: $text-success; text-style: bold; }
        & > .nutrient-view--nutrient { background: $accent 25%; color: $text-accent; text-style: bold; }
    }
    """

    @dataclass
    class RecordChosen(Message):
        """The person opened one of the linked records."""

        record_id: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.nutrient: Nutrient | None = None
        self.linked: tuple[Record, ...] = ()
        self.terms: frozenset[str] = frozenset()

    def compose(self) -> ComposeResult:
        yield Static(id="nutrient-head")
        with VerticalScroll(id="nutrient-body"):
            yield Glance(id="nutrient-glance")
            yield HighlightMarkdown(id="nutrient-md")
        yield LinkedRecords(id="nutrient-linked")

    async def show(self, nutrient: Nutrient, linked: Iterable[Record], terms: Iterable[str]) -> None:
        linked, terms = tuple(linked), frozenset(terms)
        if (nutrient, linked, terms) == (self.nutrient, self.linked, self.terms):
            return  # already on show (back and forward, a refresh that changed nothing)
        self.nutrient, self.linked, self.terms = nutrient, linked, terms
        self.query_one("#nutrient-head", Static).update(record_heading(nutrient, terms, css="nutrient-view"))
        self.query_one(LinkedRecords).show(self.linked)
        self.query_one(Glance).show(nutrient)
        self.query_one("#nutrient-body", VerticalScroll).scroll_home(animate=False)
        await self.query_one(HighlightMarkdown).show(nutrient_page(nutrient), terms)

    @property
    def highlighted_record(self) -> Record | None:
        """The linked record under the cursor when the list has the keyboard, else None."""
        linked = self.query_one(LinkedRecords)
        i = linked.highlighted
        if not linked.has_focus or i is None or linked.get_option_at_index(i).id == SHOW_ALL:
            return None
        return self.linked[i] if i < len(self.linked) else None

    def focus_linked(self) -> None:
        """Put the keyboard on the linked records (or the text when there are none)."""
        linked = self.query_one(LinkedRecords)
        if linked.option_count:
            linked.focus()
            if linked.highlighted is None:
                linked.highlighted = 0
        else:
            self.query_one("#nutrient-body", VerticalScroll).focus()

    @on(OptionList.OptionSelected, "#nutrient-linked")
    def _open_linked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        linked = self.query_one(LinkedRecords)
        if event.option.id == SHOW_ALL:
            at = event.option_index
            linked.show(self.linked, expanded=True)
            linked.highlighted = at  # the first of the rest
        elif event.option.id:
            self.post_message(self.RecordChosen(event.option.id))
