"""The search box: focused on start, with an example query in its placeholder."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

PLACEHOLDER = "Search, e.g. cramps at night  -  \u2193 results  -  ctrl+n nutrients  -  f1 help"


class SearchBox(Input):
    """An Input that hands the keyboard to the results on Down. The screen searches on ``Input.Changed``."""

    DEFAULT_CSS = """
    SearchBox {
        border: tall $border-blurred;
        &:focus { border: tall $border; }
    }
    """
    BINDINGS = [Binding("down", "to_results", "Results", show=False)]

    @dataclass
    class ToResults(Message):
        """The person pressed Down: move to the results."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder=PLACEHOLDER, id=id, select_on_focus=False)

    def action_to_results(self) -> None:
        self.post_message(self.ToResults())
