"""The app's other screens: the whole-article view, bookmarks, the nutrient browser, help, and the palette's
system commands; each loads what it shows from the engine in a worker, then pushes its screen.

:class:`OtherScreens` is a base of :class:`kb.tui.app.KbApp`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App, SystemCommand
from textual.screen import Screen

from kb.engine import KnowledgeBase, NutrientSummary
from kb.model.errors import KbError, UnknownId
from kb.model.records import Faq, Section
from kb.tui.bookmarks import Bookmark
from kb.tui.history import Location
from kb.tui.screens.article import ArticleScreen
from kb.tui.screens.bookmarks import BookmarksScreen
from kb.tui.screens.help import HelpScreen
from kb.tui.screens.nutrient_browser import NutrientBrowser
from kb.tui.widgets.detail_pane import DetailPane
from kb.tui.widgets.record_links import RecordLinks
from kb.tui.widgets.search_box import SearchBox
from kb.tui.workers import deliver

if TYPE_CHECKING:
    from pathlib import Path

    from kb.tui.catalog import Catalog
    from kb.tui.screens.search import SearchScreen


class OtherScreens(App[int]):
    """Opening the screens beside the search screen (the app sets these attributes in its ``__init__``)."""

    engine: KnowledgeBase
    search_screen: SearchScreen
    disclaimer: str
    catalog: Catalog
    titles_ready: threading.Event

    if TYPE_CHECKING:  # the app's own (KbApp, IndexUpdates)
        def request_update(self, reason: str = "key") -> None: ...
        def action_toggle_maximize(self) -> None: ...
        def screenshot_dir(self) -> Path: ...
        def take_screenshot(self, filename: str | None = None) -> Path | None: ...

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
        """The nutrients with their link counts: the catalog's once its titles are read (opened before that,
        the browser waits for them), else (they could not be read) the engine's."""
        self.titles_ready.wait(30)
        catalog = self.catalog
        try:
            nutrients = list(catalog.summaries) if catalog.complete else self.engine.nutrients()
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
