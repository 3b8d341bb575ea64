"""The emergency callout: one line above the results, shown before anything else when the engine says so.

It appears when the top result is an emergency record or the query names a red-flag sign
(:attr:`kb.model.results.Response.emergency`); enter or a click opens the record it links to.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from kb.model.results import Callout
from kb.tui.text import literal, one_line


class EmergencyCallout(Static, can_focus=True):
    """``EMERGENCY  Call 999 / 911 if ...  (enter: open)``; hidden when the response carries no callout."""

    BINDINGS = [Binding("enter", "open", "Open", show=False)]
    COMPONENT_CLASSES = {"emergency-callout--label", "emergency-callout--hint"}
    DEFAULT_CSS = """
    EmergencyCallout {
        height: auto;
        max-height: 3;
        padding: 0 1;
        background: $error 30%;
        color: $text;
        text-style: bold;
        display: none;
        &.-shown { display: block; }
        &:focus { background: $error 50%; }
        & > .emergency-callout--label { background: $error; color: $text; text-style: bold; }
        & > .emergency-callout--hint { color: $text-muted; text-style: not bold; }
    }
    """

    @dataclass
    class Open(Message):
        """The person chose the callout: open the record it links to."""

        record_id: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.callout: Callout | None = None

    def show(self, callout: Callout | None) -> None:
        """Show ``callout`` (None hides the line)."""
        if callout == self.callout:
            return  # called on every keystroke; most of them change nothing here
        self.callout = callout
        self.set_class(callout is not None, "-shown")
        if callout is None:
            self.update("")
            return
        self.update(Content.assemble(
            (" EMERGENCY ", ".emergency-callout--label"), " ", literal(one_line(callout.text)),
            ("  enter or click to open: ", ".emergency-callout--hint"),
            literal(one_line(callout.title)).stylize(".emergency-callout--hint")))

    def action_open(self) -> None:
        if self.callout is not None:
            self.post_message(self.Open(self.callout.record_id))

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.action_open()
