"""The right-hand pane: the intro, a record (the preview or one opened by id), or a nutrient pane."""

from __future__ import annotations

from collections.abc import Iterable

from textual.containers import VerticalScroll
from textual.widgets import ContentSwitcher

from kb.model.records import Nutrient, Record
from kb.tui.widgets.intro import Intro
from kb.tui.widgets.nutrient_view import NutrientView
from kb.tui.widgets.record_view import RecordView

TITLES = {"results": "Preview", "record": "Opened", "nutrient": "Nutrient"}


class DetailPane(ContentSwitcher):
    """Switches between the intro, :class:`RecordView` and :class:`NutrientView`, as the screen says."""

    ALLOW_MAXIMIZE = True  # f6 / ctrl+g: the preview alone on screen

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(initial="intro-scroll", id=id)

    def compose(self):  # noqa: ANN201
        with VerticalScroll(id="intro-scroll"):
            yield Intro(id="intro")
        yield RecordView(id="record")
        yield NutrientView(id="nutrient")

    @property
    def shown(self) -> Record | None:
        """What ``e`` edits: the record on show, the linked record under the cursor, or the nutrient."""
        if self.current == "record":
            return self.query_one(RecordView).record
        if self.current == "nutrient":
            view = self.query_one(NutrientView)
            return view.highlighted_record or view.nutrient
        return None

    def show_intro(self, counts: dict[str, int] | None = None) -> None:
        if counts is not None:
            self.query_one(Intro).show(counts)
        self.current = "intro-scroll"

    async def show_record(self, record: Record, names: dict[str, str], terms: Iterable[str],
                          focus: bool) -> None:
        self.current = "record"
        view = self.query_one(RecordView)
        await view.show(record, names, terms)
        if focus:
            view.query_one("#record-body").focus()

    async def show_nutrient(self, nutrient: Nutrient, linked: Iterable[Record], terms: Iterable[str],
                            focus: bool) -> None:
        self.current = "nutrient"
        view = self.query_one(NutrientView)
        await view.show(nutrient, linked, terms)
        if focus:
            view.focus_linked()

    async def show_missing(self, key: str) -> None:
        self.current = "record"
        await self.query_one(RecordView).show_message(
            "Not in the index", f"`{key}` is no longer in the index: its file was removed or renamed, or "
            "it has a problem (see the problems panel).")

    def set_titles(self, kind: str, can_go_back: bool, can_go_forward: bool) -> None:
        """Name what is shown in the border, and say whether back and forward lead anywhere."""
        self.border_title = TITLES.get(kind, "Preview")
        hints = (["esc back"] if can_go_back else []) + (["alt+→ forward"] if can_go_forward else [])
        self.border_subtitle = "  ".join(hints)
