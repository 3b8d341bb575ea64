"""The search screen: a live search box, the ranked results, and a detail pane that follows the highlight.

An adapter: :class:`kb.tui.session.SearchSession` decides what to search (every keystroke, a kind filter, as
typed, the next page) and which answer is the newest; a thread worker asks the engine; this paints the answer.
The detail pane is :mod:`.search_detail`, keys, history and focus :mod:`.search_nav`. The app sets index state
(catalog, problems, status) through ``index_updated`` and the ``show_*`` methods, and handles ``EditFile``.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input
from textual.worker import get_current_worker

from kb.engine import KnowledgeBase, SearchFailed
from kb.model.errors import Problem
from kb.model.results import Response, Snippet
from kb.tui.bookmarks import Bookmarks
from kb.tui.catalog import Catalog
from kb.tui.history import RESULTS, History, Location, QueryHistory
from kb.tui.screens.search_detail import SearchDetail
from kb.tui.screens.search_nav import SearchNavigation
from kb.tui.session import Outcome, Request, SearchSession, run
from kb.tui.state import StateFile
from kb.tui.text import KIND_NAMES
from kb.tui.widgets.correction_banner import CorrectionBanner
from kb.tui.widgets.detail_pane import DetailPane
from kb.tui.widgets.disclaimer_note import DisclaimerNote
from kb.tui.widgets.emergency_callout import EmergencyCallout
from kb.tui.widgets.footer import KbFooter
from kb.tui.widgets.intro import Intro
from kb.tui.widgets.kind_filter import KindFilter
from kb.tui.widgets.problems_panel import ProblemsPanel
from kb.tui.widgets.result_list import ResultList
from kb.tui.widgets.results_pane import ResultsPane
from kb.tui.widgets.search_box import SearchBox
from kb.tui.widgets.status_line import StatusLine, Tone
from kb.tui.workers import deliver

# While a keystroke's search runs, frames wait for its answer (for at most HOLD seconds): one frame shows the
# typed character together with its results. Painting the box first cost a frame of main-thread work (competing
# with the search for the GIL) before the frame that matters, and the results' frame then waited for a frame slot.
HOLD = 0.05


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
        self.session = SearchSession(self.queries)
        self.bookmarks = Bookmarks(state)
        self._focus_at: dict[Location, str] = {}
        self.catalog = Catalog()
        self._hold: ExitStack | None = None  # frames held until the typed query's answer is painted
        self._hold_timer: Timer | None = None

    # --- layout --------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield SearchBox(id="search")
        yield EmergencyCallout(id="emergency")
        yield CorrectionBanner(id="banner")
        with Horizontal(id="body"):
            with ResultsPane(id="left"):
                yield KindFilter(id="kinds")
                yield ResultList(id="results")  # the results, or the welcome / no-results text in their place
            yield DetailPane(id="detail")
        yield ProblemsPanel(id="problems")
        yield StatusLine(id="status")
        yield DisclaimerNote(id="disclaimer")
        yield KbFooter()

    def on_unmount(self) -> None:
        self._release_frames()
        self.remember_query()

    def on_mount(self) -> None:
        self.query_one(KindFilter).clear()
        self.query_one(ResultList).show_welcome()
        self.query_one(DetailPane).show_intro({})
        self.query_one(ResultsPane).show_title("Results")
        self._title_detail()
        self.query_one(SearchBox).focus()
        self.post_message(self.Ready())

    # --- state set by the app ------------------------------------------------------------------------------
    def index_updated(self, catalog: Catalog) -> None:
        """The index changed: refresh the catalog, the current results and what the detail pane shows."""
        self.catalog = catalog
        self.query_one(Intro).show(catalog.counts)
        self.query_one(ResultList).empty.nutrients = list(catalog.nutrients)
        request = self.session.refresh()  # snippets for every row kept (the highlighted one among them)
        if request is not None:
            self.run_search(request)
        else:
            self.query_one(ResultList).show_welcome()
            self._show_location(self.history.current)

    def show_status(self, text: str, tone: Tone = "ok") -> None:
        self.query_one(StatusLine).show(text, tone)

    def show_watching(self, watching: bool) -> None:
        self.query_one(StatusLine).show_watching(watching)

    def show_problems(self, problems: list[Problem]) -> None:
        self.query_one(ProblemsPanel).show(problems)

    def show_disclaimer(self, text: str) -> None:
        self.query_one(DisclaimerNote).show(text)

    # --- searching: the session decides, a worker asks the engine, this paints -----------------------------------
    @property
    def response(self) -> Response | None:
        return self.session.response

    @on(Input.Changed, "#search")
    def search_as_you_type(self, event: Input.Changed) -> None:
        self.typed(event.value)
        self._cancel_preview()  # still typing: the new results will ask again
        # snippets for the rows painted at once; the rest after the frame
        request = self.session.typed(event.value, self.query_one(ResultList).rows_on_screen())
        if request is not None:
            self._hold_frames()
            self.run_search(request)
            return
        self._release_frames()
        self.query_one(EmergencyCallout).show(None)
        self.query_one(CorrectionBanner).show(event.value, None, False)
        self.query_one(KindFilter).clear()
        self.query_one(ResultsPane).show_title("Results")
        self.query_one(ResultList).show_welcome()
        self._follow()

    @work(exclusive=True, thread=True, group="search")
    def run_search(self, request: Request) -> None:
        worker = get_current_worker()
        try:
            outcome = run(self.engine, request)
        except Exception as exc:  # noqa: BLE001 - reported in the status line; typing goes on
            if not worker.is_cancelled:  # the engine's SearchFailed already says "search failed"
                text = str(exc) if isinstance(exc, SearchFailed) else f"search failed: {exc}"
                deliver(self.app, self._search_failed, text)
            return
        if worker.is_cancelled or not self.session.is_current(request.seq):
            return  # a newer query is on its way: never let this answer land
        deliver(self.app, self.show_outcome, outcome)

    def _hold_frames(self) -> None:
        """Paint nothing until the answer to the query typed is shown (or HOLD seconds have passed)."""
        if self._hold is None:  # a key typed while holding: the first key's deadline stands
            self._hold = ExitStack()
            self._hold.enter_context(self.app.batch_update())
            self._hold_timer = self.set_timer(HOLD, self._release_frames, name="frames held for an answer")

    def _release_frames(self) -> None:
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        if self._hold is not None:
            hold, self._hold = self._hold, None
            hold.close()
            self.check_idle()  # what changed meanwhile is painted in the next frame

    def _search_failed(self, text: str) -> None:
        self._release_frames()
        self.show_status(text, "error")

    def show_outcome(self, outcome: Outcome) -> None:
        """Paint the answer, unless a newer request was made meanwhile."""
        if not self.is_attached or not self.session.accept(outcome):
            return
        try:
            self._show_outcome(outcome)
        finally:
            self._release_frames()

    def _show_outcome(self, outcome: Outcome) -> None:
        session, response, request = self.session, outcome.response, outcome.request
        self.query_one(EmergencyCallout).show(response.emergency)
        self.query_one(CorrectionBanner).show(response.query, session.correction, session.as_typed)
        results = self.query_one(ResultList)
        keep = results.highlighted_hit.id if request.refresh and results.highlighted_hit else None
        hits = response.results
        if request.more:  # a next page: the rows on show keep their snippets
            had = {h.id: h.snippet for h in results.hits if h.snippet.text}
            hits = tuple(replace(h, snippet=had[h.id]) if not h.snippet.text and h.id in had else h for h in hits)
        without = [h.id for h in hits if not h.snippet.text]  # past the snippets asked for (or no text at all)
        results.more = more = session.has_more(len(hits))
        if session.jump_to_last and hits:  # End asked for everything: the last result is the one to highlight
            session.jump_to_last = False
            keep = hits[-1].id
        if hits:
            results.show(hits, response.terms, keep_id=keep, rest_later=bool(without))
        else:
            only = KIND_NAMES[session.kind].lower() if session.kind and any(outcome.counts.values()) else None
            results.show_no_results(response.query, session.suggestion, session.as_typed, only, outcome.notice)
        if without:
            self.call_after_refresh(self.fill_snippets, results.generation, without, response.terms)
        kinds = self.query_one(KindFilter)
        kinds.show(outcome.counts, response.total, len(hits), session.kind, more)
        self.query_one(ResultsPane).show_title(kinds.title)
        self._refresh_footer()
        if request.refresh:
            self._show_location(self.history.current)
        else:
            self.history.open(RESULTS)
            self._preview_later()

    @on(ResultList.NeedMore)
    def load_more(self, event: ResultList.NeedMore) -> None:
        """The list reached its end: ask for the next page (everything, for End) of the same search."""
        request = self.session.next_page(event.everything)
        if request is not None:
            self.run_search(request)

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
        return self.session.terms
