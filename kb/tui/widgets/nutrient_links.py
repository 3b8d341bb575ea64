"""A row of buttons, one per linked nutrient: Tab to one (left / right to the others) and press Enter, or click."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual import on
from textual.binding import Binding
from textual.containers import HorizontalScroll
from textual.message import Message
from textual.widgets import Button, Label

from kb.tui.text import literal


class NutrientButton(Button):
    """A compact button that remembers which nutrient it opens."""

    def __init__(self, slug: str, name: str) -> None:
        super().__init__(literal(name), compact=True, classes="nutrient-link")
        self.slug = slug


class NutrientLinks(HorizontalScroll, can_focus=False):
    """``Nutrients: [Magnesium] [Potassium]``; hidden when the record links to none. Posts ``Chosen``."""

    DEFAULT_CSS = """
    NutrientLinks {
        height: auto;
        max-height: 2;
        padding: 0 1;
        margin-bottom: 1;
        scrollbar-size-horizontal: 0;
        display: none;
        &.-shown { display: block; }
        & > Label { color: $text-muted; padding-right: 1; }
        & > .nutrient-link {
            width: auto;
            min-width: 0;
            margin-right: 1;
            color: $text-secondary;
            text-style: underline;
            background: $secondary 15%;
            &:hover { background: $secondary 35%; }
            &:focus { background: $secondary 60%; color: $text; text-style: bold; }
        }
    }
    """
    BINDINGS = [Binding("left", "step(-1)", "Previous", show=False),
                Binding("right", "step(1)", "Next", show=False)]

    @dataclass
    class Chosen(Message):
        """The person activated the link to nutrient ``slug``."""

        slug: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.links: tuple[tuple[str, str], ...] = ()

    async def show(self, links: Iterable[tuple[str, str]], label: str = "Nutrients:") -> None:
        """Replace the links with ``(slug, name)`` pairs."""
        links = tuple(links)
        if links == self.links and self.children:
            return
        self.links = links
        await self.remove_children()
        self.set_class(bool(links), "-shown")
        if links:
            await self.mount_all([Label(label), *(NutrientButton(slug, name) for slug, name in links)])

    def action_step(self, step: int) -> None:
        """Left / right: the keyboard to the previous / next link (it stays on the first and the last)."""
        buttons = list(self.query(NutrientButton))
        focused = self.screen.focused
        if focused not in buttons:
            return
        target = buttons[max(0, min(len(buttons) - 1, buttons.index(focused) + step))]
        target.focus()
        target.scroll_visible(animate=False)

    @on(Button.Pressed, ".nutrient-link")
    def _chosen(self, event: Button.Pressed) -> None:
        event.stop()
        assert isinstance(event.button, NutrientButton)
        self.post_message(self.Chosen(event.button.slug))
