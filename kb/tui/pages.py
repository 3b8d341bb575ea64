"""Markdown documents for the preview and the nutrient pane, built from records.

Fields that the corpus writes in Markdown (section text, FAQ answers, a nutrient's role) are passed through;
plain fields (names, list items, table cells) are escaped so they stay text. Either way the Markdown widget
shows text literally: nothing here is Textual markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kb.engine import find_spans
from kb.model.records import Nutrient, Reference

#: The longest text a preview lays out: Textual's Markdown takes seconds of the app's thread for a 2 MB section
#: (a record may hold 2 MiB), so a longer one is shown as a window around its first match.
PREVIEW_CHARS = 10_000

_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&])")


def md_escape(text: str) -> str:
    """Plain text made safe to place in Markdown: every punctuation mark Markdown uses is escaped."""
    return _PUNCT.sub(r"\\\1", " ".join(text.split()))


def _url(url: str) -> str:
    # a link destination in <...> may hold anything but line breaks and angle brackets
    return "<" + re.sub(r"[<>\s]", "", url) + ">"


def _references(refs: tuple[Reference, ...]) -> list[str]:
    if not refs:
        return []
    lines = ["", "## References", ""]
    for r in refs:
        lines.append(f"- [{md_escape(r.title)}]({_url(r.url)}) - {md_escape(r.publisher)}")
    return lines


def text_window(text: str, terms: Iterable[str], path: str, line: int) -> list[str]:
    """``text``, or for a text over :data:`PREVIEW_CHARS` the part of it around its first match, with a note."""
    if len(text) <= PREVIEW_CHARS:
        return [text]
    spans = find_spans(text, terms)
    first = spans[0][0] if spans else 0
    lo = max(0, first - PREVIEW_CHARS // 10)
    if lo:  # start at a paragraph, a line or at least a word
        for sep in ("\n\n", "\n", " "):
            at = text.rfind(sep, max(0, lo - 2000), first)
            if at >= 0:
                lo = at + len(sep)
                break
    hi = min(len(text), lo + PREVIEW_CHARS)
    if hi < len(text):
        at = text.rfind(" ", lo, hi)
        hi = at if at > first else hi
    note = (f"*This text is long: the preview shows characters {lo + 1:,} to {hi:,} of {len(text):,}. The whole "
            f"text is in {md_escape(path)} (line {line}); e opens it.*")
    return [note, "", ("… " if lo else "") + text[lo:hi] + (" …" if hi < len(text) else ""), "", note]


def nutrient_summary(n: Nutrient) -> list[str]:
    """The short form of a nutrient used when it is a search result."""
    return [
        n.summary.strip(), "",
        "## Role in muscles and nerves", "", n.muscle_nerve_role.strip(), "",
        f"## Deficiency: {md_escape(n.deficiency.name)}", "",
        *[f"- {md_escape(s)}" for s in n.deficiency.signs], "",
        "## When to see a doctor", "", n.see_doctor.strip(),
    ]


def _n(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table of already-escaped cells."""
    return [f"| {' | '.join(headers)} |", f"|{'|'.join(' --- ' for _ in headers)}|",
            *[f"| {' | '.join(r)} |" for r in rows], ""]


def intake_table(n: Nutrient) -> list[str]:
    rows = [[md_escape(r.ages), md_escape(r.measure), _n(r.male), _n(r.female), _n(r.pregnancy),
             _n(r.lactation)] for r in n.intakes.rows]
    return _table(["Ages", "Measure", "Male", "Female", "Pregnancy", "Lactation"], rows)


def limit_table(n: Nutrient) -> list[str]:
    ul = n.upper_limits
    unit = md_escape(ul.unit or n.unit)
    extra = any(r.pregnancy is not None or r.lactation is not None for r in ul.rows)
    rows = [[md_escape(r.ages), "not established" if r.amount is None else f"{r.amount:g} {unit}"]
            + ([_n(r.pregnancy), _n(r.lactation)] if extra else []) for r in ul.rows]
    return _table(["Ages", "Limit"] + (["Pregnancy", "Lactation"] if extra else []), rows) if rows else []


def food_table(n: Nutrient) -> list[str]:
    rows = []
    for f in n.food_sources:
        dv = n.percent_dv(f.amount)
        rows.append([md_escape(f.food), md_escape(f.serving), f"{f.amount:g} {md_escape(n.unit)}",
                     "-" if dv is None else f"{dv}%"])
    return _table(["Food", "Serving", "Amount", "%DV"], rows)


def nutrient_page(n: Nutrient) -> str:
    """Everything about one nutrient, in the order a reader wants it; the figures as tables."""
    ul = n.upper_limits
    unit = md_escape(n.unit)
    lines = [n.summary.strip(), ""]
    if n.forms:
        lines += [f"Forms: {md_escape(', '.join(n.forms))}", ""]
    lines += [
        "## Role in muscles and nerves", "", n.muscle_nerve_role.strip(), "",
        f"## Intakes by life stage ({unit} a day)", "", *intake_table(n),
    ]
    if n.intakes.note:
        lines += [md_escape(n.intakes.note), ""]
    lines += [f"## Upper limits ({md_escape(ul.measure)}, {md_escape(ul.unit or n.unit)} a day)", "",
              f"The limit {ul.applies_text}.", "", *limit_table(n), md_escape(ul.note), ""]
    lines += [f"- {md_escape(o.body)}: {md_escape(o.text)}" for o in ul.other]
    lines += ["", f"## Food sources (Daily Value {n.daily_value:g} {unit})", "", *food_table(n)]
    if n.food_note:
        lines += [md_escape(n.food_note), ""]
    lines += ["## Blood tests", "",
              *_table(["Test", "Typical adult range", "What it shows"],
                      [[md_escape(t.name), md_escape(t.range), md_escape(t.shows)] for t in n.blood_tests.tests]),
              md_escape(n.blood_tests.note), "",
              "## Medicines that interact", "",
              *[f"- {md_escape(i.medicine)}: {md_escape(i.effect)}" for i in n.interactions], "",
              f"## Deficiency: {md_escape(n.deficiency.name)}", "", "Signs:", "",
              *[f"- {md_escape(s)}" for s in n.deficiency.signs], "",
              "## Too much" + (f": {md_escape(n.excess.name)}" if n.excess.name else ""), "",
              *[f"- {md_escape(s)}" for s in n.excess.signs], "", n.excess.text.strip(), ""]
    if n.at_risk:
        lines += ["## Who is at risk", "", *[f"- {md_escape(g)}" for g in n.at_risk], ""]
    lines += ["## When to see a doctor", "", n.see_doctor.strip()]
    lines += _references(n.references)
    return "\n".join(lines) + "\n"
