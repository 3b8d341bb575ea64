"""Browse by nutrient: every nutrient, its category and how many records link to it; choose one to open."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from kb.engine import NutrientSummary
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
    }
    """
    BINDINGS = [Binding("escape,q,n", "close", "Close")]

    def __init__(self, nutrients: list[NutrientSummary]) -> None:
        super().__init__()
        self.nutrients = nutrients

    def compose(self) -> ComposeResult:
        with Vertical(id="browser") as box:
            box.border_title = f"Browse by nutrient ({len(self.nutrients)})"
            yield DataTable(id="nutrient-table", cursor_type="row", zebra_stripes=True)
            yield Static("enter opens a nutrient  \u00b7  escape closes  \u00b7  linked = sections + FAQs",
                         id="browser-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Nutrient", width=28)
        table.add_column("Category", width=14)
        table.add_column(Text("Sections", justify="right"), width=9)
        table.add_column(Text("FAQs", justify="right"), width=6)
        table.add_column(Text("Linked", justify="right"), width=7)
        for n in self.nutrients:
            counts = (n.sections, n.faqs, n.sections + n.faqs)
            table.add_row(literal_text(n.name, "bold"), literal_text(n.category),
                          *(Text(str(c), justify="right") for c in counts), key=n.slug)
        table.focus()

    @on(DataTable.RowSelected)
    def choose(self, event: DataTable.RowSelected) -> None:
        self.dismiss(event.row_key.value)

    def action_close(self) -> None:
        self.dismiss(None)
