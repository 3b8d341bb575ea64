"""Markdown documents for the preview and the nutrient pane, built from records.

Fields that the corpus writes in Markdown (section text, FAQ answers, a nutrient's role) are passed through;
plain fields (names, list items, table cells) are escaped so they stay text. Either way the Markdown widget
shows text literally: nothing here is Textual markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kb.records import Faq, Nutrient, Record, Reference, Section
from kb.snippets import find_spans

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


def _window(text: str, terms: Iterable[str], path: str, line: int) -> list[str]:
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


def record_page(record: Record, terms: Iterable[str] = ()) -> str:
    """The preview of one record: a section's text, an FAQ's answer, or a nutrient's summary.

    ``terms`` (a response's) choose which part of a very long text is shown (see :data:`PREVIEW_CHARS`).
    """
    terms = tuple(terms)
    if isinstance(record, Section):
        lines = [*_window(record.text.strip(), terms, record.path, record.line), *_references(record.references)]
    elif isinstance(record, Faq):
        lines = [*_window(record.answer.strip(), terms, record.path, record.line),
                 *_references(record.references)]
    else:
        lines = nutrient_summary(record)
    return "\n".join(lines) + "\n"


def nutrient_summary(n: Nutrient) -> list[str]:
    """The short form of a nutrient used when it is a search result."""
    return [
        n.summary.strip(), "",
        "## Role in muscles and nerves", "", n.muscle_nerve_role.strip(), "",
        f"## Deficiency: {md_escape(n.deficiency.name)}", "",
        *[f"- {md_escape(s)}" for s in n.deficiency.signs], "",
        "## When to see a doctor", "", n.see_doctor.strip(),
    ]


def nutrient_page(n: Nutrient) -> str:
    """Everything about one nutrient, in the order a reader wants it."""
    intake = n.intake
    lines = [
        n.summary.strip(), "",
        "## Role in muscles and nerves", "", n.muscle_nerve_role.strip(), "",
        "## Food sources", "", *[f"- {md_escape(f)}" for f in n.food_sources], "",
        f"## Deficiency: {md_escape(n.deficiency.name)}", "", "Signs:", "",
        *[f"- {md_escape(s)}" for s in n.deficiency.signs], "",
        f"## Adult intake ({md_escape(intake.measure)})", "",
        f"| Group | {md_escape(intake.measure)} |", "| --- | --- |",
        *[f"| {md_escape(r.group)} | {r.amount:g} {md_escape(intake.unit)} |" for r in intake.adults], "",
        f"Upper limit: {md_escape(intake.upper_limit)}", "",
    ]
    if n.at_risk:
        lines += ["## Who is at risk", "", *[f"- {md_escape(g)}" for g in n.at_risk], ""]
    lines += ["## Too much", "", n.excess.strip(), "", "## When to see a doctor", "", n.see_doctor.strip()]
    lines += _references(n.references)
    return "\n".join(lines) + "\n"
