"""Browse by nutrient: every nutrient, its category and how many records link to it; choose one to open.

Typing filters the list (by name, slug or category, as the letters come); backspace takes a letter back and escape
clears the filter before it closes the browser.
"""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from kb.engine import NutrientSummary
from kb.tui.listkeys import CONTROL_KEYS, move
from kb.tui.text import literal_text


class NutrientBrowser(ModalScreen[str | None]):
    """A table of nutrients; Enter or click returns the chosen slug, Escape returns None."""

    DEFAULT_CSS = """
    NutrientBrowser {
        align: center middle;
        & > #browser {
            width: 84;
            max-width: 100%;
            height: auto;
            max-height: 90%;
            border: thick $secondary;
            border-title-style: bold;
            background: $surface;
            padding: 0 1;
        }
        & DataTable { height: auto; max-height: 30; }
        & #browser-hint { color: $text-muted; padding-top: 1; }
        & #browser-filter { color: $text-accent; text-style: bold; height: 1; }
    }
    """
    # the type-ahead owns the letters (j and k filter): the list moves with up/down and ctrl+j/ctrl+k
    BINDINGS = [Binding("escape", "close", "Close"), *CONTROL_KEYS]

    def __init__(self, nutrients: list[NutrientSummary]) -> None:
        super().__init__()
        self.nutrients = nutrients
        self.filter = ""

    @property
    def shown(self) -> list[NutrientSummary]:
        """The nutrients matching the filter: names starting with it first, then any that contain it."""
        text = self.filter.lower()
        if not text:
            return list(self.nutrients)
        starts = [n for n in self.nutrients if n.name.lower().startswith(text) or n.slug.startswith(text)]
        rest = [n for n in self.nutrients if n not in starts
                and text in f"{n.name} {n.slug.replace('_', ' ')} {n.category}".lower()]
        return starts + rest

    def compose(self) -> ComposeResult:
        with Vertical(id="browser") as box:
            box.border_title = f"Browse by nutrient ({len(self.nutrients)})"
            yield Static("", id="browser-filter")
            yield DataTable(id="nutrient-table", cursor_type="row", zebra_stripes=True)
            yield Static("type to filter  \u00b7  enter opens a nutrient  \u00b7  escape clears, then closes  "
                         "\u00b7  linked = sections + FAQs", id="browser-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Nutrient", width=28)
        table.add_column("Category", width=14)
        table.add_column(Text("Sections", justify="right"), width=9)
        table.add_column(Text("FAQs", justify="right"), width=6)
        table.add_column(Text("Linked", justify="right"), width=7)
        self._fill()
        table.focus()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        shown = self.shown
        for n in shown:
            counts = (n.sections, n.faqs, n.sections + n.faqs)
            table.add_row(literal_text(n.name, "bold"), literal_text(n.category),
                          *(Text(str(c), justify="right") for c in counts), key=n.slug)
        line = self.query_one("#browser-filter", Static)
        line.display = bool(self.filter)
        line.update(literal_text(f"filter: {self.filter}  ({len(shown)} of {len(self.nutrients)})"
                                 + ("  - no nutrient matches" if not shown else "")))

    def on_key(self, event: events.Key) -> None:
        """Type-ahead: printable keys filter, backspace takes one back."""
        if event.key == "backspace" and self.filter:
            self.filter = self.filter[:-1]
        elif event.is_printable and event.character and (event.character != " " or self.filter):
            self.filter += event.character
        else:
            return
        event.stop()
        event.prevent_default()
        self._fill()

    def action_move(self, step: int) -> None:
        move(self.query_one(DataTable), step)

    @on(DataTable.RowSelected)
    def choose(self, event: DataTable.RowSelected) -> None:
        self.dismiss(event.row_key.value)

    def action_close(self) -> None:
        if self.filter:
            self.filter = ""
            self._fill()
            return
        self.dismiss(None)
