"""Query history and bookmarks: kept in $XDG_STATE_HOME/kb between runs, robust to broken or unwritable files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb.engine import KnowledgeBase
from kb.tui.app import make_app
from kb.tui.history import Location
from kb.tui.screens.bookmarks import BookmarksScreen
from kb.tui.state import state_dir
from kb.tui.widgets.detail_pane import DetailPane
from kb.tui.widgets.problems_panel import ProblemsPanel
from kb.tui.widgets.record_view import RecordView
from kb.tui.widgets.result_list import ResultList
from kb.tui.widgets.search_box import SearchBox

from .conftest import SIZE, search_screen, settle, type_query


def test_the_state_folder_follows_xdg_state_home():
    assert state_dir({"XDG_STATE_HOME": "/s"}) == Path("/s/kb")
    assert state_dir({"XDG_STATE_HOME": ""}) == Path.home() / ".local/state/kb"
    assert state_dir({"XDG_STATE_HOME": "relative"}) == Path.home() / ".local/state/kb"  # the spec ignores it


async def test_query_history_is_recalled_with_up_and_down_after_a_restart(app_factory, state_home: Path):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for query in ("cramps", "eyelid", "bananas"):
            await type_query(app, pilot, query)
            await pilot.press("enter")  # to the results: the query is kept
    assert json.loads((state_home / "history.json").read_text()) == ["cramps", "eyelid", "bananas"]
    app = app_factory()  # a new run
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        box = app.query_one(SearchBox)
        assert box.value == ""
        await pilot.press("up")
        await settle(app, pilot)
        assert box.value == "bananas" and app.focused is box
        assert search_screen(app).response.query == "bananas"  # and it searched
        await pilot.press("up", "up")
        assert box.value == "cramps"
        await pilot.press("up")  # the oldest: stays
        assert box.value == "cramps"
        await pilot.press("down")
        assert box.value == "eyelid"
        await pilot.press("down", "down")  # past the newest: the empty box it started from
        assert box.value == ""
        await pilot.press("up", "alt+2", "down")  # after anything else, down goes to the results again
        await settle(app, pilot)
        assert box.value == "bananas" and app.focused is app.query_one(ResultList)
        await type_query(app, pilot, "cra")
        await pilot.press("up")  # a box with text: up is not a recall...
        assert box.value == "cra"
        await pilot.press("alt+up")  # ...alt+up always is
        assert box.value == "bananas"


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00", b'{"a": 1}', b'[1, null, "ok"]'])
async def test_a_broken_state_file_does_not_stop_the_app(app_factory, state_home: Path, content: bytes):
    state_home.mkdir(parents=True)
    (state_home / "history.json").write_bytes(content)
    (state_home / "bookmarks.json").write_bytes(content)
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "cramps")
        await pilot.press("enter")
        await pilot.press("ctrl+b")
        await settle(app, pilot)
    assert json.loads((state_home / "history.json").read_text())[-1] == "cramps"
    assert len(json.loads((state_home / "bookmarks.json").read_text())) == 1


async def test_an_unwritable_state_folder_costs_only_the_saving(app_factory, state_home: Path):
    state_home.parent.mkdir(parents=True)
    state_home.write_text("a file where the folder should be")  # unwritable even for root
    app = app_factory()
    notes: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.notify = lambda message, **kw: notes.append(message)  # type: ignore[method-assign]
        await type_query(app, pilot, "cramps")
        await pilot.press("enter", "ctrl+b")
        await settle(app, pilot)
        assert search_screen(app).queries.items == ["cramps"]  # kept for this run
        assert len(search_screen(app).bookmarks) == 1
        assert any("cannot be saved" in n for n in notes)  # the bookmark says it was not saved
    assert state_home.read_text() == "a file where the folder should be"


async def test_bookmarks_persist_across_runs_and_reindexing_and_say_when_a_record_is_gone(
        kb_root: Path, state_home: Path):
    KnowledgeBase(kb_root).update()
    app = make_app(kb_root, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "eyelid")
        await pilot.press("enter", "ctrl+b")
        await settle(app, pilot)
        assert "faq/why-does-my-eyelid-twitch" in search_screen(app).bookmarks
        assert app.query_one(DetailPane).border_title.startswith("Preview \u2605")
        await type_query(app, pilot, "stretching")
        await pilot.press("enter", "ctrl+b")
        await settle(app, pilot)
        await pilot.press("ctrl+r")  # a re-index keeps them: they are kept by id
        await settle(app, pilot)
        assert len(search_screen(app).bookmarks) == 2
    (kb_root / "corpus/faq/why-does-my-eyelid-twitch.yaml").unlink()
    KnowledgeBase(kb_root).update()
    app = make_app(kb_root, watch=False)
    notes: list[str] = []
    app.notify = lambda message, **kw: notes.append(message)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert any("1 bookmarked record is no longer in the index: Why does my eyelid twitch?" in n for n in notes)
        await pilot.press("f2")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BookmarksScreen)
        assert [b.id for b in screen.bookmarks.items] == ["article/night-cramps#stretching-before-bed",
                                                          "faq/why-does-my-eyelid-twitch"]
        assert screen.gone == {"faq/why-does-my-eyelid-twitch"}
        await pilot.press("j", "k", "enter")  # j/k move here: nothing is typed in this list
        await settle(app, pilot)
        assert app.screen is search_screen(app)
        assert search_screen(app).history.current == Location("record", "article/night-cramps#stretching-before-bed")
        assert app.query_one(RecordView).record.id == "article/night-cramps#stretching-before-bed"
        await pilot.press("f2", "down", "delete", "escape")
        await settle(app, pilot)
    assert [b["id"] for b in json.loads((state_home / "bookmarks.json").read_text())] == [
        "article/night-cramps#stretching-before-bed"]


BROKEN_FAQ = "question: Why does my eyelid twitch?\nanswer: [unclosed\n"


async def test_the_problems_panel_highlights_its_first_row_and_focus_returns_after_the_editor(
        app_factory, kb_root: Path, monkeypatch):
    monkeypatch.setattr("kb.tui.app.subprocess.run", lambda cmd, check: None)
    app = app_factory(editor="myeditor")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        (kb_root / "corpus/faq/why-does-my-eyelid-twitch.yaml").write_text(BROKEN_FAQ, encoding="utf-8")
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        problems = app.query_one(ProblemsPanel).query_one("#problems-list")
        problems.focus()
        assert problems.highlighted == 0  # enter opens it at once
        driver = app._driver.__class__
        monkeypatch.setattr(driver, "can_suspend", property(lambda self: True))
        monkeypatch.setattr(driver, "suspend_application_mode", lambda self: None, raising=False)
        monkeypatch.setattr(driver, "resume_application_mode", lambda self: None, raising=False)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.focused is problems  # not the search box: the next key is not typed into the query
        await type_query(app, pilot, "cramps")
        app.query_one(ResultList).focus()
        await pilot.press("alt+e")
        await settle(app, pilot)
        assert app.focused is app.query_one(ResultList)
