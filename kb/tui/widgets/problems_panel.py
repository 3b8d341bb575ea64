"""The corpus problems (``path:line: message``) from the last index update; hidden when there are none."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kb.model.errors import Problem
from kb.tui.text import literal


class ProblemsPanel(Vertical):
    """Problems found in the corpus; the last good index keeps serving. Enter on one posts ``Open``."""

    DEFAULT_CSS = """
    ProblemsPanel {
        height: auto;
        max-height: 10;
        display: none;
        border-top: solid $error;
        background: $error 8%;
        &.-shown { display: block; }
        & > #problems-title { padding: 0 1; color: $text-error; text-style: bold; }
        & > OptionList {
            height: auto;
            max-height: 8;
            border: none;
            padding: 0 1;
            background: transparent;
            text-wrap: nowrap;
            text-overflow: ellipsis;
        }
    }
    """

    @dataclass
    class Open(Message):
        """The person chose a problem: open its file at its line."""

        problem: Problem

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.problems: tuple[Problem, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static(id="problems-title")
        yield OptionList(id="problems-list", markup=False)

    def show(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(sorted(set(problems)))
        self.set_class(bool(self.problems), "-shown")
        n = len(self.problems)
        self.query_one("#problems-title", Static).update(
            f"{n} corpus problem{'s' if n != 1 else ''} - the last good version of each file keeps serving "
            "(enter or alt+e: open in $EDITOR)")
        problems_list = self.query_one(OptionList)
        problems_list.set_options([Option(literal(str(p))) for p in self.problems])
        if self.problems:  # focused (tab), the first problem is already the one enter opens
            problems_list.highlighted = 0

    @property
    def highlighted_problem(self) -> Problem | None:
        i = self.query_one(OptionList).highlighted
        return self.problems[i] if i is not None and i < len(self.problems) else None

    @on(OptionList.OptionSelected, "#problems-list")
    def _open(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_index < len(self.problems):
            self.post_message(self.Open(self.problems[event.option_index]))
