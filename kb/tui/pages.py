"""Markdown documents for the preview and the nutrient pane, built from records.

Fields that the corpus writes in Markdown (section text, FAQ answers, a nutrient's role) are passed through;
plain fields (names, list items, table cells) are escaped so they stay text. Either way the Markdown widget
shows text literally: nothing here is Textual markup.
"""

from __future__ import annotations

import re

from kb.records import Faq, Nutrient, Record, Reference, Section

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


def record_page(record: Record) -> str:
    """The preview of one record: a section's text, an FAQ's answer, or a nutrient's summary."""
    if isinstance(record, Section):
        lines = [record.text.strip(), *_references(record.references)]
    elif isinstance(record, Faq):
        lines = [record.answer.strip(), *_references(record.references)]
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
