"""Parts of a list whose layout never changes: text drawn in the place of its rows, and a scroll bar that is
always there.

Textual lays out the whole screen when a widget is shown or hidden (``display`` and ``visibility`` are layout
properties in Textual 8) and when a scroll bar comes or goes, then repaints what moved: 30-45 ms of CPU at
120x40, most of a keystroke. The results pane used to swap its list for a welcome / "no results" widget, and its
scroll bar came and went as the rows stopped or started fitting; both happened on the first key of every query.
"""

from __future__ import annotations

from dataclasses import replace

from textual.cache import LRUCache
from textual.content import Content
from textual.css.types import TextOverflow
from textual.geometry import Region, Spacing
from textual.renderables.blank import Blank
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.style import Style
from textual.visual import Padding, RenderOptions, RulesMap, Visual
from textual.widget import Widget
from textual.widgets.option_list import Option

BARS_KEPT = 64  # scroll bars drawn (one per list length, position and look) kept for the next keystrokes


class _Wrapping:
    """A widget's style rules, except that text wraps (a list's rows do not)."""

    RULES: dict[str, str | TextOverflow] = {"text_wrap": "wrap", "text_overflow": "fold"}

    def __init__(self, rules: RulesMap) -> None:
        self._rules = rules

    def get(self, name: str, default: object = None) -> object:
        return self.RULES[name] if name in self.RULES else self._rules.get(name, default)  # type: ignore[arg-type]


class _Wrapped(Visual):
    def __init__(self, content: Content) -> None:
        self.content = content

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        return self.content.render_strips(width, height, style, replace(options, rules=_Wrapping(options.rules)))

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.content.get_optimal_width(_Wrapping(rules), container_width)  # type: ignore[arg-type]

    def get_minimal_width(self, rules: RulesMap) -> int:
        return self.content.get_minimal_width(_Wrapping(rules))  # type: ignore[arg-type]

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self.content.get_height(_Wrapping(rules), width)  # type: ignore[arg-type]


class Note(Visual):
    """``content`` wrapped and padded by ``spacing``, drawn across a list's whole row (its option padding not
    applied: see :meth:`strips`).

    The list asks an option's height for its row width less its option padding (``offered`` columns), so
    :meth:`get_height` adds that back.
    """

    def __init__(self, content: Content, spacing: Spacing, offered: int) -> None:
        self.content, self.spacing, self.offered = content, spacing, offered
        self._visual = Padding(_Wrapped(content), spacing)

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        return self._visual.render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self._visual.get_optimal_width(rules, container_width)

    def get_minimal_width(self, rules: RulesMap) -> int:
        return self._visual.get_minimal_width(rules)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self._visual.get_height(rules, width + self.offered)

    def strips(self, widget: Widget, width: int, style: Style) -> list[Strip]:
        """The rows of the note at the list's full row ``width``."""
        strips = Visual.to_strips(widget, self, width, None, style)
        return [strip.extend_cell_length(width, style.rich_style) for strip in strips]


class NoteOption(Option):
    """A disabled option holding a :class:`Note` (never highlighted; its links work by their ``@click``)."""

    def __init__(self, note: Note) -> None:
        super().__init__(note, disabled=True)
        self.note = note
        self.key = ("note", note.content.plain)  # what its lines show (see CachedRows.changing)


class QuietScrollBar(ScrollBar):
    """A vertical scroll bar that draws nothing (the widget's background) while everything fits.

    Used with ``overflow-y: scroll``, it is always there: a scroll bar that comes and goes lays out the screen.
    Its lines are kept by what they show: a new result list sets the bar's sizes on every keystroke, which
    repaints it, and drawing a bar through Rich cost about 1.4 ms of each keystroke's frame (30 lines at 120x40)
    though most lists are as long as the one before.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._drawn: LRUCache[tuple[object, ...], list[Strip]] = LRUCache(BARS_KEPT)

    def render(self):  # noqa: ANN201 - what ScrollBar.render returns
        if self.window_virtual_size <= self.window_size and self.parent is not None:
            return Blank(self.parent.background_colors[1])
        return super().render()

    def _looks(self) -> tuple[object, ...]:
        """Everything :meth:`render` draws from (the colours come from the list's styles and the theme)."""
        parent = self.parent
        styles = parent.styles if isinstance(parent, Widget) else None
        colours = () if styles is None else (
            styles.scrollbar_background, styles.scrollbar_color, styles.scrollbar_background_hover,
            styles.scrollbar_color_hover, styles.scrollbar_background_active, styles.scrollbar_color_active,
            parent.background_colors)  # type: ignore[union-attr]
        return (self.size, self.window_virtual_size, self.window_size, self.position, self.thickness,
                self.grabbed is not None, self.mouse_over, self.screen.styles.scrollbar_color.a, colours)

    def render_lines(self, crop: Region) -> list[Strip]:
        key = (crop, *self._looks())
        strips = self._drawn.get(key)
        if strips is None:
            strips = self._drawn[key] = super().render_lines(crop)
        return strips

    def notify_style_update(self) -> None:
        self._drawn.clear()
        super().notify_style_update()
