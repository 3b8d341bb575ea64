"""The help screen: every key, and the disclaimer in full."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from kb.tui.keys import KEYS
from kb.tui.listkeys import LETTER_KEYS, move
from kb.tui.text import literal


class HelpScreen(ModalScreen[None]):
    """Every key of the app (from :data:`kb.tui.keys.KEYS`). Escape, q, f1 or ? closes it."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > #help {
            width: 100;
            max-width: 100%;
            height: auto;
            max-height: 100%;
            border: thick $primary;
            border-title-style: bold;
            background: $surface;
            padding: 0 1;
        }
        & VerticalScroll { height: auto; max-height: 100%; }
        & .help-group { text-style: bold underline; margin-top: 1; }
        & .help-group.-first { margin-top: 0; }
        & .help-row { height: auto; }
        & .help-key { width: 27; color: $text-accent; text-style: bold; }
        & .help-text { width: 1fr; }
        & #help-disclaimer { margin-top: 1; color: $text-warning; }
    }
    """
    BINDINGS = [Binding("escape,q,f1,question_mark", "close", "Close"), *LETTER_KEYS]

    def __init__(self, disclaimer: str) -> None:
        super().__init__()
        self.disclaimer = disclaimer

    def compose(self) -> ComposeResult:
        with Vertical(id="help") as box:
            box.border_title = "kb - every key"
            box.border_subtitle = "escape closes"
            with VerticalScroll():
                for i, (title, rows) in enumerate(KEYS):
                    yield Static(title, classes="help-group -first" if i == 0 else "help-group")
                    for key, text in rows:
                        with Horizontal(classes="help-row"):
                            yield Static(key, classes="help-key", markup=False)
                            yield Static(text, classes="help-text", markup=False)
                yield Static(literal(self.disclaimer), id="help-disclaimer")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_move(self, step: int) -> None:
        """j / k scroll the help a line."""
        move(self.query_one(VerticalScroll), step)
