"""Plain-text renderings of records for the CLI (``kb show``, ``kb nutrient``); the TUI renders its own way.

Every corpus string passes through :func:`kb.terminal.clean` before emphasis is added, so escape sequences in
the corpus are shown, never obeyed.
"""

from __future__ import annotations

from kb.records import Faq, Nutrient, Record, Reference, Section
from kb.terminal import Style, clean


def _c(text: str) -> str:
    return clean(text, keep_newlines=True)


def _refs(refs: tuple[Reference, ...]) -> list[str]:
    return [f"  - {_c(r.title)} ({_c(r.publisher)}) {_c(r.url)}" for r in refs]


def _n(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def table(headers: list[str], rows: list[list[str]], style: Style, indent: str = "  ") -> list[str]:
    """Rows of already-cleaned cells as aligned columns under a bold header line."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return indent + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return [style.bold(line(headers)), *[line(r) for r in rows]]


def intake_lines(n: Nutrient, style: Style) -> list[str]:
    """Intakes by life stage: a row per age band with Male / Female / Pregnancy / Lactation columns."""
    unit = _c(n.unit)
    rows = [[_c(r.ages), _c(r.measure), _n(r.male), _n(r.female), _n(r.pregnancy), _n(r.lactation)]
            for r in n.intakes.rows]
    lines = [style.bold(f"Intakes by life stage ({unit} a day)"),
             *table(["Ages", "Measure", "Male", "Female", "Pregnancy", "Lactation"], rows, style)]
    if n.intakes.note:
        lines += ["", _c(n.intakes.note.strip())]
    return lines


def limit_lines(n: Nutrient, style: Style) -> list[str]:
    """Upper limits by life stage, who they apply to and the note; other bodies' advice after."""
    ul = n.upper_limits
    unit = _c(ul.unit or n.unit)
    lines = [style.bold(f"Upper limits ({_c(ul.measure)}, {unit} a day): {ul.applies_text}")]
    if ul.rows:
        extra = any(r.pregnancy is not None or r.lactation is not None for r in ul.rows)
        headers = ["Ages", "Limit"] + (["Pregnancy", "Lactation"] if extra else [])
        rows = [[_c(r.ages), "not established" if r.amount is None else f"{r.amount:g} {unit}"]
                + ([_n(r.pregnancy), _n(r.lactation)] if extra else []) for r in ul.rows]
        lines += table(headers, rows, style)
    lines += ["", _c(ul.note.strip())]
    for o in ul.other:
        lines.append(f"  {_c(o.body)}: {_c(o.text.strip())}")
    return lines


def food_lines(n: Nutrient, style: Style) -> list[str]:
    """Food sources with serving, amount and the share of the Daily Value that serving gives."""
    unit = _c(n.unit)
    rows = []
    for f in n.food_sources:
        dv = n.percent_dv(f.amount)
        rows.append([_c(f.food), _c(f.serving), f"{f.amount:g} {unit}", "-" if dv is None else f"{dv}%"])
    lines = [style.bold(f"Food sources (Daily Value {n.daily_value:g} {unit})"),
             *table(["Food", "Serving", "Amount", "%DV"], rows, style)]
    if n.food_note:
        lines += ["", _c(n.food_note.strip())]
    return lines


def blood_test_lines(n: Nutrient, style: Style) -> list[str]:
    lines = [style.bold("Blood tests")]
    for t in n.blood_tests.tests:
        lines += [f"  - {_c(t.name)}: {_c(t.range)}", f"    {_c(t.shows.strip())}"]
    return [*lines, f"  {_c(n.blood_tests.note.strip())}"]


def record_text(record: Record, style: Style) -> str:
    """A whole record, for ``kb show``."""
    lines: list[str] = []
    if isinstance(record, Section):
        lines += [style.bold(_c(record.heading)), style.dim(f"from: {_c(record.article_title)}"), "",
                  _c(record.text)]
    elif isinstance(record, Faq):
        lines += [style.bold(_c(record.question)), "", _c(record.answer)]
        if record.article:
            lines += ["", f"Related article: {_c(record.article)}"]
    else:
        lines += nutrient_lines(record, style)
    if not isinstance(record, Nutrient):
        if record.care:
            lines += ["", f"Care: {record.care}"]
        lines += ["", f"Nutrients: {', '.join(record.nutrients) or '-'}"]
        if record.tags:
            lines.append(f"Tags: {_c(', '.join(record.tags))}")
        lines += [f"Reviewed: {record.reviewed}", "References:", *_refs(record.references)]
    lines += ["", style.dim(f"{_c(record.id)}  {_c(record.path)}:{record.line}")]
    return "\n".join(lines)


def nutrient_lines(n: Nutrient, style: Style) -> list[str]:
    """A nutrient record's fields, in the order a reader wants them."""
    lines = [style.bold(f"{_c(n.name)} ({n.category})"), f"Also called: {_c(', '.join(n.aliases))}"]
    if n.forms:
        lines.append(f"Forms: {_c(', '.join(n.forms))}")
    excess = f"Too much: {_c(n.excess.name)}" if n.excess.name else "Too much"
    return lines + [
        "",
        _c(n.summary),
        "",
        style.bold("Role in muscles and nerves"),
        _c(n.muscle_nerve_role.strip()),
        "",
        *intake_lines(n, style),
        "",
        *limit_lines(n, style),
        "",
        *food_lines(n, style),
        "",
        *blood_test_lines(n, style),
        "",
        style.bold("Medicines that interact"),
        *[f"  - {_c(i.medicine)}: {_c(i.effect)}" for i in n.interactions],
        "",
        style.bold(f"Deficiency: {_c(n.deficiency.name)}"),
        *[f"  - {_c(s)}" for s in n.deficiency.signs],
        "",
        style.bold(excess),
        *[f"  - {_c(s)}" for s in n.excess.signs],
        _c(n.excess.text.strip()),
        "",
        style.bold("Groups at risk"),
        *[f"  - {_c(g)}" for g in n.at_risk],
        "",
        style.bold("When to see a doctor"),
        _c(n.see_doctor.strip()),
        "",
        f"Reviewed: {n.reviewed}",
        "References:",
        *_refs(n.references),
    ]
