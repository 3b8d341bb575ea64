"""What the results area shows with nothing to list: a welcome before typing, help after no results.

The text is drawn by the result list itself (:meth:`kb.tui.widgets.result_list.ResultList.show_note`), in the
place of its rows: a second widget swapped in for the list changed the screen's layout, and Textual lays out and
repaints the whole screen for that (30-45 ms of CPU on the first key of every query and on every "no results").
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.message import Message
from textual.style import Style

from kb.tui.text import literal

EXAMPLES = ("cramps at night", "magnesium", "pins and needles", "eyelid twitching", "how much vitamin d")

# the styles the text names; the widget that draws it declares them (see ResultList)
COMPONENT_CLASSES = {"empty-state--link", "empty-state--title", "empty-state--key"}
CSS = """
    & > .empty-state--link { color: $text-primary; text-style: underline; }
    & > .empty-state--title { text-style: bold; }
    & > .empty-state--key { color: $text-accent; text-style: bold; }
"""


class EmptyState:
    """A welcome with example queries, or "no results" with the suggestion and the nutrients to browse.

    Everything shown is clickable (and reachable by key too): each link runs the drawing widget's
    ``choose(i)`` action, which hands ``targets[i]`` to :meth:`message` (``SearchFor`` or ``OpenNutrient``).
    """

    @dataclass
    class SearchFor(Message):
        query: str

    @dataclass
    class OpenNutrient(Message):
        slug: str

    def __init__(self) -> None:
        self.nutrients: list[tuple[str, str]] = []  # (slug, name)
        # what each clickable part does: ("search" | "nutrient", value)
        self.targets: list[tuple[str, str]] = []
        self.query_text = ""
        self.suggestion: str | None = None
        self.content = Content("")  # the text last made

    def _link(self, label: Content | str, target: tuple[str, str]) -> Content:
        self.targets.append(target)
        click = Style.from_meta({"@click": f"choose({len(self.targets) - 1})"})
        text = label if isinstance(label, Content) else literal(label)
        return text.stylize(".empty-state--link").stylize(click)

    def _nutrient_lines(self) -> list[Content]:
        if not self.nutrients:
            return []
        lines = [Content.assemble(("Browse by nutrient ", ".empty-state--title"),
                                  ("ctrl+n", ".empty-state--key"))]
        for slug, name in self.nutrients:
            lines.append(Content.assemble("  ", self._link(name, ("nutrient", slug))))
        return lines

    def welcome(self) -> Content:
        """Before anything is typed: example queries and the nutrients."""
        self.targets = []
        self.query_text, self.suggestion = "", None
        lines = [Content.styled("Search the knowledge base", ".empty-state--title"),
                 Content("Type in the box above; results follow every key."), Content(""),
                 Content.styled("Try", ".empty-state--title")]
        lines += [Content.assemble("  ", self._link(q, ("search", q))) for q in EXAMPLES]
        lines += [Content(""), *self._nutrient_lines()]
        self.content = Content("\n").join(lines)
        return self.content

    def no_results(self, query: str, suggestion: str | None, as_typed: bool = False,
                   only: str | None = None, notice: str | None = None) -> Content:
        """After a search that found nothing.

        Args:
            suggestion: a spelling the engine offered.
            as_typed: the words as typed, after the engine corrected them.
            only: the kind filter (e.g. "FAQs") when other kinds did match.
            notice: why nothing was searched (an unknown filter value, with the valid ones).
        """
        self.targets = []
        self.query_text, self.suggestion = query, suggestion
        what = " as typed" if as_typed else ""
        lines = [Content.assemble((f"No {only or 'results'} for ", ".empty-state--title"),
                                  literal(f"\u201c{query.strip()}\u201d").stylize("bold"), what)]
        if notice:
            lines += [Content(""), literal(notice)]
        if only:
            lines += [Content(""), Content.assemble("Other kinds match: press ", ("alt+0", ".empty-state--key"),
                                                    " for all kinds")]
        if suggestion:
            lines += [Content(""), Content.assemble(
                "Did you mean ", self._link(literal(suggestion).stylize("bold"), ("search", suggestion)),
                "?" + ("  (ctrl+o)" if as_typed else ""))]
        lines += [Content(""), Content.styled("Tips", ".empty-state--title"),
                  Content("  Fewer, simpler words find more"),
                  Content("  Search a symptom, a nutrient or a food"),
                  Content('  "a phrase"  -word  kind:faq  tag:sleep'), Content("")]
        lines += self._nutrient_lines()
        self.content = Content("\n").join(lines)
        return self.content

    def message(self, index: int) -> Message | None:
        """What choosing link ``index`` asks for (None for no such link)."""
        if not 0 <= index < len(self.targets):
            return None
        what, value = self.targets[index]
        return self.OpenNutrient(value) if what == "nutrient" else self.SearchFor(value)
