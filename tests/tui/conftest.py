"""Helpers for the TUI tests: the app built by the same factory as ``kb``, on the fixture corpus."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from kb.engine import KnowledgeBase
from kb.tui.app import KbApp, make_app
from kb.tui.screens.search import SearchScreen
from kb.tui.widgets.result_list import ResultList
from kb.tui.widgets.search_box import SearchBox

SIZE = (120, 40)


async def settle(app: KbApp, pilot: Pilot, rounds: int = 8) -> None:
    """Wait until searches, detail loads and index updates are done (the watcher runs for ever: not it).

    A search starts a detail load when it lands, so wait again until a pause starts nothing new.
    """
    screen = app.search_screen
    for _ in range(rounds):
        running = [w for w in app.workers if w.group != "watch" and not w.is_finished]
        if running:
            await app.workers.wait_for_complete(running)
        await pilot.pause()
        if screen.preview_pending:  # the preview waits for a pause in typing: this is one
            await wait_for(pilot, lambda: not screen.preview_pending, 5.0)
            continue
        if running == [] and not [w for w in app.workers if w.group != "watch" and not w.is_finished]:
            return


async def wait_for(pilot: Pilot, condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll ``condition`` while the app runs, for at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await pilot.pause(0.05)
        await asyncio.sleep(0)
    return condition()


async def type_query(app: KbApp, pilot: Pilot, text: str) -> None:
    """Put ``text`` in the search box in one go (as a paste would) and wait for the answer.

    Typing key by key costs a search and a repaint per key; one test does that, the others use this.
    """
    box = app.query_one(SearchBox)
    box.focus()
    box.value = text
    box.cursor_position = len(text)
    await settle(app, pilot)


def search_screen(app: KbApp) -> SearchScreen:
    return app.search_screen


def hit_ids(app: KbApp) -> list[str]:
    return [h.id for h in search_screen(app).query_one(ResultList).hits]


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """kb's own state folder (query history, bookmarks, settings) in a folder of the test's own, never the
    person's ~/.local/state; screenshots go beside it."""
    folder = tmp_path / "state-home"
    monkeypatch.setenv("XDG_STATE_HOME", str(folder))
    monkeypatch.setenv("KB_SCREENSHOT_DIR", str(folder / "shots"))
    return folder / "kb"


@pytest.fixture
def app_factory(kb_root: Path) -> Callable[..., KbApp]:
    """``app_factory(**kw)``: the app on the fixture corpus, made by :func:`kb.tui.app.make_app` (no watcher).

    The index is built first, as after a previous run (the first-run build has its own test).
    """
    KnowledgeBase(kb_root).update()

    def build(**kw: object) -> KbApp:
        kw.setdefault("watch", False)
        return make_app(kb_root, **kw)  # type: ignore[arg-type]

    return build


@pytest.fixture
def fresh_app(kb_root: Path) -> KbApp:
    """The app on the fixture corpus with no index yet (``kb`` on a new knowledge base)."""
    return make_app(kb_root, watch=False)
