"""The search box: focused on start, with an example query in its placeholder."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
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

    # Input sets its virtual size on every change of value; Textual's default (layout=True) makes each keystroke
    # a layout pass and a whole-screen re-render before the search even starts. The box's height is fixed.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    @dataclass
    class ToResults(Message):
        """The person pressed Down: move to the results."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder=PLACEHOLDER, id=id, select_on_focus=False)

    def action_to_results(self) -> None:
        self.post_message(self.ToResults())
