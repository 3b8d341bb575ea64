"""What a face lists before anyone searches, read cheaply: records by kind and the nutrient records (decoding
only those), and the fields stored beside every record (decoding none). :mod:`kb.engine` re-exports both; the TUI
shows its first screen from :func:`overview` and fills its palette and nutrient browser from :func:`stored_fields`
in the background.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from whoosh.query import Term

from kb.index.store import open_current
from kb.model.errors import KbError
from kb.model.records import Nutrient

if TYPE_CHECKING:
    from kb.engine import KnowledgeBase
    from kb.search.searcher import IndexSearcher

SKIPPED = ("data", "stamp")  # the record's JSON (what decoding costs) and the manifest's stamp


class ListingFailed(KbError):
    """The index could not be read for a listing (missing, swapped away or damaged); nothing was rebuilt."""


def overview(kb: KnowledgeBase) -> tuple[dict[str, int], list[Nutrient]]:
    """The number of records of each kind, and every nutrient record, decoding no other record."""
    def glance(s: IndexSearcher) -> tuple[dict[str, int], list[Nutrient]]:
        counts = {k: sum(1 for _ in s.searcher.docs_for_query(Term("kind", k))) for k in s.records.values("kind")}
        return counts, [r for r in s.records.of_kind("nutrient") if isinstance(r, Nutrient)]

    return kb._use(glance)  # noqa: SLF001 - the engine's serialised, damage-surviving access to its searcher


def stored_fields(kb: KnowledgeBase) -> list[dict[str, str]]:
    """What the index stores beside each record - id, kind, title, article (a section's article title), path and
    nutrients (comma-separated) - decoding no record (a fraction of ``KnowledgeBase.records``).

    Reads through a reader of its own on the serving generation, so the engine's searches go on meanwhile.

    Raises:
        ListingFailed: the index could not be read (the caller keeps what it had).
    """
    try:
        ix, _ = open_current(kb.index_dir, touch=False)
        with ix.reader() as reader:
            return [{k: v for k, v in f.items() if k not in SKIPPED} for f in reader.all_stored_fields()]
    except Exception as exc:  # noqa: BLE001 - any failure to read the index: say so, rebuild nothing
        raise ListingFailed(f"could not list the index ({type(exc).__name__}: {exc})") from exc
