"""Keeping the index current from the app: first-run build, ctrl+r, the watcher, the editor, broken files."""

from __future__ import annotations

import threading
from pathlib import Path

from kb.tui.screens.building import BuildingScreen
from kb.tui.widgets.problems_panel import ProblemsPanel
from kb.tui.widgets.record_view import RecordView

from .conftest import SIZE, hit_ids, search_screen, settle, type_query, wait_for

NEW_FAQ = """question: Do zucchini help with cramps?
answer: Zucchini are mostly water; drink enough and eat a varied diet.
reviewed: 2026-11-20
references:
  - title: Fact sheet
    publisher: NIH Office of Dietary Supplements
    url: https://ods.od.nih.gov/factsheets/
"""

BROKEN_FAQ = "question: Why does my eyelid twitch?\nanswer: [unclosed\n"


async def test_the_first_run_builds_the_index_with_progress(fresh_app, monkeypatch):
    app = fresh_app
    seen: list[tuple[int, int]] = []
    release = threading.Event()
    real_update = app.engine.update

    def slow_update(full=False, progress=None):
        def spy(done, total):
            seen.append((done, total))
            if progress:
                progress(done, total)
        release.wait(10)  # hold the build until the test has seen the building screen
        return real_update(full=full, progress=spy)

    monkeypatch.setattr(app.engine, "update", slow_update)
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_for(pilot, lambda: isinstance(app.screen, BuildingScreen))
        release.set()
        await settle(app, pilot)
        assert not isinstance(app.screen, BuildingScreen)
        assert seen and seen[-1][0] == seen[-1][1] == 10
        assert search_screen(app).query_one("#status").text == "Index built - 10 records"
        await type_query(app, pilot, "cobalamin")
        assert "nutrient/vitamin-b12" in hit_ids(app)


async def test_an_edited_file_is_searchable_after_ctrl_r_and_the_results_refresh(app_factory, kb_root: Path):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "zucchini")
        assert hit_ids(app) == []
        (kb_root / "corpus/faq/do-zucchini-help.yaml").write_text(NEW_FAQ, encoding="utf-8")
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert hit_ids(app) == ["faq/do-zucchini-help"]  # the current results refreshed on their own
        assert app.query_one(RecordView).record.id == "faq/do-zucchini-help"
        status = search_screen(app).query_one("#status")
        assert status.text == "Re-indexed: 1 added, 0 updated, 0 removed - 11 records"
        await pilot.press("ctrl+r")  # nothing changed since
        await settle(app, pilot)
        assert search_screen(app).query_one("#status").text == "Index up to date - 11 records"


async def test_the_watcher_reindexes_a_saved_file_on_its_own(app_factory, kb_root: Path):
    app = app_factory(watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "watching" in str(search_screen(app).query_one("#status-watch").render())
        await type_query(app, pilot, "zucchini")
        assert hit_ids(app) == []
        updates = app.updates
        await pilot.pause(0.3)  # let the watcher start watching
        (kb_root / "corpus/faq/do-zucchini-help.yaml").write_text(NEW_FAQ, encoding="utf-8")
        new = ["faq/do-zucchini-help"]
        assert await wait_for(pilot, lambda: app.updates > updates and hit_ids(app) == new)
        assert search_screen(app).query_one("#status").text.startswith("Saved file re-indexed: 1 added")


async def test_a_broken_file_lists_its_problem_while_the_old_results_still_come(app_factory, kb_root: Path):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        panel = app.query_one(ProblemsPanel)
        assert not panel.has_class("-shown")
        (kb_root / "corpus/faq/why-does-my-eyelid-twitch.yaml").write_text(BROKEN_FAQ, encoding="utf-8")
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert panel.has_class("-shown")
        (problem,) = panel.problems
        assert str(problem).startswith("corpus/faq/why-does-my-eyelid-twitch.yaml:2: malformed YAML")
        status = search_screen(app).query_one("#status")
        assert status.tone == "warning" and "1 corpus problem" in status.text
        await type_query(app, pilot, "eyelid")
        assert hit_ids(app) == ["faq/why-does-my-eyelid-twitch"]  # the last good version keeps serving
        # fixed: the panel goes away
        from tests.conftest import FILES

        path = "corpus/faq/why-does-my-eyelid-twitch.yaml"
        (kb_root / path).write_text(FILES[path], encoding="utf-8")
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert not panel.has_class("-shown") and panel.problems == ()


async def test_problems_found_at_start_are_listed(kb_root: Path):
    from kb.engine import KnowledgeBase
    from kb.tui.app import make_app

    KnowledgeBase(kb_root).update()
    (kb_root / "corpus/faq/why-does-my-eyelid-twitch.yaml").write_text(BROKEN_FAQ, encoding="utf-8")
    app = make_app(kb_root, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert [p.path for p in app.query_one(ProblemsPanel).problems] == [
            "corpus/faq/why-does-my-eyelid-twitch.yaml"]


async def test_e_opens_the_editor_at_the_line_then_reindexes(app_factory, monkeypatch):
    calls: list[list[str]] = []
    monkeypatch.setattr("kb.tui.app.subprocess.run", lambda cmd, check: calls.append(cmd))
    app = app_factory(editor="myeditor --wait")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "stretching calves")
        record = app.query_one(RecordView).record
        assert record.id == "article/night-cramps#stretching-before-bed"
        await pilot.press("down")
        updates = app.updates
        driver = app._driver.__class__  # a terminal that can hand over to an editor
        monkeypatch.setattr(driver, "can_suspend", property(lambda self: True))
        monkeypatch.setattr(driver, "suspend_application_mode", lambda self: None, raising=False)
        monkeypatch.setattr(driver, "resume_application_mode", lambda self: None, raising=False)
        await pilot.press("alt+e")
        await settle(app, pilot)
        path = str(app.engine.root / "corpus/articles/night-cramps.md")
        assert calls == [["myeditor", "--wait", "+17", path]]
        assert app.updates == updates + 1


async def test_e_where_the_terminal_cannot_suspend_says_so_and_still_reindexes(app_factory, monkeypatch):
    app = app_factory(editor="true")
    notes: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **kw: notes.append(message))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_query(app, pilot, "eyelid")
        await pilot.press("down")
        updates = app.updates
        await pilot.press("f4")
        await settle(app, pilot)
        assert app.updates == updates + 1
        assert notes == ["This terminal cannot hand over to an editor; "
                         "edit corpus/faq/why-does-my-eyelid-twitch.yaml:1 yourself."]
