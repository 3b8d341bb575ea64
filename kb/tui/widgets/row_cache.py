"""An OptionList that keeps its rendered rows from one set of options to the next and repaints only the lines
that changed.

``OptionList.set_options`` drops its render cache (keyed by the Option objects, which are new each time) and
repaints every line. From one keystroke to the next about a third of the result list's lines are the same row at
the same place. Here each option carries a ``key`` naming what it shows; the rows rendered for a key (at a width,
in a style) are kept across sets of options, and :meth:`CachedRows.changing` repaints only the lines whose row,
line of the row, position or highlight changed.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from contextlib import contextmanager

from rich.segment import Segment
from textual.cache import LRUCache
from textual.geometry import Region
from textual.strip import Strip
from textual.style import Style
from textual.visual import Padding
from textual.widget import Widget
from textual.widgets import OptionList
from textual.widgets.option_list import Option

ROWS_KEPT = 512  # rendered rows (each a few strips) kept across searches


class KeyedOption(Option):
    """An option whose ``key`` is a hashable description of everything its prompt shows."""

    def __init__(self, prompt: object, key: Hashable, id: str | None = None) -> None:
        super().__init__(prompt, id=id)  # type: ignore[arg-type]
        self.key = key


class CachedRows(OptionList):
    """Rows of :class:`KeyedOption` rendered once per key, width and style; see the module's docstring."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._rows: LRUCache[tuple[object, ...], list[Strip]] = LRUCache(ROWS_KEPT)
        self._placed: LRUCache[tuple[object, ...], list[Strip]] = LRUCache(ROWS_KEPT)
        self._changing = False  # inside changing(): whole-widget refreshes are collected, not made
        self._refresh_wanted = False

    # --- rendering ---------------------------------------------------------------------------------------------
    def _get_option_render(self, option: Option, style: Style) -> list[Strip]:
        key = getattr(option, "key", None)
        if key is None or self.text_selection is not None:  # a mouse selection is drawn into the rows
            return super()._get_option_render(option, style)
        padding = self.get_component_styles("option-list--option").padding
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        row_key = (key, style, padding, width, option._divider)
        index = self._option_to_index[option]
        placed = self._placed.get((row_key, index))
        if placed is not None:
            return placed
        strips = self._rows.get(row_key)
        if strips is None:  # what OptionList._get_option_render does, without the option's index
            visual = self._get_visual(option)
            if padding:
                visual = Padding(visual, padding)
            strips = visual.to_strips(self, visual, width, None, style)
            strips = [strip.extend_cell_length(width, style.rich_style) for strip in strips]
            if option._divider:
                rule = self.get_visual_style("option-list--separator")
                strips.append(Strip([Segment("─" * width, rule.rich_style)], width))
            self._rows[row_key] = strips
        meta = {"option": index}  # clicks and hovers find the option by its index (not its divider line)
        lines = len(strips) - option._divider
        placed = [strip.apply_meta(meta) if n < lines else strip for n, strip in enumerate(strips)]
        self._placed[(row_key, index)] = placed
        return placed

    def notify_style_update(self) -> None:
        self._rows.clear()  # a theme or style change: the rows' colours come from the styles
        self._placed.clear()
        super().notify_style_update()

    # --- repainting only what changed --------------------------------------------------------------------------
    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Widget:
        if self._changing and not regions and not layout and not recompose:
            self._refresh_wanted = True
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _line_keys(self) -> list[tuple[object, ...] | None]:
        """What each visible line shows: the option's key, the line of it, its index, highlight and hover."""
        lines = self._lines
        options = self._options
        top = self.scroll_offset.y
        highlighted, hover = self.highlighted, self._mouse_hovering_over
        keys: list[tuple[object, ...] | None] = []
        for y in range(top, top + self.size.height):
            if y >= len(lines):
                keys.append(None)
                continue
            index, line = lines[y]
            option = options[index]
            keys.append((getattr(option, "key", option), line, index, index == highlighted, index == hover,
                         option.disabled))
        return keys

    @contextmanager
    def changing(self) -> Iterator[None]:
        """Change the options inside this block; afterwards only the lines that show something else repaint."""
        if self._changing or not self.is_mounted or not self.size:
            yield
            return
        before, offset, size = self._line_keys(), self.scroll_offset, self.size
        self._changing, self._refresh_wanted = True, False
        try:
            yield
        finally:
            self._changing = False
        if not self._refresh_wanted:
            return
        after = self._line_keys()
        if offset != self.scroll_offset or size != self.size or len(before) != len(after):
            self.refresh()
            return
        width = size.width
        changed = [Region(0, y, width, 1) for y, (old, new) in enumerate(zip(before, after, strict=True))
                   if old != new]
        if changed:
            self.refresh(*changed)
