"""Nutrient panes, browsing by nutrient, and back and forward through what was opened."""

from __future__ import annotations

from textual.widgets import DataTable

from kb.tui.history import RESULTS, Location
from kb.tui.screens.nutrient_browser import NutrientBrowser
from kb.tui.widgets.detail_pane import DetailPane
from kb.tui.widgets.nutrient_links import NutrientButton
from kb.tui.widgets.nutrient_view import LinkedRecords, NutrientView
from kb.tui.widgets.record_view import RecordView
from kb.tui.widgets.result_list import ResultList

from .conftest import SIZE, search_screen, settle, type_query


async def open_magnesium_from_a_preview(app, pilot) -> None:
    await type_query(app, pilot, "low magnesium twitches")
    assert app.query_one(ResultList).highlighted_hit.id == "article/night-cramps#low-magnesium"
    await pilot.press("down", "tab")  # results, then the first nutrient link of the preview
    button = app.focused
    assert isinstance(button, NutrientButton) and button.slug == "magnesium"
    await pilot.press("enter")
    await settle(app, pilot)


async def test_a_linked_nutrient_opens_its_pane_with_the_records_that_link_to_it(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_magnesium_from_a_preview(app, pilot)
        pane = app.query_one(NutrientView)
        assert app.query_one(DetailPane).current == "nutrient"
        assert pane.nutrient is not None and pane.nutrient.name == "Magnesium"
        assert pane.nutrient.aliases == ("Mg", "hypomagnesemia")
        assert [r.id for r in pane.linked] == [
            "article/night-cramps#low-magnesium", "article/night-cramps#stretching-before-bed",
            "article/night-cramps#what-a-night-cramp-is"]
        assert pane.query_one(LinkedRecords).border_title == "Linked, most about it first (3 sections, 0 FAQs)"
        text = pane.query_one("#nutrient-md").source
        for heading in ("Role in muscles and nerves", "Intakes by life stage (mg a day)",
                        "Upper limits (UL, mg a day)", "Food sources (Daily Value 400 mg)", "Blood tests",
                        "Medicines that interact", "Deficiency: hypomagnesemia", "Too much",
                        "When to see a doctor", "References"):
            assert heading in text
        assert app.focused is pane.query_one(LinkedRecords)
        # each linked record opens in turn
        await pilot.press("down", "enter")
        await settle(app, pilot)
        stretching = "article/night-cramps#stretching-before-bed"
        assert search_screen(app).history.current == Location("record", stretching)
        assert app.query_one(RecordView).record.id == "article/night-cramps#stretching-before-bed"
        assert app.query_one(DetailPane).border_title.startswith("Opened")


async def test_a_nutrient_link_clicked_with_the_mouse_opens_the_pane(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "bananas")
        assert app.query_one(RecordView).record.id == "faq/do-bananas-help-cramps"
        await pilot.click(NutrientButton)
        await settle(app, pilot)
        assert app.query_one(NutrientView).nutrient.slug == "potassium"
        assert [r.id for r in app.query_one(NutrientView).linked] == ["faq/do-bananas-help-cramps"]


async def test_browse_by_nutrient_lists_every_nutrient_and_opens_one(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert isinstance(app.screen, NutrientBrowser)
        table = app.screen.query_one(DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows == [["Magnesium", "mineral", "3", "0", "3"], ["Potassium", "electrolyte", "0", "1", "1"],
                        ["Vitamin B12", "vitamin", "1", "0", "1"]]
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert app.screen is search_screen(app)
        assert app.query_one(NutrientView).nutrient.slug == "potassium"
        assert search_screen(app).history.current == Location("nutrient", "potassium")
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        await pilot.press("escape")  # closes the browser, opens nothing
        await settle(app, pilot)
        assert app.screen is search_screen(app)
        assert search_screen(app).history.current == Location("nutrient", "potassium")


async def test_back_and_forward_through_what_was_opened(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_magnesium_from_a_preview(app, pilot)
        await pilot.press("down", "down", "enter")  # open the third linked record
        await settle(app, pilot)
        history = search_screen(app).history
        opened = Location("record", "article/night-cramps#what-a-night-cramp-is")
        assert history.current == opened
        assert app.query_one(DetailPane).border_subtitle == "esc back"
        await pilot.press("escape")
        await settle(app, pilot)
        assert history.current == Location("nutrient", "magnesium")
        assert app.query_one(DetailPane).current == "nutrient"
        await pilot.press("escape")
        await settle(app, pilot)
        assert history.current == RESULTS
        assert app.query_one(RecordView).record.id == "article/night-cramps#low-magnesium"
        assert app.focused is app.query_one(ResultList)  # the keyboard left the pane that went away
        await pilot.press("alt+right")
        await settle(app, pilot)
        assert history.current == Location("nutrient", "magnesium")
        await pilot.press("alt+right")
        await settle(app, pilot)
        assert history.current == opened
        await pilot.press("alt+left")
        await settle(app, pilot)
        assert history.current == Location("nutrient", "magnesium")
        await pilot.press("alt+left")
        await settle(app, pilot)
        assert history.current == RESULTS
        # forward again: the opened record is still ahead
        await pilot.press("alt+right")
        await settle(app, pilot)
        assert app.query_one(DetailPane).current == "nutrient"
        assert app.query_one(DetailPane).border_subtitle == "esc back  alt+\u2192 forward"


async def test_enter_on_a_nutrient_result_opens_its_pane(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "cobalamin")
        results = app.query_one(ResultList)
        ids = [h.id for h in results.hits]
        assert "nutrient/vitamin-b12" in ids
        await pilot.press("down")
        results.highlighted = ids.index("nutrient/vitamin-b12")
        await settle(app, pilot)
        preview = app.query_one(RecordView)
        assert preview.record.id == "nutrient/vitamin-b12"  # the preview: a summary of the nutrient
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.query_one(NutrientView).nutrient.slug == "vitamin-b12"
