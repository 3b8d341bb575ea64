"""The medical disclaimer, always on screen as one line above the footer; the help screen shows it in full."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from kb.tui.text import literal, one_line


class DisclaimerNote(Static):
    """The disclaimer from ``corpus/disclaimer.md`` on one line."""

    DEFAULT_CSS = """
    DisclaimerNote {
        height: 1;
        padding: 0 1;
        color: $text-warning;
        background: $warning 10%;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def show(self, text: str) -> None:
        self.update(Content.assemble(("Disclaimer ", "bold"), literal(one_line(text))))
