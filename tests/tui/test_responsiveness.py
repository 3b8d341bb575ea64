"""What keeps typing fluid: results painted first, the preview after a pause, long lists filled in later, and
no full garbage collection while someone types."""

from __future__ import annotations

import gc

from textual.app import App, ComposeResult

import kb.tui.screens.search_detail as search_module
from kb.model.results import Hit, Snippet
from kb.tui.heap import NEVER, HeapKeeper
from kb.tui.widgets.record_view import RecordView
from kb.tui.widgets.result_list import ResultList
from kb.tui.widgets.search_box import SearchBox

from .conftest import SIZE, hit_ids, search_screen, settle, type_query, wait_for


async def test_the_preview_waits_for_a_pause_and_a_keystroke_puts_it_off(app_factory, monkeypatch):
    monkeypatch.setattr(search_module, "PREVIEW_DELAY", 60.0)  # a pause that never ends while we look
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = search_screen(app)
        preview = app.query_one(RecordView)
        box = app.query_one(SearchBox)
        box.focus()
        box.value = "cramps"
        assert await wait_for(pilot, lambda: screen.response is not None and screen.response.query == "cramps")
        first = app.query_one(ResultList).highlighted_hit
        assert first is not None
        assert screen.preview_pending and preview.record is None  # results on screen, preview not yet
        waiting = screen._preview_timer  # noqa: SLF001
        await pilot.press("x")  # typing on: the preview of "cramps" is called off, the new results wait
        assert screen._preview_timer is not waiting and preview.record is None  # noqa: SLF001
        monkeypatch.setattr(search_module, "PREVIEW_DELAY", 0.05)
        await pilot.press("backspace")
        await settle(app, pilot)
        assert not screen.preview_pending
        assert preview.record is not None and preview.record.id == first.id


def _hits(prefix: str, n: int) -> list[Hit]:
    return [Hit(id=f"faq/{prefix}-{i}", kind="faq", title=f"{prefix} question {i}", article="", nutrients=(),
                score=1.0 / (i + 1), snippet=Snippet(f"an answer about {prefix} number {i}"), path="corpus/faq.yaml",
                line=i + 1) for i in range(n)]


class _ListApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ResultList(id="results")


async def test_a_long_result_list_is_painted_from_the_top_and_filled_in_after():
    app = _ListApp()
    async with app.run_test(size=SIZE) as pilot:
        results = app.query_one(ResultList)
        results.show(_hits("cramp", 50), ["cramp"])
        assert 0 < results.option_count < 50  # what fits on screen first
        assert results.highlighted_hit is not None and results.highlighted_hit.id == "faq/cramp-0"
        await pilot.pause()
        assert results.option_count == 50
        assert [results.get_option_at_index(i).id for i in (0, 49)] == ["faq/cramp-0", "faq/cramp-49"]


async def test_results_replaced_before_their_rest_came_in_never_mix_with_the_new_ones():
    app = _ListApp()
    async with app.run_test(size=SIZE) as pilot:
        results = app.query_one(ResultList)
        results.show(_hits("old", 50), ["old"])
        results.show(_hits("new", 30), ["new"])
        await pilot.pause()
        ids = [results.get_option_at_index(i).id for i in range(results.option_count)]
        assert ids == [h.id for h in _hits("new", 30)]


async def test_keeping_a_highlight_far_down_makes_its_option_at_once():
    app = _ListApp()
    async with app.run_test(size=SIZE):
        results = app.query_one(ResultList)
        results.show(_hits("a", 50), ["a"])
        hit = results.show(_hits("a", 50), ["a"], keep_id="faq/a-40")
        assert hit is not None and hit.id == "faq/a-40" and results.highlighted == 40


def test_full_collections_wait_for_a_pause_and_settings_come_back():
    before = gc.get_threshold()
    keeper = HeapKeeper()
    keeper.start()
    try:
        assert gc.get_threshold()[2] == NEVER  # CPython no longer starts full collections by itself
        assert gc.get_threshold()[:2] == before[:2]  # young collections as they were
        keeper.touched()
        assert keeper.idle() is False  # the person is typing
        keeper._last_input -= 10  # noqa: SLF001 - a pause of ten seconds
        keeper._last_full -= 10  # noqa: SLF001
        gc.collect(1)  # something new has grown old since
        assert keeper.idle() is True and keeper.full_collections == 1
        assert keeper.idle() is False  # at most one per interval
        keeper.settle_later()  # an index update's worker: the collection waits for a pause too
        keeper.touched()
        assert keeper.idle() is False and gc.get_freeze_count() == 0
        keeper._last_input -= 10  # noqa: SLF001
        assert keeper.idle() is True and keeper.full_collections == 2
        assert gc.get_freeze_count() > 0  # what is alive after an index update is out of the collector's way
        assert keeper.idle() is False  # settled: nothing more until the interval has passed
    finally:
        keeper.stop()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


async def test_rows_below_the_first_screen_get_their_snippets_after_the_paint(app_factory):
    app = app_factory()
    asked: list[int | None] = []
    filled: list[int] = []
    engine = app.engine
    search, snippets = engine.search, engine.snippets

    def spy_search(*args, **kwargs):
        asked.append(kwargs.get("snippets"))
        return search(*args, **kwargs)

    def spy_snippets(ids, terms):
        filled.append(len(ids))
        return snippets(ids, terms)

    engine.search, engine.snippets = spy_search, spy_snippets
    query = "low potassium magnesium calcium cramps twitch tingling"  # 9 of the fixture's 10 records
    async with app.run_test(size=(100, 20)) as pilot:  # a short window: 8 rows at once
        await settle(app, pilot)
        await type_query(app, pilot, query)
        results = app.query_one(ResultList)
        first = results.first_batch
        assert asked and asked[-1] == first < len(results.hits)  # snippets only for what is painted at once
        assert len(results.hits) > first and filled == [len(results.hits) - first]
        assert results.option_count == len(results.hits)
        assert all(h.snippet.text for h in results.hits)  # the rows below got theirs afterwards
        whole = search(query, limit=len(results.hits), prefix=True)
        assert [h.snippet for h in results.hits] == [h.snippet for h in whole.results]


async def test_the_results_pane_never_lays_out_the_screen_between_welcome_results_and_no_results(
        app_factory, monkeypatch):
    """Showing or hiding a widget, or a scroll bar coming or going, makes Textual lay out and repaint the whole
    screen (30-45 ms at 120x40): the first key of a query, "no results" and the list crossing the pane's height
    must change only lines inside the pane."""
    from textual.widget import Widget

    app = app_factory()
    asked: list[str] = []
    original = Widget.refresh

    def refresh(self, *regions, repaint=True, layout=False, recompose=False):  # noqa: ANN001, ANN202
        if layout and self.is_mounted and any(getattr(a, "id", None) == "left" for a in self.ancestors_with_self):
            asked.append(f"{type(self).__name__}#{self.id}")
        return original(self, *regions, repaint=repaint, layout=layout, recompose=recompose)

    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        monkeypatch.setattr(Widget, "refresh", refresh)
        for text in ("c", "cramps", "zzqqx", "eyelid", "eyelid twitching", "", "zzqqx", "magnesium"):
            await type_query(app, pilot, text)  # welcome -> many -> none -> few -> one -> welcome ...
        assert hit_ids(app)
    assert asked == []
