"""The second peer: tantivy (Rust, ``pip install tantivy``) over the same records kb indexes.

Set up the way a Python user would set up a well-tuned BM25 engine: tantivy's ``en_stem`` tokenizer (lowercase,
Porter stemming), BM25 with Lucene's idf, the title boosted as kb weights it (title 3, article title 1.5, body 1,
names 1.5, tags 1), and kb's stop words dropped from the query (the "query stop words" of a well set-up BM25).
Words are OR-ed, as in kb. No spelling correction and no synonyms: tantivy has neither built in.

tantivy is an optional benchmark dependency (``pip install -e '.[bench]'``); nothing in ``kb`` imports it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

BOOSTS = {"title": 3.0, "article": 1.5, "body": 1.0, "names": 1.5, "tags": 1.0}
_WORDS = re.compile(r"\w+", re.UNICODE)


class TantivyPeer:
    """An in-memory tantivy index of kb records, answering ranked queries."""

    def __init__(self, records: Iterable, stop_words: Iterable[str] = ()) -> None:
        import tantivy

        from kb.index.documents import plain_of
        from kb.model.records import Nutrient, Section

        self._tantivy = tantivy
        self.stop = frozenset(stop_words)
        sb = tantivy.SchemaBuilder()
        for name in BOOSTS:
            sb.add_text_field(name, stored=False, tokenizer_name="en_stem")
        sb.add_text_field("rid", stored=True, tokenizer_name="raw")
        sb.add_text_field("kind", stored=True, tokenizer_name="raw")
        self.index = tantivy.Index(sb.build())
        writer = self.index.writer(heap_size=64_000_000, num_threads=1)
        for r in records:
            names = [r.name, *r.aliases, r.deficiency.name] if isinstance(r, Nutrient) else []
            writer.add_document(tantivy.Document(
                title=r.title, article=r.article_title if isinstance(r, Section) else "", body=plain_of(r),
                names=" ".join(names), tags=" ".join(r.tags), rid=r.id, kind=r.kind))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def query_text(self, text: str) -> str:
        """The words typed, stop words dropped, each quoted so tantivy's query syntax never trips on them."""
        words = [w for w in _WORDS.findall(text.lower()) if w not in self.stop]
        return " ".join(f'"{w}"' for w in words)

    def search(self, text: str, limit: int = 10) -> list[str]:
        """The ids of the top ``limit`` records for what was typed."""
        q = self.query_text(text)
        if not q:
            return []
        query, _errors = self.index.parse_query_lenient(q, list(BOOSTS), field_boosts=BOOSTS)
        hits = self.searcher.search(query, limit).hits
        return [self.searcher.doc(addr)["rid"][0] for _score, addr in hits]
