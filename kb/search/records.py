"""The records of one index generation: by document number (decoded once for the recent hits), id, file, kind
and nutrient, the values of a keyword field, and the records linked to a nutrient ranked by how much they are
about it."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from whoosh.searching import Searcher

from kb.index import documents
from kb.model.records import Nutrient, Record
from kb.search.docsets import Bits, DocSets
from kb.search.plan import stems
from kb.search.ranking import Ranker

RECORD_CACHE = 1024  # decoded hits: typing shows the same top results keystroke after keystroke


class Records:
    """Reads records from one searcher; not thread-safe (the engine serialises calls)."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self._values: dict[str, list[str]] = {}
        self.record = lru_cache(maxsize=RECORD_CACHE)(self._record_uncached)

    def _record_uncached(self, docnum: int) -> Record:
        """The record stored with ``docnum`` (``record`` decodes it once per searcher, for the recent hits)."""
        return documents.load(self.searcher.reader().stored_fields(docnum)["data"])

    def plain_text(self, docnum: int) -> str:
        """A document's plain text and title (the surface words of its record)."""
        record = self.record(docnum)
        return documents.plain_of(record) + " " + record.title

    def get(self, record_id: str) -> Record | None:
        fields = self.searcher.document(id=record_id)
        return documents.load(fields["data"]) if fields else None

    def all(self) -> list[Record]:
        return [documents.load(f["data"]) for f in self.searcher.reader().all_stored_fields()]

    def in_file(self, path: str) -> list[Record]:
        """Every record indexed from one corpus file (an article's sections), in file order."""
        records = [documents.load(f["data"]) for f in self.searcher.documents(path=path)]
        return sorted(records, key=lambda r: r.line)

    def of_kind(self, kind: str) -> list[Record]:
        """Every record of one kind (nutrients are few: this is what resolving a nutrient's name reads)."""
        return [documents.load(f["data"]) for f in self.searcher.documents(kind=kind)]

    def linked_to(self, slug: str) -> list[Record]:
        docs = self.searcher.documents(nutrients=slug)
        return [documents.load(f["data"]) for f in docs]

    def values(self, fieldname: str) -> list[str]:
        """Every value of a keyword field (kind, nutrients, tags) in this index, sorted (kept: do not change)."""
        if fieldname not in self._values:
            reader = self.searcher.reader()
            self._values[fieldname] = sorted(
                t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon(fieldname))
        return self._values[fieldname]

    def field_values(self, fieldname: str) -> list[str]:
        """:meth:`values`, a copy the caller may keep."""
        return list(self.values(fieldname))


def linked_ranked(records: Records, docsets: DocSets, ranker: Ranker, nutrient: Nutrient
                  ) -> list[tuple[Record, float]]:
    """The sections and FAQs linked to ``nutrient``, most about it first, with that strength.

    Strength is the text score of the nutrient's name or best alias in the record (BM25F, so a title
    naming it counts most), shared among the nutrients the record is linked to (divided by the square root
    of their number: a section on magnesium alone is more about magnesium than one on five minerals);
    a title naming the nutrient puts the record above every one whose title does not. Records linked only
    by their front matter score 0 and follow, in id order.
    """
    linked = docsets.term("nutrients", nutrient.slug) & docsets.live()
    alts = list(dict.fromkeys(frozenset(st) for name in (nutrient.name, *nutrient.aliases) if (st := stems(name))))
    score = ranker.score([alts], [[1.0] * len(alts)], {}) if alts else np.zeros(ranker.size, np.float32)
    in_title = 0
    for alt in alts:
        every = -1
        for t in alt:
            every &= docsets.term("title", t).value
        in_title |= every
    titled = ranker.mask(Bits(in_title))
    offset = float(score.max(initial=0.0)) + 1
    out = []
    for d in linked:
        record = records.record(d)
        if isinstance(record, Nutrient):
            continue
        strength = float(score[d]) / max(1, len(record.nutrients)) ** 0.5 + (offset if titled[d] else 0.0)
        out.append((record, strength))
    out.sort(key=lambda rs: (-rs[1], rs[0].id))
    return out


def nutrient_names(records: list[Record]) -> dict[str, str]:
    """``{name: slug}`` for each nutrient's slug, name and aliases, lowercased, with hyphens read as spaces: what
    a person may type for a nutrient."""
    names: dict[str, str] = {}
    for n in (r for r in records if isinstance(r, Nutrient)):
        for name in (n.slug, n.name, *n.aliases):
            names.setdefault(" ".join(name.lower().replace("-", " ").split()), n.slug)
    return names
