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
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import App, SuspendNotSupported, SystemCommand
from textual.binding import Binding
from textual.color import Color, ColorParseError
from textual.notifications import SeverityLevel
from textual.screen import Screen

from kb.engine import KnowledgeBase, NutrientSummary, corpus_changes
from kb.model.errors import KbError, Problem, UnknownId
from kb.model.records import Faq, Section
from kb.tui.bookmarks import Bookmark
from kb.tui.catalog import Catalog, load_catalog
from kb.tui.commands import RecordCommands
from kb.tui.contrast import muted_colour, readable_on
from kb.tui.heap import HeapKeeper
from kb.tui.history import Location
from kb.tui.screens.article import ArticleScreen
from kb.tui.screens.bookmarks import BookmarksScreen
from kb.tui.screens.building import BuildingScreen
from kb.tui.screens.help import HelpScreen
from kb.tui.screens.nutrient_browser import NutrientBrowser
from kb.tui.screens.search import SearchScreen
from kb.tui.settings import load_settings, save_setting
from kb.tui.state import state_dir
from kb.tui.text import safe
from kb.tui.widgets.detail_pane import DetailPane
from kb.tui.widgets.record_links import RecordLinks
from kb.tui.widgets.search_box import SearchBox
from kb.tui.widgets.status_line import Tone
from kb.tui.workers import deliver

if TYPE_CHECKING:
    from kb.engine import Report

REASONS = {"key": "Re-indexed", "watch": "Saved file re-indexed", "edit": "Re-indexed after editing",
           "palette": "Re-indexed", "full": "Rebuilt the whole index"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def describe(report: Report, reason: str, problems: int = 0) -> str:
    """The status line after an update: what changed, never how long it took (snapshots stay stable)."""
    changes = report.added + report.updated + report.removed
    if reason == "start":
        head = "Index built" if report.full else ("Index updated" if changes else "Index ready")
    elif changes or report.full:
        head = REASONS.get(reason, "Re-indexed")
    else:
        head = "Index up to date"
    if changes and not (reason == "start" and report.full):
        head += f": {report.added} added, {report.updated} updated, {report.removed} removed"
    text = f"{head} - {_plural(report.records, 'record')}"
    if problems:
        text += f" - {_plural(problems, 'corpus problem')} (listed below)"
    return text


class KbApp(App[int]):
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
        # not a priority binding (Textual's own is): in the results list ctrl+p is fzf's "previous result"
        Binding("ctrl+p", "command_palette", "palette", show=False, key_display=App.COMMAND_PALETTE_DISPLAY,
                tooltip="Open the command palette"),
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

    # --- building and updating -----------------------------------------------------------------------------
    @work(thread=True, group="index")
    def start_up(self) -> None:
        """Build the index if there is none (showing progress), else bring it up to date."""
        building = not self.engine.has_index()
        if building:
            deliver(self, self.push_screen, BuildingScreen())
        try:
            report = self.engine.update(progress=self._progress(building))
            problems = list(report.problems)
            if problems:  # the whole picture, cross-file checks included
                problems = sorted(set(problems) | set(self.engine.validate().problems))
            catalog = load_catalog(self.engine)
            disclaimer = self.engine.disclaimer
            self.heap.settle()
        except KbError as exc:
            deliver(self, self._update_failed, exc, building)
            return
        except Exception as exc:  # noqa: BLE001 - an update must never end the app: say what failed
            deliver(self, self._update_failed, KbError(f"{type(exc).__name__}: {exc}"), building)
            return
        deliver(self, self._updated, report, problems, catalog, "start", disclaimer)

    def request_update(self, reason: str = "key") -> None:
        """Re-index in the background (``reason``: key, watch, edit, palette, full); one update at a time."""
        if self._shutting_down():
            return  # closing
        if self._updating:
            self._pending = "full" if "full" in (reason, self._pending) else reason
            return
        self._updating = True
        self.search_screen.show_status("Re-indexing...", "busy")
        self.run_update(reason)

    @work(thread=True, group="index")
    def run_update(self, reason: str) -> None:
        try:
            report = self.engine.update(full=reason == "full", progress=self._progress(False))
            catalog = load_catalog(self.engine)
            self.heap.settle()
        except KbError as exc:
            deliver(self, self._update_failed, exc, False)
            return
        except Exception as exc:  # noqa: BLE001 - an update must never end the app: say what failed
            deliver(self, self._update_failed, KbError(f"{type(exc).__name__}: {exc}"), False)
            return
        deliver(self, self._updated, report, list(report.problems), catalog, reason, None)

    def _progress(self, building: bool) -> Callable[[int, int], None]:
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if done < total and now - last[0] < 0.05:
                return  # a few screen updates a second are plenty
            last[0] = now
            deliver(self, self._show_progress, done, total, building)

        return progress

    def _shutting_down(self) -> bool:
        """True once the app is shutting down: a late index update (a second file event for one save, a
        rebuild finishing) must not touch widgets that are being removed."""
        return self._stop.is_set() or not self.search_screen.is_attached or not self.search_screen.children

    def _show_progress(self, done: int, total: int, building: bool) -> None:
        if self._shutting_down():
            return  # closing
        if building and isinstance(self.screen, BuildingScreen):
            self.screen.set_progress(done, total)
        self.search_screen.show_status(f"Indexing... {done} of {total} records", "busy")

    def _updated(self, report: Report, problems: list[Problem], catalog: Catalog, reason: str,
                 disclaimer: str | None) -> None:
        if self._shutting_down():
            return  # closing
        if isinstance(self.screen, BuildingScreen):
            self.pop_screen()
        if disclaimer is not None:
            self.disclaimer = disclaimer
            self.search_screen.show_disclaimer(disclaimer)
        had_problems = bool(self.problems)
        self.last_report, self.catalog, self.problems = report, catalog, problems
        self.search_screen.show_problems(problems)
        changes = report.added + report.updated + report.removed
        quiet = reason in ("watch", "edit") and not (changes or problems or had_problems or report.full)
        if quiet and self._status:
            # a save that changed nothing indexable (or a second event for one save): keep the last outcome
            self.search_screen.show_status(*self._status)
        else:
            self._status = (describe(report, reason, len(problems)), "warning" if problems else "ok")
            self.search_screen.show_status(*self._status)
        self.search_screen.index_updated(catalog)
        self._focus_after_edit()
        if reason == "start":
            self.check_bookmarks(notice=True)
        if reason == "start" and self.watching:
            self.watch_corpus()
            self.search_screen.show_watching(True)
        self._finish_update()

    def _update_failed(self, error: KbError, building: bool) -> None:
        if self._shutting_down():
            return  # closing
        if isinstance(self.screen, BuildingScreen):
            self.pop_screen()
        serving = (" - the last good index keeps serving"
                   if self.last_report is not None or self.engine.has_index() else "")
        self.search_screen.show_status(f"Index update failed: {error}{serving}", "error")
        self.notify(str(error), title="Index update failed", severity="error", markup=False)
        self._finish_update()

    def _finish_update(self) -> None:
        self._updating = False
        self.updates += 1
        if self._pending is not None:
            reason, self._pending = self._pending, None
            self.request_update(reason)

    @work(thread=True, group="watch")
    def watch_corpus(self) -> None:
        """Re-index whenever files under corpus/ settle after an edit, until the app closes."""
        for _ in corpus_changes(self.engine.root, self._stop):
            if self._stop.is_set():
                return
            deliver(self, self.request_update, "watch")

    def _engine_notice(self, message: str) -> None:
        if threading.get_ident() == self._thread_id:
            self.notify(message, markup=False)
        else:
            deliver(self, self.notify, message, markup=False)

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

    # --- reading a whole article -----------------------------------------------------------------------------
    def action_read_article(self) -> None:
        """Open the whole article of the section (or the FAQ's related article) on show."""
        if isinstance(self.screen, ArticleScreen):
            self.screen.dismiss(None)
            return
        if self.screen is not self.search_screen:
            return
        record = self.search_screen.query_one(DetailPane).shown
        if isinstance(record, Section):
            self.open_article(record.article_slug, record.id)
        elif isinstance(record, Faq) and record.article:
            self.open_article(record.article, None)
        else:
            self.notify("Open a section, or an FAQ with a related article, to read its whole article.",
                        severity="warning", markup=False)

    @on(RecordLinks.OpenArticle)
    def _article_link(self, event: RecordLinks.OpenArticle) -> None:
        self.open_article(event.slug, event.record_id if event.record_id.startswith("article/") else None)

    @on(RecordLinks.SearchTag)
    def _tag_link(self, event: RecordLinks.SearchTag) -> None:
        box = self.search_screen.query_one(SearchBox)
        box.value = f"tag:{event.tag}"
        box.cursor_position = len(box.value)
        box.focus()

    @work(thread=True, exclusive=True, group="article")
    def open_article(self, slug: str, start: str | None) -> None:
        """Load the article's sections off the UI thread, then show them from ``start`` (a section id)."""
        try:
            sections = self.engine.article(slug)
        except KbError as exc:
            deliver(self, self.notify, str(exc), severity="error", markup=False)
            return
        deliver(self, self._show_article, sections, start)

    def _show_article(self, sections: list[Section], start: str | None) -> None:
        if isinstance(self.screen, ArticleScreen):
            self.pop_screen()
        self.push_screen(ArticleScreen(sections, start, self.search_screen.terms))
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

    # --- bookmarks -----------------------------------------------------------------------------------------
    def action_show_bookmarks(self) -> None:
        if not isinstance(self.screen, BookmarksScreen):
            self.check_bookmarks(notice=False)

    @work(thread=True, exclusive=True, group="bookmarks")
    def check_bookmarks(self, notice: bool) -> None:
        """Which bookmarked records the index no longer has; then the list (or, at start, a notice)."""
        gone = []
        for b in list(self.search_screen.bookmarks.items):
            try:
                self.engine.get(b.id)
            except UnknownId:
                gone.append(b)
            except KbError:
                return  # no index to ask: the list can wait
        if notice:
            if gone:
                names = ", ".join(b.title for b in gone[:3]) + (" ..." if len(gone) > 3 else "")
                deliver(self, self.notify, f"{len(gone)} bookmarked record{'s are' if len(gone) > 1 else ' is'} "
                        f"no longer in the index: {names} (f2 lists them)", severity="warning", markup=False)
            problem = self.search_screen.bookmarks.file.problem or self.search_screen.queries.file.problem
            if problem:
                deliver(self, self.notify, problem, title="Saved state", severity="warning", markup=False)
            return
        deliver(self, self._list_bookmarks, {b.id for b in gone})

    def _list_bookmarks(self, gone: set[str]) -> None:
        if not isinstance(self.screen, BookmarksScreen):
            self.push_screen(BookmarksScreen(self.search_screen.bookmarks, gone), self._bookmark_chosen)

    def _bookmark_chosen(self, bookmark: Bookmark | None) -> None:
        if bookmark is not None:
            self.open_location(bookmark.location)

    # --- other screens -------------------------------------------------------------------------------------
    def open_location(self, location: Location) -> None:
        """Open a record or nutrient on the search screen, or an article in its view (the palette, the browser)."""
        while self.screen is not self.search_screen and len(self.screen_stack) > 1:
            self.pop_screen()
        if location.kind == "article":
            self.open_article(location.key, None)
        else:
            self.search_screen.open_location(location)

    def action_reindex(self) -> None:
        self.request_update("key")

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.disclaimer))

    def action_browse_nutrients(self) -> None:
        if not isinstance(self.screen, NutrientBrowser):
            self.load_nutrients()

    @work(thread=True, exclusive=True, group="browse")
    def load_nutrients(self) -> None:
        try:
            nutrients = self.engine.nutrients()
        except KbError as exc:
            deliver(self, self.notify, str(exc), severity="error", markup=False)
            return
        deliver(self, self._browse, nutrients)

    def _browse(self, nutrients: list[NutrientSummary]) -> None:
        if not isinstance(self.screen, NutrientBrowser):
            self.push_screen(NutrientBrowser(nutrients), self._browsed)

    def _browsed(self, slug: str | None) -> None:
        if slug:
            self.open_location(Location("nutrient", slug))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield SystemCommand("Re-index", "Re-index what changed in the corpus (ctrl+r)", self.action_reindex)
        yield SystemCommand("Rebuild the index", "Rebuild the whole index from the corpus",
                            lambda: self.request_update("full"))
        yield SystemCommand("Browse nutrients", "Every nutrient with its linked records (ctrl+n)",
                            self.action_browse_nutrients)
        yield SystemCommand("Bookmarks", "The records you bookmarked with ctrl+b (f2)", self.action_show_bookmarks)
        yield SystemCommand("Help", "Every key (f1)", self.action_help)
        yield SystemCommand("Maximise the preview", "The preview alone on screen, or back (f6 / ctrl+g)",
                            self.action_toggle_maximize)
        for command in super().get_system_commands(screen):
            if command.title == "Screenshot":  # Textual's saves to ~/Downloads, which may not exist
                command = SystemCommand("Screenshot", f"Save an SVG of the screen in {self.screenshot_dir()}",
                                        lambda: self.set_timer(0.1, self.take_screenshot))
            yield command


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
