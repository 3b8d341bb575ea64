"""The first-run screen: the index is being built, with progress."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import LoadingIndicator, ProgressBar, Static


class BuildingScreen(Screen[None]):
    """Shown while the first index is built; the app dismisses it when the build is done."""

    DEFAULT_CSS = """
    BuildingScreen {
        align: center middle;
        & > #building {
            width: 64;
            height: auto;
            border: thick $primary;
            border-title-style: bold;
            padding: 1 2;
        }
        & LoadingIndicator { height: 1; }
        & ProgressBar { margin: 1 0; }
        & #building-count { color: $text-muted; }
    }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="building") as box:
            box.border_title = "kb"
            yield Static("Building the search index (first run only)...")
            yield LoadingIndicator()
            yield ProgressBar(total=None, show_eta=False, id="building-progress")
            yield Static("Reading the corpus", id="building-count")

    def set_progress(self, done: int, total: int) -> None:
        self.query_one(ProgressBar).update(total=max(total, 1), progress=done)
        self.query_one("#building-count", Static).update(f"{done} of {total} records indexed")
