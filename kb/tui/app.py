"""The kb app: :func:`make_app` builds it from a knowledge-base root (``kb``, ``kb tui`` and the tests).

The app owns the engine and everything that changes the index: the first-run build (with progress),
``ctrl+r``, the corpus watcher and ``e`` (edit, then re-index). Updates run one at a time in a thread worker;
a request that arrives during one runs after it. After each update the search screen refreshes its results
and the problems panel lists what failed validation (the last good index keeps serving).
"""

from __future__ import annotations

import asyncio
import os
import shlex
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import App, SuspendNotSupported
from textual.binding import Binding
from textual.color import Color, ColorParseError
from textual.notifications import SeverityLevel
from textual.screen import Screen

from kb.engine import KnowledgeBase
from kb.model.errors import Problem
from kb.tui.app_index import IndexUpdates
from kb.tui.app_screens import OtherScreens
from kb.tui.catalog import Catalog
from kb.tui.commands import RecordCommands
from kb.tui.contrast import muted_colour, readable_on
from kb.tui.heap import HeapKeeper
from kb.tui.screens.search import SearchScreen
from kb.tui.settings import load_settings, save_setting
from kb.tui.state import state_dir
from kb.tui.text import safe
from kb.tui.widgets.result_list import ResultList
from kb.tui.widgets.status_line import Tone

if TYPE_CHECKING:
    from kb.engine import Report


class KbApp(IndexUpdates, OtherScreens):
    """Full-text search over a health knowledge base, with previews, nutrient panes and live re-indexing."""

    CSS_PATH = "app.tcss"
    TITLE = "kb"
    COMMANDS = App.COMMANDS | {RecordCommands}
    # below 100 columns the search screen stacks its panes (results above, preview below): app.tcss
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    BINDINGS = [
        Binding("ctrl+r", "reindex", "Re-index"),
        Binding("f6,ctrl+g", "toggle_maximize", "Max preview"),
        Binding("ctrl+l", "read_article", "Article"),
        Binding("ctrl+n", "browse_nutrients", "Nutrients"),
        Binding("f2", "show_bookmarks", "Bookmarks"),
        Binding("f1", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, engine: KnowledgeBase, watch: bool = True, editor: str | None = None,
                 state: Path | None = None) -> None:
        super().__init__()
        self.engine = engine
        self.watching = watch
        self.editor = editor
        self.catalog = Catalog()
        self.problems: list[Problem] = []
        self.disclaimer = ""
        self.last_report: Report | None = None
        self.updates = 0  # finished index updates, start-up included
        self._updating = False
        self._pending: str | None = None  # an update asked for while one was running
        self._stop = threading.Event()
        self._status: tuple[str, Tone] | None = None  # the last update's outcome, for the status line
        self.titles_ready = threading.Event()  # see IndexUpdates.load_titles
        self.titles_ready.set()
        self._titles_seq = 0
        self.heap = HeapKeeper()  # full garbage collections wait for a pause in typing
        self.state = state if state is not None else state_dir()  # query history and bookmarks
        self.search_screen = SearchScreen(engine, self.state)
        self._refocus: str | None = None  # the widget (id) to give the keyboard back to after the editor
        engine.notify = self._engine_notice

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every notification (the app's, its screens' and widgets') shows its text through the safe path:
        messages quote corpus paths, problems and links, and a toast renders its text with ``Content``, which
        lets ESC through."""
        super().notify(safe(str(message)), title=safe(str(title)), severity=severity, timeout=timeout,
                       markup=markup)

    def action_command_palette(self) -> None:
        """ctrl+p: the palette, except in the results list, where it is fzf's "previous result" (Textual's ctrl+p
        binding is a priority one, which keeps the palette reachable from every screen, modal ones included)."""
        focused = self.screen.focused
        if isinstance(focused, ResultList):
            focused.action_cursor_up()
            return
        super().action_command_palette()

    def get_default_screen(self) -> Screen:
        return self.search_screen

    def on_mount(self) -> None:
        self.sub_title = self.engine.root.name
        theme = load_settings().get("theme")
        if isinstance(theme, str) and theme in self.available_themes:
            self.theme = theme
        self.theme_changed_signal.subscribe(self, self._save_theme)
        self.heap.start()
        self.set_interval(0.5, self.heap.idle, name="idle garbage collection")

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)):
            self.heap.touched()
        await super().on_event(event)

    @on(SearchScreen.Ready)
    def open_index(self) -> None:
        """The search screen is up: open (or first build) the index."""
        self.search_screen.show_status("Opening the index...", "busy")
        self.titles_ready.clear()  # the palette waits for the titles the start-up reads
        self._updating = True
        self.start_up()

    def on_unmount(self) -> None:
        self._stop.set()
        self.heap.stop()

    # --- themes ---------------------------------------------------------------------------------------------
    def _save_theme(self, theme: object) -> None:
        error = save_setting("theme", self.theme)
        if error:
            self.notify(f"The theme is not remembered: {error}", severity="warning", markup=False)

    def get_css_variables(self) -> dict[str, str]:
        """The theme's variables, with muted text, footer keys, matches and the coloured text (badges, tags, bars)
        made readable (WCAG AA) on it."""
        variables = super().get_css_variables()
        try:
            text = Color.parse(variables["foreground"])
            surfaces = [Color.parse(variables[k]) for k in ("background", "surface", "panel")]
        except (KeyError, ColorParseError):
            return variables  # an ANSI theme: the terminal's own colours
        if text.ansi is not None or any(s.ansi is not None for s in surfaces):
            return variables
        variables["text-muted"] = muted_colour(text, surfaces).hex
        for key in ("footer-key-foreground", "footer-description-foreground", "text-warning", "text-primary",
                    "text-secondary", "text-accent", "text-success", "text-error"):
            try:
                colour = Color.parse(variables[key])
            except (KeyError, ColorParseError):
                continue
            if colour.ansi is None:
                variables[key] = readable_on(colour, surfaces).hex
        self.theme_variables = variables
        return variables

    # --- screenshots and the preview's size -----------------------------------------------------------------
    def screenshot_dir(self) -> Path:
        """Where the palette's Screenshot saves: ``$KB_SCREENSHOT_DIR``, else the current folder."""
        return Path(os.environ.get("KB_SCREENSHOT_DIR") or os.getcwd())

    def take_screenshot(self, filename: str | None = None) -> Path | None:
        """Save an SVG of the screen in :meth:`screenshot_dir` and say where (or why not) in a notification."""
        folder = self.screenshot_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = Path(self.save_screenshot(filename, str(folder)))
        except OSError as exc:
            self.notify(f"Could not save the screenshot in {folder}: {exc.strerror or exc}", title="Screenshot",
                        severity="error", markup=False)
            return None
        self.notify(f"Saved {path.resolve()}", title="Screenshot", markup=False)
        return path

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        self.take_screenshot(filename)

    def action_toggle_maximize(self) -> None:
        """Give the whole screen to the preview (or the article), or bring the other panes back."""
        screen = self.screen
        if screen.maximized is not None:
            screen.minimize()
        elif screen is self.search_screen:
            screen.maximize(self.search_screen.query_one("#detail"), container=False)

    # --- editing -------------------------------------------------------------------------------------------
    @on(SearchScreen.EditFile)
    def edit_file(self, event: SearchScreen.EditFile) -> None:
        self.open_in_editor(event.path, event.line)

    def open_in_editor(self, path: str, line: int) -> None:
        """Suspend the app, run ``$VISUAL`` / ``$EDITOR`` on ``path`` at ``line``, then re-index."""
        editor = self.editor or os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        corpus = (self.engine.root / "corpus").resolve()
        target = (self.engine.root / path).resolve()
        if not target.is_relative_to(corpus):  # a tampered index must not open files elsewhere
            self.notify(f"Refusing to open {path}: it is outside the corpus folder.", severity="error",
                        markup=False)
            return
        command = [*shlex.split(editor), f"+{max(line, 1)}", str(target)]
        focused = self.search_screen.focused
        self._refocus = focused.id if focused is not None else None
        try:
            with self.suspend():
                subprocess.run(command, check=False)
        except SuspendNotSupported:
            self.notify(f"This terminal cannot hand over to an editor; edit {path}:{line} yourself.",
                        severity="warning", markup=False)
        except OSError as exc:
            self.notify(f"Could not run {editor!r}: {exc}", severity="error", markup=False)
        self.request_update("edit")

    def _focus_after_edit(self) -> None:
        """After the editor's re-index: the keyboard goes back where it was (the results if that is gone)."""
        wid, self._refocus = self._refocus, None
        if wid is None:
            return
        screen = self.search_screen
        found = screen.query(f"#{wid}")
        widget = found.first() if found else None
        if widget is not None and widget.focusable:
            widget.focus()
        elif screen.query_one("#results").focusable:
            screen.query_one("#results").focus()



def make_app(root: Path, index_dir: Path | None = None, watch: bool = True,
             editor: str | None = None, state: Path | None = None) -> KbApp:
    """The app on the knowledge base at ``root``.

    Args:
        root: a folder holding ``corpus/``.
        index_dir: where the index lives (default ``<root>/index``).
        watch: re-index when corpus files change (tests turn it off).
        editor: the editor command for ``alt+e`` (default ``$VISUAL``, ``$EDITOR``, then ``vi``).
        state: where query history and bookmarks live (default ``$XDG_STATE_HOME/kb``).
    """
    engine = KnowledgeBase(Path(root), Path(index_dir) if index_dir else None)
    return KbApp(engine, watch=watch, editor=editor, state=state)


QUIT_WAIT = 2.0  # seconds a quit waits for workers (an update finishing, the engine closing) before leaving


def run_app(root: Path, index_dir: Path | None = None) -> int:
    """Run the app until the person quits; returns the exit code.

    ``ctrl+q`` always ends the process. Thread workers run in the event loop's default executor, and a worker
    blocked in the engine (opening an index on a hung file or mount) cannot be stopped: ``asyncio.run`` would
    wait for it forever after the app closed. So the app runs on a loop of our own; after it has restored the
    terminal, the workers and the engine get :data:`QUIT_WAIT` seconds to finish, and if one is still running
    the process ends at once with ``os._exit``. What it was doing is safe to drop: a build writes a fresh folder
    and swaps it in atomically, and an interrupted update is redone by the next run.
    """
    app = make_app(root, index_dir)
    loop = asyncio.new_event_loop()
    workers = ThreadPoolExecutor(thread_name_prefix="kb-worker")  # where Textual runs thread workers
    loop.set_default_executor(workers)
    try:
        app.run(loop=loop)
    finally:
        stuck = not _finish(workers, app.engine)
        if not stuck:
            loop.close()
    code = app.return_code or 0
    if stuck:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _finish(workers: ThreadPoolExecutor, engine: KnowledgeBase) -> bool:
    """Wait up to :data:`QUIT_WAIT` seconds for the workers to end and the engine to close; False if stuck.

    Both waits run in daemon threads (``loop.shutdown_default_executor`` joins its helper thread on the event
    loop, which blocks as long as the worker does)."""
    deadline = time.monotonic() + QUIT_WAIT
    for step, name in ((lambda: workers.shutdown(wait=True), "waiting for the workers"),
                       (engine.close, "closing the engine")):
        thread = threading.Thread(target=step, name=name, daemon=True)
        thread.start()
        thread.join(max(0.1, deadline - time.monotonic()))
        if thread.is_alive():
            return False
    return True
