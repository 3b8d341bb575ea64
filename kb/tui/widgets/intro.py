"""What the detail pane shows before there is a result: what the knowledge base holds and how to use it."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

KEYS = (
    ("type", "search; results follow every key"),
    ("down / enter", "go to the results"),
    ("up", "earlier queries"),
    ("alt+1 2 3", "only sections / FAQs / nutrients"),
    ("ctrl+n", "browse nutrients"),
    ("ctrl+b  f2", "bookmark; the bookmarks"),
    ("esc  alt+← →", "back and forward"),
    ("alt+e", "edit the record's file in $EDITOR"),
    ("ctrl+r", "re-index after edits"),
    ("ctrl+p", "find any article, FAQ or nutrient"),
    ("f1", "every key"),
)


class Intro(Static):
    """A summary of the knowledge base (counts by kind) and the main keys."""

    COMPONENT_CLASSES = {"intro--title", "intro--key", "intro--muted"}
    DEFAULT_CSS = """
    Intro {
        height: auto;
        padding: 1 2;
        & > .intro--title { text-style: bold; color: $text-primary; }
        & > .intro--key { color: $text-accent; text-style: bold; }
        & > .intro--muted { color: $text-muted; }
    }
    """

    def show(self, counts: dict[str, int]) -> None:
        """``counts``: records by kind in the index."""
        total = sum(counts.values())
        lines = [
            Content.styled("kb - a health knowledge base in your terminal", ".intro--title"),
            Content(""),
            Content(f"{total} records: {counts.get('section', 0)} article sections, "
                    f"{counts.get('faq', 0)} FAQs, {counts.get('nutrient', 0)} nutrients."),
            Content.styled("Muscle cramps, spasms, twitching and tingling, and the nutrients behind them.",
                           ".intro--muted"),
            Content(""),
        ]
        width = max(len(k) for k, _ in KEYS) + 2
        lines += [Content.assemble((k.ljust(width), ".intro--key"), text) for k, text in KEYS]
        self.update(Content("\n").join(lines))
