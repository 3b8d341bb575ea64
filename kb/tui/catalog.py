"""What the index holds, by title: for the command palette, the intro counts, the nutrient links and the nutrient
browser.

Loaded in two steps after every index update, never on a keystroke: :func:`load_overview` (the counts by kind and
the nutrients, decoding only the nutrient records) before the first screen is ready, then :func:`fill_catalog`
(every title, from the fields the index stores beside the records, decoding none) in a worker after it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from kb.engine import KnowledgeBase, NutrientSummary, overview, stored_fields
from kb.model.records import Nutrient
from kb.tui.history import Location

ORDER = {"nutrient": 0, "article": 1, "FAQ": 2}  # the palette lists nutrients first, then articles and sections


@dataclass(frozen=True)
class Entry:
    """One thing the palette can open: ``label`` is matched, ``where`` says what kind it is."""

    label: str
    where: str
    target: Location


@dataclass(frozen=True)
class Catalog:
    """``complete`` once the titles (``entries``) and the nutrient ``summaries`` of this index are in; until then
    they are the previous index's (none at start-up)."""

    counts: dict[str, int] = field(default_factory=dict)
    nutrients: tuple[tuple[str, str], ...] = ()  # (slug, name), by name
    entries: tuple[Entry, ...] = ()
    summaries: tuple[NutrientSummary, ...] = ()  # by name, with how many sections and FAQs link to each
    complete: bool = False
    nutrient_records: tuple[Nutrient, ...] = ()

    def nutrient_name(self, slug: str) -> str:
        return dict(self.nutrients).get(slug, slug)


def load_overview(engine: KnowledgeBase, previous: Catalog | None = None) -> Catalog:
    """The counts by kind and the nutrients of the index; the titles are ``previous``'s until :func:`fill_catalog`."""
    counts, records = overview(engine)
    nutrients = sorted(records, key=lambda n: (n.name.lower(), n.id))
    kept = previous or Catalog()
    return Catalog(counts, tuple((n.slug, n.name) for n in nutrients), kept.entries, kept.summaries,
                   complete=False, nutrient_records=tuple(nutrients))


def fill_catalog(engine: KnowledgeBase, overview: Catalog) -> Catalog:
    """Every nutrient, article, section and FAQ in the index, by title, and the nutrients' link counts."""
    listing = sorted(stored_fields(engine), key=lambda f: f["id"])
    entries: list[Entry] = []
    for n in sorted(overview.nutrient_records, key=lambda n: n.id):
        names = f" ({', '.join(n.aliases)})" if n.aliases else ""
        entries.append(Entry(n.name + names, f"nutrient - {n.category}", Location("nutrient", n.slug)))
    articles: dict[str, str] = {}  # slug -> title, in the order of their first section's id
    links: Counter[tuple[str, str]] = Counter()  # (nutrient slug, kind) -> linked records
    for f in listing:
        kind, record_id = f.get("kind", ""), f["id"]
        if kind == "faq":
            entries.append(Entry(f.get("title", ""), "FAQ", Location("record", record_id)))
        elif kind == "section":
            entries.append(Entry(f"{f.get('article', '')}: {f.get('title', '')}", "article section",
                                 Location("record", record_id)))
            articles.setdefault(record_id.removeprefix("article/").split("#", 1)[0], f.get("article", ""))
        if kind in ("faq", "section"):
            links.update((slug, kind) for slug in f.get("nutrients", "").split(",") if slug)
    entries += [Entry(title, "article", Location("article", slug)) for slug, title in articles.items()]
    entries.sort(key=lambda e: (ORDER.get(e.where.split(" ")[0], 3), e.label.lower()))
    summaries = tuple(NutrientSummary(n.slug, n.name, n.category, links[n.slug, "section"], links[n.slug, "faq"])
                      for n in overview.nutrient_records)
    counts = dict(Counter(f.get("kind", "") for f in listing))
    return replace(overview, counts=counts, entries=tuple(entries), summaries=summaries, complete=True)


def load_catalog(engine: KnowledgeBase) -> Catalog:
    """Both steps at once (what a caller that can wait uses)."""
    return fill_catalog(engine, load_overview(engine))
