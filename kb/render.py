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


def intake_lines(n: Nutrient) -> list[str]:
    rows = [f"  {_c(r.group)}: {r.amount:g} {_c(n.intake.unit)}" for r in n.intake.adults]
    return [f"Adult intake ({_c(n.intake.measure)}):", *rows, f"Upper limit: {_c(n.intake.upper_limit)}"]


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
        lines += ["", f"Nutrients: {', '.join(record.nutrients) or '-'}"]
        if record.tags:
            lines.append(f"Tags: {_c(', '.join(record.tags))}")
        lines += [f"Reviewed: {record.reviewed}", "References:", *_refs(record.references)]
    lines += ["", style.dim(f"{_c(record.id)}  {_c(record.path)}:{record.line}")]
    return "\n".join(lines)


def linked_count(linked: list[Record]) -> str:
    """"3 sections, 1 FAQ": how many of each kind link to a nutrient."""
    sections = sum(isinstance(r, Section) for r in linked)
    faqs = sum(isinstance(r, Faq) for r in linked)
    return (f"{sections} section{'' if sections == 1 else 's'}, "
            f"{faqs} FAQ{'' if faqs == 1 else 's'}")


def linked_lines(linked: list[Record], style: Style) -> list[str]:
    """The records linked to a nutrient, in the order given (the engine's: most about it first)."""
    return [style.bold(f"Linked records ({len(linked)}: {linked_count(linked)})"),
            *[f"  [{r.kind}] {_c(r.title)}  {style.dim(_c(r.id))}" for r in linked]]


def nutrient_lines(n: Nutrient, style: Style) -> list[str]:
    """A nutrient record's fields, in the order a reader wants them."""
    return [
        style.bold(f"{_c(n.name)} ({n.category})"),
        f"Also called: {_c(', '.join(n.aliases))}",
        "",
        _c(n.summary),
        "",
        style.bold("Role in muscles and nerves"),
        _c(n.muscle_nerve_role.strip()),
        "",
        style.bold("Food sources"),
        _c(", ".join(n.food_sources)),
        "",
        style.bold(f"Deficiency: {_c(n.deficiency.name)}"),
        *[f"  - {_c(s)}" for s in n.deficiency.signs],
        "",
        *intake_lines(n),
        "",
        style.bold("Groups at risk"),
        *[f"  - {_c(g)}" for g in n.at_risk],
        "",
        style.bold("Too much"),
        _c(n.excess.strip()),
        "",
        style.bold("When to see a doctor"),
        _c(n.see_doctor.strip()),
        "",
        f"Reviewed: {n.reviewed}",
        "References:",
        *_refs(n.references),
    ]
