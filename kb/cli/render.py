"""Plain-text renderings of records for the CLI (``kb show``, ``kb nutrient``); the TUI renders its own way.

Every corpus string passes through :func:`kb.cli.terminal.clean` before emphasis is added, so escape sequences in
the corpus are shown, never obeyed.
"""

from __future__ import annotations

from typing import Any

from kb.cli.terminal import Style, clean, reflow
from kb.engine import plain_of
from kb.model.records import Faq, Nutrient, Record, Reference, Section


def _c(text: str) -> str:
    """Corpus text made safe for a terminal, its paragraphs one line each (the CLI wraps them to the width)."""
    return clean(reflow(text), keep_newlines=True)


def _ref(r: Reference) -> str:
    """``title - publisher url``; a publisher written with its own parentheses keeps them, once."""
    return f"{_c(r.title)} - {_c(r.publisher)} {_c(r.url)}"


def _refs(refs: tuple[Reference, ...]) -> list[str]:
    return [f"  - {_ref(r)}" for r in refs]


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


def article_text(sections: list[Section], style: Style) -> str:
    """A whole article for ``kb show ARTICLE``: title, contents, then every section in reading order."""
    first = sections[0]
    lines = [style.bold(_c(first.article_title)), "", style.bold("Contents")]
    lines += [f"  {n}. {_c(s.heading)}" for n, s in enumerate(sections, 1)]
    for n, s in enumerate(sections, 1):
        lines += ["", style.bold(f"{n}. {_c(s.heading)}"), _c(s.text),
                  style.dim(f"{_c(s.id)}  {_c(s.path)}:{s.line}")]
    lines += ["", f"Reviewed: {first.reviewed}", "References:", *_refs(first.references)]
    return "\n".join(lines)


def export_json(record: Record) -> dict[str, Any]:
    """One record as ``kb export`` writes it: what a script needs to use or cite it."""
    out: dict[str, Any] = {
        "id": record.id, "kind": record.kind, "title": record.title, "text": plain_of(record),
        "nutrients": list(record.nutrients), "tags": list(record.tags), "path": record.path, "line": record.line,
        "reviewed": record.reviewed, "care": record.care,
        "references": [{"title": r.title, "publisher": r.publisher, "url": r.url} for r in record.references],
    }
    if isinstance(record, Section):
        out["article"] = record.article_slug
        out["article_title"] = record.article_title
    elif isinstance(record, Faq):
        out["article"] = record.article
    return out


def _md_refs(refs: tuple[Reference, ...]) -> list[str]:
    return [f"- [{r.title}]({r.url}) - {r.publisher}" for r in refs]


def _md_record(record: Record) -> list[str]:
    if isinstance(record, Section):
        body = [f"## {record.heading}", "", f"*From: {record.article_title}*", "", record.text.strip()]
    elif isinstance(record, Faq):
        body = [f"## {record.question}", "", record.answer.strip()]
    else:
        lines = nutrient_lines(record, Style(color=False))
        cut = next((i for i, line in enumerate(lines) if line.startswith("Reviewed:")), len(lines))
        body = [f"## {record.name}", "", *lines[1:cut]]
    return [*body, "", f"Reviewed {record.reviewed}. Sources:", *_md_refs(record.references), "",
            f"<!-- kb id: {record.id} -->", ""]


def records_markdown(records: list[Record], disclaimer: str) -> str:
    """Records as one Markdown document to share: a whole article keeps its title and one list of sources."""
    lines: list[str] = []
    articles = {r.article_slug for r in records if isinstance(r, Section)}
    if len(articles) == 1 and all(isinstance(r, Section) for r in records):
        first = records[0]
        assert isinstance(first, Section)
        lines += [f"# {first.article_title}", ""]
        for r in records:
            assert isinstance(r, Section)
            lines += [f"## {r.heading}", "", r.text.strip(), ""]
        lines += [f"Reviewed {first.reviewed}. Sources:", *_md_refs(first.references), ""]
    else:
        for r in records:
            lines += _md_record(r)
    lines += ["---", "", f"*{' '.join(disclaimer.split())}*", ""]
    return "\n".join(lines)
