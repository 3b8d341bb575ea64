"""The emergency callout above the results, and the nutrient pane's tables (intakes, limits, foods, tests)."""

from __future__ import annotations

from pathlib import Path

import pytest
from care_corpus import CARE_FILES, CLOT_CALLOUT
from conftest import write_corpus
from textual.widgets._markdown import MarkdownTableContent

from kb.engine import KnowledgeBase
from kb.tui.app import make_app
from kb.tui.history import Location
from kb.tui.widgets.emergency_callout import EmergencyCallout
from kb.tui.widgets.nutrient_view import NutrientView
from kb.tui.widgets.record_view import RecordView

from .conftest import SIZE, search_screen, settle, type_query

CLOT_ID = "faq/is-calf-pain-with-breathlessness-an-emergency"


@pytest.fixture
def care_app(tmp_path: Path):
    root = write_corpus(tmp_path / "kb", CARE_FILES)
    KnowledgeBase(root).update()
    return make_app(root, watch=False)


def callout_text(app) -> str:
    return str(app.query_one(EmergencyCallout).render())


async def test_a_red_flag_query_shows_the_callout_first_and_enter_opens_its_record(care_app):
    app = care_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        callout = app.query_one(EmergencyCallout)
        assert not callout.display
        await type_query(app, pilot, "chest tightness")
        assert callout.display and callout.callout is not None
        assert CLOT_CALLOUT in callout_text(app) and "EMERGENCY" in callout_text(app)
        # above the results: its row is above the result list's
        assert callout.region.y < app.query_one("#results").region.y
        callout.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert search_screen(app).history.current == Location("record", CLOT_ID)
        assert app.query_one(RecordView).record.id == CLOT_ID
        assert "care: emergency" in str(app.query_one("#record-head").render())


async def test_clicking_the_callout_opens_its_record(care_app):
    app = care_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "face drooping")
        assert app.query_one(EmergencyCallout).display
        await pilot.click(EmergencyCallout)
        await settle(app, pilot)
        assert search_screen(app).history.current == Location("record", "article/warning-signs#call-999-or-911-now")


async def test_an_ordinary_query_shows_no_callout_and_clearing_hides_it(care_app):
    app = care_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "cramps at night")
        assert not app.query_one(EmergencyCallout).display
        await type_query(app, pilot, "chest pain")
        assert app.query_one(EmergencyCallout).display
        await type_query(app, pilot, "")
        assert not app.query_one(EmergencyCallout).display


def _tables(pane: NutrientView) -> dict[str, MarkdownTableContent]:
    return {t.headers[0].plain: t for t in pane.query(MarkdownTableContent)}


async def test_the_nutrient_pane_shows_intakes_limits_foods_and_tests_as_tables(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        search_screen(app).open_location(Location("nutrient", "magnesium"))
        await settle(app, pilot)
        pane = app.query_one(NutrientView)
        tables = _tables(pane)
        intakes = [t for t in pane.query(MarkdownTableContent) if t.headers[-1].plain == "Lactation"]
        assert [h.plain for h in intakes[0].headers] == ["Ages", "Measure", "Male", "Female", "Pregnancy",
                                                          "Lactation"]
        assert [c.plain for c in intakes[0].rows[2]] == ["14-18 years", "RDA", "410", "360", "400", "360"]
        assert [c.plain for c in intakes[0].rows[0]] == ["0-12 months", "AI", "50", "50", "-", "-"]
        foods = tables["Food"]
        assert [h.plain for h in foods.headers] == ["Food", "Serving", "Amount", "%DV"]
        assert [c.plain for c in foods.rows[0]] == ["spinach, almonds", "1 cup", "80 mg", "20%"]
        limits = [t for t in pane.query(MarkdownTableContent) if t.headers[1].plain == "Limit"][0]
        assert [[c.plain for c in r] for r in limits.rows] == [["0-12 months", "not established"],
                                                               ["1+ years", "350 mg"]]
        assert [c.plain for c in tables["Test"].rows[0]] == ["Serum level", "0.7-1.0 mmol/L",
                                                             "Whether the blood level is low."]
        source = pane.query_one("#nutrient-md").source
        assert "applies to supplements and medicines only, not to food" in source
        assert "Labs differ; read the range on your own result" in source
        assert "Diuretics: Some raise or lower the level" in source
