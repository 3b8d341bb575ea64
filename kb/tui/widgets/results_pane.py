"""The results' pane: a bordered column whose title counts the results, which changes on nearly every keystroke."""

from __future__ import annotations

from textual.containers import Vertical
from textual.geometry import Region
from textual.widget import Widget


class ResultsPane(Vertical):
    """Holds the kind filter and the results; :meth:`show_title` repaints only the top border line.

    Setting ``border_title`` repaints the whole pane: every line of its border is drawn again, and the frame
    composites the whole column (about 1.3 ms of the keystroke's frame at 120x40). The title is the only thing
    that changes there, on the top line.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._title: str | None = None
        self._title_only = False  # the refresh asked for by setting the title: the top line is enough

    def show_title(self, title: str) -> None:
        """Put ``title`` (plain text written by kb, never corpus text) in the top border."""
        if title == self._title:
            return
        self._title = title
        self._title_only = True
        try:
            self.border_title = title
        finally:
            self._title_only = False

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Widget:
        if self._title_only and not regions and not layout and not recompose and self.is_mounted:
            gutter = self.styles.gutter  # regions are relative to the content: the border line is above it
            regions = (Region(-gutter.left, -gutter.top, self.outer_size.width, 1),)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
