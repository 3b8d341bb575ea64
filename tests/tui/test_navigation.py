"""Typing and navigating: where each key goes, escape, list keys, kind filters from the box, one-letter results,
paging past the first page, and where the keyboard goes back to."""

from __future__ import annotations

import textwrap
import threading
from pathlib import Path

import pytest
from textual import events

from kb.engine import KnowledgeBase
from kb.tui.app import make_app
from kb.tui.history import RESULTS, Location
from kb.tui.screens.nutrient_browser import NutrientBrowser
from kb.tui.widgets.detail_pane import DetailPane
from kb.tui.widgets.kind_filter import KindFilter
from kb.tui.widgets.nutrient_links import NutrientButton
from kb.tui.widgets.nutrient_view import LinkedRecords
from kb.tui.widgets.record_view import RecordView
from kb.tui.widgets.result_list import ResultList
from kb.tui.widgets.search_box import SearchBox

from .conftest import SIZE, hit_ids, search_screen, settle, type_query, wait_for


async def test_letters_typed_in_the_results_start_a_new_query_and_trigger_nothing(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "cramps")
        await pilot.press("down")
        assert app.focused is app.query_one(ResultList)
        await pilot.press(*"numb")  # n used to open the nutrient browser, and the query became "crampsumb"
        await settle(app, pilot)
        box = app.query_one(SearchBox)
        assert app.screen is search_screen(app) and app.focused is box
        assert box.value == "numb"
        assert search_screen(app).queries.items[-1] == "cramps"  # the old query is in the history
        # typed fast (as a terminal delivers them, before the box has the keyboard): all four letters arrive
        await type_query(app, pilot, "cramps")
        app.query_one(ResultList).focus()
        await pilot.pause()
        for ch in "numb":
            app._driver.send_message(events.Key(ch, ch))
        await settle(app, pilot)
        assert box.value == "numb" and app.focused is box
        for key in ("e", "o", "0", "1", "2", "3", "[", "]", "j", "?"):  # none is a command any more
            await type_query(app, pilot, "cramps")
            await pilot.press("down", key)
            await settle(app, pilot)
            assert app.screen is search_screen(app), key
            assert app.focused is box and box.value == key, key


async def test_letters_typed_in_the_preview_go_to_the_search_box_and_backspace_edits(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "stretching")
        await pilot.press("enter", "enter")  # to the results, then open the section: the preview has the keyboard
        await settle(app, pilot)
        body = app.query_one("#record-body")
        assert app.focused is body
        assert app.query_one(DetailPane).border_title.startswith("Preview - reading")  # it says so
        await pilot.press("escape")  # back to the list it was opened from
        assert app.focused is app.query_one(ResultList)
        assert "reading" not in app.query_one(DetailPane).border_title
        body.focus()
        await pilot.press("e")  # not the editor: a new query
        await settle(app, pilot)
        assert app.query_one(SearchBox).value == "e"
        await type_query(app, pilot, "cramps")
        app.query_one(ResultList).focus()
        await pilot.press("backspace")  # edits the query (it used to go back)
        await settle(app, pilot)
        assert app.focused is app.query_one(SearchBox) and app.query_one(SearchBox).value == "cramp"
        assert search_screen(app).history.current == RESULTS


async def test_escape_clears_the_search_box_and_a_second_escape_goes_back(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_nutrient_from_a_preview(app, pilot)
        screen = search_screen(app)
        assert screen.history.current == Location("nutrient", "magnesium")
        box = app.query_one(SearchBox)
        box.focus()
        await pilot.press("escape")
        await settle(app, pilot)
        assert box.value == "" and app.focused is box  # cleared: the welcome and the intro
        assert hit_ids(app) == [] and screen.history.current == RESULTS
        await pilot.press("escape")  # empty: back to what was open
        await settle(app, pilot)
        assert screen.history.current == Location("nutrient", "magnesium")


async def open_nutrient_from_a_preview(app, pilot) -> None:
    await type_query(app, pilot, "low magnesium twitches")
    await pilot.press("down", "tab", "enter")  # results, the preview's first nutrient link, open it
    await settle(app, pilot)


async def test_ctrl_j_and_ctrl_k_move_the_results_from_the_search_box(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "cramps")
        results = app.query_one(ResultList)
        first, second = results.hits[0].id, results.hits[1].id
        await pilot.press("ctrl+j")
        await settle(app, pilot)
        assert app.focused is app.query_one(SearchBox) and app.query_one(SearchBox).value == "cramps"
        assert results.highlighted == 1 and app.query_one(RecordView).record.id == second
        await pilot.press("ctrl+k")
        await settle(app, pilot)
        assert results.highlighted == 0 and app.query_one(RecordView).record.id == first
        results.focus()
        await pilot.press("ctrl+j")  # in the list too
        assert results.highlighted == 1


async def test_kind_filters_work_from_the_search_box_with_alt(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "cramps")
        box = app.query_one(SearchBox)
        await pilot.press("alt+2")
        await settle(app, pilot)
        assert box.value == "cramps" and app.focused is box
        assert {h.kind for h in app.query_one(ResultList).hits} == {"faq"}
        # alt+1 as a terminal sends it (ESC 1), which Textual reads as the character option+1 types on a Mac
        await pilot.press("\u00a1")
        await settle(app, pilot)
        assert box.value == "cramps" and app.query_one(KindFilter).active == "section"
        assert {h.kind for h in app.query_one(ResultList).hits} == {"section"}
        await pilot.press("alt+0")
        await settle(app, pilot)
        assert app.query_one(KindFilter).active is None


async def test_one_letter_shows_the_most_frequent_completions(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("c")  # typed, as a person would
        await settle(app, pilot)
        ids = hit_ids(app)
        assert ids, "one letter gave no results"
        assert "article/night-cramps#what-a-night-cramp-is" in ids  # "cramp" is a frequent c- word
        assert app.query_one(KindFilter).title.endswith("results")


FAQ = textwrap.dedent("""\
    question: Cramps question number {n}?
    answer: Cramps answer number {n}, about calf cramps.
    reviewed: 2026-11-20
    references:
      - title: Muscle cramps
        url: https://medlineplus.gov/ency/article/003193.htm
        publisher: MedlinePlus
    """)


def add_faqs(kb_root: Path, count: int) -> None:
    """``count`` more FAQs about cramps, indexed."""
    for n in range(count):
        (kb_root / f"corpus/faq/cramps-{n:03}.yaml").write_text(FAQ.format(n=n), encoding="utf-8")
    KnowledgeBase(kb_root).update()


async def test_the_list_loads_past_the_first_fifty_and_end_reaches_the_last(kb_root: Path):
    add_faqs(kb_root, 130)
    app = make_app(kb_root, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "cramps")
        results = app.query_one(ResultList)
        total = search_screen(app).response.total
        assert total > 130 and len(results.hits) == 50
        title = app.query_one("#left").border_title
        assert title.startswith(f"{total} results, 50 loaded")  # the header counts what can be reached
        assert await wait_for(pilot, lambda: results.option_count == 50)  # the rows after the first screenful
        results.focus()
        results.highlighted = 44
        await pilot.press("down")  # near the end: the next page comes
        await settle(app, pilot)
        assert len(results.hits) == 100 and results.highlighted == 45
        assert all(h.snippet.text for h in results.hits)  # the new rows got their snippets too
        await pilot.press("end")  # everything, and the last of it
        await settle(app, pilot)
        assert len(results.hits) == total and results.highlighted == total - 1
        assert results.option_count == total
        line, top = results._index_to_line[total - 1], results.scroll_y  # the last row is on screen, too (the
        assert top <= line < top + results.scrollable_content_region.height  # snippets' lines used to push it off)
        assert app.query_one("#left").border_title == f"{total} results"
        assert app.query_one(RecordView).record.id == results.hits[-1].id


async def test_down_and_end_reach_the_results_whose_rows_wait_for_their_snippets(kb_root: Path,
                                                                                 monkeypatch: pytest.MonkeyPatch):
    """The rows after the first screenful are made when their snippets come (a worker): keys pressed before that
    still move among every result loaded. Down on the last row made used to wrap to the first result."""
    add_faqs(kb_root, 30)
    app = make_app(kb_root, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        engine, come = search_screen(app).engine, threading.Event()
        snippets = engine.snippets

        def late(ids: list[str], terms: frozenset[str]) -> list[object]:
            come.wait(10.0)  # the snippets of the rows below the screen are slow to come
            return snippets(ids, terms)

        monkeypatch.setattr(engine, "snippets", late)
        box = app.query_one(SearchBox)
        box.focus()
        box.value = "cramps"
        results = app.query_one(ResultList)
        assert await wait_for(pilot, lambda: len(results.hits) > 30)
        total, made = len(results.hits), results.option_count
        assert total == search_screen(app).response.total < 50 and made < total  # all loaded, not all made yet
        results.focus()
        results.highlighted = made - 1
        await pilot.press("down")
        assert results.highlighted == made  # the next result, not the first again
        await pilot.press("end")
        assert results.highlighted == total - 1 and results.option_count == total
        come.set()
        await settle(app, pilot)
        assert all(h.snippet.text for h in results.hits) and results.highlighted == total - 1
        last = results.get_option_at_index(total - 1)
        assert results.hits[-1].snippet.text.split()[0] in str(last.prompt)  # its row got its snippet too
        assert app.query_one(RecordView).record.id == results.hits[-1].id


async def test_escape_from_a_record_opened_from_a_nutrients_list_goes_back_to_that_list(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_nutrient_from_a_preview(app, pilot)
        linked = app.query_one(LinkedRecords)
        assert app.focused is linked
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert search_screen(app).history.current.kind == "record"
        assert app.focused is app.query_one("#record-body")
        await pilot.press("escape")
        await settle(app, pilot)
        assert search_screen(app).history.current == Location("nutrient", "magnesium")
        assert app.focused is linked and linked.highlighted == 1  # where it was, on the row it was on


async def test_left_and_right_move_between_nutrient_links(kb_root: Path):
    path = kb_root / "corpus/articles/night-cramps.md"
    path.write_text(path.read_text(encoding="utf-8").replace("nutrients: [magnesium]",
                                                             "nutrients: [magnesium, potassium]"),
                    encoding="utf-8")
    KnowledgeBase(kb_root).update()
    app = make_app(kb_root, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "stretching")
        await pilot.press("down", "tab")
        assert isinstance(app.focused, NutrientButton) and app.focused.slug == "magnesium"
        await pilot.press("right")
        assert isinstance(app.focused, NutrientButton) and app.focused.slug == "potassium"
        await pilot.press("right")  # stays on the last
        assert app.focused.slug == "potassium"
        await pilot.press("left")
        assert app.focused.slug == "magnesium"


async def test_the_nutrient_browser_filters_as_you_type(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        browser = app.screen
        assert isinstance(browser, NutrientBrowser)
        table = browser.query_one("DataTable")
        assert table.row_count == 3
        await pilot.press(*"vit")
        assert browser.filter == "vit" and table.row_count == 1
        await pilot.press("backspace", "backspace", "backspace", *"po")
        assert [n.slug for n in browser.shown] == ["potassium"]
        await pilot.press("escape")  # clears the filter first
        assert app.screen is browser and browser.filter == "" and table.row_count == 3
        await pilot.press(*"magn", "enter")
        await settle(app, pilot)
        assert app.screen is search_screen(app)
        assert search_screen(app).history.current == Location("nutrient", "magnesium")
