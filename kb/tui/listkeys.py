"""The list keys: ``j``/``k`` where no search box owns the letters, fzf's ``ctrl+j``/``ctrl+k`` (the results
list binds ``ctrl+n``/``ctrl+p`` too, in :mod:`kb.tui.widgets.result_list`), and :func:`move` that every
screen's ``move`` action runs on the focused widget.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable, OptionList

#: ctrl+j / ctrl+k: in a list whose letters filter it (the nutrient browser; ctrl+p stays the palette there)
CONTROL_KEYS = [
    Binding("ctrl+j", "move(1)", "Down", show=False),
    Binding("ctrl+k", "move(-1)", "Up", show=False),
]
#: plain j / k (and ctrl+j / ctrl+k) where nothing is typed: bookmarks, the article view, help; ctrl+n and
#: ctrl+p stay the app's nutrient browser and palette there
LETTER_KEYS = [
    Binding("j,ctrl+j", "move(1)", "Down", show=False),
    Binding("k,ctrl+k", "move(-1)", "Up", show=False),
]


def move(focused: Widget | None, step: int) -> None:
    """One row down (``step`` 1) or up in the focused list, or one line in the focused scrolling text."""
    if isinstance(focused, OptionList | DataTable):
        (focused.action_cursor_down if step > 0 else focused.action_cursor_up)()
    elif focused is not None and focused.allow_vertical_scroll:
        focused.scroll_relative(y=step, animate=False)
