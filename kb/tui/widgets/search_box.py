"""The search box: focused on start, with an example query in its placeholder.

Keys of its own (an Input keeps every printable key as text): ``escape`` clears it (on an empty box the screen goes
back), ``up``/``down`` on an empty box (and ``alt+up``/``alt+down`` always) recall earlier queries, ``ctrl+j``/
``ctrl+k`` move through the results without leaving the box, and ``down`` or ``enter`` go to the results.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.keys import _character_to_key
from textual.message import Message
from textual.reactive import Reactive
from textual.widgets import Input

PLACEHOLDER = "Search, e.g. cramps at night  -  \u2193 results  -  \u2191 earlier queries  -  f1 help"

# alt+digit arrives as ESC digit, which Textual reads as the character macOS types for option+digit: these
# characters are the kind-filter keys (nobody searches a health knowledge base for them).
ALT_DIGITS = {"\u00ba": "", "\u00a1": "section", "\u2122": "faq", "\u00a3": "nutrient"}
ALT_DIGIT_KEYS = {_character_to_key(c): kind for c, kind in ALT_DIGITS.items()}


def alt_digit(event: events.Key) -> str | None:
    """The kind an alt+digit key stands for ("" for all kinds), or None for any other key."""
    if event.character in ALT_DIGITS:
        return ALT_DIGITS[event.character]
    return ALT_DIGIT_KEYS.get(event.key)


class SearchBox(Input):
    """An Input that posts ``ToResults``, ``Recall``, ``MoveResults``, ``Cleared`` and ``KindKey``."""

    DEFAULT_CSS = """
    SearchBox {
        border: tall $border-blurred;
        &:focus { border: tall $border; }
    }
    """
    BINDINGS = [
        Binding("down", "down", "Results", show=False),
        Binding("up", "up", "Earlier query", show=False),
        Binding("alt+up", "recall(-1)", "Earlier query", show=False),
        Binding("alt+down", "recall(1)", "Later query", show=False),
        Binding("ctrl+j", "move(1)", "Next result", show=False),
        Binding("ctrl+k", "move(-1)", "Previous result", show=False),
        Binding("escape", "clear_or_back", "Clear", show=False),
    ]

    # Input sets its virtual size on every change of value; Textual's default (layout=True) makes each keystroke
    # a layout pass and a whole-screen re-render before the search even starts. The box's height is fixed.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    @dataclass
    class ToResults(Message):
        """The person pressed Down: move to the results."""

    @dataclass
    class Recall(Message):
        """Show an earlier (``step`` -1) or later (+1) query from the history."""

        step: int

    @dataclass
    class MoveResults(Message):
        """Move the results' highlight by ``step`` while the keyboard stays here."""

        step: int

    @dataclass
    class Cleared(Message):
        """Escape emptied the box; ``query`` is what it held (empty: it already was, so go back)."""

        query: str

    @dataclass
    class KindKey(Message):
        """alt+0..3: filter the results to ``kind`` ("" for all kinds)."""

        kind: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder=PLACEHOLDER, id=id, select_on_focus=False)

    async def _on_key(self, event: events.Key) -> None:
        kind = alt_digit(event)
        if kind is not None:
            event.stop()
            event.prevent_default()
            self.post_message(self.KindKey(kind))
            return
        await super()._on_key(event)

    def set_query(self, text: str) -> None:
        """Replace the text, with the cursor at its end."""
        self.value = text
        self.cursor_position = len(text)

    def action_down(self) -> None:
        self.post_message(self.Recall(1) if self.recalling else self.ToResults())

    def action_up(self) -> None:
        if not self.value or self.recalling:
            self.post_message(self.Recall(-1))

    #: set by the screen while Up/Down walk the history (so Down goes on walking rather than to the results)
    recalling = False

    def action_recall(self, step: int) -> None:
        self.post_message(self.Recall(step))

    def action_move(self, step: int) -> None:
        self.post_message(self.MoveResults(step))

    def action_clear_or_back(self) -> None:
        query = self.value
        if query:
            self.value = ""
        self.post_message(self.Cleared(query))
