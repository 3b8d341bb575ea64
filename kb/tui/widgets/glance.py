"""The "at a glance" block at the top of a nutrient pane: intakes by life stage, the upper limit, the
deficiency's name, and the top food sources drawn as bars against the Daily Value.

Everything is built as :class:`Content` from the record's fields (never markup); the bars are redrawn for the
pane's width.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from kb.model.records import Nutrient
from kb.tui.text import literal

TOP_FOODS = 6
_EIGHTHS = " \u258f\u258e\u258d\u258c\u258b\u258a\u2589"  # 0/8 .. 7/8 of a cell


def _n(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def bar(fraction: float, width: int) -> str:
    """A horizontal bar ``fraction`` (0-1, capped) of ``width`` cells, in eighths of a cell."""
    eighths = round(max(0.0, min(fraction, 1.0)) * width * 8)
    full, part = divmod(eighths, 8)
    return ("\u2588" * full + (_EIGHTHS[part] if part else "")).ljust(width)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "\u2026"


def intake_rows(n: Nutrient) -> list[list[str]]:
    """The intake table as text cells: a header row, then one row per life stage."""
    rows = n.intakes.rows
    extra = [(label, attr) for label, attr in (("Pregnancy", "pregnancy"), ("Lactation", "lactation"))
             if any(getattr(r, attr) is not None for r in rows)]
    table = [["Ages", "Male", "Female", *[label for label, _ in extra]]]
    for r in rows:
        ages = r.ages + (" *" if r.measure != n.intakes.measure else "")
        table.append([ages, _n(r.male), _n(r.female), *[_n(getattr(r, attr)) for _, attr in extra]])
    return table


def limit_text(n: Nutrient) -> str:
    """The upper limit by life stage, and who it applies to, on one line."""
    ul = n.upper_limits
    unit = ul.unit or n.unit
    if ul.applies_to == "none-set" or not any(r.amount is not None for r in ul.rows):
        return f"Upper limit: none set ({ul.applies_text})."
    parts = [f"{r.amount:g} {unit} ({r.ages})" for r in ul.rows if r.amount is not None]
    return f"Upper limit ({ul.measure}): {'; '.join(parts)} - {ul.applies_text}."


def glance(n: Nutrient, width: int) -> Content:
    """The whole block for a pane ``width`` cells wide."""
    width = max(width, 30)
    head, dim = ".glance--head", ".glance--meta"
    lines: list[Content] = [Content.styled("At a glance", "bold underline")]
    measure = n.intakes.measure
    lines.append(literal(f"Daily intakes ({measure}, {n.unit})").stylize(head))
    table = intake_rows(n)
    cols = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for i, row in enumerate(table):
        cells = [row[0].ljust(cols[0])] + [c.rjust(w) for c, w in zip(row[1:], cols[1:], strict=True)]
        line = literal(_fit("  ".join(cells), width))
        lines.append(line.stylize(dim) if i == 0 else line)
    if any(r.measure != measure for r in n.intakes.rows):
        other = sorted({r.measure for r in n.intakes.rows if r.measure != measure})
        lines.append(literal(f"* {', '.join(other)} (no {measure} set for this age)").stylize(dim))
    lines.append(Content(""))
    lines.append(Content.assemble(("Upper limit ", head), literal(limit_text(n).removeprefix("Upper limit "))))
    lines.append(Content.assemble(("Deficiency ", head), literal(n.deficiency.name)))
    lines.append(Content(""))
    foods = sorted(n.food_sources, key=lambda f: -f.amount)[:TOP_FOODS]
    if foods and n.daily_value:
        lines.append(literal(f"Top food sources (bar: share of the {n.daily_value:g} {n.unit} Daily Value)")
                     .stylize(head))
        figures = [f"{f.amount:g} {n.unit}  {n.percent_dv(f.amount)}% DV" for f in foods]
        fig_w = max(len(s) for s in figures)
        bar_w = max(6, width - fig_w - 3)
        for f, figure in zip(foods, figures, strict=True):
            lines.append(Content.assemble(literal(f.food), literal(f"  {f.serving}").stylize(dim)))
            lines.append(Content.assemble("  ", (bar(f.amount / n.daily_value, bar_w), ".glance--bar"), " ",
                                          literal(figure.rjust(fig_w))))
    return Content("\n").join(lines)


class Glance(Static):
    """Shows :func:`glance` for a nutrient and redraws its bars when the pane's width changes."""

    COMPONENT_CLASSES = {"glance--head", "glance--meta", "glance--bar"}
    DEFAULT_CSS = """
    Glance {
        padding: 0 1 1 1;
        & > .glance--head { text-style: bold; color: $text-primary; }
        & > .glance--meta { color: $text-muted; }
        & > .glance--bar { color: $text-success; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.nutrient: Nutrient | None = None
        self._width = 0

    def show(self, nutrient: Nutrient) -> None:
        self.nutrient = nutrient
        self._draw()

    def _draw(self) -> None:
        if self.nutrient is not None:
            self._width = self.content_size.width or 60
            self.update(glance(self.nutrient, self._width))

    def on_resize(self) -> None:
        if self.content_size.width != self._width:
            self._draw()
