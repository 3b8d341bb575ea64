"""The search screen's detail pane: what the history says is current (the preview of the highlighted result, a
record opened by id, or a nutrient pane), loaded in a worker and shown when it is still the newest; the preview
waits for a pause in typing; and the messages that open something there.

:class:`SearchDetail` is a base of :class:`kb.tui.screens.search.SearchScreen` and uses its widgets, engine and
history (a ``Screen`` subclass so that its ``@on`` handlers are registered).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Markdown
from textual.worker import get_current_worker

from kb.model.errors import KbError, UnknownId
from kb.model.records import Nutrient, Record
from kb.tui.history import RESULTS, Location
from kb.tui.widgets.detail_pane import DetailPane
from kb.tui.widgets.emergency_callout import EmergencyCallout
from kb.tui.widgets.empty_state import EmptyState
from kb.tui.widgets.nutrient_links import NutrientLinks
from kb.tui.widgets.nutrient_view import NutrientView
from kb.tui.widgets.result_list import ResultList
from kb.tui.workers import deliver

if TYPE_CHECKING:
    from kb.engine import KnowledgeBase
    from kb.tui.catalog import Catalog
    from kb.tui.history import History
    from kb.tui.session import SearchSession

# While someone types, the preview waits for a pause this long: each keystroke's results are painted first, and
# laying out a Markdown preview (longer on the app's thread than a keystroke's search) is done once per pause
# rather than once per keystroke, where it would delay the next keystroke's results.
PREVIEW_DELAY = 0.12
NUTRIENT_SCHEME = "nutrient:"


@dataclass(frozen=True)
class _Detail:
    """What a detail worker loaded for one location."""

    location: Location
    record: Record | None = None
    linked: tuple[Record, ...] = ()
    missing: str = ""


class SearchDetail(Screen[None]):
    """The detail pane's half of the search screen."""

    engine: KnowledgeBase
    history: History
    session: SearchSession
    catalog: Catalog
    _detail_seq = 0
    _footer_state: tuple[bool, bool] | None = None
    _preview_timer: Timer | None = None  # a preview waiting for a pause in typing

    def _follow(self) -> None:
        """Preview the highlighted result (a new place in the history if something else was open)."""
        self._cancel_preview()
        self.history.open(RESULTS)
        self._show_location(RESULTS)

    @property
    def preview_pending(self) -> bool:
        """True while the preview of new results waits for a pause in typing."""
        return self._preview_timer is not None

    def _preview_later(self) -> None:
        self._cancel_preview()
        self._preview_timer = self.set_timer(PREVIEW_DELAY, self._preview_now, name="preview after a pause")

    def _cancel_preview(self) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
            self._preview_timer = None

    def _preview_now(self) -> None:
        self._preview_timer = None
        if self.history.current.kind == "results":  # nothing else was opened meanwhile
            self._show_location(RESULTS)

    def open_location(self, location: Location, focus: bool = True) -> None:
        """Open a record or nutrient as a new place in the history (what links, the palette and browse do)."""
        left = self.history.current
        if self.history.open(location):
            self.left_from(left)
        self._show_location(location, focus)

    def _show_location(self, location: Location, focus: bool = False, refocus: bool = False) -> None:
        """Show ``location``; ``focus`` puts the keyboard in the pane, ``refocus`` back where it was there."""
        self._detail_seq += 1
        target = location
        if location.kind == "results":
            results = self.query_one(ResultList)
            hit = results.highlighted_hit if results.hits else None
            if hit is None:
                self.query_one(DetailPane).show_intro()
                self._title_detail()
                return
            target = Location("record", hit.id)
        self.load_detail(self._detail_seq, target, focus, location if refocus else None)

    @work(exclusive=True, thread=True, group="detail")
    def load_detail(self, seq: int, location: Location, focus: bool, refocus: Location | None = None) -> None:
        try:
            if location.kind == "nutrient":
                nutrient, linked = self.engine.nutrient(location.key)
                detail = _Detail(location, nutrient, tuple(linked))
            else:
                detail = _Detail(location, self.engine.get(location.key))
        except UnknownId:
            detail = _Detail(location, missing=location.key)
        except KbError as exc:
            detail = _Detail(location, missing=f"{location.key}: {exc}")
        if not get_current_worker().is_cancelled:
            deliver(self.app, self._show_detail, seq, detail, focus, refocus)

    async def _show_detail(self, seq: int, detail: _Detail, focus: bool, refocus: Location | None = None) -> None:
        if seq != self._detail_seq or not self.is_attached:
            return
        pane = self.query_one(DetailPane)
        record = detail.record
        if record is None:
            await pane.show_missing(detail.missing)
        elif detail.location.kind == "nutrient" and isinstance(record, Nutrient):
            await pane.show_nutrient(record, detail.linked, self.terms, focus)
        else:
            names = {slug: self.catalog.nutrient_name(slug) for slug in record.nutrients}
            await pane.show_record(record, names, self.terms, focus)
        if refocus is not None:
            self.focus_back(refocus)
        self._title_detail()

    def _title_detail(self) -> None:
        pane = self.query_one(DetailPane)
        kind = self.history.current.kind
        pane.set_titles(kind, self.history.can_go_back, self.history.can_go_forward)
        pane.border_title = self.detail_title(kind)
        self._refresh_footer()


    def _refresh_footer(self) -> None:
        # the footer rebuilds itself on every refresh: only ask when a conditional key came or went
        state = (self.session.correction is not None, self.edit_target() is not None)
        if state != self._footer_state:
            self._footer_state = state
            self.refresh_bindings()

    # --- what opens something there -------------------------------------------------------------------------
    @on(ResultList.Highlighted)
    def preview_highlighted(self) -> None:
        self._follow()

    @on(ResultList.Chosen)
    def open_chosen(self, event: ResultList.Chosen) -> None:
        self.remember_query()
        if event.hit.kind == "nutrient":
            self.open_location(Location("nutrient", event.hit.id.split("/", 1)[1]))
        else:
            self.query_one("#record-body").focus()

    @on(NutrientLinks.Chosen)
    @on(EmptyState.OpenNutrient)
    def open_nutrient(self, event: NutrientLinks.Chosen | EmptyState.OpenNutrient) -> None:
        self.open_location(Location("nutrient", event.slug))

    @on(NutrientView.RecordChosen)
    @on(EmergencyCallout.Open)
    def open_linked_record(self, event: NutrientView.RecordChosen | EmergencyCallout.Open) -> None:
        self.open_location(Location("record", event.record_id))

    @on(Markdown.LinkClicked)
    def follow_link(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        if event.href.startswith(NUTRIENT_SCHEME):
            self.open_location(Location("nutrient", event.href[len(NUTRIENT_SCHEME):]))
        else:  # a link written in the corpus: shown, never opened or run
            self.notify(event.href, title="Link", markup=False)
