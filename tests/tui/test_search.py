"""The search screen by keys: live results, the preview, kind filters, corrections and empty states."""

from __future__ import annotations

from kb.model.results import Response
from kb.tui.session import Outcome, Request
from kb.tui.widgets.correction_banner import CorrectionBanner
from kb.tui.widgets.detail_pane import DetailPane
from kb.tui.widgets.kind_filter import KindFilter
from kb.tui.widgets.record_view import RecordView
from kb.tui.widgets.result_list import ResultList
from kb.tui.widgets.search_box import SearchBox

from .conftest import SIZE, hit_ids, search_screen, settle, type_query


async def test_starts_with_focus_in_the_search_box_and_an_example(fresh_app):
    app = fresh_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        box = app.query_one(SearchBox)
        assert app.focused is box
        assert "cramps at night" in box.placeholder
        assert app.last_report is not None and app.last_report.full  # built on first run
        assert "Index built" in search_screen(app).query_one("#status").text
        results = app.query_one(ResultList)
        assert results.showing_note and results.empty.query_text == ""  # the welcome, not "no results"


async def test_cramps_at_night_puts_a_magnesium_result_first(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press(*"cramps at night")
        await settle(app, pilot)
        results = app.query_one(ResultList)
        first = results.highlighted_hit
        assert first is not None and results.highlighted == 0
        assert "magnesium" in first.nutrients
        preview = app.query_one(RecordView)
        assert preview.record is not None and preview.record.id == first.id
        assert app.query_one(DetailPane).border_title == "Preview"


async def test_the_last_word_is_a_prefix_while_typing(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "hypomagn")
        assert "article/night-cramps#low-magnesium" in hit_ids(app)


async def test_moving_the_selection_changes_the_preview(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "cramps")
        preview = app.query_one(RecordView)
        first = preview.record.id
        await pilot.press("down")  # from the search box to the results
        assert app.focused is app.query_one(ResultList)
        await pilot.press("down")
        await settle(app, pilot)
        second = app.query_one(ResultList).highlighted_hit
        assert second is not None and second.id != first
        assert preview.record.id == second.id
        await pilot.press("up")
        await settle(app, pilot)
        assert preview.record.id == first


async def test_the_preview_highlights_the_query_words(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "charley horse")
        preview = app.query_one(RecordView)
        assert preview.record.id == "article/night-cramps#what-a-night-cramp-is"
        paragraph = preview.query_one("MarkdownParagraph")
        marked = [paragraph._content.plain[s.start:s.end] for s in paragraph._content.spans
                  if s.style == ".highlight-markdown--match"]
        assert {"charley", "horse"} <= {m.lower() for m in marked}
        head = preview.query_one("#record-head").render()
        assert "corpus/articles/night-cramps.md:13" in str(head)
        assert "reviewed 2026-11-20" in str(head)


async def test_header_counts_by_kind_and_kinds_toggle_from_the_keyboard(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "cramps")
        kinds = app.query_one(KindFilter)
        assert kinds.counts == {"faq": 1, "nutrient": 1, "section": 3}
        await pilot.press("down")
        await pilot.press("alt+2")
        await settle(app, pilot)
        assert {h.kind for h in app.query_one(ResultList).hits} == {"faq"}
        assert kinds.active == "faq" and kinds.counts["section"] == 3  # counts stay those of every kind
        assert "faqs only" in app.query_one("#left").border_title
        await pilot.press("alt+3")
        await settle(app, pilot)
        assert {h.kind for h in app.query_one(ResultList).hits} == {"nutrient"}
        await pilot.press("alt+3")  # again: every kind
        await settle(app, pilot)
        assert kinds.active is None
        assert {h.kind for h in app.query_one(ResultList).hits} == {"section", "faq", "nutrient"}


async def test_a_corrected_query_says_so_and_one_key_searches_the_words_as_typed(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "magnesum")
        banner = app.query_one(CorrectionBanner)
        assert banner.has_class("-shown")
        assert "Showing results for magnesium - searched: magnesum" in str(banner.render())
        assert hit_ids(app)
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        assert hit_ids(app) == []
        empty = app.query_one(ResultList).empty
        assert empty.query_text == "magnesum" and empty.suggestion == "magnesium"
        assert "Searched as typed" in str(banner.render())
        await pilot.press("ctrl+o")  # and back
        await settle(app, pilot)
        assert hit_ids(app)


async def test_as_typed_shows_what_the_other_words_found_when_one_word_was_corrected(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "magnesum cramps")
        banner = app.query_one(CorrectionBanner)
        assert "Showing results for magnesium cramps - searched: magnesum cramps" in str(banner.render())
        corrected = hit_ids(app)
        assert corrected[0] == "nutrient/magnesium" or "magnesium" in app.query_one(ResultList).hits[0].nutrients
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        as_typed = hit_ids(app)
        assert as_typed and as_typed != corrected  # "cramps" alone finds records, ranked without magnesium
        assert "Searched as typed: magnesum cramps" in str(banner.render())
        assert app.query_one(KindFilter).total == search_screen(app).response.total > 0
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        assert hit_ids(app) == corrected


async def test_an_unknown_filter_value_says_which_values_exist(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "kind:bogus")
        assert hit_ids(app) == []
        text = app.query_one(ResultList).empty.content.plain
        assert "unknown kind 'bogus'" in text and "section, faq, nutrient" in text
        assert not app.query_one(CorrectionBanner).has_class("-shown")


async def test_no_results_offers_the_suggestion_and_the_nutrients(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "zzzqqxx")
        assert hit_ids(app) == []
        results = app.query_one(ResultList)
        assert results.showing_note
        empty = results.empty
        text = empty.content.plain
        assert "No results for" in text and "zzzqqxx" in text
        assert "Browse by nutrient" in text and "Vitamin B12" in text
        await results.run_action(f"choose({empty.targets.index(('nutrient', 'magnesium'))})")
        await settle(app, pilot)
        assert search_screen(app).history.current.kind == "nutrient"


async def test_a_stale_answer_never_overwrites_a_newer_one(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "eyelid")
        screen = search_screen(app)
        newest = hit_ids(app)
        stale = Response(query="cramps", results=(), total=0)
        late = Request(screen.session.seq - 1, "cramps", None, False, 50)  # an older search answering late
        screen.show_outcome(Outcome(late, stale))
        assert hit_ids(app) == newest and screen.response.query == "eyelid"


async def test_typing_anywhere_goes_to_the_search_box(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "cramps")
        await pilot.press("down")
        assert app.focused is app.query_one(ResultList)
        await pilot.press("x")
        await settle(app, pilot)
        assert app.focused is app.query_one(SearchBox)
        assert app.query_one(SearchBox).value == "x"  # a new query; "cramps" went to the history
        assert search_screen(app).queries.items[-1] == "cramps"


async def test_a_kind_with_no_match_says_the_other_kinds_do(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "eyelid")
        await pilot.press("down", "alt+1")
        await settle(app, pilot)
        assert hit_ids(app) == []
        text = app.query_one(ResultList).empty.content.plain
        assert "No sections for" in text and "Other kinds match" in text
        await pilot.press("alt+0")
        await settle(app, pilot)
        assert hit_ids(app) == ["faq/why-does-my-eyelid-twitch"]


async def test_clicking_an_example_in_the_welcome_searches_it(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        results = app.query_one(ResultList)
        lines = [results.render_line(y).text for y in range(results.size.height)]
        y = next(i for i, line in enumerate(lines) if line.strip() == "pins and needles")
        x = lines[y].index("pins")
        await pilot.click(results, offset=(x + 1, y))
        await settle(app, pilot)
        assert app.query_one(SearchBox).value == "pins and needles"
        assert hit_ids(app) and not results.showing_note
