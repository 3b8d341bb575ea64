"""Typing and navigating on the search screen: where a key goes, query history, bookmarks and focus memory.

The scheme: on the search screen every printable key is text. Typed while the results, a pane or the preview has
the keyboard, it starts a new query in the search box (``/`` goes back to edit the current one); commands use
modifier keys, function keys or keys that type nothing (arrows, enter, escape, tab). :class:`SearchNavigation` is
mixed into :class:`kb.tui.screens.search.SearchScreen` and uses its widgets and history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.widget import Widget
from textual.widgets import Input

from kb.tui.bookmarks import Bookmarks
from kb.tui.history import RESULTS, Location, QueryHistory
from kb.tui.listkeys import move
from kb.tui.widgets.detail_pane import TITLES, DetailPane
from kb.tui.widgets.empty_state import EmptyState
from kb.tui.widgets.kind_filter import KindFilter
from kb.tui.widgets.problems_panel import ProblemsPanel
from kb.tui.widgets.result_list import ResultList
from kb.tui.widgets.search_box import SearchBox, alt_digit

if TYPE_CHECKING:
    from kb.tui.screens.search import SearchScreen

    _Base = SearchScreen
else:
    _Base = object

class SearchNavigation(_Base):
    """Key routing, query history, bookmarks and where the keyboard goes back to; needs ``queries`` and
    ``bookmarks`` (set by the screen) and the screen's widgets."""

    queries: QueryHistory
    bookmarks: Bookmarks
    _recalled: str | None = None  # the text a recall put in the box (its Changed is not typing)
    _redirecting = False  # a key outside the box started a new query; the box gets the keyboard soon
    _focus_at: dict[Location, str]  # the widget (id) that had the keyboard when each location was left

    # --- where printable keys go -----------------------------------------------------------------------------
    def on_key(self, event: events.Key) -> None:
        """A printable key outside the search box starts a new query there; backspace edits the query."""
        if isinstance(self.focused, Input):
            return
        kind = alt_digit(event)
        if kind is not None:  # alt+digit as Textual reads ESC digit
            event.stop()
            self.action_toggle_kind(kind)
            return
        box = self.query_one(SearchBox)
        if event.key == "backspace":
            event.stop()
            if not self._redirecting:
                box.cursor_position = len(box.value)
            self._redirecting = True
            box.focus()
            box.action_delete_left()
            return
        if not event.is_printable or not event.character or event.key == "space" and not self._redirecting:
            return
        event.stop()
        if self._redirecting:  # keys typed before the box has the keyboard (focus moves after this handler)
            box.insert_text_at_cursor(event.character)
            return
        self.remember_query()
        self._redirecting = True
        box.focus()
        box.set_query(event.character)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, SearchBox):
            self._redirecting = False
        self._title_detail()  # "reading" in the detail pane's title while it has the keyboard

    def action_move(self, step: int) -> None:
        """ctrl+j / ctrl+k in any list on the screen (the results have their own binding)."""
        move(self.focused, step)

    # --- the search box's own messages ---------------------------------------------------------------------
    def on_search_box_recall(self, event: SearchBox.Recall) -> None:
        box = self.query_one(SearchBox)
        text = self.queries.older(box.value) if event.step < 0 else self.queries.newer()
        box.recalling = self.queries.recalling
        if text is not None and text != box.value:
            self._recalled = text
            box.set_query(text)

    def typed(self, value: str) -> None:
        """The box changed: unless a recall did it, the next Up starts from the newest query again."""
        if value != self._recalled:
            self.stop_recalling()
        self._recalled = None

    def stop_recalling(self) -> None:
        """Anything but Up/Down ends a walk through the history: Down goes to the results again."""
        self.queries.stop()
        self.query_one(SearchBox).recalling = False

    def on_search_box_move_results(self, event: SearchBox.MoveResults) -> None:
        self.stop_recalling()
        results = self.query_one(ResultList)
        if results.hits:
            (results.action_cursor_down if event.step > 0 else results.action_cursor_up)()

    def on_search_box_cleared(self, event: SearchBox.Cleared) -> None:
        if event.query:
            self.queries.add(event.query)
        else:
            self.action_back()

    def on_search_box_kind_key(self, event: SearchBox.KindKey) -> None:
        self.stop_recalling()
        self.action_toggle_kind(event.kind)

    def remember_query(self) -> None:
        """Keep the query in the history (leaving the box, opening a result, starting a new one, quitting)."""
        self.session.remember()

    # --- what the person does in the panes -----------------------------------------------------------------
    def on_empty_state_search_for(self, event: EmptyState.SearchFor) -> None:
        if self.session.as_typed and event.query == self.session.correction:
            self.action_toggle_as_typed()
            return
        search = self.query_one(SearchBox)
        search.value = event.query
        search.cursor_position = len(event.query)
        search.focus()

    def on_kind_filter_toggled(self, event: KindFilter.Toggled) -> None:
        self.action_toggle_kind(event.kind)

    def on_correction_banner_clicked(self) -> None:
        self.action_toggle_as_typed()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "search":
            self.on_search_box_to_results()

    def on_search_box_to_results(self) -> None:
        self.remember_query()
        results = self.query_one(ResultList)
        if results.hits:
            results.focus()

    def on_problems_panel_open(self, event: ProblemsPanel.Open) -> None:
        self.post_message(self.EditFile(event.problem.path, event.problem.line))

    def action_toggle_kind(self, kind: str) -> None:
        self.stop_recalling()
        request = self.session.toggle_kind(kind, self.query_one(ResultList).rows_on_screen())
        if request is not None:
            self.run_search(request)

    def action_toggle_as_typed(self) -> None:
        """Search the words as typed (after the engine corrected them), or go back to the correction."""
        request = self.session.toggle_as_typed(self.query_one(ResultList).rows_on_screen())
        if request is not None:
            self.run_search(request)

    # --- bookmarks -----------------------------------------------------------------------------------------
    def bookmark_target(self) -> tuple[str, str, str] | None:
        """(id, kind, title) of the record open in the detail pane (the nutrient, on a nutrient pane)."""
        pane = self.query_one(DetailPane)
        if pane.current == "nutrient":
            record = pane.query_one("NutrientView").nutrient  # type: ignore[attr-defined]
        elif pane.current == "record":
            record = pane.query_one("RecordView").record  # type: ignore[attr-defined]
        else:
            record = None
        return (record.id, record.kind, record.title) if record is not None else None

    def action_bookmark(self) -> None:
        target = self.bookmark_target()
        if target is None:
            self.notify("Open a record first: ctrl+b bookmarks the one on show.", markup=False)
            return
        saved = self.bookmarks.toggle(*target)
        where = f" ({self.bookmarks.file.problem})" if self.bookmarks.file.problem else ""
        self.notify(f"{'Bookmarked' if saved else 'Bookmark removed'}: {target[2]}{where}", markup=False,
                    severity="warning" if where else "information")
        self.bookmarks.file.problem = None
        self._title_detail()

    # --- where the keyboard goes back to -------------------------------------------------------------------
    def left_from(self, location: Location) -> None:
        """``location`` is being left for another one: remember which widget had the keyboard there."""
        focused = self.focused
        if focused is not None and focused.id:
            self._focus_at[location] = focused.id
        else:
            self._focus_at.pop(location, None)

    def focus_back(self, location: Location) -> bool:
        """Give the keyboard back to the widget that had it at ``location``; False when there is none."""
        wid = self._focus_at.get(location)
        if not wid:
            return False
        found = self.query(f"#{wid}")
        widget: Widget | None = found.first() if found else None
        if widget is None or not widget.focusable:
            return False
        widget.focus()
        return True

    def detail_title(self, kind: str) -> str:
        """The detail pane's title: what is on show, whether it is bookmarked, and when it has the keyboard."""
        title = TITLES.get(kind, "Preview")
        target = self.bookmark_target()
        if target is not None and target[0] in self.bookmarks:
            title += " \u2605"
        pane = self.query_one(DetailPane)
        if self.focused is not None and pane in self.focused.ancestors:
            title += " - reading (esc: back to the results)" if kind == "results" else " - reading"
        return title

    # --- back, forward and editing ---------------------------------------------------------------------------
    def action_back(self) -> None:
        detail = self.query_one(DetailPane)
        reading = self.focused is not None and detail in self.focused.ancestors
        if reading and self.history.current == RESULTS and self.query_one(ResultList).hits:
            self.query_one(ResultList).focus()  # reading the highlighted result's preview: back to the list
            return
        location = self.history.back()
        if location is None:
            self.query_one(SearchBox).focus()
            return
        self._leave_detail()
        self._show_location(location, refocus=True)

    def action_forward(self) -> None:
        location = self.history.forward()
        if location is not None:
            self._leave_detail()
            self._show_location(location, refocus=True)

    def _leave_detail(self) -> None:
        """The detail pane is about to change under the keyboard: hand the keyboard to the results."""
        detail = self.query_one(DetailPane)
        if self.focused is not None and detail in self.focused.ancestors:
            results = self.query_one(ResultList)
            (results if results.hits else self.query_one(SearchBox)).focus()

    def action_focus_search(self) -> None:
        self.query_one(SearchBox).focus()

    def edit_target(self) -> tuple[str, int] | None:
        """The file and line ``e`` opens: the highlighted problem, else the record or nutrient on show."""
        panel = self.query_one(ProblemsPanel)
        if self.focused is not None and panel in self.focused.ancestors_with_self:
            problem = panel.highlighted_problem
            return (problem.path, problem.line or 1) if problem else None
        record = self.query_one(DetailPane).shown
        return (record.path, record.line) if record is not None else None

    def action_edit(self) -> None:
        target = self.edit_target()
        if target is not None:
            self.post_message(self.EditFile(*target))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_as_typed":
            return self.session.correction is not None
        if action == "edit":
            return not isinstance(self.focused, Input) and self.edit_target() is not None
        if action == "bookmark":
            return self.bookmark_target() is not None
        return True
