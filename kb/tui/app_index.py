"""The app's index keeping: the first-run build (with progress), re-indexing on ``ctrl+r``, on a saved file (the
corpus watcher) and after the editor; one update at a time in a thread worker, a request that arrives during one
running after it. After each update the search screen refreshes its results and lists the corpus problems.

:class:`IndexUpdates` is a base of :class:`kb.tui.app.KbApp`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work
from textual.app import App

from kb.engine import KnowledgeBase, changed_paths, corpus_changes
from kb.model.errors import KbError, Problem
from kb.tui.catalog import Catalog, fill_catalog, load_overview
from kb.tui.heap import HeapKeeper
from kb.tui.screens.building import BuildingScreen
from kb.tui.workers import deliver

if TYPE_CHECKING:
    from kb.engine import Report
    from kb.tui.screens.search import SearchScreen
    from kb.tui.widgets.status_line import Tone

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



class IndexUpdates(App[int]):
    """Building and updating the index for the app (which sets these attributes in its ``__init__``)."""

    engine: KnowledgeBase
    search_screen: SearchScreen
    watching: bool
    catalog: Catalog
    problems: list[Problem]
    disclaimer: str
    last_report: Report | None
    updates: int
    heap: HeapKeeper
    _updating: bool
    _pending: str | None
    _stop: threading.Event
    _status: tuple[str, Tone] | None
    titles_ready: threading.Event  # clear while the titles of the index are being read (set when none are)
    _titles_seq: int  # the newest titles load: an older one that finishes later is dropped

    if TYPE_CHECKING:  # the app's: the keyboard goes back where it was before the editor
        def _focus_after_edit(self) -> None: ...

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
            catalog = load_overview(self.engine)
            disclaimer = self.engine.disclaimer
        except KbError as exc:
            deliver(self, self._update_failed, exc, building)
            return
        except Exception as exc:  # noqa: BLE001 - an update must never end the app: say what failed
            deliver(self, self._update_failed, KbError(f"{type(exc).__name__}: {exc}"), building)
            return
        deliver(self, self._updated, report, problems, catalog, "start", disclaimer)

    def request_update(self, reason: str = "key", paths: list[str] | None = None) -> None:
        """Re-index in the background (``reason``: key, watch, edit, palette, full); one update at a time.
        ``paths``: the files the watcher saw change (a request that has to wait lists the whole corpus)."""
        if self._shutting_down():
            return  # closing
        if self._updating:
            self._pending = "full" if "full" in (reason, self._pending) else reason
            return
        self._updating = True
        self.search_screen.show_status("Re-indexing...", "busy")
        self.run_update(reason, paths)

    @work(thread=True, group="index")
    def run_update(self, reason: str, paths: list[str] | None = None) -> None:
        try:
            report = self.engine.update(full=reason == "full", progress=self._progress(False), paths=paths)
            catalog = load_overview(self.engine, self.catalog)
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
        self._titles_seq += 1
        self.titles_ready.clear()
        self.call_after_refresh(self.load_titles, self._titles_seq, catalog)  # after the frame: GIL to the paint
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
        if not self._titles_loading():
            self.titles_ready.set()  # nothing will come: the palette and the browser must not wait
        self._finish_update()

    @work(thread=True, exclusive=True, group="catalog")
    def load_titles(self, seq: int, overview: Catalog) -> None:
        """Every title (the palette) and the nutrients' link counts (the browser), after the index update was
        shown: the first screen does not wait for them, and searches go on while they are read."""
        try:
            catalog: Catalog | None = fill_catalog(self.engine, overview)
        except Exception:  # noqa: BLE001 - the index went away meanwhile: the next update reads them again
            catalog = None
        self.heap.settle_later()  # what the update and the titles left alive is frozen at the next pause
        deliver(self, self._titles_loaded, seq, catalog)

    def _titles_loading(self) -> bool:
        return any(w.is_running and w.group == "catalog" for w in self.workers)

    def _titles_loaded(self, seq: int, catalog: Catalog | None) -> None:
        if seq != self._titles_seq:
            return  # a newer update's titles are on their way
        if catalog is not None and not self._shutting_down():
            self.catalog = self.search_screen.catalog = catalog
        self.titles_ready.set()

    async def wait_for_titles(self, timeout: float = 30.0) -> None:
        """Until the titles of the index are in (for a palette search typed before they were read)."""
        deadline = time.monotonic() + timeout
        while not self.titles_ready.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    def _finish_update(self) -> None:
        self._updating = False
        self.updates += 1
        if self._pending is not None:
            reason, self._pending = self._pending, None
            self.request_update(reason)

    @work(thread=True, group="watch")
    def watch_corpus(self) -> None:
        """Re-index whenever files under corpus/ settle after an edit, until the app closes."""
        for changed in corpus_changes(self.engine.root, self._stop):
            if self._stop.is_set():
                return
            deliver(self, self.request_update, "watch", changed_paths(self.engine.root, changed))

    def _engine_notice(self, message: str) -> None:
        if threading.get_ident() == self._thread_id:
            self.notify(message, markup=False)
        else:
            deliver(self, self.notify, message, markup=False)
