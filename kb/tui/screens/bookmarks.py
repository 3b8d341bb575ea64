"""The bookmarks: every saved record, newest first; enter opens one, delete removes it.

A bookmark whose record is no longer in the index (its file removed or renamed) stays in the list, marked as gone,
until it is removed: a re-index that brings the record back brings the bookmark back to life.
"""

from __future__ import annotations

from collections.abc import Collection

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kb.tui.bookmarks import Bookmark, Bookmarks
from kb.tui.listkeys import LETTER_KEYS, move
from kb.tui.text import badge, literal


class BookmarksScreen(ModalScreen[Bookmark | None]):
    """The bookmarks as a list; Enter or click returns the chosen one, Escape returns None."""

    DEFAULT_CSS = """
    BookmarksScreen {
        align: center middle;
        & > #bookmarks {
            width: 84;
            max-width: 100%;
            height: auto;
            max-height: 90%;
            border: thick $secondary;
            border-title-style: bold;
            background: $surface;
            padding: 0 1;
        }
        & OptionList { height: auto; max-height: 30; border: none; }
        & .bookmarks--gone { color: $text-error; }
        & #bookmarks-hint { color: $text-muted; padding-top: 1; }
    }
    """
    BINDINGS = [
        Binding("escape,f2,q", "close", "Close"),
        Binding("delete,d", "remove", "Remove"),
        *LETTER_KEYS,
    ]

    def __init__(self, bookmarks: Bookmarks, gone: Collection[str] = ()) -> None:
        super().__init__()
        self.bookmarks = bookmarks
        self.gone = set(gone)

    def compose(self) -> ComposeResult:
        with Vertical(id="bookmarks"):
            yield OptionList(id="bookmark-list", markup=False)
            yield Static("enter opens  \u00b7  delete removes  \u00b7  j/k move  \u00b7  escape closes  \u00b7  "
                         "ctrl+b on a record adds it", id="bookmarks-hint")

    def on_mount(self) -> None:
        self._fill()
        self.query_one(OptionList).focus()

    def _fill(self) -> None:
        items = self.bookmarks.items
        self.query_one("#bookmarks", Vertical).border_title = f"Bookmarks ({len(items)})"
        options = []
        for b in items:
            line = Content.assemble(badge(b.kind, ""), " ", literal(b.title))
            if b.id in self.gone:
                line = Content.assemble(line, Content("  - no longer in the index").stylize(".bookmarks--gone"))
            options.append(Option(line, id=b.id))
        if not options:
            options.append(Option(Content("No bookmarks yet: open a record and press ctrl+b."), disabled=True))
        lst = self.query_one(OptionList)
        lst.set_options(options)
        if items:
            lst.highlighted = 0

    @on(OptionList.OptionSelected)
    def choose(self, event: OptionList.OptionSelected) -> None:
        chosen = [b for b in self.bookmarks.items if b.id == event.option.id]
        if chosen:
            self.dismiss(chosen[0])

    def action_move(self, step: int) -> None:
        move(self.query_one(OptionList), step)

    def action_remove(self) -> None:
        lst = self.query_one(OptionList)
        i = lst.highlighted
        if i is None or i >= len(self.bookmarks.items):
            return
        self.bookmarks.remove(self.bookmarks.items[i].id)
        self._fill()
        if self.bookmarks.items:
            lst.highlighted = min(i, len(self.bookmarks.items) - 1)

    def action_close(self) -> None:
        self.dismiss(None)
