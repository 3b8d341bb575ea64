"""The results header: how many results of each kind, and which kind (if any) the list is filtered to."""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.message import Message
from textual.style import Style
from textual.widgets import Static

from kb.model.records import KINDS
from kb.tui.text import KIND_NAMES

KEYS = {"section": "alt+1", "faq": "alt+2", "nutrient": "alt+3"}
SHORT_NAMES = {"section": "Sect", "faq": "FAQ", "nutrient": "Nutr"}


class KindFilter(Static):
    """One line: ``alt+1 Sections 8   alt+2 FAQs 3   alt+3 Nutrients 1``; click a kind (or press its key) to filter.

    ``title`` counts the results the list can reach (``71 results, 50 loaded``), for the pane's border.
    """

    COMPONENT_CLASSES = {"kind-filter--key", "kind-filter--on", "kind-filter--off", "kind-filter--total"}
    DEFAULT_CSS = """
    KindFilter {
        height: 1;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        & > .kind-filter--total { text-style: bold; }
        & > .kind-filter--key { color: $text-accent; text-style: bold; }
        & > .kind-filter--on { background: $accent 40%; text-style: bold; }
        & > .kind-filter--off { color: $text-muted; }
    }
    """

    @dataclass
    class Toggled(Message):
        """The person clicked a kind: filter to it, or back to all kinds if it was the filter."""

        kind: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.counts: dict[str, int] = {}
        self.total = 0
        self.shown = 0
        self.more = False
        self.active: str | None = None
        self.idle = True
        self._shown: tuple[object, ...] | None = None  # what the line was drawn from: redrawn only when it changes

    def show(self, counts: dict[str, int], total: int, shown: int, active: str | None, more: bool = False) -> None:
        """Counts by kind (unfiltered), the number of matches in the list's kinds, how many are listed, and
        whether the rest can still be loaded (else the list holds all the search can return)."""
        self.counts, self.active, self.more = dict(counts), active, more
        self.total, self.shown = (total if more else shown), shown
        self.idle = False
        self._refresh_line()

    def on_resize(self) -> None:
        if not self.idle:
            self._refresh_line()

    def _refresh_line(self) -> None:
        # called on every keystroke; the counts by kind often stay the same from one key to the next
        state = (tuple(self.counts.get(kind, 0) for kind in KINDS), self.active, self.size.width)
        if state == self._shown:
            return
        self._shown = state
        if not any(self.counts.values()) and not self.active:
            self.update(Content.styled("No matches", ".kind-filter--off"), layout=False)
            return
        line = self._render_line(KIND_NAMES)
        if self.size.width and line.cell_length > self.size.width - 2:
            line = self._render_line(SHORT_NAMES)  # a narrow pane: short names rather than a cut-off line
        self.update(line, layout=False)  # always one line: no layout pass (a full-screen re-render) per keystroke

    def clear(self, message: str = "Type to search") -> None:
        self.idle = True
        self.counts, self.total, self.shown = {}, 0, 0
        self._shown = None
        self.update(Content.styled(message, ".kind-filter--off"), layout=False)

    @property
    def title(self) -> str:
        if self.idle:
            return "Results"
        head = f"{self.total} result{'' if self.total == 1 else 's'}"
        if self.active:
            head += f" ({KIND_NAMES[self.active].lower()} only)"
        if self.shown < self.total:
            head += f", {self.shown} loaded"
        return head

    def _render_line(self, names: dict[str, str]) -> Content:
        parts: list[Content | str | tuple[str, str | Style]] = []
        for kind in KINDS:
            click = Style.from_meta({"@click": f"toggle({kind!r})"})
            label = f" {names[kind]} {self.counts.get(kind, 0)} "
            state = ".kind-filter--on" if kind == self.active else (
                ".kind-filter--off" if self.active else "")
            part = Content.assemble((KEYS[kind], ".kind-filter--key"), Content(label).stylize(state))
            parts += [part.stylize(click), "  "]
        if self.active:
            parts += [("alt+0", ".kind-filter--key"), Content(" all").stylize(".kind-filter--off")]
        return Content.assemble(*parts)

    def action_toggle(self, kind: str) -> None:
        if kind in KINDS:
            self.post_message(self.Toggled(kind))
