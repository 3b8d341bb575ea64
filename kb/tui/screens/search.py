"""The search screen: a live search box, the ranked results, and a detail pane that follows the highlight.

Searching runs in a thread worker on every keystroke; each search carries a sequence number and only the
newest one's answer is shown. The detail pane shows what the history says is current: the preview of the
highlighted result, a record opened by id, or a nutrient pane. The app sets index state (catalog, problems,
status) through ``index_updated`` and the ``show_*`` methods, and handles ``EditFile``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import ContentSwitcher, Footer, Input
from textual.worker import get_current_worker

from kb.engine import KnowledgeBase, SearchFailed
from kb.model.errors import Problem, UnknownFilter
from kb.model.results import Response, Snippet
from kb.tui.bookmarks import Bookmarks
from kb.tui.catalog import Catalog
from kb.tui.history import RESULTS, History, Location, QueryHistory
from kb.tui.screens.search_detail import SearchDetail
from kb.tui.screens.search_nav import SearchNavigation
from kb.tui.state import StateFile
from kb.tui.text import KIND_NAMES
from kb.tui.widgets.correction_banner import CorrectionBanner
from kb.tui.widgets.detail_pane import DetailPane
from kb.tui.widgets.disclaimer_note import DisclaimerNote
from kb.tui.widgets.emergency_callout import EmergencyCallout
from kb.tui.widgets.empty_state import EmptyState
from kb.tui.widgets.intro import Intro
from kb.tui.widgets.kind_filter import KindFilter
from kb.tui.widgets.problems_panel import ProblemsPanel
from kb.tui.widgets.result_list import ResultList
from kb.tui.widgets.search_box import SearchBox
from kb.tui.widgets.status_line import StatusLine, Tone
from kb.tui.workers import deliver

PAGE = 50  # results loaded at once; the list asks for the next page near its end


class SearchScreen(SearchNavigation, SearchDetail):
    """Search box, results with kind filters, and the preview / nutrient pane, with back and forward.

    Every printable key is text here (see :mod:`kb.tui.screens.search_nav`); commands have modifier keys.
    """

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("alt+left", "back", "Back", show=False),
        Binding("alt+right", "forward", "Forward", show=False),
        Binding("alt+e,f4", "edit", "Edit"),
        Binding("ctrl+o", "toggle_as_typed", "As typed"),
        Binding("alt+1", "toggle_kind('section')", "Sections only", show=False),
        Binding("alt+2", "toggle_kind('faq')", "FAQs only", show=False),
        Binding("alt+3", "toggle_kind('nutrient')", "Nutrients only", show=False),
        Binding("alt+0", "toggle_kind('')", "All kinds", show=False),
        Binding("slash", "focus_search", "Search", show=False),
        Binding("ctrl+j", "move(1)", "Down", show=False),
        Binding("ctrl+k", "move(-1)", "Up", show=False),
        Binding("ctrl+b", "bookmark", "Bookmark"),
    ]

    @dataclass
    class Ready(Message):
        """The screen is composed and mounted: the app may start filling it."""

    @dataclass
    class EditFile(Message):
        """Open ``path`` (relative to the root) at ``line`` in the editor, then re-index."""

        path: str
        line: int

    def __init__(self, engine: KnowledgeBase, state: Path) -> None:
        super().__init__()
        self.engine = engine
        self.history = History()
        self.queries = QueryHistory(StateFile(state, "history.json"))
        self.bookmarks = Bookmarks(state)
        self._focus_at: dict[Location, str] = {}
        self.limit = PAGE  # results asked for: grows by a page as the list reaches its end
        self._jump_to_last = False  # End asked for everything: highlight the last result when it lands
        self._loading_more = False  # a next page is on its way
        self.catalog = Catalog()
        self.response: Response | None = None
        self.counts: dict[str, int] = {}  # results by kind, whatever the filter
        self.kind: str | None = None  # the kind filter, None for all
        self.as_typed = False  # showing the query as typed after the engine corrected it
        self.correction: str | None = None  # what the engine ran instead of the words as typed, if anything
        self.query_text = ""
        self._seq = 0
        self._detail_seq = 0
        self._footer_state: tuple[bool, bool] | None = None
        self._preview_timer: Timer | None = None  # a preview waiting for a pause in typing

    # --- layout --------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield SearchBox(id="search")
        yield EmergencyCallout(id="emergency")
        yield CorrectionBanner(id="banner")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield KindFilter(id="kinds")
                with ContentSwitcher(initial="empty-scroll", id="left-switcher"):
                    yield ResultList(id="results")
                    with VerticalScroll(id="empty-scroll"):
                        yield EmptyState(id="empty")
            yield DetailPane(id="detail")
        yield ProblemsPanel(id="problems")
        yield StatusLine(id="status")
        yield DisclaimerNote(id="disclaimer")
        yield Footer()

    def on_unmount(self) -> None:
        self.remember_query()

    def on_mount(self) -> None:
        self.query_one(KindFilter).clear()
        self.query_one(EmptyState).show_welcome()
        self.query_one(DetailPane).show_intro({})
        self.query_one("#left", Vertical).border_title = "Results"
        self._title_detail()
        self.query_one(SearchBox).focus()
        self.post_message(self.Ready())

    # --- state set by the app ------------------------------------------------------------------------------
    def index_updated(self, catalog: Catalog) -> None:
        """The index changed: refresh the catalog, the current results and what the detail pane shows."""
        self.catalog = catalog
        self.query_one(Intro).show(catalog.counts)
        self.query_one(EmptyState).nutrients = list(catalog.nutrients)
        if self.query_text.strip():
            self.start_search(self.query_text, refresh=True)
        else:
            self.query_one(EmptyState).show_welcome()
            self._show_location(self.history.current)

    def show_status(self, text: str, tone: Tone = "ok") -> None:
        self.query_one(StatusLine).show(text, tone)

    def show_watching(self, watching: bool) -> None:
        self.query_one(StatusLine).show_watching(watching)

    def show_problems(self, problems: list[Problem]) -> None:
        self.query_one(ProblemsPanel).show(problems)

    def show_disclaimer(self, text: str) -> None:
        self.query_one(DisclaimerNote).show(text)

    # --- searching -----------------------------------------------------------------------------------------
    @on(Input.Changed, "#search")
    def search_as_you_type(self, event: Input.Changed) -> None:
        self.typed(event.value)
        self.as_typed = False
        self._cancel_preview()  # still typing: the new results will ask again
        self.start_search(event.value)

    def start_search(self, query: str, refresh: bool = False, more: bool = False) -> None:
        """Search ``query`` in a worker; ``refresh`` keeps the highlighted result and the detail pane, ``more``
        (a refresh) asks for ``limit`` results, the ones on show keeping their snippets."""
        self._seq += 1
        if not refresh:
            self.limit = PAGE
        self.query_text = query
        if not query.strip():
            self.response = None
            self.correction = None
            self.query_one(EmergencyCallout).show(None)
            self.query_one(CorrectionBanner).show(query, None, False)
            self.query_one(KindFilter).clear()
            self.query_one("#left", Vertical).border_title = "Results"
            self.query_one(ResultList).show([], ())
            self.query_one("#left-switcher", ContentSwitcher).current = "empty-scroll"
            self.query_one(EmptyState).show_welcome()
            self._follow()
            return
        # snippets for the rows painted at once (plus the one kept highlighted); the rest after the frame
        results = self.query_one(ResultList)
        keep = results.highlighted_hit.id if refresh and results.highlighted_hit else None
        first = 0 if more else (results.rows_on_screen() if keep is None else PAGE)
        self.run_search(self._seq, query, self.kind, refresh, self.as_typed, first, self.limit)

    @work(exclusive=True, thread=True, group="search")
    def run_search(self, seq: int, query: str, kind: str | None, refresh: bool, as_typed: bool = False,
                   snippets: int = PAGE, limit: int = PAGE) -> None:
        worker = get_current_worker()
        try:
            response = self.engine.search(query, limit=limit, prefix=True, correct=not as_typed,
                                          snippets=snippets)
            counts = dict(response.facets.get("kind", {}))
            if kind:
                response = self.engine.search(query, limit=limit, kind=kind, prefix=True, correct=not as_typed,
                                              snippets=snippets)
        except UnknownFilter as exc:  # kind:bogus, nutrient:bogus: say which values exist, never search words
            if not worker.is_cancelled and seq == self._seq:
                deliver(self.app, self._show_response, seq, Response(query=query), {}, refresh, str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - reported in the status line; typing goes on
            if not worker.is_cancelled:  # the engine's SearchFailed already says "search failed"
                text = str(exc) if isinstance(exc, SearchFailed) else f"search failed: {exc}"
                deliver(self.app, self.show_status, text, "error")
            return
        if worker.is_cancelled or seq != self._seq:
            return  # a newer query is on its way: never let this answer land
        deliver(self.app, self._show_response, seq, response, counts, refresh)

    def _show_response(self, seq: int, response: Response, counts: dict[str, int], refresh: bool,
                       notice: str | None = None) -> None:
        if seq != self._seq or not self.is_attached:
            return
        self._loading_more = False
        self.response, self.counts = response, counts
        if not self.as_typed:  # as typed, the engine was told not to correct: keep the correction it made
            self.correction = response.corrected
        self.query_one(EmergencyCallout).show(response.emergency)
        self.query_one(CorrectionBanner).show(response.query, self.correction, self.as_typed)
        results = self.query_one(ResultList)
        keep = results.highlighted_hit.id if refresh and results.highlighted_hit else None
        hits = response.results
        if self._loading_more:  # a next page: the rows on show keep their snippets
            had = {h.id: h.snippet for h in results.hits if h.snippet.text}
            hits = tuple(replace(h, snippet=had[h.id]) if not h.snippet.text and h.id in had else h for h in hits)
        without = [h.id for h in hits if not h.snippet.text]  # past the snippets asked for (or no text at all)
        # the engine returned all it was asked for and counts more: the list may load the next page
        results.more = more = len(hits) >= self.limit and response.total > len(hits)
        if self._jump_to_last and hits:  # End asked for everything: the last result is the one to highlight
            self._jump_to_last = False
            keep = hits[-1].id
        results.show(hits, response.terms, keep_id=keep, rest_later=bool(without))
        if without:
            self.call_after_refresh(self.fill_snippets, results.generation, without, response.terms)
        kinds = self.query_one(KindFilter)
        kinds.show(counts, response.total, len(hits), self.kind, more)
        self.query_one("#left", Vertical).border_title = kinds.title
        switcher = self.query_one("#left-switcher", ContentSwitcher)
        if hits:
            switcher.current = "results"
        else:
            switcher.current = "empty-scroll"
            suggestion = self.correction if self.as_typed else response.suggestion
            only = KIND_NAMES[self.kind].lower() if self.kind and any(counts.values()) else None
            self.query_one(EmptyState).show_no_results(response.query, suggestion, self.as_typed, only, notice)
        self._refresh_footer()
        if refresh:
            self._show_location(self.history.current)
        else:
            self.history.open(RESULTS)
            self._preview_later()

    @on(ResultList.NeedMore)
    def load_more(self, event: ResultList.NeedMore) -> None:
        """The list reached its end: ask for the next page (everything, for End) of the same search."""
        total = self.response.total if self.response is not None else 0
        if not self.query_text.strip() or self.limit >= total:
            return
        self.limit = total if event.everything else self.limit + PAGE
        self._jump_to_last = self._jump_to_last or event.everything
        self._loading_more = True
        self.start_search(self.query_text, refresh=True, more=True)

    @work(exclusive=True, thread=True, group="snippets")
    def fill_snippets(self, generation: int, ids: list[str], terms: frozenset[str]) -> None:
        """Snippets of the results below the first screenful, made after the results were painted."""
        try:
            snippets = dict(zip(ids, self.engine.snippets(ids, terms), strict=True))
        except Exception:  # noqa: BLE001 - an index swapped meanwhile: newer results are on their way
            return
        if not get_current_worker().is_cancelled:
            deliver(self.app, self._fill_rest, generation, snippets)

    def _fill_rest(self, generation: int, snippets: dict[str, Snippet]) -> None:
        if self.is_attached:
            self.query_one(ResultList).fill_rest(generation, snippets)

    @property
    def terms(self) -> frozenset[str]:
        """The words to highlight in the detail pane: those of the current results."""
        return self.response.terms if self.response is not None else frozenset()


    # --- what the person does ------------------------------------------------------------------------------

    @on(EmptyState.SearchFor)
    def search_for(self, event: EmptyState.SearchFor) -> None:
        if self.as_typed and event.query == self.correction:
            self.action_toggle_as_typed()
            return
        search = self.query_one(SearchBox)
        search.value = event.query
        search.cursor_position = len(event.query)
        search.focus()

    @on(KindFilter.Toggled)
    def kind_clicked(self, event: KindFilter.Toggled) -> None:
        self.action_toggle_kind(event.kind)

    @on(CorrectionBanner.Clicked)
    def banner_clicked(self) -> None:
        self.action_toggle_as_typed()

    @on(Input.Submitted, "#search")
    @on(SearchBox.ToResults)
    def go_to_results(self) -> None:
        self.remember_query()
        results = self.query_one(ResultList)
        if results.hits:
            results.focus()

    @on(ProblemsPanel.Open)
    def edit_problem(self, event: ProblemsPanel.Open) -> None:
        self.post_message(self.EditFile(event.problem.path, event.problem.line))

    # --- actions -------------------------------------------------------------------------------------------
    def action_toggle_kind(self, kind: str) -> None:
        self.stop_recalling()
        self.kind = None if kind == self.kind or not kind else kind
        if self.query_text.strip():
            self.start_search(self.query_text)

    def action_toggle_as_typed(self) -> None:
        """Search the words as typed (after the engine corrected them), or go back to the correction."""
        if self.correction is None or not self.query_text.strip():
            return
        self.as_typed = not self.as_typed
        self.start_search(self.query_text)
