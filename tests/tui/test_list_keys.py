"""The list keys: ctrl+n / ctrl+p (and ctrl+j / ctrl+k) in the results, j / k where nothing is typed (the article
view, help, bookmarks), the nutrient browser's type-ahead owning its letters; the palette's article entry."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.containers import VerticalScroll

from kb.tui.commands import RecordCommands
from kb.tui.screens.article import ArticleScreen, Contents
from kb.tui.screens.help import HelpScreen
from kb.tui.screens.nutrient_browser import NutrientBrowser
from kb.tui.widgets.result_list import ResultList
from kb.tui.widgets.search_box import SearchBox

from .conftest import search_screen, settle, type_query


async def test_ctrl_n_and_ctrl_p_move_in_the_results_and_open_nothing(app_factory):
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "cramps")
        results = app.query_one(ResultList)
        assert len(results.hits) >= 3
        await pilot.press("down")
        assert app.focused is results and results.highlighted == 0
        await pilot.press("ctrl+n", "ctrl+n")
        await settle(app, pilot)
        assert results.highlighted == 2 and app.screen is search_screen(app)  # not the nutrient browser
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        assert results.highlighted == 1 and app.screen is search_screen(app)  # not the palette
        await pilot.press("ctrl+j")
        assert results.highlighted == 2
        await pilot.press("ctrl+k")
        assert results.highlighted == 1
        await settle(app, pilot)
        assert search_screen(app).history.current.kind == "results"
        assert app.query_one(SearchBox).value == "cramps"  # nothing was typed
        await pilot.press("j")  # a letter still starts a new query here
        await settle(app, pilot)
        assert app.focused is app.query_one(SearchBox) and app.query_one(SearchBox).value == "j"
        await pilot.press("ctrl+n")  # from the search box ctrl+n is still the nutrient browser
        await settle(app, pilot)
        assert isinstance(app.screen, NutrientBrowser)


async def test_the_nutrient_browsers_letters_filter_ctrl_j_and_k_move_and_ctrl_p_is_the_palette(app_factory):
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        browser = app.screen
        assert isinstance(browser, NutrientBrowser)
        table = browser.query_one("#nutrient-table")
        assert table.cursor_row == 0
        await pilot.press("ctrl+j", "ctrl+j", "ctrl+k")
        assert table.cursor_row == 1 and app.screen is browser
        await pilot.press("j")  # the type-ahead owns the letters
        assert browser.filter == "j" and table.row_count == 0
        await pilot.press("ctrl+p")  # the palette, from here too
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)


async def test_j_and_k_move_in_the_articles_contents_and_scroll_its_text(app_factory):
    app = app_factory()
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "stretching calves")
        await pilot.press("down", "ctrl+l")
        await settle(app, pilot)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        text = screen.query_one("#article-text", VerticalScroll)
        await pilot.pause()
        await pilot.press("p")  # the first section: the text scrolls home
        await pilot.pause()
        assert app.focused is text and text.max_scroll_y > 2 and text.scroll_y == 0
        await pilot.press("j", "j")
        await pilot.pause()
        assert text.scroll_y == 2
        await pilot.press("k")
        await pilot.pause()
        assert text.scroll_y == 1
        await pilot.press("t")  # the contents: j / k move the highlight, enter goes there
        toc = screen.query_one(Contents)
        assert app.focused is toc and toc.highlighted == 0
        await pilot.press("j")
        assert toc.highlighted == 1
        await pilot.press("j")
        assert toc.highlighted == 2
        await pilot.press("k", "k")
        assert toc.highlighted == 0
        await pilot.press("j", "enter")
        await pilot.pause()
        assert screen.current == 1 and app.focused is text


async def test_j_and_k_scroll_the_help(app_factory):
    app = app_factory()
    async with app.run_test(size=(120, 20)) as pilot:
        await settle(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        scroll = help_screen.query_one(VerticalScroll)
        assert scroll.max_scroll_y > 3 and scroll.scroll_y == 0
        await pilot.press("j", "j", "j")
        await pilot.pause()
        assert scroll.scroll_y == 3
        await pilot.press("k")
        await pilot.pause()
        assert scroll.scroll_y == 2 and app.screen is help_screen


async def test_the_palettes_article_entry_opens_the_whole_article_view(app_factory):
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        provider = RecordCommands(app.screen)
        hits = [h async for h in provider.search("night-time leg cramps")]
        article = [h for h in hits if h.text == "Night-time leg cramps"]
        assert article, [h.text for h in hits]
        article[0].command()
        await settle(app, pilot)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        assert screen.sections[0].article_slug == "night-cramps" and screen.current == 0
        assert len(screen.sections) == 3
        assert search_screen(app).history.current.kind == "results"  # nothing was opened on the search screen
        await pilot.press("escape")
        assert app.screen is search_screen(app)
