"""The help screen lists every key; the command palette finds records by title and runs the app's commands."""

from __future__ import annotations

from textual.command import CommandPalette

from kb.tui.app import KbApp
from kb.tui.commands import RecordCommands
from kb.tui.history import Location
from kb.tui.keys import documented_keys
from kb.tui.screens.help import HelpScreen
from kb.tui.screens.nutrient_browser import NutrientBrowser
from kb.tui.screens.search import SearchScreen
from kb.tui.widgets.nutrient_view import NutrientView
from kb.tui.widgets.search_box import SearchBox

from .conftest import SIZE, search_screen, settle

KEY_NAMES = {"left_square_bracket": "[", "right_square_bracket": "]", "slash": "/", "question_mark": "?"}


def bound_keys(*classes: type) -> set[str]:
    keys: set[str] = set()
    for cls in classes:
        for binding in cls.BINDINGS:
            keys.update(KEY_NAMES.get(k.strip(), k.strip()) for k in binding.key.split(","))
    return keys


def test_every_bound_key_is_in_the_help():
    missing = bound_keys(KbApp, SearchScreen, SearchBox) - documented_keys()
    assert not missing, f"keys bound but not in kb/tui/keys.py: {sorted(missing)}"


async def test_question_mark_and_f1_open_the_help(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(str(s.render()) for s in app.screen.query(".help-key"))
        assert "ctrl+r" in text and "alt+1 / alt+2 / alt+3" in text and "alt+left" in text
        assert "not medical advice" in str(app.screen.query_one("#help-disclaimer").render())
        await pilot.press("escape")
        assert app.screen is search_screen(app)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark")  # nothing is typed in the help: ? closes it too
        assert app.screen is search_screen(app)
        app.query_one("#results").focus()
        await pilot.press("question_mark")  # on the search screen ? is a character, as every printable key
        assert app.screen is search_screen(app)
        assert app.focused is app.query_one(SearchBox) and app.query_one(SearchBox).value == "?"


async def test_the_palette_finds_nutrients_articles_and_faqs_by_title(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        provider = RecordCommands(app.screen)
        found = {hit.text: hit for hit in [h async for h in provider.search("night cramps")]}
        assert "Night-time leg cramps" in found  # the article
        assert "Night-time leg cramps: Stretching before bed" in found  # a section
        bananas = [h async for h in provider.search("bananas help")]
        assert bananas and bananas[0].text == "Do bananas help with cramps?"
        magnesium = [h async for h in provider.search("magnesium")]
        assert magnesium[0].text.startswith("Magnesium")
        magnesium[0].command()
        await settle(app, pilot)
        assert search_screen(app).history.current == Location("nutrient", "magnesium")
        assert app.query_one(NutrientView).nutrient.slug == "magnesium"
        discovered = [h.text async for h in provider.discover()]
        assert discovered == ["Magnesium", "Potassium", "Vitamin B12"]


async def test_the_palette_runs_the_app_commands(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Re-index", "Rebuild the index", "Browse nutrients", "Theme", "Help"):
            assert title in titles
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"browse nut")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, NutrientBrowser)
        await pilot.press("escape")
        updates = app.updates
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        commands["Rebuild the index"].callback()
        await settle(app, pilot)
        assert app.updates == updates + 1 and app.last_report.full
        assert search_screen(app).query_one("#status").text.startswith("Rebuilt the whole index")
