"""The line that says when the engine corrected the query, and how to search the words as typed instead."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from kb.tui.text import literal


class CorrectionBanner(Static):
    """``Showing results for magnesium - searched: magnesum`` (hidden when the query ran as typed)."""

    COMPONENT_CLASSES = {"correction-banner--key"}
    DEFAULT_CSS = """
    CorrectionBanner {
        height: 1;
        padding: 0 1;
        background: $warning 15%;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        display: none;
        &.-shown { display: block; }
        & > .correction-banner--key { color: $text-accent; text-style: bold; }
    }
    """

    @dataclass
    class Clicked(Message):
        """The person clicked the banner: switch between the corrected and the as-typed search."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.corrected: str | None = None
        self.as_typed = False
        self._state: tuple[str, str, bool] | None = None  # what is on show, None when hidden

    def show(self, searched: str, corrected: str | None, as_typed: bool) -> None:
        """Say what ran: ``corrected`` instead of ``searched``, or ``searched`` as typed on request."""
        state = (searched, corrected, as_typed) if corrected else None
        if state == self._state:
            return  # called on every keystroke; most of them change nothing here
        self._state = state
        self.corrected, self.as_typed = corrected, as_typed
        self.set_class(bool(corrected), "-shown")  # showing or hiding does its own layout
        # one line whatever it says: no layout pass for new text (a full-screen re-render per keystroke)
        if not corrected:
            self.update("", layout=False)
            return
        key = (" ctrl+o ", ".correction-banner--key")
        if as_typed:
            self.update(Content.assemble(
                "Searched as typed: ", literal(searched).stylize("bold"), "   ", key,
                " show results for ", literal(corrected).stylize("bold")), layout=False)
        else:
            self.update(Content.assemble(
                "Showing results for ", literal(corrected).stylize("bold"), " - searched: ",
                literal(searched).stylize("italic"), "   ", key, " search as typed instead"), layout=False)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Clicked())
