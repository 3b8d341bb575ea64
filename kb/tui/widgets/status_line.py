"""The status line: what the index is doing (building, re-indexing, the outcome) and if edits are watched."""

from __future__ import annotations

from typing import Literal

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from kb.tui.text import literal

Tone = Literal["ok", "busy", "warning", "error"]
ICONS = {"ok": "\u25cf", "busy": "\u25cc", "warning": "\u25b2", "error": "\u2716"}


class StatusLine(Horizontal):
    """``● Index ready - 97 records`` on the left, ``watching corpus/`` on the right."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        padding: 0 1;
        background: $panel;
        & > #status-text { width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
        & > #status-watch { width: auto; color: $text-muted; }
        &.-ok > #status-text { color: $text-success; }
        &.-busy > #status-text { color: $text-accent; }
        &.-warning > #status-text { color: $text-warning; }
        &.-error > #status-text { color: $text-error; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = ""
        self.tone: Tone = "ok"

    def compose(self) -> ComposeResult:
        yield Static(id="status-text")
        yield Static(id="status-watch")

    def show(self, text: str, tone: Tone = "ok") -> None:
        self.text, self.tone = text, tone
        for t in ICONS:
            self.set_class(t == tone, f"-{t}")
        self.query_one("#status-text", Static).update(literal(f"{ICONS[tone]} {text}"))

    def show_watching(self, watching: bool) -> None:
        self.query_one("#status-watch", Static).update("watching corpus/" if watching else "")
