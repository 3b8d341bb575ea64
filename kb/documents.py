"""Records <-> index documents: what each record contributes to each field, and its stored JSON form.

The full record is stored as JSON so a result, ``kb show`` and the TUI's panes need no corpus parsing, and so a
full rebuild can carry over the last good version of a file that currently fails validation.
"""

from __future__ import annotations

import json
from typing import Any

from kb.records import Deficiency, Faq, Intake, IntakeRow, Nutrient, Record, Reference, Section


def nutrient_plain(n: Nutrient) -> str:
    """Every searchable sentence of a nutrient record, as plain text."""
    from kb.markdown import markdown_plain

    intake = "; ".join(f"{r.group}: {r.amount:g} {n.intake.unit}" for r in n.intake.adults)
    parts = [
        n.summary,
        markdown_plain(n.muscle_nerve_role),
        "Food sources: " + ", ".join(n.food_sources),
        f"Deficiency ({n.deficiency.name}): " + ", ".join(n.deficiency.signs),
        f"Adult intake ({n.intake.measure}): {intake}. Upper limit: {n.intake.upper_limit}",
        "At risk: " + ", ".join(n.at_risk),
        n.excess,
        n.see_doctor,
    ]
    return "\n".join(p for p in parts if p)


def plain_of(record: Record) -> str:
    """The plain text a record is searched and snippeted on."""
    if isinstance(record, Nutrient):
        return nutrient_plain(record)
    return record.plain


def to_document(record: Record, nutrient_names: dict[str, list[str]], stamp: list[Any]) -> dict[str, Any]:
    """The Whoosh document for ``record``.

    Args:
        nutrient_names: slug -> name and aliases, for the ``names`` field of nutrient records.
        stamp: [mtime_ns, size, digest] of the record's source file (kept to rebuild the manifest).
    """
    # a nutrient's own names and aliases; sections and FAQs reach them through synonyms.yaml and their links
    # (indexing every linked nutrient's aliases into every section cost a quarter of all postings)
    names: list[str] = []
    if isinstance(record, Nutrient):
        names = [*nutrient_names.get(record.slug, [record.name, *record.aliases]), record.deficiency.name]
    return {
        "id": record.id,
        "kind": record.kind,
        "path": record.path,
        "title": record.title,
        "article": record.article_title if isinstance(record, Section) else "",
        "body": plain_of(record),
        "names": " ".join(names),
        "nutrients": ",".join(record.nutrients),
        "tags": ",".join(record.tags),
        "stamp": stamp,
        "data": dump(record),
    }


def _plain(obj: Any) -> Any:
    return obj.__dict__  # nested records (references, intake rows) are plain dataclasses


def dump(record: Record) -> str:
    """The record as compact JSON (``dataclasses.asdict`` deep-copies; this is on the build path)."""
    return json.dumps({**record.__dict__, "kind": record.kind}, ensure_ascii=False, separators=(",", ":"),
                      default=_plain)


def _refs(items: list[dict[str, str]]) -> tuple[Reference, ...]:
    return tuple(Reference(**r) for r in items)


def load(text: str) -> Record:
    """Rebuild a record from its stored JSON."""
    d = json.loads(text)
    kind = d.pop("kind")
    d["references"] = _refs(d.get("references", []))
    for key in ("tags", "declared_nutrients", "nutrients", "aliases", "food_sources", "at_risk"):
        if key in d:
            d[key] = tuple(d[key])
    if kind == "section":
        return Section(**d)
    if kind == "faq":
        return Faq(**d)
    d["deficiency"] = Deficiency(d["deficiency"]["name"], tuple(d["deficiency"]["signs"]))
    i = d["intake"]
    d["intake"] = Intake(i["measure"], i["unit"], tuple(IntakeRow(**r) for r in i["adults"]), i["upper_limit"])
    return Nutrient(**d)
