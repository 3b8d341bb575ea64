"""What the index holds, by title: for the command palette, the intro counts and the nutrient links.

Loaded from the engine in a worker after every index update, never on a keystroke.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from kb.engine import KnowledgeBase
from kb.model.records import Faq, Nutrient, Section
from kb.tui.history import Location


@dataclass(frozen=True)
class Entry:
    """One thing the palette can open: ``label`` is matched, ``where`` says what kind it is."""

    label: str
    where: str
    target: Location


@dataclass(frozen=True)
class Catalog:
    counts: dict[str, int] = field(default_factory=dict)
    nutrients: tuple[tuple[str, str], ...] = ()  # (slug, name), by name
    entries: tuple[Entry, ...] = ()

    def nutrient_name(self, slug: str) -> str:
        return dict(self.nutrients).get(slug, slug)


def load_catalog(engine: KnowledgeBase) -> Catalog:
    """Every nutrient, article, section and FAQ in the index, by title."""
    records = engine.records()
    counts = Counter(r.kind for r in records)
    nutrients = sorted(((r.slug, r.name) for r in records if isinstance(r, Nutrient)),
                       key=lambda pair: pair[1].lower())
    entries: list[Entry] = []
    first_section: dict[str, Section] = {}
    for r in records:
        if isinstance(r, Nutrient):
            names = f" ({', '.join(r.aliases)})" if r.aliases else ""
            entries.append(Entry(r.name + names, f"nutrient - {r.category}", Location("nutrient", r.slug)))
        elif isinstance(r, Faq):
            entries.append(Entry(r.question, "FAQ", Location("record", r.id)))
        elif isinstance(r, Section):
            label = f"{r.article_title}: {r.heading}"
            entries.append(Entry(label, "article section", Location("record", r.id)))
            best = first_section.get(r.article_slug)
            if best is None or r.line < best.line:
                first_section[r.article_slug] = r
    for s in first_section.values():
        entries.append(Entry(s.article_title, "article", Location("article", s.article_slug)))
    order = {"nutrient": 0, "article": 1, "FAQ": 2}
    entries.sort(key=lambda e: (order.get(e.where.split(" ")[0], 3), e.label.lower()))
    return Catalog(dict(counts), tuple(nutrients), tuple(entries))
