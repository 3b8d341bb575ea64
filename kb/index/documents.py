"""Records <-> index documents: what each record contributes to each field, and its stored JSON form.

The full record is stored as JSON so a result, ``kb show`` and the TUI's panes need no corpus parsing, and so a
full rebuild can carry over the last good version of a file that currently fails validation.
"""

from __future__ import annotations

import json
from typing import Any

from kb.model.records import (
    BloodTest,
    BloodTests,
    Deficiency,
    Excess,
    Faq,
    FoodSource,
    IntakeRow,
    Intakes,
    Interaction,
    LimitRow,
    Nutrient,
    OtherLimit,
    Record,
    Reference,
    Section,
    UpperLimits,
)


def _figure(value: float | None, unit: str) -> str:
    return "not established" if value is None else f"{value:g} {unit}"


def nutrient_plain(n: Nutrient) -> str:
    """Every searchable sentence of a nutrient record, as plain text."""
    from kb.corpus.markdown import markdown_plain

    intakes = "; ".join(
        f"{r.ages}: {r.male:g} (male), {r.female:g} (female)"
        + (f", {r.pregnancy:g} (pregnancy)" if r.pregnancy is not None else "")
        + (f", {r.lactation:g} (lactation)" if r.lactation is not None else "")
        for r in n.intakes.rows)
    ul = n.upper_limits
    limits = "; ".join(f"{r.ages}: {_figure(r.amount, ul.unit)}" for r in ul.rows)
    parts = [
        n.summary,
        "Forms: " + ", ".join(n.forms) if n.forms else "",
        markdown_plain(n.muscle_nerve_role),
        f"Intakes ({n.intakes.measure}, {n.unit} a day): {intakes}." if n.intakes.rows else "",
        n.intakes.note,
        f"Upper limit ({ul.measure}, {ul.applies_to}): {limits}. {ul.note}" if ul.measure else "",
        *[f"{o.body}: {o.text}" for o in ul.other],
        "Food sources: " + "; ".join(f"{s.food}, {s.serving}: {s.amount:g} {n.unit}" for s in n.food_sources),
        n.food_note,
        "Blood tests: " + "; ".join(f"{t.name} ({t.range}): {t.shows}" for t in n.blood_tests.tests),
        n.blood_tests.note,
        "Medicines: " + "; ".join(f"{i.medicine}: {i.effect}" for i in n.interactions),
        f"Deficiency ({n.deficiency.name}): " + ", ".join(n.deficiency.signs),
        f"Too much{f' ({n.excess.name})' if n.excess.name else ''}: " + ", ".join(n.excess.signs),
        n.excess.text,
        "At risk: " + ", ".join(n.at_risk),
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
        names = [*nutrient_names.get(record.slug, list(record.names)), record.deficiency.name]
        if record.excess.name:
            names.append(record.excess.name)
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
        "care": record.care or "",
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


def _nutrient(d: dict[str, Any]) -> Nutrient:
    i, u, b, x = d["intakes"], d["upper_limits"], d["blood_tests"], d["excess"]
    d["intakes"] = Intakes(i["measure"], tuple(IntakeRow(**r) for r in i["rows"]), i["note"])
    d["upper_limits"] = UpperLimits(u["measure"], u["applies_to"], u["note"], u["unit"],
                                    tuple(LimitRow(**r) for r in u["rows"]),
                                    tuple(OtherLimit(**o) for o in u["other"]))
    d["food_sources"] = tuple(FoodSource(**r) for r in d["food_sources"])
    d["blood_tests"] = BloodTests(tuple(BloodTest(**t) for t in b["tests"]), b["note"])
    d["interactions"] = tuple(Interaction(**r) for r in d["interactions"])
    d["deficiency"] = Deficiency(d["deficiency"]["name"], tuple(d["deficiency"]["signs"]))
    d["excess"] = Excess(x["name"], tuple(x["signs"]), x["text"])
    return Nutrient(**d)


def load(text: str) -> Record:
    """Rebuild a record from its stored JSON."""
    d = json.loads(text)
    kind = d.pop("kind")
    d["references"] = _refs(d.get("references", []))
    for key in ("tags", "declared_nutrients", "nutrients", "aliases", "forms", "at_risk", "section_nutrients"):
        if key in d:
            d[key] = tuple(d[key])
    if kind == "section":
        return Section(**d)
    if kind == "faq":
        return Faq(**d)
    return _nutrient(d)
