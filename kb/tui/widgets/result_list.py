"""The ranked results: a kind badge, the title, the parent article for sections, and a one-line snippet."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from textual import on
from textual.binding import Binding
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Size, Spacing
from textual.message import Message
from textual.reactive import Reactive
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.style import Style
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from kb.engine import find_spans
from kb.model.results import Hit, Snippet
from kb.tui.text import badge, fit_snippet, literal, snippet_content
from kb.tui.widgets import empty_state
from kb.tui.widgets.empty_state import EmptyState
from kb.tui.widgets.note import Note, NoteOption, QuietScrollBar
from kb.tui.widgets.row_cache import ROWS_KEPT, CachedRows, KeyedOption

MATCH = ".result-list--match"
INDENT = " " * 11  # badge width plus one space: continuation lines line up under the title
NOTE_SPACING = Spacing(1, 0, 1, 2)  # around the welcome / no-results text (the scroll bar's gutter is on its right)


class ResultList(CachedRows):
    """Search hits as options whose ids are record ids; with none, the welcome or the no-results text
    (:meth:`show_welcome`, :meth:`show_no_results`, made by :attr:`empty`) in their place.

    Posts ``Highlighted`` only when the person moves the highlight (not when new results arrive), and
    ``Chosen`` on Enter or click. While ``more`` is set (the search has more results than it returned), moving
    or scrolling near the end, or ``end``, posts ``NeedMore``. The text's links post ``EmptyState.SearchFor``
    and ``EmptyState.OpenNutrient``.

    Nothing here changes the screen's layout (see :mod:`kb.tui.widgets.note`): the text is drawn as rows, and
    the scroll bar is always there (drawn blank while everything fits).
    """

    BINDINGS = [
        # fzf's list keys; letters typed here start a new query, so j / k type. ctrl+n wins over the app's
        # nutrient browser while the list has the keyboard; ctrl+p is the app's (a priority binding), which moves
        # up here (KbApp.action_command_palette)
        Binding("ctrl+n,ctrl+j", "cursor_down", "Down", show=False),
        Binding("ctrl+p,ctrl+k", "cursor_up", "Up", show=False),
        Binding("end", "last_of_all", "Last", show=False),
    ]
    NEAR_END = 5  # results from the end of the loaded ones at which the next page is asked for

    COMPONENT_CLASSES = {
        "result-list--match", "result-list--section", "result-list--faq", "result-list--nutrient",
        "result-list--meta", *empty_state.COMPONENT_CLASSES,
    }
    DEFAULT_CSS = """
    ResultList {
        height: 1fr;
        max-height: 100%;
        border: none;
        padding: 0;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        background: transparent;
        overflow-y: scroll;
        &:focus { border: none; background-tint: $foreground 3%; }
        & > .result-list--match { text-style: bold; color: $text-warning; }
        & > .result-list--section { background: $primary 25%; color: $text-primary; text-style: bold; }
        & > .result-list--faq { background: $success 25%; color: $text-success; text-style: bold; }
        & > .result-list--nutrient { background: $accent 25%; color: $text-accent; text-style: bold; }
        & > .result-list--meta { color: $text-muted; }
        & > .option-list--option { padding: 0 1; }
    """ + empty_state.CSS + """
    }
    """

    # A new result set almost always has a new number of lines. Textual's default (layout=True) turns that into
    # a layout pass and a re-render of the whole screen on every keystroke; the list's own size does not depend
    # on its lines (height: 1fr), and the scroll bars are refreshed by OptionList when the lines change (the
    # vertical one never comes or goes: overflow-y: scroll, see QuietScrollBar).
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    @dataclass
    class Highlighted(Message):
        """The person moved the highlight to ``hit``."""

        hit: Hit

    @dataclass
    class Chosen(Message):
        """The person chose ``hit`` (Enter or click)."""

        hit: Hit

    @dataclass
    class NeedMore(Message):
        """The person reached the end of the loaded results: load the next page (``everything`` for End)."""

        everything: bool = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.hits: tuple[Hit, ...] = ()
        self.terms: frozenset[str] = frozenset()
        self._announced: str | None = None
        self._width = 0  # the snippet width the prompts were made for
        self._generation = 0  # bumped by each show(): a held-back batch of older results is dropped
        self.first_batch = 0  # how many results show() made into options at once
        self.more = False  # set by the screen: the search has results beyond these
        self._asked = False  # NeedMore posted for these results
        self._prompts: LRUCache[tuple[object, ...], Content] = LRUCache(ROWS_KEPT)  # prompts by what they show
        self.empty = EmptyState()  # the text shown with no results (its links, the query it was made for)
        self._note: tuple[NoteOption, int, Style, list[Strip]] | None = None  # the note's rows, as last drawn

    @property
    def highlighted_hit(self) -> Hit | None:
        i = self.highlighted
        return self.hits[i] if i is not None and 0 <= i < len(self.hits) else None

    def show(self, hits: Iterable[Hit], terms: Iterable[str], keep_id: str | None = None,
             rest_later: bool = False) -> Hit | None:
        """Replace the results; keep ``keep_id`` highlighted when it is still there, else the first.

        Only the results that fit on screen (and the one to keep highlighted) are made into options at once;
        the rest follow after the frame is painted. Making an option lays out its text, and the 50 a search
        returns cost about as much as the rest of a keystroke's main-thread work. With ``rest_later`` the rest
        come through :meth:`fill_rest` (with the snippets the search left out) instead.

        Returns:
            The highlighted hit, or None when there are none.
        """
        self.hits = tuple(hits)
        self.terms = frozenset(terms)
        self._asked = False
        ids = [h.id for h in self.hits]
        index = ids.index(keep_id) if keep_id in ids else 0
        self._generation += 1
        self.first_batch = first = max(index + 1, self.rows_on_screen())
        with self.changing():  # the lines showing what they showed before are not painted again
            self._set_prompts(first)
            if self.hits:
                self.highlighted = index
        if first < len(self.hits) and not rest_later:
            self.call_after_refresh(self._add_rest, self._generation)
        if self.hits:
            self._announced = self.hits[index].id
            return self.hits[index]
        self._announced = None
        return None

    @property
    def showing_note(self) -> bool:
        """True while the welcome or the no-results text is shown (there are no results)."""
        return bool(self._options) and isinstance(self._options[0], NoteOption)

    def show_welcome(self) -> None:
        """No results and nothing typed: the welcome."""
        self.show_note(self.empty.welcome())

    def show_no_results(self, query: str, suggestion: str | None, as_typed: bool = False, only: str | None = None,
                        notice: str | None = None) -> None:
        """No results for ``query``: say so, with the suggestion and tips (see :meth:`EmptyState.no_results`)."""
        self.show_note(self.empty.no_results(query, suggestion, as_typed, only, notice))

    def show_note(self, content: Content) -> None:
        """Show ``content`` in the place of the results (there are none)."""
        self.hits = ()
        self._asked = False
        self._announced = None
        self._generation += 1
        padding = self.get_component_styles("option-list--option").padding if self.is_mounted else Spacing()
        with self.changing():
            self.set_options([NoteOption(Note(content, NOTE_SPACING, padding.width))])

    def _get_option_render(self, option: Option, style: Style) -> list[Strip]:
        if not isinstance(option, NoteOption):
            return super()._get_option_render(option, style)
        width = self.scrollable_content_region.width
        style = self.get_visual_style("option-list--option")  # not dimmed as a disabled option
        kept = self._note
        if kept is None or kept[0] is not option or kept[1] != width or kept[2] != style:
            kept = self._note = (option, width, style, option.note.strips(self, width, style))
        return kept[3]

    def notify_style_update(self) -> None:
        self._note = None  # a theme change: the note's colours come from the styles
        super().notify_style_update()

    def action_choose(self, index: int) -> None:
        """A link in the welcome or no-results text was clicked."""
        message = self.empty.message(index)
        if message is not None:
            self.post_message(message)

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """Always there (``overflow-y: scroll``), and blank while everything fits: see :class:`QuietScrollBar`."""
        if self._vertical_scrollbar is None:  # what Widget.vertical_scrollbar does, with another class
            self._vertical_scrollbar = bar = QuietScrollBar(vertical=True, name="vertical",
                                                            thickness=self.scrollbar_size_vertical)
            bar.display = False
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    @property
    def generation(self) -> int:
        """Bumped by each :meth:`show`: tells :meth:`fill_rest` whether its results are still the ones shown."""
        return self._generation

    def fill_rest(self, generation: int, snippets: dict[str, Snippet]) -> None:
        """Give results their snippets (by id) and add the ones :meth:`show` held back (``rest_later``)."""
        if generation != self._generation or not self.is_attached:
            return
        self.hits = tuple(replace(h, snippet=snippets[h.id]) if h.id in snippets else h for h in self.hits)
        shown = self.option_count
        on_screen = self._highlight_on_screen()
        replaced = False
        for hit in self.hits[:shown]:
            if hit.id in snippets:  # a row made without its snippet (a next page, End, a key moving past the rows)
                self._replace_option(hit)
                replaced = True
        if replaced and on_screen:  # the snippets' lines moved it (End: the last row, below the screen)
            self.scroll_to_highlight()
        self._make_held_rows()

    def _highlight_on_screen(self) -> bool:
        i = self.highlighted
        if i is None or not self.is_mounted:
            return False
        line, top = self._index_to_line.get(i, -1), round(self.scroll_y)
        return top <= line < top + self.scrollable_content_region.height

    def rows_on_screen(self) -> int:
        """How many results can be visible at once (each takes at least two lines and a divider), plus one."""
        return max(8, (self.scrollable_content_region.height or self.app.size.height) // 3 + 1)

    def _snippet_width(self) -> int:
        # option padding (2), the indent, and 2 to spare (the region already leaves out the scroll bar's gutter)
        return max(20, (self.scrollable_content_region.width or 60) - 4 - len(INDENT))

    def _make_options(self, hits: Iterable[Hit], width: int) -> list[Option | None]:
        options: list[Option | None] = []
        for hit in hits:
            options.append(self._option(hit, width))
            options.append(None)  # a divider line under each result
        return options

    def _option(self, hit: Hit, width: int) -> KeyedOption:
        """The hit's option, keyed by what its prompt shows (its prompt made again only for a new key)."""
        title_spans = tuple((start, end) for start, end, _ in find_spans(hit.title, self.terms))
        snippet = fit_snippet(hit.snippet, width) if hit.snippet.text else None
        key = (hit.kind, hit.title, title_spans, hit.article, snippet)
        prompt = self._prompts.get(key)
        if prompt is None:
            prompt = self._prompts[key] = self._prompt(hit.kind, hit.title, title_spans, hit.article, snippet)
        return KeyedOption(prompt, key, id=hit.id)

    def _replace_option(self, hit: Hit) -> None:
        new = self._option(hit, self._width)
        option = self.get_option(hit.id)
        if isinstance(option, KeyedOption):
            option.key = new.key
        self.replace_option_prompt(hit.id, new.prompt)

    def _set_prompts(self, count: int | None = None) -> None:
        """Make options of the first ``count`` hits (all when None)."""
        self._width = width = self._snippet_width()
        shown = self.hits if count is None else self.hits[:count]
        self.set_options(self._make_options(shown, width))

    def _add_rest(self, generation: int) -> None:
        """Append the hits :meth:`show` held back, unless newer results have replaced them meanwhile."""
        if generation == self._generation and self.is_attached:
            self._make_held_rows()

    def on_resize(self) -> None:
        """Re-fit the snippets to the new width, keeping the highlight where it was."""
        if self.hits and self._snippet_width() != self._width:
            index = self.highlighted
            self._set_prompts()  # the same results: snippets still on their way are welcome
            if index is not None:
                self.highlighted = index

    @staticmethod
    def _prompt(kind: str, title: str, title_spans: tuple[tuple[int, int], ...], article: str,
                snippet: Snippet | None) -> Content:
        heading = literal(title)
        for start, end in title_spans:
            heading = heading.stylize(MATCH, start, end)
        lines = [Content.assemble(badge(kind, f".result-list--{kind}"), " ", heading.stylize("bold"))]
        if article:
            lines.append(Content.assemble(INDENT, ("in ", ".result-list--meta"),
                                          literal(article).stylize(".result-list--meta")))
        if snippet is not None:
            lines.append(Content.assemble(INDENT, snippet_content(snippet, MATCH)))
        return Content("\n").join(lines)

    def _ask_for_more(self, everything: bool = False) -> None:
        if self.more and (everything or not self._asked):
            self._asked = True
            self.post_message(self.NeedMore(everything))

    def action_last_of_all(self) -> None:
        """End: the last result of all (loading the rest first when there is more)."""
        if self.more:
            self._ask_for_more(everything=True)
        else:
            self.action_last()

    # The keys that move the highlight work on every result loaded, including those whose rows :meth:`show` held
    # back (for after the frame, or until their snippets come): those rows are made first. OptionList moves among
    # its options only, so Down on the last row made wrapped to the first result and End stopped short.
    def _make_held_rows(self) -> None:
        """Make the rows of the hits loaded but not made yet (without a snippet where it is still coming)."""
        start = self.option_count
        if start < len(self.hits):
            with self.changing():  # rows below the screen: only the scroll bar changes
                self.add_options(self._make_options(self.hits[start:], self._width))

    def action_cursor_down(self) -> None:
        self._make_held_rows()
        if self.more and self.highlighted == len(self.hits) - 1:
            self._ask_for_more()  # the next page is on its way: stay on the last row loaded, not the first
            return
        super().action_cursor_down()

    def action_cursor_up(self) -> None:
        self._make_held_rows()  # up from the first wraps to the last result loaded
        super().action_cursor_up()

    def action_last(self) -> None:
        self._make_held_rows()
        super().action_last()

    def action_page_down(self) -> None:
        self._make_held_rows()
        super().action_page_down()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        complete = self.option_count >= len(self.hits)  # not while the rows after the first screenful come
        if self.more and complete and new >= self.max_scroll_y - self.scrollable_content_region.height:
            self._ask_for_more()  # scrolled (wheel, page down) to the last screenful

    @on(OptionList.OptionHighlighted)
    def _relay_highlight(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option_index >= len(self.hits) - self.NEAR_END:
            self._ask_for_more()
        hit = self.hits[event.option_index] if event.option_index < len(self.hits) else None
        if hit is None or hit.id == self._announced:
            return  # the echo of show(): not a move by the person
        self._announced = hit.id
        self.post_message(self.Highlighted(hit))

    @on(OptionList.OptionSelected)
    def _relay_choice(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_index < len(self.hits):
            self.post_message(self.Chosen(self.hits[event.option_index]))
